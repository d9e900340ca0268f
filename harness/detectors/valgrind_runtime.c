/* SPDX-License-Identifier: MIT */
/* What the Valgrind backends share (valgrind_runtime.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "run_result.h"
#include "valgrind_runtime.h"
#include "valgrind_xml.h"

extern char **environ;

/* How long the probe may take: Valgrind reads the host's debug information
 * first, which takes a fraction of a second here; a machine under load gets
 * plenty more. */
#define PROBE_LIMIT_S 60

bool tl__valgrind_find(char *path, size_t size)
{
    const char *dirs = getenv("PATH");
    if (!dirs || !*dirs)
        dirs = "/usr/bin:/bin";
    while (*dirs) {
        size_t n = strcspn(dirs, ":");
        /* An empty entry of PATH is the current folder, as for the shell. */
        snprintf(path, size, "%.*s%svalgrind", (int)n, n ? dirs : ".", "/");
        if (access(path, X_OK) == 0)
            return true;
        dirs += n + (dirs[n] == ':');
    }
    return false;
}

/* The options every run gets, whichever tool. */
static size_t common_options(const tl_valgrind_tool *t, char words[][TL_DETECTOR_WORD_LEN],
                             size_t max, size_t n)
{
    const char *opts[] = {
        /* Only what the scenario's own threads do: a forked child (none of
         * the lab's scenarios forks) would write into the same XML file. */
        "--child-silent-after-fork=yes",
        /* Lock reports start in Valgrind's interceptors and the lab's lock
         * layer; the scenario's frames come after them. */
        "--num-callers=30",
    };
    snprintf(words[n++], TL_DETECTOR_WORD_LEN, "--tool=%s", t->tool);
    for (size_t i = 0; i < sizeof opts / sizeof opts[0] && n < max; i++)
        snprintf(words[n++], TL_DETECTOR_WORD_LEN, "%s", opts[i]);
    for (size_t i = 0; t->options && t->options[i] && n < max; i++)
        snprintf(words[n++], TL_DETECTOR_WORD_LEN, "%s", t->options[i]);
    return n;
}

size_t tl__valgrind_wrapper(const tl_valgrind_tool *t, char words[][TL_DETECTOR_WORD_LEN],
                            size_t max)
{
    if (max < 8 || !tl__valgrind_find(words[0], TL_DETECTOR_WORD_LEN))
        return 0;
    size_t n = common_options(t, words, max - 3, 1);
    /* The log's name is relative: the host starts in the run's folder, so
     * no user path (a --out with spaces or of 4000 characters) is pasted
     * into an option. */
    snprintf(words[n++], TL_DETECTOR_WORD_LEN, "--xml=yes");
    snprintf(words[n++], TL_DETECTOR_WORD_LEN, "--xml-file=%s", t->log);
    snprintf(words[n++], TL_DETECTOR_WORD_LEN, "--error-exitcode=%d", VALGRIND_REPORTED);
    return n;
}

/* The first line of `text` that says why Valgrind failed: one of its own
 * ("valgrind: ...", "==PID== ..."), else the first line at all; without the
 * "==PID== " prefix. "" when there is none. */
static void failure_line(const char *text, char *line, size_t size)
{
    const char *best = NULL;
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, "valgrind:", 9) == 0 || strncmp(p, "==", 2) == 0) {
            best = p;
            break;
        }
        if (!best && *p != '\n' && strncmp(p, "usage: threadlab-host", 21) != 0)
            best = p;
    }
    line[0] = '\0';
    if (!best)
        return;
    if (strncmp(best, "==", 2) == 0) {
        const char *after = strstr(best + 2, "== ");
        const char *eol = strchr(best, '\n');
        if (after && (!eol || after < eol))
            best = after + 3;
    }
    snprintf(line, size, "%.*s", (int)strcspn(best, "\n"), best);
}

/* Runs argv with stderr kept (up to `size` bytes), at most PROBE_LIMIT_S.
 * Returns the wait status, or -1 when it could not be started or took too
 * long (errno says which). */
static int run_probe(char *const argv[], char *err, size_t size)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    pid_t pid;
    int e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (e != 0) {
        close(pipefd[0]);
        errno = e;
        return -1;
    }
    size_t kept = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool late = false;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        double left = PROBE_LIMIT_S - (double)(now.tv_sec - start.tv_sec) -
                      (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) == 0) {
            late = true;
            break;
        }
        char buf[4096];
        ssize_t n = read(pipefd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = kept + 1 < size ? size - 1 - kept : 0;
        take = (size_t)n < take ? (size_t)n : take;
        memcpy(err + kept, buf, take);
        kept += take;
    }
    err[kept] = '\0';
    close(pipefd[0]);
    if (late)
        kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (late) {
        errno = ETIMEDOUT;
        return -1;
    }
    return status;
}

void tl__valgrind_version(char *out, size_t size)
{
    snprintf(out, size, "%s", TL_VALGRIND_VERSION);
}

