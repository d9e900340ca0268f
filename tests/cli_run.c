/* SPDX-License-Identifier: MIT */
/* Running the real ./threadlab from a test (see cli_run.h). */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"
#include "scenario_file.h"

extern char **environ;
void tl_test_slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

int tl_test_spawn_cli(const char *out_path, const char *err_path, const char *out_dir,
                      const char *const *args)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/threadlab", TL_TEST_BUILDDIR);
    const char *argv[64] = {bin};
    int n = 1;
    for (const char *const *a = args; *a && n < 60; a++)
        argv[n++] = *a;
    if (out_dir) {
        argv[n++] = "--out";
        argv[n++] = out_dir;
    }
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, bin, &fa, NULL, (char **)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return (int)pid;
}

int run_cli_start(cli_result *res, bool with_out, const char *const *args)
{
    tl_test_mkdtemp(res->tmp, sizeof res->tmp);
    char out_path[96], err_path[96];
    snprintf(out_path, sizeof out_path, "%s/stdout", res->tmp);
    snprintf(err_path, sizeof err_path, "%s/stderr", res->tmp);
    return tl_test_spawn_cli(out_path, err_path, with_out ? res->tmp : NULL, args);
}

void run_cli_wait(cli_result *res, int pid)
{
    char out_path[96], err_path[96];
    snprintf(out_path, sizeof out_path, "%s/stdout", res->tmp);
    snprintf(err_path, sizeof err_path, "%s/stderr", res->tmp);
    int st;
    waitpid(pid, &st, 0);
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    tl_test_slurp(out_path, res->out, sizeof res->out);
    tl_test_slurp(err_path, res->err, sizeof res->err);
    res->report_dir[0] = '\0';
    const char *rep = strstr(res->out, "Report: ");
    if (rep)
        sscanf(rep, "Report: %511[^ \n]", res->report_dir);
    char *slash = strrchr(res->report_dir, '/');
    if (slash && strcmp(slash, "/summary.md") == 0)
        *slash = '\0';
}

void run_cli(cli_result *res, bool with_out, const char *const *args)
{
    run_cli_wait(res, run_cli_start(res, with_out, args));
}

json_t *load_report(const cli_result *res)
{
    char path[600];
    snprintf(path, sizeof path, "%s/report.json", res->report_dir);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    ck_assert_msg(doc, "report.json does not parse: %s (%s)", err.text, path);
    return doc;
}

size_t assert_all_met(const cli_result *res)
{
    return assert_all_met_but(res, NULL, NULL);
}

/* Whether "scenario/variant" of run is in the NULL-terminated list. */
static bool listed(json_t *run, const char *const *list)
{
    char key[160];
    snprintf(key, sizeof key, "%s/%s", json_string_value(json_object_get(run, "scenario")),
             json_string_value(json_object_get(run, "variant")));
    for (; list && *list; list++)
        if (strcmp(*list, key) == 0)
            return true;
    return false;
}

size_t assert_all_met_but(const cli_result *res, const char *const *undemonstrable,
                          size_t *n_undemonstrable)
{
    json_t *doc = load_report(res), *runs = json_object_get(doc, "runs"), *run;
    size_t i, n_und = 0;
    json_array_foreach(runs, i, run) {
        const char *verdict = json_string_value(json_object_get(run, "verdict"));
        const char *want = listed(run, undemonstrable) ? "not demonstrable" : "met";
        n_und += strcmp(want, "met") != 0;
        ck_assert_msg(strcmp(verdict, want) == 0, "%s %s (%s, %s): %s: %s",
                      json_string_value(json_object_get(run, "scenario")),
                      json_string_value(json_object_get(run, "variant")),
                      json_string_value(json_object_get(run, "detector")),
                      json_string_value(json_object_get(run, "mode")), verdict,
                      json_string_value(json_object_get(run, "reason")));
    }
    size_t n = json_array_size(runs);
    json_decref(doc);
    if (n_undemonstrable)
        *n_undemonstrable = n_und;
    return n;
}


bool tl_test_have_tsan(void)
{
    char host[512];
    snprintf(host, sizeof host, "%s/threadlab-host-tsan", TL_TEST_BUILDDIR);
    return access(host, X_OK) == 0;
}

bool tl_test_have_valgrind(void)
{
    const char *path = getenv("PATH");
    char dir[PATH_MAX];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(dir, sizeof dir, "%.*s/valgrind", (int)n, path);
        if (n && access(dir, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

/* Every temporary folder of a test run lives below one base folder, made by
 * the test program before any test forks and removed when all passed, so a
 * run of the suite leaves nothing in /tmp (and keeps everything to look at
 * when something failed). */
static char tmp_base[64];

void tl_test_tmp_begin(void)
{
    snprintf(tmp_base, sizeof tmp_base, "/tmp/threadlab-tests-XXXXXX");
    if (!mkdtemp(tmp_base)) {
        perror("threadlab tests: mkdtemp");
        exit(99); /* automake's hard error */
    }
}

void tl_test_mkdtemp(char *buf, size_t size)
{
    snprintf(buf, size, "%s/t-XXXXXX", tmp_base[0] ? tmp_base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path); /* best effort: go on whatever happens */
    return 0;
}

void tl_test_tmp_end(bool keep)
{
    if (!tmp_base[0])
        return;
    if (keep)
        printf("threadlab tests: temporary files kept in %s\n", tmp_base);
    else
        nftw(tmp_base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *const tl_test_tsan_only[] = {
    "deadlock.abba/buggy",           /* potential mode: TSan's lock-order graph */
    "deadlock.dining_philosophers/buggy",
    "memory.relaxed_spinlock/buggy", /* x86 keeps the hand-off quiet; only TSan sees it */
    "deadlock.three_way/buggy",      /* potential mode: TSan's lock-order graph */
    "misuse.thread_leak/buggy",      /* only TSan looks for leaked threads */
    NULL,
};

const char *tl_test_selftest_object(const char *host)
{
    static bool added; /* per process: each Check test forks its own */
    char why[1024];
    if (!added) {
        ck_assert_msg(tl_scenario_file_add_for_hosts(TL_TEST_SELFTEST_FILE, why, sizeof why),
                      "%s", why);
        added = true;
    }
    ck_assert_msg(tl_scenario_files_for_host(host, why, sizeof why), "%s", why);
    const char *objects[4];
    ck_assert_uint_eq(tl_scenario_file_objects(host, objects, 4), 1);
    return objects[0];
}
