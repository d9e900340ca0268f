/* SPDX-License-Identifier: MIT */
/* The CLI end to end: the real ./threadlab, which execs the real hosts. Every
 * scenario's every variant must meet its expectation under TSan, in both
 * deadlock modes, and without a detector; the checker must be able to say
 * "not met", "hang (deadline)" and a signal; bad input gets exit 2 and a
 * one-line message. */
#include <fcntl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog.h"
#include "harness_suites.h"
#include "cli_run.h"
#include "proc_watch.h"
#include "run_table.h"

extern char **environ;

/* Tests that run the TSan host skip in a build without it, and say so in the
 * test log, so a --disable-tsan build passes without hiding what it left out. */
#define SKIP_WITHOUT_TSAN(test)                                                         \
    do {                                                                                \
        if (!tl_test_have_tsan()) {                                                     \
            printf("skip: %s: no TSan host (configured with --disable-tsan)\n", test);  \
            /* Check's child may end without flushing stdio. */                         \
            fflush(stdout);                                                             \
            return;                                                                     \
        }                                                                               \
    } while (0)

static size_t variants_of_all(void)
{
    size_t n = 0;
    for (size_t i = 0; i < tl_catalog_count(); i++)
        if (!tl_catalog_is_selftest(tl_catalog_at(i)))
            n += tl_catalog_nvariants(tl_catalog_at(i));
    return n;
}

START_TEST(test_run_all_tsan_meets_every_expectation)
{
    SKIP_WITHOUT_TSAN("test_run_all_tsan_meets_every_expectation");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "--all", NULL});
    size_t n = assert_all_met(&res);
    ck_assert_uint_eq(n, variants_of_all());
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.err, "] race.counter buggy tsan ... met: data-race"),
                  "progress line missing:\n%s", res.err);
}
END_TEST

/* TSan's reports name source lines: the runner found a symbolizer that
 * reads this compiler's debug info (clang), or the runtime symbolized by
 * itself (gcc). Without one, frames are bare addresses and the parser finds
 * no frame in the lab's sources. */
/* --verbose on a race: both accesses, as `go test -race` prints them. */
START_TEST(test_verbose_race_accesses)
{
    SKIP_WITHOUT_TSAN("test_verbose_race_accesses");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--variant", "buggy",
                                              "--verbose", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.err, "data-race on global 'counter'"), "%s", res.err);
    ck_assert_msg(strstr(res.err, "write of 8 bytes by thread 'adder-") &&
                      strstr(res.err, "previous read of 8 bytes by thread 'adder-") &&
                      strstr(res.err, "at scenarios/race_counter.c:"),
                  "%s", res.err);
}
END_TEST

START_TEST(test_tsan_frames_have_file_and_line)
{
    SKIP_WITHOUT_TSAN("test_tsan_frames_have_file_and_line");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--variant", "buggy", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *frame = json_object_get(json_array_get(json_object_get(run, "findings"), 0), "frame");
    const char *file = json_string_value(json_object_get(frame, "file"));
    ck_assert_msg(file && strcmp(file, "scenarios/race_counter.c") == 0, "frame file %s",
                  file ? file : "(none)");
    ck_assert_int_gt(json_integer_value(json_object_get(frame, "line")), 0);
    json_decref(doc);
}
END_TEST

/* Actual mode: the threads really block; the live monitor must name the
 * deadlock (with the evidence for all four Coffman conditions, or a hang for
 * semaphores, which have no owner) long before the deadline. */
START_TEST(test_run_deadlocks_actual_mode_monitor)
{
    SKIP_WITHOUT_TSAN("test_run_deadlocks_actual_mode_monitor");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "--category", "deadlock", "--mode", "actual",
                                              "--timeout", "30", NULL});
    assert_all_met(&res);
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res), *run;
    size_t i;
    json_array_foreach(json_object_get(doc, "runs"), i, run) {
        json_t *mon = json_object_get(run, "monitor");
        const char *verdict = json_string_value(json_object_get(mon, "verdict"));
        const char *scenario = json_string_value(json_object_get(run, "scenario"));
        bool buggy = strcmp(json_string_value(json_object_get(run, "role")), "buggy") == 0;
        if (!buggy) {
            ck_assert_msg(verdict == NULL, "%s fixed: monitor said %s", scenario, verdict);
            continue;
        }
        ck_assert_msg(verdict, "%s buggy: no monitor verdict", scenario);
        ck_assert_msg(json_real_value(json_object_get(mon, "time_to_verdict_ms")) < 5000,
                      "%s: verdict slower than 5 s", scenario);
        if (strcmp(verdict, "deadlock") != 0)
            continue;
        json_t *cond = json_object_get(mon, "conditions");
        static const char *const four[] = {"mutual_exclusion", "hold_and_wait", "no_preemption",
                                           "circular_wait"};
        for (int k = 0; k < 4; k++)
            ck_assert_msg(strlen(json_string_value(json_object_get(cond, four[k]))) > 10,
                          "%s: no evidence for %s", scenario, four[k]);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(json_object_get(mon, "graph"),
                                                                "dot")));
    }
    json_decref(doc);
}
END_TEST

