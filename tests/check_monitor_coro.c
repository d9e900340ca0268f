/* SPDX-License-Identifier: MIT */
/* Coroutines in the monitor (harness/monitor_coro.h): on synthetic tables,
 * the cycle through a suspended coroutine and its thread is a deadlock, and
 * no cycle is claimed while the holder coroutine can still run; on a live
 * table, a lock taken by a coroutine is held by the coroutine, not by its
 * thread; end to end, coroutine.yield_holding_lock --mode actual is named a
 * deadlock inside one thread, quickly. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness_suites.h"
#include "cli_run.h"
#include "monitor.h"
#include "monitor_report.h"
#include "tl_coro.h"
#include "tl_lock.h"

#define MS (1000 * 1000ull)

static tl_mon_snapshot snap;

static uint32_t lock_obj(const char *name)
{
    uint32_t o = snap.nobjects++;
    snap.object[o].type = TL_OBJ_LOCK;
    snap.object[o].flags = TL_OBJ_EXCLUSIVE;
    strcpy(snap.object[o].name, name);
    strcpy(snap.object[o].kind, "mutex");
    return o;
}

static uint32_t slot(const char *name, bool coro)
{
    uint32_t t = snap.nthreads++;
    strcpy(snap.thread[t].name, name);
    snap.thread[t].state = TL_TS_RUNNING;
    snap.thread[t].coro = coro;
    return t;
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

/* The picture of the buggy coroutine.yield_holding_lock: thread 'main' runs
 * coroutine 'second', which waits for 'lock'; 'first' holds it, suspended,
 * and only 'main' can resume it. */
static void one_thread_cycle(uint32_t *main_t, uint32_t *first, uint32_t *second, uint32_t *l)
{
    memset(&snap, 0, sizeof snap);
    *l = lock_obj("lock");
    *main_t = slot("main", false);
    *first = slot("first", true);
    *second = slot("second", true);
    snap.thread[*first].held[snap.thread[*first].nheld++] = *l;
    waits(*first, TL_TS_SUSPENDED, *main_t, 100 * MS);
    waits(*main_t, TL_TS_RUNS_CORO, *second, 101 * MS);
    waits(*second, TL_TS_WAIT_LOCK, *l, 102 * MS);
}

