/* SPDX-License-Identifier: MIT */
/* The stalled-loop verdict on synthetic snapshots: given when one callback
 * holds a loop past its bound while work waits; not given when nothing
 * waits, when the callback is within the bound, when the time over the
 * bound was spent descheduled, or below a loop's own larger bound. And end
 * to end, through the CLI: eventloop.blocking_callback's buggy variant is
 * judged a stalled loop naming the callback's source line, its fix is
 * clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "harness_suites.h"
#include "cli_run.h"
#include "monitor.h"
#include "monitor_report.h"

#define MS (1000 * 1000ull)

static tl_mon_snapshot snap;

/* A loop run by thread 'loop' whose callback 'on_request' (an fd callback
 * watched at scenarios/x.c:42) began at `since`. */
static tl_track_loop *loop_in_callback(uint64_t since, uint64_t bound)
{
    memset(&snap, 0, sizeof snap);
    snap.nthreads = 2;
    strcpy(snap.thread[0].name, "main");
    snap.thread[0].state = TL_TS_JOINING;
    snap.thread[0].wait_obj = 1;
    strcpy(snap.thread[1].name, "loop");
    snap.thread[1].state = TL_TS_RUNNING;
    snap.nobjects = 1;
    snap.object[0].type = TL_OBJ_LOOP;
    strcpy(snap.object[0].name, "server");
    strcpy(snap.object[0].kind, "event loop");
    snap.nfiles = 1;
    strcpy(snap.file[0].name, "/src/threadlab/scenarios/x.c");
    snap.nloops = 1;
    tl_track_loop *l = &snap.loop[0];
    l->object = 0;
    l->thread = 1;
    l->cb_kind = TL_LOOP_CB_FD;
    strcpy(l->cb_name, "on_request");
    l->cb_file = 0;
    l->cb_line = 42;
    l->cb_since_ns = since;
    l->cb_serial = 7;
    l->stall_bound_ns = bound;
    return l;
}

/* Looks at the snapshot at each time in turn (0 ends the list); returns the
 * first verdict's kind. */
static tl_mon_kind look_at(tl_mon_verdict *v, const uint64_t *times)
{
    tl_monitor m;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    for (int i = 0; times[i]; i++) {
        snap.taken_ns = times[i];
        if (tl_monitor_observe(&m, &snap, v))
            return v->kind;
    }
    return TL_MON_NONE;
}

START_TEST(test_stall_with_overdue_timer)
{
    tl_track_loop *l = loop_in_callback(100 * MS, 20 * MS);
    l->timer_due_ns = 105 * MS;
    tl_mon_verdict v;
    ck_assert_int_eq(look_at(&v, (const uint64_t[]){110 * MS, 118 * MS, 123 * MS, 0}),
                     TL_MON_STALLED_LOOP);
    ck_assert_str_eq(tl_mon_kind_name(v.kind), "stalled-loop");
    ck_assert_uint_eq(v.loop, 0);
    ck_assert_uint_eq(v.verdict_ns, 123 * MS);
    ck_assert_uint_eq(v.since_ns, 120 * MS); /* the hold passed the bound then */
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.summary, "callback 'on_request'") &&
                      strstr(e.summary, "scenarios/x.c:42") &&
                      strstr(e.summary, "event loop 'server' for 23 ms") &&
                      strstr(e.summary, "a timer 18 ms past its deadline") &&
                      strstr(e.summary, "thread 'loop'"),
                  "%s", e.summary);
    char path[] = "/tmp/tl-loop-dot-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert(tl_monitor_write_dot(&v, path));
    char dot[8192];
    tl_test_slurp(path, dot, sizeof dot);
    unlink(path);
    ck_assert_msg(strstr(dot, "t1 -> loop0 [label=\"runs on_request\\nscenarios/x.c:42"),
                  "%s", dot);
    ck_assert_msg(strstr(dot, "waiting0 -> loop0"), "%s", dot);
}
END_TEST

START_TEST(test_stall_with_posts_waiting)
{
    tl_track_loop *l = loop_in_callback(100 * MS, 20 * MS);
    l->posts_waiting.raw = 3;
    l->posts_since_ns = 130 * MS; /* posted after the bound passed */
    tl_mon_verdict v;
    ck_assert_int_eq(look_at(&v, (const uint64_t[]){110 * MS, 125 * MS, 135 * MS, 0}),
                     TL_MON_STALLED_LOOP);
    ck_assert_uint_eq(v.since_ns, 130 * MS); /* the stall formed when work came */
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.summary, "3 posted items not yet run"), "%s", e.summary);
}
END_TEST

START_TEST(test_no_stall_when_nothing_waits)
{
    tl_track_loop *l = loop_in_callback(100 * MS, 20 * MS);
    l->timer_due_ns = 500 * MS; /* armed, not due */
    tl_mon_verdict v;
    ck_assert_int_eq(look_at(&v, (const uint64_t[]){110 * MS, 200 * MS, 400 * MS, 0}),
                     TL_MON_NONE);
}
END_TEST

