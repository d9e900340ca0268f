/* SPDX-License-Identifier: MIT */
/* Helgrind and DRD as detectors, end to end: the real ./threadlab runs the
 * plain host under the real valgrind. What a user relies on: the verdicts
 * (a race met with both accesses, a lock-order inversion met under Helgrind
 * and not demonstrable under DRD, fixes clean, a declared difference met
 * with its reason), the XML log kept and named in report.json, the scaled
 * deadline, the live monitor's deadlock verdict, nothing left behind (after
 * a run and after Ctrl-C), and a Valgrind that cannot run being an
 * environment error (exit 3) - named, or left out of --detector all. Small
 * --iterations keep the whole suite within a minute or so on two cores.
 * Every test skips, saying so, where valgrind is not installed. */
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "harness_suites.h"
#include "proc_watch.h"

#define SKIP_WITHOUT_VALGRIND(test)                                                     \
    do {                                                                                \
        if (!tl_test_have_valgrind()) {                                                 \
            printf("skip: %s: valgrind is not on PATH\n", test);                        \
            fflush(stdout);                                                             \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define BOUND_S 20.0

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The run of `variant` under `detector` in the report (asserts there is one). */
static json_t *run_of(json_t *doc, const char *variant, const char *detector)
{
    json_t *run;
    size_t i;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
        if (!strcmp(str(run, "variant"), variant) && !strcmp(str(run, "detector"), detector))
            return run;
    ck_abort_msg("no run of %s under %s in report.json", variant, detector);
    return NULL;
}

static bool observed(json_t *run, const char *token)
{
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(run, "observed"), i, t)
        if (!strcmp(json_string_value(t), token))
            return true;
    return false;
}

/* race.counter under one tool: the buggy variant met with the race, each
 * finding of it with both accesses and the first in the scenario's source,
 * the XML log in the run's folder and named by report.json, the deadline
 * scaled by the tool's slowdown; both fixes clean. */
static void race_counter_under(const char *detector, const char *log)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--detector", detector,
                                              "--iterations", "2000", "--timeout", "5", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_uint_eq(assert_all_met(&res), 3);
    json_t *doc = load_report(&res), *buggy = run_of(doc, "buggy", detector);
    char token[64];
    snprintf(token, sizeof token, "%s:data-race", detector);
    ck_assert_msg(observed(buggy, token), "no %s observed: %s", token, str(buggy, "reason"));
    ck_assert(observed(buggy, "oracle:violated"));

    json_t *f = json_array_get(json_object_get(buggy, "findings"), 0);
    ck_assert_str_eq(str(f, "kind"), "data-race");
    json_t *acc = json_object_get(f, "accesses");
    ck_assert_msg(json_array_size(acc) >= 2, "%s: %zu accesses in the first finding", detector,
                  json_array_size(acc));
    json_t *frame = json_object_get(json_array_get(acc, 0), "frame");
    ck_assert_msg(!strcmp(str(frame, "file"), "scenarios/race_counter.c"),
                  "%s: first access at '%s'", detector, str(frame, "file"));
    ck_assert_int_gt(json_integer_value(json_object_get(frame, "line")), 0);

    /* logs.detector: the run's folder and the log's name, relative to the
     * report's folder. */
    json_t *logs = json_object_get(buggy, "logs");
    char want[PATH_MAX], path[2 * PATH_MAX];
    snprintf(want, sizeof want, "%s/%s", str(logs, "dir"), log);
    ck_assert_str_eq(str(logs, "detector"), want);
    snprintf(path, sizeof path, "%s/%s", res.report_dir, want);
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0 && st.st_size > 0, "no %s in the run's folder", path);
    /* --timeout 5 under a tool twenty times slower: a 100 s deadline. */
    double factor = json_real_value(json_object_get(buggy, "timeout_factor"));
    ck_assert_msg(factor > 1, "timeout_factor %g", factor);
    ck_assert_msg(json_real_value(json_object_get(buggy, "timeout_s")) == 5 * factor,
                  "timeout_s %g, factor %g", json_real_value(json_object_get(buggy, "timeout_s")),
                  factor);

    ck_assert_str_eq(str(run_of(doc, "fixed", detector), "reason"), "clean");
    ck_assert_str_eq(str(run_of(doc, "fixed-atomic", detector), "reason"), "clean");
    json_decref(doc);
}

START_TEST(test_helgrind_race_counter)
{
    SKIP_WITHOUT_VALGRIND("test_helgrind_race_counter");
    race_counter_under("helgrind", "helgrind.xml");
}
END_TEST

START_TEST(test_drd_race_counter)
{
    SKIP_WITHOUT_VALGRIND("test_drd_race_counter");
    race_counter_under("drd", "drd.xml");
}
END_TEST

