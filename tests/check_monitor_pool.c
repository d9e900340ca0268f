/* SPDX-License-Identifier: MIT */
/* The pool-deadlock verdict on synthetic tables (monitor_pool.h): given when
 * every worker of a pool waits for a task queued behind it, or for a task
 * running on another such worker; not given while one worker is free, while
 * the awaited task runs on a thread that is not stuck, or while a wait is
 * not the same across two looks. Its words and its picture name the cycle
 * through the queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_run.h"
#include "evidence.h"
#include "harness_suites.h"
#include "monitor.h"
#include "monitor_pool.h"
#include "monitor_report.h"
#include "tl_track_pool.h"

#define MS (1000 * 1000ull)

static tl_mon_snapshot snap;

static void reset(void)
{
    memset(&snap, 0, sizeof snap);
}

static uint32_t object(uint32_t type, const char *name, const char *kind, uint32_t count)
{
    uint32_t o = snap.nobjects++;
    snap.object[o].type = type;
    strcpy(snap.object[o].name, name);
    strcpy(snap.object[o].kind, kind);
    snap.object[o].count.raw = count;
    return o;
}

static uint32_t pool(const char *name, uint32_t workers)
{
    return object(TL_OBJ_POOL, name, "pool", workers);
}

static uint32_t queued_task(const char *name, uint32_t in_pool)
{
    return object(TL_OBJ_TASK, name, "task", TL_TASK_QUEUED | in_pool);
}

static uint32_t running_task(const char *name, uint32_t on_thread)
{
    return object(TL_OBJ_TASK, name, "task", TL_TASK_RUNNING | on_thread);
}

static uint32_t thread(const char *name)
{
    uint32_t t = snap.nthreads++;
    strcpy(snap.thread[t].name, name);
    snap.thread[t].state = TL_TS_RUNNING;
    snap.thread[t].wait_file = TL_TRACK_NONE;
    return t;
}

/* A worker of pool p, busy: it holds the pool (tl_track_pool.h). */
static void busy_in(uint32_t t, uint32_t p)
{
    tl_track_thread *th = &snap.thread[t];
    th->held[th->nheld++] = p;
}

static void waits(uint32_t t, tl_track_state state, uint32_t what, uint64_t since)
{
    tl_track_thread *th = &snap.thread[t];
    th->state = state;
    th->wait_obj = what;
    th->wait_since_ns = since;
    th->wait_serial = 1;
}

static tl_mon_kind observe_twice(tl_monitor *m, uint64_t t0, tl_mon_verdict *v)
{
    snap.taken_ns = t0;
    if (tl_monitor_observe(m, &snap, v))
        return v->kind;
    snap.taken_ns = t0 + 2 * MS;
    return tl_monitor_observe(m, &snap, v) ? v->kind : TL_MON_NONE;
}

static tl_mon_kind judge(tl_mon_verdict *v)
{
    tl_monitor m;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    return observe_twice(&m, 30 * MS, v);
}

/* One worker runs 'outer', which waits for 'inner', queued behind it; main
 * waits for 'outer'. */
START_TEST(test_single_worker_waits_for_its_subtask)
{
    tl_mon_verdict v;
    reset();
    uint32_t p = pool("pool", 1);
    uint32_t main_t = thread("main"), w = thread("pool-worker-0");
    uint32_t outer = running_task("outer", w), inner = queued_task("inner", p);
    busy_in(w, p);
    waits(w, TL_TS_WAIT_TASK, inner, 20 * MS);
    waits(main_t, TL_TS_WAIT_TASK, outer, 10 * MS);
    ck_assert_int_eq(judge(&v), TL_MON_POOL_DEADLOCK);
    ck_assert_str_eq(tl_mon_kind_name(v.kind), "pool-deadlock");
    ck_assert(tl_evidence_token_valid("monitor:pool-deadlock")); /* a scenario may expect it */
    ck_assert_int_eq(v.ncycle, 1); /* the worker; main is stuck behind it */
    ck_assert_uint_eq(v.cycle[0], w);
    ck_assert_uint_eq(v.since_ns, 20 * MS); /* when the last worker began to wait */
    uint32_t by[4];
    ck_assert_uint_eq(tl_monitor_pool_bystanders(&v, by, 4), 1);
    ck_assert_uint_eq(by[0], main_t);
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.summary, "every worker of pool 'pool' (1)") &&
                      strstr(e.summary, "'pool-worker-0' waits for task 'inner' (queued in "
                                        "pool 'pool', not started") &&
                      strstr(e.summary, "Stuck behind them: 'main' waits for task 'outer' "
                                        "(running on 'pool-worker-0')"),
                  "%s", e.summary);
    ck_assert_msg(strstr(e.circular_wait, "back to 'pool-worker-0'"), "%s", e.circular_wait);
    ck_assert_msg(strstr(e.hold_and_wait, "'pool-worker-0' holds a worker of pool 'pool'"),
                  "%s", e.hold_and_wait);
    ck_assert(e.mutual_exclusion[0] && e.no_preemption[0]);
}
END_TEST

