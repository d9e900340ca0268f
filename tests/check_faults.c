/* SPDX-License-Identifier: MIT */
/* Environment failures are environment failures: a full disk, output to a
 * full device, a TSan that cannot start all end with exit 3 and a line
 * saying what could not be done, never with "not met"; what was recorded
 * before stays valid. Ctrl-C at any moment, planning included, leaves a
 * valid report that lists the interrupted runs, no empty run folders and no
 * temporary files. The report of a long plan holds every run, in plan order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness_suites.h"
#include "catalog.h"
#include "cli_run.h"
#include "run_result.h"

extern char **environ;

/* Starts ./threadlab with stdout to `out` and stderr to `err`. */
static pid_t start_cli(const char *out, const char *err, const char *const *args)
{
    return (pid_t)tl_test_spawn_cli(out, err, NULL, args);
}

static int wait_status(pid_t pid)
{
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The report directory threadlab made under `out`; false if none yet. */
static bool find_report_dir(const char *out, char *dir, size_t size)
{
    DIR *d = opendir(out);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    dir[0] = '\0';
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && e->d_type == DT_DIR)
            snprintf(dir, size, "%s/%s", out, e->d_name);
    closedir(d);
    return dir[0] != '\0';
}

static void report_dir_in(const char *out, char *dir, size_t size)
{
    ck_assert_msg(find_report_dir(out, dir, size), "no report directory in %s", out);
}

/* Every line of runs.jsonl is a whole JSON record; returns how many. */
static size_t count_records(const char *dir)
{
    char path[700], line[1 << 16];
    snprintf(path, sizeof path, "%s/runs.jsonl", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *rec = json_loads(line, 0, NULL);
        ck_assert_msg(rec, "a record of %s does not parse: %.80s", path, line);
        json_decref(rec);
        n++;
    }
    fclose(f);
    return n;
}

static json_t *load_json(const char *dir, const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    ck_assert_msg(doc, "%s does not parse: %s", path, err.text);
    return doc;
}

/* No file named *.tmp.* anywhere in the report directory. */
static void assert_no_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)))
        ck_assert_msg(!strstr(e->d_name, ".tmp"), "temporary file left: %s/%s", dir, e->d_name);
    closedir(d);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