/* Without the monitor, the same runs end at their deadline: "hang (deadline)". */
START_TEST(test_run_deadlock_without_monitor_hits_the_deadline)
{
    SKIP_WITHOUT_TSAN("test_run_deadlock_without_monitor_hits_the_deadline");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "deadlock.abba", "--variant", "buggy",
                                              "--mode", "actual", "--no-monitor", "--timeout",
                                              "1", NULL});
    assert_all_met(&res);
    ck_assert_msg(strstr(res.err, "met: hang (deadline)"), "%s", res.err);
}
END_TEST

/* Every other stuck kind, through the CLI: hang, livelock, starvation. */
START_TEST(test_run_stuck_scenarios)
{
    SKIP_WITHOUT_TSAN("test_run_stuck_scenarios");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "hang.lost_wakeup", "livelock.polite",
                                              "starvation.unfair_spinlock", "selftest.monitor", "--file", TL_TEST_SELFTEST_FILE, 
                                              "--timeout", "30", NULL});
    assert_all_met(&res);
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.err, "hang.lost_wakeup buggy tsan ... met: hang (monitor"), "%s",
                  res.err);
    ck_assert_msg(strstr(res.err, "livelock.polite buggy tsan ... met: livelock (monitor"), "%s",
                  res.err);
    ck_assert_msg(strstr(res.err, "starvation.unfair_spinlock buggy tsan ... met: starvation "
                                  "(monitor"),
                  "%s", res.err);
}
END_TEST

/* --detector all: each variant under every detector built here, side by
 * side; the one that cannot see the bug says so. A bad name in a list is a
 * usage error naming it. */
START_TEST(test_detectors_side_by_side)
{
    SKIP_WITHOUT_TSAN("test_detectors_side_by_side");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "deadlock.abba", "--variant", "buggy",
                                              "--detector", "all", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res), *runs = json_object_get(doc, "runs"), *run;
    /* tsan and none always; tsan-gcc where configure found gcc's TSan;
     * helgrind and drd where valgrind is installed. DRD keeps no lock-order
     * graph: like none, it cannot show this bug. */
    char gcc_host[512];
    snprintf(gcc_host, sizeof gcc_host, "%s/threadlab-host-tsan-gcc", TL_TEST_BUILDDIR);
    bool have_gcc = access(gcc_host, X_OK) == 0;
    ck_assert_uint_eq(json_array_size(runs), 2u + have_gcc + 2u * tl_test_have_valgrind());
    size_t i;
    json_array_foreach(runs, i, run) {
        const char *d = json_string_value(json_object_get(run, "detector"));
        const char *want =
            strcmp(d, "none") == 0 || strcmp(d, "drd") == 0 ? "not demonstrable" : "met";
        ck_assert_msg(strcmp(json_string_value(json_object_get(run, "verdict")), want) == 0,
                      "%s: %s", d, json_string_value(json_object_get(run, "reason")));
        ck_assert(json_is_string(json_object_get(json_object_get(doc, "detectors"), d)));
    }
    json_decref(doc);
    run_cli(&res, true, (const char *const[]){"run", "deadlock.abba", "--detector", "tsan,bogus",
                                              NULL});
    ck_assert_int_eq(res.status, 2);
    ck_assert_msg(strstr(res.err, "unknown detector 'bogus'"), "%s", res.err);
}
END_TEST

/* gcc's ThreadSanitizer, in its own host: every variant met too. */
START_TEST(test_run_all_under_gcc_tsan)
{
    char gcc_host[512];
    snprintf(gcc_host, sizeof gcc_host, "%s/threadlab-host-tsan-gcc", TL_TEST_BUILDDIR);
    if (access(gcc_host, X_OK) != 0) {
        printf("skip: test_run_all_under_gcc_tsan: no gcc TSan host (configure found no gcc "
               "whose -fsanitize=thread works)\n");
        return;
    }
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "--all", "--detector", "tsan-gcc",
                                              "--quiet", NULL});
    assert_all_met(&res);
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
}
END_TEST

