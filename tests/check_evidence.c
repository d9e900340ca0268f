/* SPDX-License-Identifier: MIT */
/* Evidence sets and the verdict: what "met" means, and every way a run can
 * fail to meet its expectation. */
#include <signal.h>
#include <string.h>
#include "detector.h"
#include "harness_suites.h"
#include "run.h"

START_TEST(test_parse_sorts_and_dedups)
{
    tl_evidence e;
    char buf[256];
    ck_assert(tl_evidence_parse(&e, "oracle:violated tsan:data-race oracle:violated", NULL));
    ck_assert_uint_eq(e.n, 2);
    ck_assert_str_eq(tl_evidence_format(&e, buf, sizeof buf), "oracle:violated tsan:data-race");
    ck_assert(tl_evidence_parse(&e, "", NULL));
    ck_assert_str_eq(tl_evidence_format(&e, buf, sizeof buf), "clean");
}
END_TEST

START_TEST(test_parse_rejects_unknown_tokens)
{
    tl_evidence e;
    const char *bad = NULL;
    ck_assert(!tl_evidence_parse(&e, "tsan:data-race tsan:data-rase", &bad));
    ck_assert_str_eq(bad, "tsan:data-rase");
    ck_assert(!tl_evidence_parse(&e, "clean", &bad));
    ck_assert(tl_evidence_parse(&e, "hang signal:SIGSEGV tsan:lock-order-inversion", NULL));
}
END_TEST

START_TEST(test_diff_names_missing_and_unexpected)
{
    tl_evidence want, got;
    char buf[256];
    tl_evidence_parse(&want, "tsan:data-race oracle:violated", NULL);
    tl_evidence_parse(&got, "oracle:violated tsan:thread-leak", NULL);
    ck_assert(!tl_evidence_equal(&want, &got));
    ck_assert_str_eq(tl_evidence_diff(&want, &got, buf, sizeof buf),
                     "missing tsan:data-race; unexpected tsan:thread-leak");
}
END_TEST

static const tl_variant racy = {.name = "buggy", .role = TL_ROLE_BUGGY,
                                .expect = "tsan:data-race oracle:violated",
                                .expect_actual = "hang"};
static const tl_scenario racy_scenario = {.name = "test.racy", .category = "test",
                                          .summary = "s", .has_modes = true};

static tl_run finished_run(tl_detector d, tl_mode mode)
{
    tl_run r = {.scenario = &racy_scenario, .variant = &racy, .detector = d, .mode = mode,
                .state = TL_RUN_FINISHED, .exited = true, .host_started = true,
                .host_done = true};
    ck_assert(tl_run_expectation(&r, NULL));
    return r;
}

static void add_race(tl_run *r)
{
    r->findings[r->nfindings++].kind = TL_BUG_DATA_RACE;
    r->exit_status = 66;
}

static void add_violation(tl_run *r)
{
    r->oracle[r->noracle++] = (tl_oracle_rec){.what = "count", .ok = false,
                                              .detail = "expected 4, got 3"};
}

START_TEST(test_verdict_met_when_sets_equal)
{
    tl_run r = finished_run(tl_detector_find("tsan"), TL_MODE_POTENTIAL);
    add_race(&r);
    add_violation(&r);
    tl_run_judge(&r);
    ck_assert(r.met);
    ck_assert_msg(strstr(r.reason, "data-race") && strstr(r.reason, "expected 4, got 3"),
                  "reason: %s", r.reason);
}
END_TEST

START_TEST(test_verdict_not_met_on_extra_or_missing)
{
    tl_run r = finished_run(tl_detector_find("tsan"), TL_MODE_POTENTIAL);
    add_race(&r);
    tl_run_judge(&r);
    ck_assert(!r.met);
    ck_assert_msg(strstr(r.reason, "missing oracle:violated"), "reason: %s", r.reason);

    r = finished_run(tl_detector_find("tsan"), TL_MODE_POTENTIAL);
    add_race(&r);
    add_violation(&r);
    r.findings[r.nfindings++].kind = TL_BUG_THREAD_LEAK;
    tl_run_judge(&r);
    ck_assert(!r.met);
    ck_assert_msg(strstr(r.reason, "unexpected tsan:thread-leak"), "reason: %s", r.reason);
}
END_TEST

START_TEST(test_verdict_without_detector_drops_tsan_tokens)
{
    tl_run r = finished_run(tl_detector_find("none"), TL_MODE_POTENTIAL);
    ck_assert_uint_eq(r.expected.n, 1);
    add_violation(&r);
    tl_run_judge(&r);
    ck_assert(r.met);
}
END_TEST

/* A buggy variant only TSan shows, run without TSan: neither "met: clean"
 * (a lie) nor "not met" (a false alarm), but "not demonstrable". And a
 * fixed variant with the same expectation is simply met when clean. */