/* Helgrind keeps a lock-order graph, DRD none: the potential deadlock is met
 * under the first and "not demonstrable" under the second, which is counted
 * apart and leaves the exit status alone. */
START_TEST(test_abba_lock_order_helgrind_not_drd)
{
    SKIP_WITHOUT_VALGRIND("test_abba_lock_order_helgrind_not_drd");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "deadlock.abba", "--variant", "buggy",
                                              "--detector", "helgrind,drd", "--iterations", "50",
                                              NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    json_t *hg = run_of(doc, "buggy", "helgrind"), *drd = run_of(doc, "buggy", "drd");
    ck_assert_msg(!strcmp(str(hg, "verdict"), "met") &&
                      observed(hg, "helgrind:lock-order-inversion"),
                  "helgrind: %s: %s", str(hg, "verdict"), str(hg, "reason"));
    ck_assert_msg(!strcmp(str(drd, "verdict"), "not demonstrable"), "drd: %s: %s",
                  str(drd, "verdict"), str(drd, "reason"));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
                                                        "not_demonstrable")),
                     1);
    json_decref(doc);
    ck_assert_msg(strstr(res.out, "1 not demonstrable by the detector"), "%s", res.out);
}
END_TEST

/* A variant that declares where a tool differs is judged by it, and says
 * why: race.publish's release/acquire fix reads as a race to Valgrind. */
START_TEST(test_declared_difference_met_with_its_reason)
{
    SKIP_WITHOUT_VALGRIND("test_declared_difference_met_with_its_reason");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.publish", "--variant", "fixed",
                                              "--detector", "helgrind", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res), *run = run_of(doc, "fixed", "helgrind");
    ck_assert_str_eq(str(run, "verdict"), "met");
    ck_assert(observed(run, "helgrind:data-race"));
    ck_assert_msg(strstr(str(run, "reason"), "[expected so under helgrind: The fix is a C11"),
                  "%s", str(run, "reason"));
    json_t *d = json_object_get(run, "difference");
    ck_assert_str_eq(str(d, "detector"), "helgrind");
    ck_assert(strlen(str(d, "why")) > 40);
    ck_assert_uint_eq(json_array_size(json_object_get(d, "instead_of")), 0); /* clean */
    json_decref(doc);
}
END_TEST

/* --mode actual: the threads really block under Valgrind (its threads are
 * real threads), the monitor names the deadlock and ends the run, and
 * nothing is left behind: we are the subreaper of every orphan. */
START_TEST(test_actual_deadlock_monitor_under_valgrind)
{
    SKIP_WITHOUT_VALGRIND("test_actual_deadlock_monitor_under_valgrind");
    tl_test_become_subreaper();
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "deadlock.abba", "--variant", "buggy",
                                              "--mode", "actual", "--detector", "helgrind,drd",
                                              NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    for (int k = 0; k < 2; k++) {
        json_t *run = run_of(doc, "buggy", k ? "drd" : "helgrind");
        ck_assert_msg(observed(run, "monitor:deadlock"), "%s", str(run, "reason"));
        json_t *cond = json_object_get(json_object_get(run, "monitor"), "conditions");
        ck_assert(strlen(str(cond, "circular_wait")) > 10);
    }
    json_decref(doc);
    ck_assert_msg(tl_test_reap_children(BOUND_S) == 0, "a process outlived threadlab");
}
END_TEST

/* Ctrl-C while Valgrind runs a stuck host: exit 130, a valid report, and no
 * process left (the host is Valgrind's process, in the run's group). */