START_TEST(test_run_all_without_detector)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "--all", "--detector", "none", "--quiet",
                                              NULL});
    /* Every run met, except the buggy variants only TSan can show: those
     * say "not demonstrable", never "met: clean", and do not fail the run. */
    size_t undemonstrable;
    assert_all_met_but(&res, tl_test_tsan_only, &undemonstrable);
    ck_assert_uint_eq(undemonstrable, 5);
    ck_assert_msg(strstr(res.out, "5 not demonstrable by the detector"), "%s", res.out);
    json_t *doc = load_report(&res);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
                                                        "not_demonstrable")),
                     5);
    json_decref(doc);
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
}
END_TEST

/* Colour on a terminal only, and never with NO_COLOR; the width from the
 * terminal, else $COLUMNS, else 80. */
START_TEST(test_table_colour_and_width)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    FILE *tty = fopen(ptsname(master), "w");
    ck_assert_ptr_nonnull(tty);
    struct winsize ws = {.ws_row = 24, .ws_col = 132};
    ck_assert_int_eq(ioctl(fileno(tty), TIOCSWINSZ, &ws), 0);
    unsetenv("NO_COLOR");
    tl_run_table_opts o = tl_run_table_opts_for(tty, true);
    ck_assert(o.colour || (getenv("TERM") && !strcmp(getenv("TERM"), "dumb")));
    ck_assert_uint_eq(o.width, 132);
    setenv("NO_COLOR", "1", 1);
    ck_assert(!tl_run_table_opts_for(tty, true).colour);
    unsetenv("NO_COLOR");
    fclose(tty);
    close(master);

    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    FILE *piped = fdopen(fds[1], "w");
    setenv("COLUMNS", "100", 1);
    o = tl_run_table_opts_for(piped, true);
    ck_assert(!o.colour);
    ck_assert_uint_eq(o.width, 100);
    unsetenv("COLUMNS");
    ck_assert_uint_eq(tl_run_table_opts_for(piped, true).width, 80);
    fclose(piped);
    close(fds[0]);
}
END_TEST

/* --shard 2/2 runs the even-numbered runs of the whole plan under their
 * own numbers, and report.json says which shard it is. */
START_TEST(test_shard_runs_its_share)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "tls.counter", "--detector",
                                              "none", "--repeat", "2", "--shard", "2/2",
                                              "--quiet", NULL});
    ck_assert_msg(res.status == 0 || res.status == 1, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    json_t *shard = json_object_get(doc, "shard");
    ck_assert_int_eq(json_integer_value(json_object_get(shard, "index")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(shard, "count")), 2);
    json_t *runs = json_object_get(doc, "runs"), *run;
    size_t i, n = json_array_size(runs);
    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
                                                        "planned")), (json_int_t)n);
    json_array_foreach(runs, i, run)
        ck_assert_int_eq(json_integer_value(json_object_get(run, "index")) % 2, 0);
    json_decref(doc);
}
END_TEST

/* The user's TSAN_OPTIONS reach the host after threadlab's own: a
 * suppressions file (relative to where threadlab was started) silences
 * race.counter's races, so its buggy run is not met; report.json records the
 * options; a key of threadlab's set to another value is refused (exit 2). */
START_TEST(test_user_tsan_options)
{
    SKIP_WITHOUT_TSAN("test_user_tsan_options");
    static cli_result res;
    char dir[256], supp[300], options[400];
    tl_test_mkdtemp(dir, sizeof dir);
    snprintf(supp, sizeof supp, "%s/race.supp", dir);
    FILE *f = fopen(supp, "w");
    ck_assert_ptr_nonnull(f);
    /* Every racy access of the scenario's file, not just the forced one:
     * TSan reports whichever pair it catches first, and beside a busy
     * machine's load that was once the loops' own increments (line 39, in
     * buggy_worker), which a suppression of forced_lost_update alone let
     * through (clang 19 build, a full plan running beside it). */
    fputs("race:race_counter.c\n", f);
    fclose(f);
    snprintf(options, sizeof options, "history_size=4:suppressions=%s", supp);
    /* make check's own TSAN_OPTIONS come back after the test. */
    const char *had = getenv("TSAN_OPTIONS");
    static char saved[512];
    snprintf(saved, sizeof saved, "%s", had ? had : "");
    setenv("TSAN_OPTIONS", options, 1);
    /* ... as a GitHub Actions step: an annotation on the scenario's file,
     * summary.md appended to the step's summary. */
    char step_summary[300];
    snprintf(step_summary, sizeof step_summary, "%s/step-summary.md", dir);
    setenv("GITHUB_ACTIONS", "true", 1);
    setenv("GITHUB_STEP_SUMMARY", step_summary, 1);
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--variant", "buggy", NULL});
    unsetenv("GITHUB_ACTIONS");
    unsetenv("GITHUB_STEP_SUMMARY");
    ck_assert_msg(strstr(res.out, "::error file=scenarios/race_counter.c,title=threadlab%3A "
                                  "race.counter buggy under tsan not met::missing tsan:data-race"),
                  "%s", res.out);
    char page[4096];
    tl_test_slurp(step_summary, page, sizeof page);
    ck_assert_msg(strstr(page, "# threadlab report") && strstr(page, "**Not met:**"), "%s", page);
    ck_assert_msg(res.status == 1, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc,
                         "detector_user_options"), "tsan")), options);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(run, "verdict")), "not met");
    ck_assert_msg(strstr(json_string_value(json_object_get(run, "reason")), "missing tsan:data-race"),
                  "%s", json_string_value(json_object_get(run, "reason")));
    json_decref(doc);

    setenv("TSAN_OPTIONS", "halt_on_error=1", 1);
    run_cli(&res, true, (const char *const[]){"run", "race.counter", NULL});
    if (had)
        setenv("TSAN_OPTIONS", saved, 1);
    else
        unsetenv("TSAN_OPTIONS");
    ck_assert_int_eq(res.status, 2);
    ck_assert_msg(strstr(res.err, "TSAN_OPTIONS sets 'halt_on_error'"), "%s", res.err);
}
END_TEST

