/* SPDX-License-Identifier: MIT */
/* The detector matrix end to end: `threadlab matrix` (and `run` with two or
 * more detectors) on a few scenarios, its cells, its per-source counts and
 * ratios read back from matrix.json, its rows in matrix.md, a cell that
 * says "not met" and one that says "interrupted", and the options it
 * refuses. Detectors are looked up by name only where the test needs one
 * (tsan, none); every other column is whatever the build has. */
#include <dirent.h>
#include <glob.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "harness_suites.h"
#include "proc_watch.h"

static json_t *load_matrix(const cli_result *res)
{
    char path[600];
    snprintf(path, sizeof path, "%s/matrix.json", res->report_dir);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    ck_assert_msg(doc, "matrix.json does not parse: %s (%s)", err.text, path);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "schema")), 1);
    return doc;
}

static bool has_matrix(const cli_result *res)
{
    char path[600];
    snprintf(path, sizeof path, "%s/matrix.json", res->report_dir);
    return access(path, F_OK) == 0;
}

/* The column called name, asserted present. */
static json_t *column(json_t *doc, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "columns"), i, c)
        if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
            return c;
    ck_abort_msg("no column '%s' in matrix.json", name);
    return NULL;
}

/* The cell of (scenario, variant) under source, asserted present. */
static json_t *cell(json_t *doc, const char *scenario, const char *variant, const char *source)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(doc, "rows"), i, row)
        if (!strcmp(json_string_value(json_object_get(row, "scenario")), scenario) &&
            !strcmp(json_string_value(json_object_get(row, "variant")), variant)) {
            json_t *c = json_object_get(json_object_get(row, "cells"), source);
            ck_assert_msg(c, "row %s %s has no cell '%s'", scenario, variant, source);
            return c;
        }
    ck_abort_msg("no row %s %s in matrix.json", scenario, variant);
    return NULL;
}

static long long count_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_integer(v), "'%s' is not an integer", key);
    return json_integer_value(v);
}

/* A cell's outcome and the tokens it showed ("" for none; one at most). */
static void assert_cell(json_t *doc, const char *scenario, const char *variant,
                        const char *source, const char *outcome, const char *token)
{
    json_t *c = cell(doc, scenario, variant, source);
    json_t *observed = json_object_get(c, "observed");
    ck_assert_msg(strcmp(json_string_value(json_object_get(c, "outcome")), outcome) == 0,
                  "%s %s under %s: %s, wanted %s", scenario, variant, source,
                  json_string_value(json_object_get(c, "outcome")), outcome);
    if (token[0]) {
        ck_assert_uint_eq(json_array_size(observed), 1);
        ck_assert_str_eq(json_string_value(json_array_get(observed, 0)), token);
    } else {
        ck_assert_msg(json_array_size(observed) == 0, "%s %s under %s showed %s", scenario,
                      variant, source, json_string_value(json_array_get(observed, 0)));
    }
}

static void assert_ratio(json_t *col, const char *key, double want)
{
    json_t *v = json_object_get(col, key);
    ck_assert_msg(json_is_number(v), "%s of %s is not a number",
                  key, json_string_value(json_object_get(col, "name")));
    double diff = json_number_value(v) - want;
    ck_assert_msg(diff < 1e-9 && diff > -1e-9, "%s of %s: %g, wanted %g", key,
                  json_string_value(json_object_get(col, "name")), json_number_value(v), want);
}

static void assert_counts(json_t *col, long long tp, long long fp, long long fn, long long tn)
{
    const char *name = json_string_value(json_object_get(col, "name"));
    ck_assert_msg(count_of(col, "tp") == tp && count_of(col, "fp") == fp &&
                      count_of(col, "fn") == fn && count_of(col, "tn") == tn,
                  "%s: TP %lld FP %lld FN %lld TN %lld, wanted %lld %lld %lld %lld", name,
                  count_of(col, "tp"), count_of(col, "fp"), count_of(col, "fn"),
                  count_of(col, "tn"), tp, fp, fn, tn);
}

/* Two scenarios under every detector built here: the cells the lab
 * promises, DataRaceBench's counts, and each source's share of the runs. */
