/* SPDX-License-Identifier: MIT */
/* The litmus trials' meeting (harness/tl_litmus.h): both parties always
 * stop at the same trial, a fixed run does exactly its trials, a
 * demonstration goes on until an outcome is reported or it reaches its
 * most, and a spent budget stops both at once. Counts only, never times:
 * the budgets are either generous or zero. */
#include <pthread.h>
#include <stdint.h>
#include "harness_suites.h"
#include "tl_litmus.h"

#define GENEROUS_NS (600 * 1000 * 1000 * 1000ull)

typedef struct {
    tl_litmus_t *m;
    uint32_t report_at; /* report a forbidden outcome in this trial (0: never) */
    uint32_t done;      /* trials this party ran */
} party;

static void *take_part(void *arg)
{
    party *p = arg;
    uint32_t t;
    for (t = 1; tl_litmus_meet(p->m, t); t++)
        if (t == p->report_at)
            tl_litmus_report(p->m);
    p->done = t - 1;
    return NULL;
}

/* Runs two parties; returns the trials both ran (asserting they agree). */
static uint32_t trials_run(uint64_t budget_ns, uint32_t min, uint32_t max, bool until_seen,
                           uint32_t report_at)
{
    static tl_litmus_t m;
    tl_litmus_init(&m, budget_ns, min, max, until_seen);
    party a = {&m, report_at, 0}, b = {&m, 0, 0};
    pthread_t ta, tb;
    ck_assert_int_eq(pthread_create(&ta, NULL, take_part, &a), 0);
    ck_assert_int_eq(pthread_create(&tb, NULL, take_part, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ck_assert_uint_eq(a.done, b.done);
    return a.done;
}

START_TEST(test_fixed_run_does_exactly_its_trials)
{
    ck_assert_uint_eq(trials_run(GENEROUS_NS, 50, 400, false, 0), 50);
    /* An outcome does not stop a fixed run early, nor lengthen it. */
    ck_assert_uint_eq(trials_run(GENEROUS_NS, 50, 400, false, 10), 50);
}
END_TEST

START_TEST(test_demonstration_goes_on_until_seen)
{
    /* Nothing seen: on to its most. */
    ck_assert_uint_eq(trials_run(GENEROUS_NS, 50, 200, true, 0), 200);
    /* Seen early: its trials, no more. */
    ck_assert_uint_eq(trials_run(GENEROUS_NS, 50, 200, true, 10), 50);
    /* Seen late: it stops right after the trial of the report (reported
     * before that party arrives at the next meeting, which the deciding
     * party sees). */
    ck_assert_uint_eq(trials_run(GENEROUS_NS, 50, 200, true, 120), 120);
}
END_TEST

START_TEST(test_spent_budget_stops_both_at_once)
{
    ck_assert_uint_eq(trials_run(0, 50, 200, true, 0), 0);
    ck_assert_uint_eq(trials_run(0, 50, 200, false, 0), 0);
}
END_TEST

Suite *tl_suite_litmus(void)
{
    Suite *s = suite_create("litmus");
    TCase *tc = tcase_create("meeting");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fixed_run_does_exactly_its_trials);
    tcase_add_test(tc, test_demonstration_goes_on_until_seen);
    tcase_add_test(tc, test_spent_budget_stops_both_at_once);
    suite_add_tcase(s, tc);
    return s;
}