/* Runs one selftest variant and returns its single report record. */
static json_t *selftest(cli_result *res, const char *variant, const char *timeout, int want_exit)
{
    run_cli(res, true, (const char *const[]){"run", "selftest.checker", "--file", TL_TEST_SELFTEST_FILE, "--variant", variant,
                                             "--timeout", timeout, NULL});
    ck_assert_msg(res->status == want_exit, "exit %d, wanted %d\n%s", res->status, want_exit,
                  res->err);
    json_t *doc = load_report(res);
    json_t *run = json_incref(json_array_get(json_object_get(doc, "runs"), 0));
    json_decref(doc);
    ck_assert_ptr_nonnull(run);
    return run;
}

START_TEST(test_checker_can_say_not_met)
{
    SKIP_WITHOUT_TSAN("test_checker_can_say_not_met");
    static cli_result res;
    json_t *run = selftest(&res, "wrong", "10", 1);
    ck_assert_str_eq(json_string_value(json_object_get(run, "verdict")), "not met");
    ck_assert_msg(strstr(json_string_value(json_object_get(run, "reason")),
                         "missing tsan:data-race"),
                  "%s", json_string_value(json_object_get(run, "reason")));
    json_decref(run);
}
END_TEST

/* --junit FILE: read back with libxml2's parser, a testcase per run with a
 * unique name, a failure exactly for each run not met. */