START_TEST(test_matrix_cells_and_counts)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"matrix", "race.counter", "deadlock.abba",
                                              "--iterations", "1000", "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s%s", res.status, res.out, res.err);
    ck_assert_msg(strstr(res.out, "precision") && strstr(res.out, "recall"), "%s", res.out);
    ck_assert_msg(strstr(res.out, "Matrix: ") && strstr(res.out, "/matrix.md (data: matrix.json)"),
                  "%s", res.out);
    json_t *doc = load_matrix(&res);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "rows")), 6);

    /* No detector reports anything: every buggy run is a false negative,
     * deadlock.abba's (potential: only a lock-order graph shows it) not
     * demonstrable, race.counter's shown by the oracle instead. */
    json_t *none = column(doc, "none");
    assert_counts(none, 0, 0, 2, 4);
    ck_assert_int_eq(count_of(none, "fn_by_design"), 2);
    ck_assert_int_eq(count_of(none, "fn_not_demonstrable"), 1);
    ck_assert(json_is_null(json_object_get(none, "precision")));
    assert_ratio(none, "recall", 0.0);
    assert_cell(doc, "deadlock.abba", "buggy", "none", "not demonstrable", "");
    assert_cell(doc, "race.counter", "buggy", "none", "met", "");
    assert_cell(doc, "race.counter", "fixed", "none", "met", "");

    if (tl_test_have_tsan()) {
        json_t *tsan = column(doc, "tsan");
        assert_counts(tsan, 2, 0, 0, 4);
        assert_ratio(tsan, "precision", 1.0);
        assert_ratio(tsan, "recall", 1.0);
        assert_ratio(tsan, "f1", 1.0);
        ck_assert_int_eq(count_of(tsan, "runs"), 6);
        ck_assert(json_number_value(json_object_get(tsan, "wall_s")) > 0);
        assert_cell(doc, "race.counter", "buggy", "tsan", "met", "tsan:data-race");
        assert_cell(doc, "race.counter", "fixed", "tsan", "met", "");
        assert_cell(doc, "race.counter", "fixed-atomic", "tsan", "met", "");
        assert_cell(doc, "deadlock.abba", "buggy", "tsan", "met", "tsan:lock-order-inversion");
    }

    /* The oracle and the monitor see every run, under every detector. */
    size_t i, detectors = 0;
    long long detector_runs = 0, detector_nd = 0;
    json_t *col;
    json_array_foreach(json_object_get(doc, "columns"), i, col)
        if (!strcmp(json_string_value(json_object_get(col, "source")), "detector")) {
            detectors++;
            detector_runs += count_of(col, "runs");
            detector_nd += count_of(col, "fn_not_demonstrable");
        }
    json_t *oracle = column(doc, "oracle"), *monitor = column(doc, "monitor");
    ck_assert_int_eq(count_of(oracle, "runs"), detector_runs);
    ck_assert_int_eq(count_of(monitor, "runs"), detector_runs);
    ck_assert_int_eq(detector_runs, 6 * (long long)detectors);
    /* race.counter's lost updates under each detector; deadlock.abba's
     * potential inversion never violates its invariant. */
    assert_counts(oracle, (long long)detectors, 0, (long long)detectors,
                  4 * (long long)detectors);
    ck_assert_int_eq(count_of(oracle, "fn_not_demonstrable"), detector_nd);
    assert_ratio(oracle, "precision", 1.0);
    assert_ratio(oracle, "recall", 0.5);
    ck_assert(json_is_null(json_object_get(oracle, "wall_s")));
    assert_cell(doc, "race.counter", "buggy", "oracle", "met", "oracle:violated");
    assert_cell(doc, "deadlock.abba", "buggy", "monitor", "met", "");
    ck_assert(json_is_null(json_object_get(monitor, "precision")));

    json_t *totals = json_object_get(doc, "totals");
    ck_assert_int_eq(count_of(totals, "runs"), detector_runs);
    ck_assert_int_eq(count_of(totals, "cells"), 6 * ((long long)detectors + 2));
    ck_assert_int_eq(count_of(totals, "as_expected"), count_of(totals, "cells"));
    json_decref(doc);

    /* matrix.md: a column per source, a row per variant, the marks. */
    static char md[65536];
    char path[600];
    snprintf(path, sizeof path, "%s/matrix.md", res.report_dir);
    tl_test_slurp(path, md, sizeof md);
    ck_assert_msg(strstr(md, "| none |") && strstr(md, "| oracle | monitor |"), "%s", md);
    ck_assert_msg(strstr(md, "| race.counter | buggy |") &&
                      strstr(md, "| race.counter | fixed-atomic (fixed) |") &&
                      strstr(md, "| deadlock.abba (potential) | buggy |"),
                  "%s", md);
    ck_assert_msg(strstr(md, "clean n/d"), "no not-demonstrable cell:\n%s", md);
    ck_assert_msg(strstr(md, "violated ✓"), "%s", md);
    if (tl_test_have_tsan())
        ck_assert_msg(strstr(md, "| race.counter | buggy | data-race ✓ |"), "%s", md);
    ck_assert_msg(strstr(md, "| none | 6 | 0 | 0 | 2 | 2 | 1 | 4 | n/a | 0.00 |"), "%s", md);
}
END_TEST