START_TEST(test_output_to_a_full_device_is_an_error)
{
    char tmp[64], err[96], text[4096];
    tl_test_mkdtemp(tmp, sizeof tmp);
    snprintf(err, sizeof err, "%s/stderr", tmp);
    static const char *const cmds[][8] = {
        {"list", NULL},
        {"show", "race.counter", NULL},
        {"list", "--json", NULL},
        {"bench", "--lock", "tas", "--seconds", "0.02", "--json", "-", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        int status = wait_status(start_cli("/dev/full", err, cmds[i]));
        tl_test_slurp(err, text, sizeof text);
        ck_assert_msg(status == 3, "threadlab %s > /dev/full: exit %d, wanted 3\n%s", cmds[i][0],
                      status, text);
        ck_assert_msg(strstr(text, "cannot write standard output: No space left on device"),
                      "%s", text);
    }
}
END_TEST

/* A 64 KiB file system fills up after a few runs: threadlab stops with exit
 * 3 naming what it could not write, and what it recorded is whole. */
START_TEST(test_full_disk_stops_with_exit_3)
{
    char tmp[64], out[96], err[96], dir[700], text[16384];
    tl_test_mkdtemp(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/small", tmp);
    ck_assert_int_eq(mkdir(out, 0755), 0);
    if (mount("tmpfs", out, "tmpfs", 0, "size=64k") != 0) {
        printf("skip: test_full_disk_stops_with_exit_3: cannot mount a small tmpfs here (%s)\n",
               strerror(errno));
        return;
    }
    char stdout_path[96];
    snprintf(stdout_path, sizeof stdout_path, "%s/stdout", tmp);
    snprintf(err, sizeof err, "%s/stderr", tmp);
    const char *detector = tl_test_have_tsan() ? "tsan" : "none";
    int status = wait_status(start_cli(
        stdout_path, err,
        (const char *const[]){"run", "--all", "--detector", detector, "--out", out, NULL}));
    tl_test_slurp(err, text, sizeof text);
    report_dir_in(out, dir, sizeof dir);
    size_t recorded = count_records(dir);
    json_t *doc = load_json(dir, "report.json");
    size_t in_report = json_array_size(json_object_get(doc, "runs"));
    json_decref(doc);
    assert_no_temporaries(dir);
    umount2(out, MNT_DETACH);
    ck_assert_msg(status == 3, "exit %d, wanted 3\n%s", status, text);
    ck_assert_msg(strstr(text, "No space left on device") && strstr(text, "stopped by an "
                                                                          "environment error"),
                  "%s", text);
    ck_assert_msg(!strstr(text, "not met:"), "a full disk read as 'not met':\n%s", text);
    /* Stopped early, and report.json is a whole earlier version. */
    ck_assert_uint_lt(recorded, 41);
    ck_assert_uint_le(in_report, recorded);
}
END_TEST

/* Runs argv (NULL-terminated) under an 8 GB address-space limit, set by a
 * shell in the child only (this test process may itself be an ASan build,
 * which cannot live under such a limit), stdout and stderr to files. */
static int run_limited(const char *const *argv, const char *out, const char *err)
{
    const char *sh_argv[32] = {"sh", "-c", "ulimit -v 7812500 && exec \"$@\"", "sh"};
    int n = 4;
    for (const char *const *a = argv; *a && n < 31; a++)
        sh_argv[n++] = *a;
    sh_argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, "/bin/sh", &fa, NULL, (char **)sh_argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return wait_status(pid);
}

/* TSan that cannot map its memory (an address-space limit) is an
 * environment error, not a crash of the scenario. */
START_TEST(test_tsan_that_cannot_start_is_exit_3)
{
    if (!tl_test_have_tsan()) {
        printf("skip: test_tsan_that_cannot_start_is_exit_3: no TSan host\n");
        return;
    }
    char tmp[64], out[96], err[96], dir[700], text[16384], cli[512], host[512];
    tl_test_mkdtemp(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/stdout", tmp);
    snprintf(err, sizeof err, "%s/stderr", tmp);
    snprintf(cli, sizeof cli, "%s/threadlab", TL_TEST_BUILDDIR);
    snprintf(host, sizeof host, "%s/threadlab-host-tsan", TL_TEST_BUILDDIR);
    /* threadlab itself must run under the limit (an --enable-asan build
     * cannot: ASan's shadow needs more), and this build's TSan runtime must
     * really fail under it (clang 14's stops with a CHECK failure, clang 19's
     * re-maps and runs). Otherwise there is nothing to test here. */
    if (run_limited((const char *const[]){cli, "--version", NULL}, out, err) != 0) {
        printf("skip: test_tsan_that_cannot_start_is_exit_3: threadlab itself cannot run under "
               "an 8 GB address-space limit (a sanitizer build)\n");
        return;
    }
    run_limited((const char *const[]){host, "race.counter", "buggy", NULL}, out, err);
    tl_test_slurp(err, text, sizeof text);
    if (!strstr(text, "FATAL: ThreadSanitizer") && !strstr(text, "ThreadSanitizer: CHECK failed")) {
        printf("skip: test_tsan_that_cannot_start_is_exit_3: this build's TSan runtime runs "
               "under an 8 GB address-space limit\n");
        return;
    }
    int status = run_limited((const char *const[]){cli, "run", "race.counter", "--variant",
                                                   "buggy", "--out", tmp, NULL},
                             out, err);
    tl_test_slurp(err, text, sizeof text);
    ck_assert_msg(status == 3, "exit %d, wanted 3\n%s", status, text);
    ck_assert_msg(strstr(text, "ThreadSanitizer could not run"), "%s", text);
    report_dir_in(tmp, dir, sizeof dir);
    json_t *doc = load_json(dir, "report.json");
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(run, "verdict")), "error");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(run, "error")),
                                 "ThreadSanitizer"));
    json_decref(doc);
}
END_TEST

/* A host that cannot start - the dynamic loader's exit 127 for a missing
 * shared library - never ran the scenario: an environment error, exit 3,
 * the plan stopped, the loader's line in the error; never "not met". A copy
 * of threadlab finds its hosts next to itself first, so a stand-in host
 * there plays the loader's part exactly (message and status). */