static size_t count_children(xmlNodePtr parent, const char *name)
{
    size_t n = 0;
    for (xmlNodePtr c = parent->children; c; c = c->next)
        n += c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0;
    return n;
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

static long attr_long(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    long x = v ? strtol((const char *)v, NULL, 10) : -1;
    xmlFree(v);
    return x;
}

START_TEST(test_junit_report)
{
    SKIP_WITHOUT_TSAN("test_junit_report");
    static cli_result res;
    char dir[256], path[300];
    tl_test_mkdtemp(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/junit & <co>.xml", dir);
    /* --timeout 4: the checker's "hang" variant waits for it; the other
     * runs need far less, even on a busy machine. */
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "selftest.checker", "--file", TL_TEST_SELFTEST_FILE, 
                                              "--repeat", "2", "--timeout", "4", "--junit",
                                              path, NULL});
    ck_assert_msg(res.status == 1, "exit %d\n%s", res.status, res.err);
    /* The table on stdout (a pipe here): 80 columns at most, no colour,
     * repeats rolled up per variant, and the recap of what was not met. */
    ck_assert_msg(!strchr(res.out, '\033'), "colour in a pipe: %s", res.out);
    ck_assert_msg(!strstr(res.out, "::error"), "annotations outside GitHub Actions: %s", res.out);
    char copy[sizeof res.out];
    snprintf(copy, sizeof copy, "%s", res.out);
    char *table_end = strstr(copy, "\n\n"); /* the table, then a blank line */
    ck_assert_ptr_nonnull(table_end);
    *table_end = '\0';
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
        ck_assert_msg(strlen(line) <= 80, "table line of %zu: %s", strlen(line), line);
    ck_assert_msg(strstr(res.out, "met 2/2") && strstr(res.out, "NOT MET 2/2"), "%s", res.out);
    ck_assert_msg(strstr(res.out, "not met:\n  selftest.checker wrong (tsan"), "%s", res.out);
    json_t *report = load_report(&res);
    size_t runs = json_array_size(json_object_get(report, "runs"));
    json_decref(report);
    ck_assert_uint_ge(runs, 12); /* race.counter's variants and the checker's four, twice */
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    ck_assert_msg(doc, "%s does not parse as XML", path);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ck_assert_str_eq((const char *)root->name, "testsuites");
    ck_assert_int_eq(attr_long(root, "tests"), (long)runs);
    ck_assert_int_eq(attr_long(root, "failures"), 2);
    ck_assert_int_eq(attr_long(root, "errors"), 0);
    xmlNodePtr suite = child(root, "testsuite");
    ck_assert_ptr_nonnull(suite);
    ck_assert_uint_eq(count_children(suite, "testcase"), runs);
    static char names[64][256];
    ck_assert_uint_le(runs, 64);
    size_t n = 0, failures = 0, race_out = 0;
    for (xmlNodePtr tc = suite->children; tc; tc = tc->next) {
        if (tc->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *cls = xmlGetProp(tc, BAD_CAST "classname"), *name = xmlGetProp(tc, BAD_CAST "name");
        ck_assert_msg(strcmp((char *)cls, "race.counter") == 0 ||
                          strcmp((char *)cls, "selftest.checker") == 0, "classname %s", cls);
        for (size_t k = 0; k < n; k++)
            ck_assert_msg(strcmp(names[k], (char *)name) != 0, "two testcases named %s", name);
        snprintf(names[n++], sizeof names[0], "%s", (char *)name);
        xmlNodePtr f = child(tc, "failure");
        if (f) {
            failures++;
            xmlChar *msg = xmlGetProp(f, BAD_CAST "message");
            ck_assert_msg(strncmp((char *)name, "wrong ", 6) == 0, "failure on %s", name);
            ck_assert_msg(strstr((char *)msg, "missing tsan:data-race"), "message %s", msg);
            xmlFree(msg);
        }
        xmlNodePtr out = child(tc, "system-out");
        if (out && strcmp((char *)cls, "race.counter") == 0 &&
            strncmp((char *)name, "buggy ", 6) == 0) {
            xmlChar *words = xmlNodeGetContent(out);
            race_out += strstr((char *)words, "ThreadSanitizer: data race") != NULL;
            xmlFree(words);
        }
        xmlFree(cls);
        xmlFree(name);
    }
    ck_assert_uint_eq(failures, 2);
    ck_assert_uint_eq(race_out, 2); /* the detector's own words, in both buggy runs */
    xmlFreeDoc(doc);

    /* A folder that does not exist: refused before any run, exit 2. */
    run_cli(&res, true, (const char *const[]){"run", "race.counter", "--junit",
                                              "/nonexistent-dir/j.xml", NULL});
    ck_assert_int_eq(res.status, 2);
    ck_assert_msg(strstr(res.err, "--junit: cannot write '/nonexistent-dir/j.xml'"), "%s",
                  res.err);
}
END_TEST

START_TEST(test_checker_sees_a_hang_and_leaves_nothing_behind)
{
    SKIP_WITHOUT_TSAN("test_checker_sees_a_hang_and_leaves_nothing_behind");
    static cli_result res;
    json_t *run = selftest(&res, "hang", "0.5", 0);
    ck_assert_str_eq(json_string_value(json_object_get(run, "reason")), "hang (deadline)");
    json_t *exit = json_object_get(run, "exit");
    ck_assert(json_is_true(json_object_get(exit, "timed_out")));
    pid_t pid = (pid_t)json_integer_value(json_object_get(exit, "pid"));
    ck_assert_int_gt(pid, 0);
    /* The whole process group is gone. */
    ck_assert_int_eq(kill(-pid, 0), -1);
    json_decref(run);
}
END_TEST

START_TEST(test_checker_names_the_signal)
{
    SKIP_WITHOUT_TSAN("test_checker_names_the_signal");
    static cli_result res;
    json_t *run = selftest(&res, "crash", "10", 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(run, "exit"), "signal")),
                     "SIGABRT");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(run, "observed"), 0)),
                     "signal:SIGABRT");
    json_decref(run);
}
END_TEST

/* A flood of output is cut at the documented size and marked truncated. */
START_TEST(test_flood_is_cut_and_marked)
{
    SKIP_WITHOUT_TSAN("test_flood_is_cut_and_marked");
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "selftest.flood", "--file", TL_TEST_SELFTEST_FILE, "--variant", "buggy",
                                              NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *cut = json_object_get(run, "truncated");
    ck_assert(json_is_true(json_object_get(cut, "stdout")));
    ck_assert(json_is_true(json_object_get(cut, "stderr")));
    char path[700];
    snprintf(path, sizeof path, "%s/%s", res.report_dir,
             json_string_value(json_object_get(json_object_get(run, "logs"), "stdout")));
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 1L << 20);
    json_decref(doc);
}
END_TEST