/* The deadlock really happening, with no detector at all: the monitor's
 * column shows it. A matrix is written even for one detector. */
START_TEST(test_matrix_monitor_column)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"matrix", "deadlock.abba", "--mode", "actual",
                                              "--detector", "none", "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s%s", res.status, res.out, res.err);
    json_t *doc = load_matrix(&res);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "columns")), 3);
    json_t *row = json_array_get(json_object_get(doc, "rows"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(row, "mode")), "actual");
    assert_cell(doc, "deadlock.abba", "buggy", "none", "met", "");
    assert_cell(doc, "deadlock.abba", "buggy", "monitor", "met", "monitor:deadlock");
    assert_cell(doc, "deadlock.abba", "fixed-trylock", "monitor", "met", "");
    json_t *monitor = column(doc, "monitor");
    assert_counts(monitor, 1, 0, 0, 2);
    assert_ratio(monitor, "precision", 1.0);
    assert_ratio(monitor, "recall", 1.0);
    json_t *none = column(doc, "none");
    assert_counts(none, 0, 0, 1, 2);
    ck_assert_int_eq(count_of(none, "fn_by_design"), 1);
    ck_assert_int_eq(count_of(none, "fn_not_demonstrable"), 0);
    json_decref(doc);
}
END_TEST

/* A run not met makes a ✗ cell and exit 1; a hang and a signal land in the
 * monitor's column. */
START_TEST(test_matrix_not_met)
{
    if (!tl_test_have_tsan()) {
        printf("skip: test_matrix_not_met: no TSan host (configured with --disable-tsan)\n");
        fflush(stdout);
        return;
    }
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"matrix", "selftest.checker", "--file", TL_TEST_SELFTEST_FILE, "--detector",
                                              "tsan,none", "--timeout", "0.5", "--quiet", NULL});
    ck_assert_msg(res.status == 1, "exit %d\n%s%s", res.status, res.out, res.err);
    ck_assert_msg(strstr(res.out, "Runs not met:") && strstr(res.out, "selftest.checker"),
                  "%s", res.out);
    json_t *doc = load_matrix(&res);
    /* "wrong" is clean but expects a data race: TSan's run is not met,
     * none cannot see one at all. */
    assert_cell(doc, "selftest.checker", "wrong", "tsan", "not met", "");
    assert_cell(doc, "selftest.checker", "wrong", "none", "not demonstrable", "");
    assert_cell(doc, "selftest.checker", "hang", "monitor", "met", "hang");
    assert_cell(doc, "selftest.checker", "crash", "monitor", "met", "signal:SIGABRT");
    json_t *totals = json_object_get(doc, "totals");
    ck_assert_int_eq(count_of(totals, "detector_as_expected"),
                     count_of(totals, "detector_cells") - 1);
    /* The crash and the hang are the monitor column's reports. */
    assert_counts(column(doc, "monitor"), 4, 0, 2, 2);
    json_decref(doc);
    static char md[65536];
    char path[600];
    snprintf(path, sizeof path, "%s/matrix.md", res.report_dir);
    tl_test_slurp(path, md, sizeof md);
    ck_assert_msg(strstr(md, "| selftest.checker | wrong (buggy) | clean ✗ | clean n/d |"), "%s", md);
}
END_TEST

/* Ctrl-C in the middle of a matrix: exit 130, and matrix.json holds the
 * runs that ended, the interrupted one marked so. The test waits for the
 * hanging run to start (its folder appears), not for a time. */