bool tl__valgrind_available(const tl_valgrind_tool *t, const char *host, char *why, size_t size)
{
#ifndef HAVE_VALGRIND_HELGRIND_H
    /* Without the annotations the hand-built locks are unknown to Valgrind:
     * every lock-protected access would be reported as a race. */
    (void)t, (void)host;
    snprintf(why, size, "threadlab was built without <valgrind/helgrind.h>, so its hand-built "
                        "locks carry no Valgrind annotations (install valgrind's headers and "
                        "run configure again)");
    return false;
#else
    static char words[TL_DETECTOR_WRAP_MAX + 2][TL_DETECTOR_WORD_LEN];
    if (!tl__valgrind_find(words[0], sizeof words[0])) {
        snprintf(why, size, "valgrind is not on PATH (install valgrind, e.g. apt-get install "
                            "valgrind)");
        return false;
    }
    /* The same tool options as a run, without the XML log (the probe runs
     * in threadlab's own folder), and the host without arguments: it
     * prints its usage and exits 3. Anything else is Valgrind's doing, e.g.
     * debug information it cannot read ("unhandled dwarf2 abbrev form code
     * 0x25 ... Giving up": DWARF 5, exit 1). */
    size_t n = common_options(t, words, TL_DETECTOR_WRAP_MAX, 1);
    snprintf(words[n++], sizeof words[0], "-q");
    snprintf(words[n++], sizeof words[0], "%s", host);
    char *argv[TL_DETECTOR_WRAP_MAX + 3];
    for (size_t i = 0; i < n; i++)
        argv[i] = words[i];
    argv[n] = NULL;
    char err[4096], line[256];
    int status = run_probe(argv, err, sizeof err);
    if (status < 0) {
        snprintf(why, size, "%s --tool=%s %s: %s", words[0], t->tool, "(probe)",
                 errno == ETIMEDOUT ? "did not finish within a minute" : strerror(errno));
        return false;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
        return true;
    failure_line(err, line, sizeof line);
    char how[48];
    if (WIFEXITED(status))
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(how, sizeof how, "died of signal %d", WTERMSIG(status));
    snprintf(why, size, "%s --tool=%s does not run the host (%s)%s%s", words[0], t->tool, how,
             line[0] ? ": " : "", line);
    return false;
#endif
}

void tl__valgrind_collect(const tl_valgrind_tool *t, tl_run *r)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", r->dir, t->log);
    size_t len = 0;
    bool cut = false;
    char *text = tl_read_file(path, TL_DETECTOR_LOG_MAX, &len, &cut);
    if (!text)
        return; /* no log: check_environment says whether that is a failure */
    snprintf(r->detector_log, sizeof r->detector_log, "%s", t->log);
    if (cut && truncate(path, TL_DETECTOR_LOG_MAX) == 0)
        r->detector_truncated = true;
    /* Frames read "scenarios/x.c", as TSan's do with strip_path_prefix. */
    r->nfindings = tl_valgrind_parse(text, len, TL_SRCDIR "/", r->findings, TL_RUN_MAX_FINDINGS);
    free(text);
}

/* What Valgrind prints on stderr when it fails rather than the program:
 * its own fatal errors and the panics of its core. */
static const char *const valgrind_failed[] = {
    "valgrind: ",
    "Valgrind's memory management: out of memory",
    "VALGRIND INTERNAL ERROR",
    "the 'impossible' happened",
    "Fatal error at startup",
    "Giving up",
};

/* The first line of stderr.log that says Valgrind failed, or false. */
static bool find_valgrind_failure(const tl_run *r, char *line, size_t size)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/stderr.log", r->dir);
    size_t len;
    bool cut;
    char *text = tl_read_file(path, TL_CAPTURE_MAX, &len, &cut);
    if (!text)
        return false;
    const char *first = NULL;
    for (size_t i = 0; i < sizeof valgrind_failed / sizeof valgrind_failed[0]; i++) {
        for (const char *at = strstr(text, valgrind_failed[i]); at;
             at = strstr(at + 1, valgrind_failed[i])) {
            const char *start = at, *eol = strchr(at, '\n');
            while (start > text && start[-1] != '\n')
                start--;
            /* "valgrind: warning: ..." says it went on: not a failure. */
            const char *warn = strstr(start, "arning");
            if (warn && (!eol || warn < eol))
                continue;
            if (!first || start < first)
                first = start;
            break;
        }
    }
    if (first)
        failure_line(first, line, size);
    free(text);
    return first != NULL;
}

/* Whether the log ends as a whole Valgrind XML document does. */
static bool log_complete(const tl_valgrind_tool *t, const tl_run *r)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", r->dir, t->log);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char tail[128] = "";
    if (fseek(f, -(long)(sizeof tail - 1), SEEK_END) != 0)
        rewind(f);
    size_t n = fread(tail, 1, sizeof tail - 1, f);
    tail[n] = '\0';
    fclose(f);
    return strstr(tail, "</valgrindoutput>") != NULL;
}

void tl__valgrind_check_environment(const tl_valgrind_tool *t, tl_run *r)
{
    if (r->env_error[0] || r->state != TL_RUN_FINISHED)
        return;
    char line[150]; /* fits env_error with the words around it */
    bool failed = find_valgrind_failure(r, line, sizeof line);
    if (failed && tl_run_reports(r) == 0) {
        tl_run_env_error(r, "Valgrind (%s) could not run: %s", t->tool, line);
        return;
    }
    /* A host that ended by a signal (the monitor's SIGKILL, a deadline, a
     * crash) leaves Valgrind no time to close its log: only a normal exit
     * promises a whole one. */
    if (!r->exited)
        return;
    if (r->exit_status == 127 || r->exit_status == 1) {
        /* The host exits 0 or 3; 127 is a program that could not be
         * executed, 1 is Valgrind's own failure. */
        tl_run_env_error(r, "Valgrind (%s) could not run the host: exit status %d%s%s", t->tool,
                         r->exit_status, failed ? ": " : " (see stderr.log)", failed ? line : "");
        return;
    }
    if (!r->detector_log[0])
        tl_run_env_error(r,
                         "Valgrind (%s) wrote no XML log (%s) although the host exited with "
                         "status %d",
                         t->tool, t->log, r->exit_status);
    else if (!r->detector_truncated && !log_complete(t, r))
        tl_run_env_error(r,
                         "Valgrind's XML log %s is not a complete document although the host "
                         "exited with status %d: it could not be written whole",
                         t->log, r->exit_status);
}