START_TEST(test_ctrl_c_under_valgrind_leaves_nothing)
{
    SKIP_WITHOUT_VALGRIND("test_ctrl_c_under_valgrind_leaves_nothing");
    tl_test_become_subreaper();
    static cli_result res;
    int pid = run_cli_start(&res, true,
                            (const char *const[]){"run", "selftest.checker", "--file", TL_TEST_SELFTEST_FILE, "--variant", "hang",
                                                  "--detector", "helgrind", "--no-monitor",
                                                  "--timeout", "60", NULL});
    pid_t tool[1];
    size_t n = 0;
    for (int i = 0; i < (int)(BOUND_S * 50) && n == 0; i++) {
        n = tl_test_children(pid, "helgrind-amd64", tool, 1);
        if (n == 0) {
            struct timespec ts = {0, 20000000};
            nanosleep(&ts, NULL);
        }
    }
    ck_assert_msg(n == 1, "valgrind did not start within %.0f s", BOUND_S);
    kill(pid, SIGINT);
    run_cli_wait(&res, pid);
    ck_assert_msg(res.status == 130, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    json_decref(doc);
    ck_assert_msg(tl_test_reap_children(BOUND_S) == 0, "a process outlived threadlab");
}
END_TEST

/* A folder holding a fake `valgrind` script, first on PATH. */
static void fake_valgrind(const char *script)
{
    static char dir[64];
    char path[PATH_MAX], newpath[8192];
    tl_test_mkdtemp(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/valgrind", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(script, f);
    fclose(f);
    chmod(path, 0755);
    snprintf(newpath, sizeof newpath, "%s:%s", dir, getenv("PATH") ? getenv("PATH") : "");
    setenv("PATH", newpath, 1); /* this test's own process only (Check forks) */
}

/* A Valgrind that fails at once: named, it stops threadlab before any run
 * (exit 3, one line with its own message); in "all", it is left out. */
START_TEST(test_valgrind_that_cannot_run_is_named)
{
    fake_valgrind("#!/bin/sh\necho 'valgrind: fake failure for a test' >&2\nexit 1\n");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--detector", "helgrind",
                                              NULL});
    ck_assert_msg(res.status == 3, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.err, "threadlab: --detector helgrind: cannot run here: ") &&
                      strstr(res.err, "(exited with status 1): valgrind: fake failure for a test"),
                  "%s", res.err);
    ck_assert_msg(strchr(res.err, '\n') == res.err + strlen(res.err) - 1, "not one line:\n%s",
                  res.err);
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--variant", "buggy",
                                              "--detector", "all", "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.err, "--detector drd: cannot run here: ") &&
                      strstr(res.err, "(left out)"),
                  "%s", res.err);
    json_t *doc = load_report(&res), *run;
    size_t i;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
        ck_assert_msg(strcmp(str(run, "detector"), "helgrind") && strcmp(str(run, "detector"), "drd"),
                      "a run under %s", str(run, "detector"));
    json_decref(doc);
}
END_TEST

/* A Valgrind that starts the program but writes no XML log: nothing about
 * the scenario can be concluded, so the run's verdict is "error", with the
 * reason, and threadlab exits 3. */
START_TEST(test_valgrind_without_xml_is_an_environment_error)
{
    /* It runs the program given after its options, as a broken build of
     * Valgrind that ignores --xml-file would. */
    fake_valgrind("#!/bin/sh\n"
                  "while [ $# -gt 0 ]; do case $1 in -*) shift;; *) break;; esac; done\n"
                  "exec \"$@\"\n");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--variant", "buggy",
                                              "--detector", "drd", NULL});
    ck_assert_msg(res.status == 3, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res), *run = run_of(doc, "buggy", "drd");
    ck_assert_str_eq(str(run, "verdict"), "error");
    ck_assert_msg(strstr(str(run, "error"), "wrote no XML log (drd.xml)"), "%s",
                  str(run, "error"));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
                                                        "errors")),
                     1);
    json_decref(doc);
}
END_TEST

/* No valgrind on PATH: "all" leaves both tools out and says why; named, a
 * tool is an environment error. */
START_TEST(test_no_valgrind_on_path)
{
    setenv("PATH", "/nonexistent-threadlab-test", 1);
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--variant", "buggy",
                                              "--detector", "all", "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.err, "threadlab: --detector helgrind: cannot run here: valgrind is "
                                  "not on PATH") &&
                      strstr(res.err, "threadlab: --detector drd: cannot run here: valgrind is "
                                      "not on PATH"),
                  "%s", res.err);
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--detector", "drd", NULL});
    ck_assert_msg(res.status == 3 && strstr(res.err, "valgrind is not on PATH"), "exit %d\n%s",
                  res.status, res.err);
}
END_TEST

Suite *tl_suite_valgrind(void)
{
    Suite *s = suite_create("valgrind");
    TCase *tc = tcase_create("helgrind and drd");
    /* Liveness bounds only: Valgrind runs take seconds, never this long. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_helgrind_race_counter);
    tcase_add_test(tc, test_drd_race_counter);
    tcase_add_test(tc, test_abba_lock_order_helgrind_not_drd);
    tcase_add_test(tc, test_declared_difference_met_with_its_reason);
    tcase_add_test(tc, test_actual_deadlock_monitor_under_valgrind);
    tcase_add_test(tc, test_ctrl_c_under_valgrind_leaves_nothing);
    suite_add_tcase(s, tc);
    tc = tcase_create("valgrind missing or broken");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_valgrind_that_cannot_run_is_named);
    tcase_add_test(tc, test_valgrind_without_xml_is_an_environment_error);
    tcase_add_test(tc, test_no_valgrind_on_path);
    suite_add_tcase(s, tc);
    return s;
}