START_TEST(test_matrix_interrupted)
{
    tl_test_become_subreaper();
    char tmp[64], out[96], err[96];
    tl_test_mkdtemp(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/stdout", tmp);
    snprintf(err, sizeof err, "%s/stderr", tmp);
    int pid = tl_test_spawn_cli(out, err, tmp,
                                (const char *const[]){"matrix", "selftest.checker", "--file", TL_TEST_SELFTEST_FILE, "--detector",
                                                      "none", "--jobs", "1", "--timeout", "60",
                                                      "--quiet", NULL});
    char pattern[128];
    snprintf(pattern, sizeof pattern, "%s/*/runs/002-selftest.checker-hang", tmp);
    glob_t g = {0};
    for (int tries = 0; tries < 6000; tries++) { /* bounded: 60 s of 10 ms polls */
        if (glob(pattern, 0, NULL, &g) == 0)
            break;
        globfree(&g);
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    ck_assert_msg(g.gl_pathc == 1, "the hang run never started");
    globfree(&g);
    kill(pid, SIGINT);
    int st;
    ck_assert(tl_test_reap_within(pid, 60.0, &st));
    ck_assert_uint_eq(tl_test_reap_children(20.0), 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status %d", st);

    static cli_result res;
    tl_test_slurp(out, res.out, sizeof res.out);
    const char *rep = strstr(res.out, "Report: ");
    ck_assert_ptr_nonnull(rep);
    sscanf(rep, "Report: %511[^ \n]", res.report_dir);
    *strrchr(res.report_dir, '/') = '\0';
    json_t *doc = load_matrix(&res);
    ck_assert_int_eq(count_of(json_object_get(doc, "totals"), "runs"), 2);
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "rows")), 2);
    assert_cell(doc, "selftest.checker", "wrong", "none", "not demonstrable", "");
    assert_cell(doc, "selftest.checker", "hang", "none", "interrupted", "");
    json_t *none = column(doc, "none");
    ck_assert_int_eq(count_of(none, "interrupted"), 1);
    /* The interrupted run is in no count: nothing was concluded from it. */
    assert_counts(none, 0, 0, 1, 0);
    json_decref(doc);
}
END_TEST

static void expect_refusal(const char *const *args, const char *message)
{
    static cli_result res;
    run_cli(&res, true, args);
    ck_assert_msg(res.status == 2, "exit %d for %s", res.status, args[1]);
    ck_assert_msg(strstr(res.err, message), "'%s' not in:\n%s", message, res.err);
    ck_assert_msg(strchr(res.err, '\n') == res.err + strlen(res.err) - 1, "not one line:\n%s",
                  res.err);
    /* Refused before anything was made. */
    DIR *d = opendir(res.tmp);
    size_t entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        entries += e->d_name[0] != '.';
    if (d)
        closedir(d);
    ck_assert_uint_eq(entries, 2); /* stdout and stderr only */
}

/* Options that do not apply are refused; run writes a matrix only with two
 * or more detectors; both helps say what matrix is. */
START_TEST(test_matrix_options_and_run)
{
    expect_refusal((const char *const[]){"matrix", "race.counter", "--variant", "buggy", NULL},
                   "--variant does not apply to matrix: it runs every variant, buggy and fixed");
    expect_refusal((const char *const[]){"matrix", "--no-monitor", NULL},
                   "--no-monitor does not apply to matrix: the monitor is one of the matrix's "
                   "columns");
    expect_refusal((const char *const[]){"matrix", "--jobs", "0", NULL},
                   "--jobs: '0' is not a whole number from 1 to 64");
    expect_refusal((const char *const[]){"matrix", "--frobnicate", NULL},
                   "unknown option '--frobnicate' (see threadlab matrix --help)");
    expect_refusal((const char *const[]){"matrix", "race.countr", NULL},
                   "unknown scenario 'race.countr'");

    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--detector", "none",
                                              "--iterations", "1000", "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(!has_matrix(&res) && !strstr(res.out, "Matrix: "),
                  "one detector, yet a matrix:\n%s", res.out);

    /* Two or more detectors: the matrix too. Buggy variants only: none
     * reported nothing, so it has no precision (0 of 0) and a recall of 0. */
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--variant", "buggy",
                                              "--detector", "all", "--iterations", "1000",
                                              "--quiet", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    if (strstr(res.out, "Matrix: ")) { /* more than one detector is built here */
        json_t *doc = load_matrix(&res);
        json_t *none = column(doc, "none");
        ck_assert(json_is_null(json_object_get(none, "precision")));
        assert_ratio(none, "recall", 0.0);
        assert_ratio(column(doc, "oracle"), "precision", 1.0);
        json_decref(doc);
    } else {
        ck_assert(!has_matrix(&res));
    }

    run_cli(&res, false, (const char *const[]){"matrix", "--help", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strstr(res.out, "Usage: threadlab matrix") && strstr(res.out, "precision") &&
                      strstr(res.out, "--variant"),
                  "%s", res.out);
    run_cli(&res, false, (const char *const[]){"--help", NULL});
    ck_assert_msg(strstr(res.out, "  matrix "), "%s", res.out);
}
END_TEST

Suite *tl_suite_matrix(void)
{
    Suite *s = suite_create("matrix");
    TCase *tc = tcase_create("matrix");
    /* A few seconds each; generous for a busy 2-core machine. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_matrix_cells_and_counts);
    tcase_add_test(tc, test_matrix_monitor_column);
    tcase_add_test(tc, test_matrix_not_met);
    tcase_add_test(tc, test_matrix_interrupted);
    tcase_add_test(tc, test_matrix_options_and_run);
    suite_add_tcase(s, tc);
    return s;
}