START_TEST(test_verdict_not_demonstrable_by_the_detector)
{
    static const tl_variant tsan_only = {.name = "buggy", .role = TL_ROLE_BUGGY,
                                         .expect = "tsan:lock-order-inversion"};
    tl_run r = {.scenario = &racy_scenario, .variant = &tsan_only,
                .detector = tl_detector_find("none"), .state = TL_RUN_FINISHED,
                .exited = true, .host_started = true, .host_done = true};
    ck_assert(tl_run_expectation(&r, NULL));
    ck_assert(r.not_demonstrable);
    tl_run_judge(&r);
    ck_assert(!r.met);
    ck_assert_msg(strstr(r.reason, "tsan:lock-order-inversion, which none cannot see"), "%s",
                  r.reason);
    /* Under TSan the same variant is demonstrable, and judged as usual. */
    r = (tl_run){.scenario = &racy_scenario, .variant = &tsan_only,
                 .detector = tl_detector_find("tsan"), .state = TL_RUN_FINISHED,
                 .exited = true, .host_started = true, .host_done = true};
    ck_assert(tl_run_expectation(&r, NULL));
    ck_assert(!r.not_demonstrable);
    tl_run_judge(&r);
    ck_assert(!r.met);
    ck_assert_msg(strstr(r.reason, "missing tsan:lock-order-inversion"), "%s", r.reason);
}
END_TEST

/* A report kind written without a detector is expected from whichever
 * detector runs, if it can see it: "data-race" is "tsan:data-race" under
 * TSan and nothing under no detector. */
START_TEST(test_neutral_kinds_follow_the_detector)
{
    static const tl_variant neutral = {.name = "buggy", .role = TL_ROLE_BUGGY,
                                       .expect = "data-race oracle:violated"};
    tl_run r = {.scenario = &racy_scenario, .variant = &neutral,
                .detector = tl_detector_find("tsan")};
    char buf[128];
    ck_assert(tl_run_expectation(&r, NULL));
    ck_assert_str_eq(tl_evidence_format(&r.expected, buf, sizeof buf),
                     "oracle:violated tsan:data-race");
    r.detector = tl_detector_find("none");
    ck_assert(tl_run_expectation(&r, NULL));
    ck_assert_str_eq(tl_evidence_format(&r.expected, buf, sizeof buf), "oracle:violated");
    ck_assert(!r.not_demonstrable); /* the oracle still shows it */
}
END_TEST

START_TEST(test_verdict_actual_mode_hang)
{
    tl_run r = finished_run(tl_detector_find("tsan"), TL_MODE_ACTUAL);
    r.exited = false;
    r.host_done = false;
    r.timed_out = true;
    r.term_signal = SIGTERM;
    tl_run_judge(&r);
    ck_assert(r.met);
    ck_assert_str_eq(r.reason, "hang (deadline)");
}
END_TEST

START_TEST(test_verdict_signal_and_host_failures)
{
    tl_run r = finished_run(tl_detector_find("tsan"), TL_MODE_POTENTIAL);
    r.exited = false;
    r.host_done = false;
    r.term_signal = SIGSEGV;
    tl_run_judge(&r);
    ck_assert(!r.met);
    ck_assert(tl_evidence_has(&r.observed, "signal:SIGSEGV"));

    r = finished_run(tl_detector_find("tsan"), TL_MODE_POTENTIAL);
    r.exit_status = 66; /* TSan said something we could not parse */
    tl_run_judge(&r);
    ck_assert(!r.met);
    ck_assert_msg(strstr(r.reason, "no report could be parsed"), "reason: %s", r.reason);

    r = finished_run(tl_detector_find("tsan"), TL_MODE_POTENTIAL);
    r.exit_status = 3;
    tl_run_judge(&r);
    ck_assert(!r.met);
    ck_assert_msg(strstr(r.reason, "status 3"), "reason: %s", r.reason);
}
END_TEST

Suite *tl_suite_evidence(void)
{
    Suite *s = suite_create("evidence");
    TCase *tc = tcase_create("sets");
    tcase_add_test(tc, test_parse_sorts_and_dedups);
    tcase_add_test(tc, test_parse_rejects_unknown_tokens);
    tcase_add_test(tc, test_diff_names_missing_and_unexpected);
    suite_add_tcase(s, tc);
    tc = tcase_create("verdict");
    tcase_add_test(tc, test_verdict_met_when_sets_equal);
    tcase_add_test(tc, test_verdict_not_met_on_extra_or_missing);
    tcase_add_test(tc, test_verdict_without_detector_drops_tsan_tokens);
    tcase_add_test(tc, test_verdict_not_demonstrable_by_the_detector);
    tcase_add_test(tc, test_neutral_kinds_follow_the_detector);
    tcase_add_test(tc, test_verdict_actual_mode_hang);
    tcase_add_test(tc, test_verdict_signal_and_host_failures);
    suite_add_tcase(s, tc);
    return s;
}