/* Two workers, each waiting for a task queued behind both. */
START_TEST(test_every_worker_waits_for_queued_tasks)
{
    tl_mon_verdict v;
    reset();
    uint32_t p = pool("pool", 2);
    uint32_t w0 = thread("w0"), w1 = thread("w1");
    uint32_t s0 = queued_task("sub-0", p), s1 = queued_task("sub-1", p);
    busy_in(w0, p);
    busy_in(w1, p);
    waits(w0, TL_TS_WAIT_TASK, s0, 5 * MS);
    waits(w1, TL_TS_WAIT_TASK, s1, 7 * MS);
    ck_assert_int_eq(judge(&v), TL_MON_POOL_DEADLOCK);
    ck_assert_int_eq(v.ncycle, 2);
    ck_assert_uint_eq(v.since_ns, 7 * MS);
}
END_TEST

/* w0 waits for a task running on w1, which waits for one queued behind
 * both: the cycle runs through a running task too. */
START_TEST(test_cycle_through_a_running_task)
{
    tl_mon_verdict v;
    reset();
    uint32_t p = pool("pool", 2);
    uint32_t w0 = thread("w0"), w1 = thread("w1");
    uint32_t on_w1 = running_task("mid", w1), queued = queued_task("leaf", p);
    busy_in(w0, p);
    busy_in(w1, p);
    waits(w0, TL_TS_WAIT_TASK, on_w1, 5 * MS);
    waits(w1, TL_TS_WAIT_TASK, queued, 6 * MS);
    ck_assert_int_eq(judge(&v), TL_MON_POOL_DEADLOCK);
    ck_assert_int_eq(v.ncycle, 2);
}
END_TEST

START_TEST(test_not_while_a_worker_is_free)
{
    tl_mon_verdict v;
    reset();
    uint32_t p = pool("pool", 2), work = object(TL_OBJ_COND, "pool.work", "condvar", 0);
    uint32_t w0 = thread("w0"), w1 = thread("w1");
    uint32_t sub = queued_task("sub", p);
    busy_in(w0, p);
    waits(w0, TL_TS_WAIT_TASK, sub, 5 * MS);
    waits(w1, TL_TS_WAIT_COND, work, 4 * MS); /* idle: about to take sub */
    snap.thread[w1].wait_arg = 0;
    snap.object[work].count.raw = 1; /* signalled since it began to wait */
    ck_assert_int_eq(judge(&v), TL_MON_NONE);
    /* The same with the free worker running (between two tasks). */
    snap.thread[w1].state = TL_TS_RUNNING;
    ck_assert_int_eq(judge(&v), TL_MON_NONE);
}
END_TEST

START_TEST(test_not_while_the_task_runs)
{
    tl_mon_verdict v;
    reset();
    uint32_t p = pool("pool", 1);
    uint32_t main_t = thread("main"), w = thread("w0");
    uint32_t job = running_task("job", w);
    busy_in(w, p); /* running it, not waiting: it will finish */
    waits(main_t, TL_TS_WAIT_TASK, job, 5 * MS);
    ck_assert_int_eq(judge(&v), TL_MON_NONE);
    /* A task already finished: its waiter is about to wake. */
    snap.object[job].count.raw = TL_TASK_DONE;
    ck_assert_int_eq(judge(&v), TL_MON_NONE);
}
END_TEST

/* The same wait in both looks, or nothing: a worker whose wait changed
 * between them (a new serial) is moving. */