START_TEST(test_cycle_through_suspended_coroutine)
{
    tl_monitor m;
    tl_mon_verdict v;
    uint32_t main_t, first, second, l;
    one_thread_cycle(&main_t, &first, &second, &l);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 90 * MS);
    ck_assert_int_eq(observe_twice(&m, 103 * MS, &v), TL_MON_DEADLOCK);
    ck_assert_int_eq(v.ncycle, 3);
    ck_assert_uint_eq(v.since_ns, 102 * MS); /* when 'second' began to wait: the cycle formed */
    bool seen[3] = {false};
    for (int i = 0; i < v.ncycle; i++)
        seen[v.cycle[i]] = true;
    ck_assert(seen[main_t] && seen[first] && seen[second]);
    ck_assert_uint_eq(tl_monitor_owner(&v.at, l), first); /* the coroutine, not 'main' */

    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.summary, "deadlock inside one thread"), "%s", e.summary);
    ck_assert_msg(strstr(e.circular_wait, "'second' waits for lock lock") &&
                      strstr(e.circular_wait, "held by 'first'") &&
                      strstr(e.circular_wait, "only thread 'main' can resume") &&
                      strstr(e.circular_wait, "runs coroutine 'second'"),
                  "%s", e.circular_wait);
    ck_assert_msg(strstr(e.hold_and_wait, "'first' holds lock"), "%s", e.hold_and_wait);
    ck_assert_msg(strstr(e.mutual_exclusion, "one coroutine at a time"), "%s",
                  e.mutual_exclusion);
    ck_assert_msg(strstr(e.no_preemption, "cooperative"), "%s", e.no_preemption);

    char dir[256], path[300], dot[8192];
    tl_test_mkdtemp(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/waitfor.dot", dir);
    ck_assert(tl_monitor_write_dot(&v, path));
    tl_test_slurp(path, dot, sizeof dot);
    ck_assert_msg(strstr(dot, "needs its thread") && strstr(dot, "label=\"runs\", color=red") &&
                      strstr(dot, "style=rounded") && strstr(dot, "held by"),
                  "%s", dot);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* The holder can still run: no deadlock. */
START_TEST(test_no_cycle_while_holder_can_run)
{
    tl_monitor m;
    tl_mon_verdict v;
    uint32_t main_t, first, second, l;

    /* 'main' runs a third coroutine that is running, not stuck: it will
     * yield, and 'first' gets its turn. */
    one_thread_cycle(&main_t, &first, &second, &l);
    snap.thread[second].state = TL_TS_SUSPENDED;
    snap.thread[second].wait_obj = main_t;
    uint32_t third = slot("third", true);
    waits(main_t, TL_TS_RUNS_CORO, third, 101 * MS);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 90 * MS);
    ck_assert_int_eq(observe_twice(&m, 103 * MS, &v), TL_MON_NONE);

    /* A pool: 'first' is suspended but any worker may resume it, and worker
     * 'w2' is free: only 'w1' is stuck, running 'second'. */
    one_thread_cycle(&main_t, &first, &second, &l);
    uint32_t w2 = slot("w2", false);
    (void)w2;
    snap.thread[first].wait_obj = TL_TRACK_NONE;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 90 * MS);
    ck_assert_int_eq(observe_twice(&m, 103 * MS, &v), TL_MON_NONE);

    /* 'first' pinned to 'main', but 'main' is back in its scheduler loop
     * (running), and 'second' waits on another thread. */
    one_thread_cycle(&main_t, &first, &second, &l);
    snap.thread[main_t].state = TL_TS_RUNNING;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 90 * MS);
    ck_assert_int_eq(observe_twice(&m, 103 * MS, &v), TL_MON_NONE);

    /* The full cycle, but 'second' has only just begun to wait (its wait
     * changed between the two looks): not yet. */
    one_thread_cycle(&main_t, &first, &second, &l);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 90 * MS);
    snap.taken_ns = 103 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
    snap.thread[second].wait_serial++;
    snap.taken_ns = 105 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
}
END_TEST

/* A coroutine blocked for ever on a semaphore: its thread looks busy
 * running it, but is as blocked as the coroutine - a hang, as it would be
 * without coroutines. Not while the coroutine can still go on. */
START_TEST(test_hang_through_a_running_coroutine)
{
    tl_monitor m;
    tl_mon_verdict v;
    memset(&snap, 0, sizeof snap);
    uint32_t sem = snap.nobjects++;
    snap.object[sem].type = TL_OBJ_SEM;
    strcpy(snap.object[sem].name, "reply");
    strcpy(snap.object[sem].kind, "semaphore");
    uint32_t main_t = slot("main", false), host = slot("coro-thread", false);
    uint32_t waiter = slot("waiter", true), other = slot("other", true);
    waits(main_t, TL_TS_JOINING, host, 100 * MS);
    waits(host, TL_TS_RUNS_CORO, waiter, 100 * MS);
    waits(waiter, TL_TS_WAIT_SEM, sem, 100 * MS);
    waits(other, TL_TS_SUSPENDED, host, 99 * MS);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 90 * MS);
    ck_assert_int_eq(observe_twice(&m, 120 * MS, &v), TL_MON_HANG);
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.summary, "'coro-thread' runs coroutine 'waiter'") &&
                      strstr(e.summary, "'waiter' waits on semaphore reply"),
                  "%s", e.summary);

    /* The semaphore has a post waiting to be taken: the coroutine will wake. */
    snap.object[sem].count.raw = 1;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 90 * MS);
    ck_assert_int_eq(observe_twice(&m, 120 * MS, &v), TL_MON_NONE);
}
END_TEST

/* --- a live table ------------------------------------------------------- */
static tl_lock_t live_lock;

static void *take_and_yield(void *arg)
{
    (void)arg;
    tl_lock_lock(&live_lock);
    tl_coro_yield(NULL);
    tl_lock_unlock(&live_lock);
    return NULL;
}