START_TEST(test_host_that_cannot_load_is_exit_3)
{
    char tmp[64], dir[700], text[16384], script[2048];
    tl_test_mkdtemp(tmp, sizeof tmp);
    snprintf(script, sizeof script,
             "cp '%s/threadlab' '%s/threadlab' && "
             "printf '#!/bin/sh\\necho \"threadlab-host: error while loading shared libraries: "
             "libjansson.so.4: cannot open shared object file: No such file or directory\" >&2"
             "\\nexit 127\\n' > '%s/threadlab-host' && chmod +x '%s/threadlab-host' && "
             "'%s/threadlab' run race.counter --detector none --jobs 1 --out '%s' "
             ">'%s/stdout' 2>'%s/stderr'",
             TL_TEST_BUILDDIR, tmp, tmp, tmp, tmp, tmp, tmp, tmp);
    const char *sh_argv[] = {"/bin/sh", "-c", script, NULL};
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, "/bin/sh", NULL, NULL, (char **)sh_argv, environ), 0);
    int status = wait_status(pid);
    char err[128];
    snprintf(err, sizeof err, "%s/stderr", tmp);
    tl_test_slurp(err, text, sizeof text);
    ck_assert_msg(status == 3, "exit %d, wanted 3\n%s", status, text);
    ck_assert_msg(strstr(text, "the host exited with status 127 before the variant started: "
                               "threadlab-host: error while loading shared libraries: "
                               "libjansson.so.4"),
                  "%s", text);
    ck_assert_msg(strstr(text, "stopping"), "the plan did not stop: %s", text);
    report_dir_in(tmp, dir, sizeof dir);
    json_t *doc = load_json(dir, "report.json");
    json_t *runs = json_object_get(doc, "runs");
    ck_assert_uint_eq(json_array_size(runs), 1); /* one job: stopped after the first */
    json_t *run = json_array_get(runs, 0);
    ck_assert_str_eq(json_string_value(json_object_get(run, "verdict")), "error");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(run, "error")), "status 127"));
    json_decref(doc);
}
END_TEST

/* The variants `run --all` runs: every scenario's but the self-tests'. */
static size_t catalog_variants(void)
{
    size_t n = 0;
    for (size_t i = 0; i < tl_catalog_count(); i++)
        if (!tl_catalog_is_selftest(tl_catalog_at(i)))
            n += tl_catalog_nvariants(tl_catalog_at(i));
    return n;
}

/* Ctrl-C while a 1000-repetition plan of every variant is starting: exit 130, a valid report
 * holding exactly the runs that started, no empty run folders. */
