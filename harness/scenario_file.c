/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog.h"
#include "install_paths.h"
#include "scenario_file.h"

extern char **environ;

/* How each program was built, from configure (Makefile.am passes them):
 * the scenario files are compiled the same way, or their objects would not
 * load (a TSan-built host needs instrumented code; gcc's runtime, gcc's). */
typedef struct {
    const char *program;  /* the program's file name */
    const char *cc, *flags;
} flavour;

static const flavour flavours[] = {
    {"threadlab", TL_FILE_CC, TL_FILE_CFLAGS},
    {"threadlab-host", TL_FILE_CC, TL_FILE_CFLAGS},
    {"threadlab-host-tsan", TL_FILE_CC, TL_FILE_TSAN_CFLAGS},
    {"threadlab-host-tsan-gcc", TL_FILE_GCC_TSAN, TL_FILE_GCC_TSAN_CFLAGS},
};
enum { NFLAVOURS = sizeof flavours / sizeof flavours[0], MAX_FILES = 8, MAX_ARGS = 64 };

static const char *files[MAX_FILES];
static size_t nfiles;
static char objects[MAX_FILES][NFLAVOURS][PATH_MAX];
static char tmpdir[PATH_MAX];

static void remove_objects(void)
{
    for (size_t f = 0; f < nfiles; f++)
        for (size_t k = 0; k < NFLAVOURS; k++)
            if (objects[f][k][0])
                unlink(objects[f][k]);
    if (tmpdir[0])
        rmdir(tmpdir);
}

/* The folders the lab's headers are in: the source tree threadlab was
 * built from, else the include folder of the installed tree it is in. */
static bool header_dirs(char harness[PATH_MAX], char primitives[PATH_MAX])
{
    snprintf(harness, PATH_MAX, "%s/harness", TL_SRCDIR);
    snprintf(primitives, PATH_MAX, "%s/primitives", TL_SRCDIR);
    char probe[PATH_MAX + 16];
    snprintf(probe, sizeof probe, "%s/tl_scenario.h", harness);
    if (access(probe, R_OK) == 0)
        return true;
    char self[PATH_MAX], inc[PATH_MAX] = "";
    if (tl_install_self_dir(self, sizeof self))
        tl_install_relocated(self, TL_PKGINCLUDEDIR, inc, sizeof inc);
    const char *dirs[] = {inc, TL_PKGINCLUDEDIR};
    for (size_t i = 0; i < 2; i++) {
        snprintf(probe, sizeof probe, "%s/tl_scenario.h", dirs[i]);
        if (dirs[i][0] && access(probe, R_OK) == 0) {
            snprintf(harness, PATH_MAX, "%s", dirs[i]);
            snprintf(primitives, PATH_MAX, "%s", dirs[i]);
            return true;
        }
    }
    return false;
}

/* Splits `text` at spaces into argv[*n...]; the words stay in `store`. */
static void split(const char *text, char *store, size_t size, char **argv, size_t *n)
{
    snprintf(store, size, "%s", text);
    for (char *w = strtok(store, " "); w && *n < MAX_ARGS - 12; w = strtok(NULL, " "))
        argv[(*n)++] = w;
}

/* Compiles file f for flavour k into its object; the compiler's messages
 * go to our stderr as they come. */
static bool compile(size_t f, size_t k, char *why, size_t size)
{
    const flavour *fl = &flavours[k];
    if (!fl->cc[0]) {
        snprintf(why, size, "--file %s: %s is not built here", files[f], fl->program);
        return false;
    }
    if (!tmpdir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/threadlab-file-XXXXXX", t && t[0] ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
            snprintf(why, size, "--file: cannot make a temporary folder: %s", strerror(errno));
            tmpdir[0] = '\0';
            return false;
        }
        atexit(remove_objects);
    }
    char harness[PATH_MAX], primitives[PATH_MAX];
    if (!header_dirs(harness, primitives)) {
        snprintf(why, size, "--file %s: the lab's headers are neither in %s nor installed in %s",
                 files[f], TL_SRCDIR, TL_PKGINCLUDEDIR);
        return false;
    }
    snprintf(objects[f][k], PATH_MAX, "%s/%zu-%s.so", tmpdir, f, fl->program);
    static char ccw[PATH_MAX], flagw[1024];
    char inc1[PATH_MAX + 2], inc2[PATH_MAX + 2];
    char *argv[MAX_ARGS];
    size_t n = 0;
    split(fl->cc, ccw, sizeof ccw, argv, &n);
    split(fl->flags, flagw, sizeof flagw, argv, &n);
    snprintf(inc1, sizeof inc1, "-I%s", harness);
    snprintf(inc2, sizeof inc2, "-I%s", primitives);
    char *more[] = {"-fPIC", "-shared", "-DTL_SCENARIO_DSO", inc1, inc2, "-o", objects[f][k],
                    (char *)files[f]};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        argv[n++] = more[i];
    argv[n] = NULL;
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    int status = 0;
    if (rc == 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, size, "--file %s: does not compile for %s (%s%s%s)", files[f],
                 fl->program, argv[0], rc ? ": " : " failed; its messages are above",
                 rc ? strerror(rc) : "");
        objects[f][k][0] = '\0';
        return false;
    }
    return true;
}

static size_t flavour_of(const char *program)
{
    for (size_t k = 0; k < NFLAVOURS; k++)
        if (strcmp(flavours[k].program, program) == 0)
            return k;
    return NFLAVOURS;
}

bool tl_scenario_file_add_for_hosts(const char *src, char *why, size_t size)
{
    if (nfiles == MAX_FILES) {
        snprintf(why, size, "--file %s: at most %d files", src, MAX_FILES);
        return false;
    }
    if (access(src, R_OK) != 0) {
        snprintf(why, size, "--file %s: %s", src, strerror(errno));
        return false;
    }
    files[nfiles++] = src;
    return true;
}

bool tl_scenario_file_add(const char *src, char *why, size_t size)
{
    if (!tl_scenario_file_add_for_hosts(src, why, size))
        return false;
    size_t f = nfiles - 1;
    if (!compile(f, flavour_of("threadlab"), why, size))
        return false;
    char loadwhy[512];
    if (!tl_catalog_load(objects[f][flavour_of("threadlab")], loadwhy, sizeof loadwhy)) {
        snprintf(why, size, "--file %s: %s", src, loadwhy);
        return false;
    }
    return true;
}

bool tl_scenario_files_any(void)
{
    return nfiles > 0;
}

bool tl_scenario_files_for_host(const char *host, char *why, size_t size)
{
    size_t k = flavour_of(host);
    if (k == NFLAVOURS) {
        snprintf(why, size, "--file: no way known to build scenario files for %s", host);
        return false;
    }
    for (size_t f = 0; f < nfiles; f++)
        if (!objects[f][k][0] && !compile(f, k, why, size))
            return false;
    return true;
}

size_t tl_scenario_file_objects(const char *host, const char **out, size_t max)
{
    size_t k = flavour_of(host), n = 0;
    for (size_t f = 0; k < NFLAVOURS && f < nfiles && n < max; f++)
        if (objects[f][k][0])
            out[n++] = objects[f][k];
    return n;
}