START_TEST(test_live_table_lock_held_by_coroutine)
{
    static tl_mon_snapshot live;
    tl_track_table *table = calloc(1, sizeof *table);
    tl_track_attach(table);
    tl_track_thread_begin("main");
    uint32_t me = tl_track_self();
    tl_lock_init_by_name(&live_lock, "mutex", "live");
    tl_coro_sched *s = tl_coro_sched_new(1);
    tl_coro *co = tl_coro_create("holder", take_and_yield, 0);
    tl_coro_pin(co, me);
    tl_coro_resume(co, NULL); /* it takes the lock and yields */

    tl_monitor_snapshot(table, &live, 0);
    uint32_t c = TL_TRACK_NONE;
    for (uint32_t t = 0; t < live.nthreads; t++)
        if (live.thread[t].coro)
            c = t;
    ck_assert_uint_ne(c, TL_TRACK_NONE);
    ck_assert_str_eq(live.thread[c].name, "holder");
    ck_assert_uint_eq(live.thread[c].state, TL_TS_SUSPENDED);
    ck_assert_uint_eq(live.thread[c].wait_obj, me);
    ck_assert_uint_eq(tl_monitor_owner(&live, live_lock.track_id), c); /* not 'main' */
    ck_assert_uint_eq(live.thread[me].state, TL_TS_RUNNING);
    ck_assert_uint_eq(live.thread[me].nheld, 0);

    tl_coro_resume(co, NULL); /* it unlocks and finishes */
    tl_monitor_snapshot(table, &live, 0);
    ck_assert_uint_eq(live.thread[c].state, TL_TS_EXITED);
    ck_assert_uint_eq(live.thread[c].nheld, 0);
    ck_assert_uint_eq(tl_monitor_owner(&live, live_lock.track_id), TL_TRACK_NONE);
    tl_coro_destroy(co);
    tl_coro_sched_free(s);
    tl_lock_destroy(&live_lock);
}
END_TEST

/* End to end: the real scenario deadlocks inside one thread; the monitor
 * names the cycle through the suspended coroutine and its thread, with
 * evidence for the four conditions and a picture. */
START_TEST(test_run_yield_holding_lock_actual)
{
    static cli_result res;
    run_cli(&res, true, (const char *const[]){"run", "coroutine.yield_holding_lock", "--variant",
                                              "buggy", "--mode", "actual", "--detector", "none",
                                              "--timeout", "30", NULL});
    ck_assert_uint_eq(assert_all_met(&res), 1);
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res);
    json_t *mon = json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "monitor");
    ck_assert_str_eq(json_string_value(json_object_get(mon, "verdict")), "deadlock");
    const char *summary = json_string_value(json_object_get(mon, "summary"));
    ck_assert_msg(summary && strstr(summary, "deadlock inside one thread"), "%s", summary);
    json_t *cond = json_object_get(mon, "conditions");
    const char *circular = json_string_value(json_object_get(cond, "circular_wait"));
    ck_assert_msg(circular && strstr(circular, "'second' waits for lock lock") &&
                      strstr(circular, "held by 'first'") &&
                      strstr(circular, "only thread 'coro-thread' can resume"),
                  "%s", circular);
    const char *dot = json_string_value(json_object_get(json_object_get(mon, "graph"), "dot"));
    ck_assert_ptr_nonnull(dot);
    static char path[1024], text[8192];
    snprintf(path, sizeof path, "%s%s%s", dot[0] == '/' ? "" : res.report_dir,
             dot[0] == '/' ? "" : "/", dot);
    tl_test_slurp(path, text, sizeof text);
    ck_assert_msg(strstr(text, "needs its thread"), "no coroutine edge in %s:\n%s", path, text);
    json_decref(doc);
}
END_TEST

Suite *tl_suite_monitor_coro(void)
{
    Suite *s = suite_create("monitor-coro");
    TCase *tc = tcase_create("monitor-coro");
    tcase_add_test(tc, test_cycle_through_suspended_coroutine);
    tcase_add_test(tc, test_no_cycle_while_holder_can_run);
    tcase_add_test(tc, test_hang_through_a_running_coroutine);
    tcase_add_test(tc, test_live_table_lock_held_by_coroutine);
    tcase_add_test(tc, test_run_yield_holding_lock_actual);
    suite_add_tcase(s, tc);
    return s;
}