START_TEST(test_interrupt_at_once_leaves_a_valid_report)
{
    char tmp[64], out[96], err[96], dir[700], runs[760];
    char text[16384];
    tl_test_mkdtemp(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/stdout", tmp);
    snprintf(err, sizeof err, "%s/stderr", tmp);
    pid_t pid = start_cli(out, err,
                          (const char *const[]){"run", "--all", "--repeat", "1000", "--detector",
                                                "none", "--quiet", "--out", tmp, NULL});
    sleep_s(0.15);
    kill(pid, SIGINT);
    int status = wait_status(pid);
    tl_test_slurp(err, text, sizeof text);
    ck_assert_msg(status == 130, "exit %d, wanted 130\n%s", status, text);
    report_dir_in(tmp, dir, sizeof dir);
    json_t *doc = load_json(dir, "report.json");
    json_t *totals = json_object_get(doc, "totals");
    size_t in_report = json_array_size(json_object_get(doc, "runs"));
    ck_assert_int_eq(json_integer_value(json_object_get(totals, "planned")),
                     1000 * (json_int_t)catalog_variants());
    json_decref(doc);
    ck_assert_uint_eq(in_report, count_records(dir));
    /* A run's folder is made when it starts: one per recorded run. */
    snprintf(runs, sizeof runs, "%s/runs", dir);
    ck_assert_uint_eq(count_entries(runs), in_report);
    assert_no_temporaries(dir);
}
END_TEST

/* Interrupted runs are in the report: in report.json and in summary.md's
 * table, with their verdict word. */
START_TEST(test_interrupted_runs_are_in_the_summary)
{
    char tmp[64], out[96], err[96], dir[700], text[65536];
    tl_test_mkdtemp(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/stdout", tmp);
    snprintf(err, sizeof err, "%s/stderr", tmp);
    pid_t pid = start_cli(out, err,
                          (const char *const[]){"run", "selftest.checker", "--file", TL_TEST_SELFTEST_FILE, "--variant", "hang",
                                                "--detector", "none", "--timeout", "60",
                                                "--out", tmp, NULL});
    /* Wait for the run to start (its folder appears), then interrupt. */
    char runs[760];
    for (int i = 0; i < 2000; i++) {
        if (find_report_dir(tmp, dir, sizeof dir)) {
            snprintf(runs, sizeof runs, "%s/runs", dir);
            if (count_entries(runs) > 0)
                break;
        }
        sleep_s(0.01);
    }
    sleep_s(0.1);
    kill(pid, SIGINT);
    ck_assert_int_eq(wait_status(pid), 130);
    char path[800];
    snprintf(path, sizeof path, "%s/summary.md", dir);
    tl_test_slurp(path, text, sizeof text);
    ck_assert_msg(strstr(text, "| **interrupted**"), "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "1 interrupted"));
}
END_TEST

/* The runner killed outright: every run it recorded is a whole line of
 * runs.jsonl, and no temporary file is left behind. */
START_TEST(test_sigkill_leaves_whole_records_and_no_temporaries)
{
    char tmp[64], out[96], err[96], dir[700];
    tl_test_mkdtemp(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/stdout", tmp);
    snprintf(err, sizeof err, "%s/stderr", tmp);
    pid_t pid = start_cli(out, err,
                          (const char *const[]){"run", "--all", "--repeat", "50", "--detector",
                                                "none", "--quiet", "--out", tmp, NULL});
    /* Kill it once it has recorded something. */
    for (int i = 0; i < 3000; i++) {
        struct stat st;
        char path[760];
        if (find_report_dir(tmp, dir, sizeof dir)) {
            snprintf(path, sizeof path, "%s/runs.jsonl", dir);
            if (stat(path, &st) == 0 && st.st_size > 20000)
                break;
        }
        sleep_s(0.01);
    }
    kill(pid, SIGKILL);
    wait_status(pid);
    ck_assert_uint_gt(count_records(dir), 0);
    json_decref(load_json(dir, "report.json"));
    assert_no_temporaries(dir);
}
END_TEST

/* A plan of hundreds of runs: every run recorded once, in plan order, with
 * the totals matching. */
START_TEST(test_long_plan_records_every_run_in_order)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "--all", "--repeat", "10", "--detector",
                                              "none", "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    size_t undemonstrable;
    size_t n = assert_all_met_but(&res, tl_test_tsan_only, &undemonstrable);
    json_t *doc = load_report(&res), *run;
    size_t i;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
        ck_assert_int_eq(json_integer_value(json_object_get(run, "index")), (json_int_t)i + 1);
    json_t *totals = json_object_get(doc, "totals");
    ck_assert_int_eq(json_integer_value(json_object_get(totals, "planned")), (json_int_t)n);
    ck_assert_int_eq(json_integer_value(json_object_get(totals, "met")),
                     (json_int_t)(n - undemonstrable));
    json_decref(doc);
    ck_assert_uint_eq(count_records(res.report_dir), n);
    ck_assert_uint_ge(n, 400);
}
END_TEST

START_TEST(test_out_that_cannot_work_is_a_usage_error)
{
    static cli_result res;
    static char longer[5000];
    memset(longer, 'x', sizeof longer - 1);
    run_cli(&res, false, (const char *const[]){"run", "race.counter", "--out", longer, NULL});
    ck_assert_int_eq(res.status, 2);
    ck_assert_msg(strstr(res.err, "--out:") && strstr(res.err, "characters long"), "%s",
                  res.err);
    run_cli(&res, false, (const char *const[]){"run", "race.counter", "--out", "", NULL});
    ck_assert_int_eq(res.status, 2);
}
END_TEST

/* An environment failure's message fits its one line; one too long for
 * the record (a deep run directory in it) is cut where a reader sees it
 * was: it ends in "...". */
START_TEST(test_env_error_too_long_is_cut_visibly)
{
    static tl_run r;
    static char dir[600];
    memset(dir, 'd', sizeof dir - 1);
    tl_run_env_error(&r, "cannot write %s/%s: %s", "/tmp/short", "stdout.log", "No space");
    ck_assert_str_eq(r.env_error, "cannot write /tmp/short/stdout.log: No space");
    tl_run_env_error(&r, "cannot write %s/%s: %s", dir, "stdout.log", "No space");
    size_t n = strlen(r.env_error);
    ck_assert_uint_eq(n, sizeof r.env_error - 1);
    ck_assert_str_eq(r.env_error + n - 3, "...");
    ck_assert(strncmp(r.env_error, "cannot write ddd", 16) == 0);
}
END_TEST

Suite *tl_suite_faults(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("environment");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_output_to_a_full_device_is_an_error);
    tcase_add_test(tc, test_full_disk_stops_with_exit_3);
    tcase_add_test(tc, test_tsan_that_cannot_start_is_exit_3);
    tcase_add_test(tc, test_host_that_cannot_load_is_exit_3);
    tcase_add_test(tc, test_out_that_cannot_work_is_a_usage_error);
    tcase_add_test(tc, test_env_error_too_long_is_cut_visibly);
    suite_add_tcase(s, tc);
    tc = tcase_create("interruptions and scale");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_interrupt_at_once_leaves_a_valid_report);
    tcase_add_test(tc, test_interrupted_runs_are_in_the_summary);
    tcase_add_test(tc, test_sigkill_leaves_whole_records_and_no_temporaries);
    tcase_add_test(tc, test_long_plan_records_every_run_in_order);
    suite_add_tcase(s, tc);
    return s;
}