/* Ctrl-C while a run hangs: exit 130, and report.json is valid and holds
 * every run that finished; the hanging host is gone, and no process of any
 * host's group outlives threadlab (as the child subreaper we would inherit
 * it). */
START_TEST(test_interrupt_keeps_a_valid_report)
{
    SKIP_WITHOUT_TSAN("test_interrupt_keeps_a_valid_report");
    tl_test_become_subreaper();
    char tmp[64];
    tl_test_mkdtemp(tmp, sizeof tmp);
    char bin[512], out[600];
    snprintf(bin, sizeof bin, "%s/threadlab", TL_TEST_BUILDDIR);
    snprintf(out, sizeof out, "%s/stdout", tmp);
    /* One job at a time: race.counter's three runs finish, then
     * selftest.checker's hang variant blocks until we interrupt it. */
    const char *hang_argv[] = {bin, "run", "race.counter", "selftest.checker", "--file", TL_TEST_SELFTEST_FILE, "--jobs", "1",
                               "--timeout", "60", "--quiet", "--out", tmp, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, bin, &fa, NULL, (char **)hang_argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    /* Give the quick runs time to finish and the hang time to start. */
    struct timespec wait = {3, 0};
    nanosleep(&wait, NULL);
    kill(pid, SIGINT);
    int st;
    waitpid(pid, &st, 0);
    /* Anything left behind is our child now: reaped, or killed at the bound. */
    size_t left = tl_test_reap_children(20.0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 130, "status %d", st);
    ck_assert_msg(left == 0, "%zu process(es) outlived threadlab after Ctrl-C", left);

    static cli_result res;
    tl_test_slurp(out, res.out, sizeof res.out);
    const char *rep = strstr(res.out, "Report: ");
    ck_assert_ptr_nonnull(rep);
    sscanf(rep, "Report: %511[^ \n]", res.report_dir);
    *strrchr(res.report_dir, '/') = '\0';
    json_t *doc = load_report(&res);
    json_t *totals = json_object_get(doc, "totals");
    ck_assert_int_ge(json_integer_value(json_object_get(totals, "finished")), 3);
    ck_assert_int_ge(json_integer_value(json_object_get(totals, "interrupted")), 1);
    /* No host of this report is still alive, the interrupted one included. */
    json_t *run;
    size_t i;
    json_array_foreach(json_object_get(doc, "runs"), i, run) {
        pid_t host = (pid_t)json_integer_value(json_object_get(json_object_get(run, "exit"), "pid"));
        ck_assert_int_eq(kill(-host, 0), -1);
    }
    json_decref(doc);
}
END_TEST

/* Bad input: exit 2 and a one-line message naming the value. */
static void expect_usage_error(const char *const *args, const char *message)
{
    static cli_result res;
    run_cli(&res, false, args);
    ck_assert_msg(res.status == 2, "exit %d for %s", res.status, args[1]);
    ck_assert_msg(strstr(res.err, message), "message '%s' not in:\n%s", message, res.err);
    ck_assert_msg(strchr(res.err, '\n') == res.err + strlen(res.err) - 1,
                  "not one line:\n%s", res.err);
}

START_TEST(test_usage_errors)
{
    expect_usage_error((const char *const[]){"run", "race.countr", NULL},
                       "unknown scenario 'race.countr'; did you mean race.counter?");
    expect_usage_error((const char *const[]){"run", "race.counter", "--threads", "0", NULL},
                       "--threads: '0' is not a whole number from 1 to 64");
    expect_usage_error((const char *const[]){"run", "race.counter", "--lock", "spin", NULL},
                       "--lock: unknown lock kind 'spin'; allowed: mutex,");
    expect_usage_error((const char *const[]){"run", "race.counter", "--lock", "tiket", NULL},
                       "--lock: unknown lock kind 'tiket'; did you mean ticket?");
    expect_usage_error((const char *const[]){"run", "--category", "deadlok", NULL},
                       "did you mean deadlock?");
    expect_usage_error((const char *const[]){"run", "race.counter", "--timeout", "0", NULL},
                       "--timeout: '0' is not a number of seconds from 0.1 to 3600");
    expect_usage_error((const char *const[]){"run", "deadlock.abba", "--threads", "3", NULL},
                       "--threads: 3 is outside deadlock.abba's range 2 to 2");
    expect_usage_error((const char *const[]){"run", "race.counter", "--variant", "fixd", NULL},
                       "--variant: no chosen scenario has a variant 'fixd'; allowed: buggy, fixed, both, fixed-atomic");
    expect_usage_error((const char *const[]){"run", NULL}, "no scenario given");
    expect_usage_error((const char *const[]){"run", "race.counter", "--shard", "3/2", NULL},
                       "--shard: '3/2' is not I/N with 1 <= I <= N <= 1000");
    expect_usage_error((const char *const[]){"run", "race.counter", "--shard", "1/-2", NULL},
                       "--shard: '1/-2' is not I/N");
    expect_usage_error((const char *const[]){"show", "tls.countr", NULL},
                       "did you mean tls.counter?");
    expect_usage_error((const char *const[]){"frobnicate", NULL}, "unknown command 'frobnicate'");
    expect_usage_error((const char *const[]){"help", "rn", NULL},
                       "help: unknown command 'rn'; allowed: run, matrix, list, show, validate, "
                       "bench, help");
    expect_usage_error((const char *const[]){"list", "--names", "kinds", NULL},
                       "--names: unknown list 'kinds'; allowed: scenarios, categories, locks");
}
END_TEST

START_TEST(test_list_json_and_show)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"list", "--json", NULL});
    ck_assert_int_eq(res.status, 0);
    json_t *all = json_loads(res.out, 0, NULL);
    ck_assert_ptr_nonnull(all);
    size_t listed = 0;
    for (size_t i = 0; i < tl_catalog_count(); i++)
        listed += !tl_catalog_is_selftest(tl_catalog_at(i));
    ck_assert_uint_eq(json_array_size(all), listed);
    json_decref(all);
    run_cli(&res, false, (const char *const[]){"show", "deadlock.abba", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert(strstr(res.out, "Coffman") && strstr(res.out, "breaks:"));
    run_cli(&res, false, (const char *const[]){"run", "--help", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert(strstr(res.out, "--detector"));
    /* --lock's help lists every kind, from the descriptors. */
    for (size_t i = 0; i < tl_lock_kind_count(); i++)
        ck_assert_msg(strstr(res.out, tl_lock_kind_at(i)->summary), "%s", tl_lock_kind_at(i)->name);
    /* help COMMAND is COMMAND --help. */
    static cli_result again;
    run_cli(&again, false, (const char *const[]){"help", "run", NULL});
    ck_assert_int_eq(again.status, 0);
    ck_assert_str_eq(again.out, res.out);
    /* show --code: the scenario's file with line numbers. */
    run_cli(&res, false, (const char *const[]){"show", "race.counter", "--code", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strncmp(res.out, "   1  /* SPDX-License-Identifier: MIT */", 40) == 0 &&
                      strstr(res.out, "forced_lost_update"), "%.200s", res.out);
    /* list --names: the words completion offers, one per line, each one the
     * CLI accepts. */
    run_cli(&res, false, (const char *const[]){"list", "--names", "scenarios", NULL});
    ck_assert_int_eq(res.status, 0);
    size_t words = 0;
    for (char *line = strtok(res.out, "\n"); line; line = strtok(NULL, "\n"), words++)
        ck_assert_msg(tl_catalog_find(line) && !tl_catalog_is_selftest(tl_catalog_find(line)),
                      "'%s' offered", line);
    ck_assert_uint_eq(words, listed);
    run_cli(&res, false, (const char *const[]){"list", "--names", "locks", NULL});
    words = 0;
    for (char *line = strtok(res.out, "\n"); line; line = strtok(NULL, "\n"), words++)
        ck_assert_msg(tl_lock_kind_find(line), "'%s' offered", line);
    ck_assert_uint_eq(words, tl_lock_kind_count());
}
END_TEST

/* list --locks: every kind, with what its descriptor says. */
START_TEST(test_list_locks)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"list", "--locks", "--json", NULL});
    ck_assert_int_eq(res.status, 0);
    json_t *all = json_loads(res.out, 0, NULL), *k;
    ck_assert_ptr_nonnull(all);
    ck_assert_uint_eq(json_array_size(all), tl_lock_kind_count());
    size_t i;
    json_array_foreach(all, i, k) {
        const tl_lock_kind *d = tl_lock_kind_at(i);
        ck_assert_str_eq(json_string_value(json_object_get(k, "name")), d->name);
        ck_assert_int_eq(json_is_true(json_object_get(k, "fifo")), (d->flags & TL_KIND_FIFO) != 0);
        ck_assert_int_eq(json_is_true(json_object_get(k, "shared")), tl_lock_kind_has_shared(d));
        ck_assert_int_eq(json_integer_value(json_object_get(k, "queue_node_bytes")),
                         (json_int_t)d->node_size);
    }
    json_decref(all);
    run_cli(&res, false, (const char *const[]){"list", "--locks", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert_msg(strstr(res.out, "clh ") && strstr(res.out, "spins, FIFO, queue node") &&
                      strstr(res.out, "rwlock-wp") &&
                      strstr(res.out, "sleeps, shared mode, writers first"),
                  "%s", res.out);
    expect_usage_error((const char *const[]){"list", "--locks", "--category", "race", NULL},
                       "--locks and --category do not go together");
}
END_TEST

/* validate's deadline: a run that cannot finish in time (2 x 10^8
 * acquisitions in 0.2 s) is stopped, reported unfinished with a line saying
 * so, and exits 4; progress goes to stderr unless --quiet. */
START_TEST(test_validate_deadline_and_progress)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"validate", "--lock", "ticket", "--iterations",
                                               "100000000", "--timeout", "0.2", "--progress",
                                               "0.05", NULL});
    ck_assert_msg(res.status == 4, "exit %d\n%s", res.status, res.out);
    ck_assert_msg(strstr(res.out, "ticket         unfinished"), "%s", res.out);
    ck_assert_msg(strstr(res.out, "ticket: not finished within 0.2 s: "), "%s", res.out);
    ck_assert_msg(strstr(res.out, "no overlap and no lost update among them"), "%s", res.out);
    ck_assert_msg(strstr(res.err, "validate: [1/1] ticket: "), "no progress line:\n%s", res.err);

    run_cli(&res, false, (const char *const[]){"validate", "--lock", "ticket", "--iterations",
                                               "100000000", "--timeout", "0.2", "--quiet", NULL});
    ck_assert_int_eq(res.status, 4);
    ck_assert_msg(res.err[0] == '\0', "--quiet printed:\n%s", res.err);
}
END_TEST