START_TEST(test_no_stall_within_bound)
{
    tl_track_loop *l = loop_in_callback(100 * MS, 20 * MS);
    l->timer_due_ns = 101 * MS;
    l->posts_waiting.raw = 1;
    l->posts_since_ns = 101 * MS;
    tl_mon_verdict v;
    ck_assert_int_eq(look_at(&v, (const uint64_t[]){105 * MS, 112 * MS, 119 * MS, 0}),
                     TL_MON_NONE);
    /* A new callback each look (the loop turns): never one held too long. */
    tl_monitor m;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    for (uint64_t t = 110; t < 400; t += 10) {
        l->cb_serial++;
        l->cb_since_ns = (t - 5) * MS;
        snap.taken_ns = t * MS;
        ck_assert(!tl_monitor_observe(&m, &snap, &v));
    }
}
END_TEST

START_TEST(test_no_stall_when_descheduled)
{
    tl_track_loop *l = loop_in_callback(100 * MS, 20 * MS);
    l->timer_due_ns = 101 * MS;
    tl_monitor m;
    tl_mon_verdict v;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    snap.has_runq = true;
    snap.runq_ns[1] = 1000 * MS;
    snap.taken_ns = 102 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
    /* 40 ms later, 35 of them spent waiting for a CPU: held 7 ms. */
    snap.runq_ns[1] = 1035 * MS;
    snap.taken_ns = 142 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
    /* Then it stays on the callback, on a CPU, past the bound. */
    snap.taken_ns = 160 * MS;
    ck_assert(tl_monitor_observe(&m, &snap, &v));
    ck_assert_int_eq(v.kind, TL_MON_STALLED_LOOP);
    ck_assert_uint_eq(v.since_ns, 155 * MS); /* 100 + 20 bound + 35 descheduled */
}
END_TEST

/* A callback first seen past its bound is judged at that look: its
 * descheduled time is bounded by the run-queue time since the last look,
 * before it began. */
START_TEST(test_first_sight_judged_with_previous_look)
{
    tl_track_loop *l = loop_in_callback(100 * MS, 20 * MS);
    l->timer_due_ns = 101 * MS;
    uint64_t since = l->cb_since_ns;
    tl_monitor m;
    tl_mon_verdict v;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    snap.has_runq = true;
    l->cb_since_ns = 0; /* idle at the first look */
    l->cb_kind = 0;
    snap.runq_ns[1] = 1000 * MS;
    snap.taken_ns = 90 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
    l->cb_since_ns = since;
    l->cb_kind = TL_LOOP_CB_FD;
    snap.runq_ns[1] = 1005 * MS;
    snap.taken_ns = 130 * MS;
    ck_assert(tl_monitor_observe(&m, &snap, &v));
    ck_assert_int_eq(v.kind, TL_MON_STALLED_LOOP);
    ck_assert_uint_eq(v.since_ns, 125 * MS); /* 100 + 20 bound + 5 descheduled at most */
}
END_TEST

START_TEST(test_bound_is_per_loop)
{
    tl_track_loop *l = loop_in_callback(100 * MS, 50 * MS);
    l->timer_due_ns = 101 * MS;
    tl_mon_verdict v;
    ck_assert_int_eq(look_at(&v, (const uint64_t[]){110 * MS, 130 * MS, 149 * MS, 0}),
                     TL_MON_NONE);
    ck_assert_int_eq(look_at(&v, (const uint64_t[]){110 * MS, 130 * MS, 152 * MS, 0}),
                     TL_MON_STALLED_LOOP);
    ck_assert_uint_eq(v.since_ns, 150 * MS);
}
END_TEST

/* --- end to end -------------------------------------------------------------- */
START_TEST(test_blocking_callback_end_to_end)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "eventloop.blocking_callback",
                                              "--detector", "none", "--timeout", "60", NULL});
    assert_all_met(&res);
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(strstr(res.err, "eventloop.blocking_callback buggy none ... met: "
                                  "stalled-loop (monitor"),
                  "%s", res.err);
    json_t *report = load_report(&res);
    json_t *runs = json_object_get(report, "runs");
    bool seen = false;
    for (size_t i = 0; i < json_array_size(runs); i++) {
        json_t *m = json_object_get(json_array_get(runs, i), "monitor");
        const char *verdict = json_string_value(json_object_get(m, "verdict"));
        if (!verdict || strcmp(verdict, "stalled-loop") != 0)
            continue;
        seen = true;
        const char *summary = json_string_value(json_object_get(m, "summary"));
        ck_assert_msg(summary && strstr(summary, "callback 'on_request'") &&
                          strstr(summary, "scenarios/eventloop_blocking_callback.c:"),
                      "%s", summary ? summary : "(none)");
    }
    ck_assert(seen);
    json_decref(report);
}
END_TEST

Suite *tl_suite_monitor_loop(void)
{
    Suite *s = suite_create("monitor_loop");
    TCase *tc = tcase_create("stalled loop");
    tcase_add_test(tc, test_stall_with_overdue_timer);
    tcase_add_test(tc, test_stall_with_posts_waiting);
    tcase_add_test(tc, test_no_stall_when_nothing_waits);
    tcase_add_test(tc, test_no_stall_within_bound);
    tcase_add_test(tc, test_no_stall_when_descheduled);
    tcase_add_test(tc, test_first_sight_judged_with_previous_look);
    tcase_add_test(tc, test_bound_is_per_loop);
    suite_add_tcase(s, tc);
    TCase *e2e = tcase_create("end to end");
    tcase_set_timeout(e2e, 300);
    tcase_add_test(e2e, test_blocking_callback_end_to_end);
    suite_add_tcase(s, e2e);
    return s;
}