START_TEST(test_not_without_a_stable_wait)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t p = pool("pool", 1);
    uint32_t w = thread("w0");
    uint32_t sub = queued_task("sub", p);
    busy_in(w, p);
    waits(w, TL_TS_WAIT_TASK, sub, 5 * MS);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    snap.taken_ns = 10 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
    snap.thread[w].wait_serial++;
    snap.taken_ns = 12 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
    /* And a task that moved (queued, then running on someone else). */
    snap.object[sub].count.raw = TL_TASK_RUNNING | 5;
    snap.taken_ns = 14 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
}
END_TEST

/* The picture: the worker waits for the task, the task is queued in the
 * pool, the pool's busy worker is the waiter, all in red. */
START_TEST(test_dot_draws_the_cycle_through_the_queue)
{
    tl_mon_verdict v;
    reset();
    uint32_t p = pool("pool", 1);
    uint32_t w = thread("pool-worker-0");
    uint32_t sub = queued_task("inner", p);
    busy_in(w, p);
    waits(w, TL_TS_WAIT_TASK, sub, 5 * MS);
    ck_assert_int_eq(judge(&v), TL_MON_POOL_DEADLOCK);
    char path[] = "/tmp/tl-pool-dot-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert(tl_monitor_write_dot(&v, path));
    char text[4096] = "";
    FILE *f = fopen(path, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(path);
    char edge[64];
    snprintf(edge, sizeof edge, "t%u -> o%u [label=\"waits for task", w, sub);
    ck_assert_msg(strstr(text, edge), "%s", text);
    snprintf(edge, sizeof edge, "o%u -> o%u [label=\"queued in", sub, p);
    ck_assert_msg(strstr(text, edge), "%s", text);
    snprintf(edge, sizeof edge, "o%u -> t%u [label=\"busy worker\", style=dashed, color=red", p, w);
    ck_assert_msg(strstr(text, edge), "%s", text);
    ck_assert_msg(strstr(text, "pool-deadlock (wait-for graph)"), "%s", text);
}
END_TEST

/* End to end: the scenario's buggy variant in actual mode really deadlocks
 * its pool, and the monitor names it (not a hang, not the deadline), with
 * its evidence for the four conditions and the picture. Without a detector,
 * so the test needs no TSan build. */
START_TEST(test_run_names_the_pool_deadlock)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "pool.subtask_deadlock", "--variant", "buggy",
                                              "--mode", "actual", "--detector", "none",
                                              "--repeat", "3", "--timeout", "30", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_uint_eq(assert_all_met(&res), 3);
    json_t *doc = load_report(&res), *run;
    size_t i;
    json_array_foreach(json_object_get(doc, "runs"), i, run) {
        json_t *mon = json_object_get(run, "monitor");
        ck_assert_str_eq(json_string_value(json_object_get(mon, "verdict")), "pool-deadlock");
        json_t *cond = json_object_get(mon, "conditions");
        ck_assert_msg(strstr(json_string_value(json_object_get(cond, "circular_wait")),
                             "queued task needs a free worker"),
                      "%s", json_string_value(json_object_get(cond, "circular_wait")));
        const char *dot = json_string_value(json_object_get(json_object_get(mon, "graph"), "dot"));
        ck_assert_ptr_nonnull(dot);
    }
    json_decref(doc);
}
END_TEST

Suite *tl_suite_monitor_pool(void)
{
    Suite *s = suite_create("monitor_pool");
    TCase *tc = tcase_create("classification");
    tcase_add_test(tc, test_single_worker_waits_for_its_subtask);
    tcase_add_test(tc, test_every_worker_waits_for_queued_tasks);
    tcase_add_test(tc, test_cycle_through_a_running_task);
    tcase_add_test(tc, test_not_while_a_worker_is_free);
    tcase_add_test(tc, test_not_while_the_task_runs);
    tcase_add_test(tc, test_not_without_a_stable_wait);
    tcase_add_test(tc, test_dot_draws_the_cycle_through_the_queue);
    suite_add_tcase(s, tc);
    TCase *run = tcase_create("run");
    tcase_set_timeout(run, 120);
    tcase_add_test(run, test_run_names_the_pool_deadlock);
    suite_add_tcase(s, run);
    return s;
}