START_TEST(test_validate_finishes_and_documents_its_exit_status)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"validate", "--lock", "mutex,tas", "--iterations",
                                               "1000", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.out);
    ck_assert_msg(strstr(res.out, "mutex          ok") && strstr(res.out, "tas            ok"),
                  "%s", res.out);
    ck_assert_ptr_null(strstr(res.out, "not finished"));
    run_cli(&res, false, (const char *const[]){"validate", "--help", NULL});
    ck_assert_int_eq(res.status, 0);
    ck_assert(strstr(res.out, "--timeout SECONDS") && strstr(res.out, "default 60"));
    ck_assert(strstr(res.out, "4 no correct kind failed"));
    expect_usage_error((const char *const[]){"validate", "--timeout", "0", NULL},
                       "--timeout: '0' is not a number of seconds from 0.01 to 86400");
    expect_usage_error((const char *const[]){"validate", "--progress", "soon", NULL},
                       "--progress: 'soon' is not a number of seconds");
}
END_TEST

Suite *tl_suite_cli(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("end to end");
    /* The whole catalogue under TSan on a busy 2-core machine: generous. */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_list_locks);
    tcase_add_test(tc, test_run_all_tsan_meets_every_expectation);
    tcase_add_test(tc, test_tsan_frames_have_file_and_line);
    tcase_add_test(tc, test_verbose_race_accesses);
    tcase_add_test(tc, test_run_deadlocks_actual_mode_monitor);
    tcase_add_test(tc, test_run_deadlock_without_monitor_hits_the_deadline);
    tcase_add_test(tc, test_run_stuck_scenarios);
    tcase_add_test(tc, test_run_all_without_detector);
    tcase_add_test(tc, test_detectors_side_by_side);
    tcase_add_test(tc, test_run_all_under_gcc_tsan);
    tcase_add_test(tc, test_checker_can_say_not_met);
    tcase_add_test(tc, test_junit_report);
    tcase_add_test(tc, test_shard_runs_its_share);
    tcase_add_test(tc, test_table_colour_and_width);
    tcase_add_test(tc, test_user_tsan_options);
    tcase_add_test(tc, test_checker_sees_a_hang_and_leaves_nothing_behind);
    tcase_add_test(tc, test_checker_names_the_signal);
    tcase_add_test(tc, test_interrupt_keeps_a_valid_report);
    tcase_add_test(tc, test_flood_is_cut_and_marked);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_usage_errors);
    tcase_add_test(tc, test_list_json_and_show);
    suite_add_tcase(s, tc);
    tc = tcase_create("validate");
    tcase_add_test(tc, test_validate_deadline_and_progress);
    tcase_add_test(tc, test_validate_finishes_and_documents_its_exit_status);
    suite_add_tcase(s, tc);
    return s;
}
