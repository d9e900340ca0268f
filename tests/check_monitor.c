/* SPDX-License-Identifier: MIT */
/* The monitor's classification on synthetic tables: what must be called a
 * deadlock, a hang, a livelock or starvation, and what must not. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "harness_suites.h"
#include "tl_cond.h"
#include "monitor.h"
#include "monitor_report.h"

#define MS (1000 * 1000ull)

static tl_mon_snapshot snap;

static void reset(void)
{
    memset(&snap, 0, sizeof snap);
}

static uint32_t lock_obj(const char *name)
{
    uint32_t o = snap.nobjects++;
    snap.object[o].type = TL_OBJ_LOCK;
    snap.object[o].flags = TL_OBJ_EXCLUSIVE;
    strcpy(snap.object[o].name, name);
    strcpy(snap.object[o].kind, "mutex");
    return o;
}

static uint32_t other_obj(tl_track_obj_type type, const char *name)
{
    uint32_t o = snap.nobjects++;
    snap.object[o].type = type;
    strcpy(snap.object[o].name, name);
    strcpy(snap.object[o].kind, type == TL_OBJ_SEM ? "semaphore" : "condvar");
    return o;
}

static uint32_t thread(const char *name)
{
    uint32_t t = snap.nthreads++;
    strcpy(snap.thread[t].name, name);
    snap.thread[t].state = TL_TS_RUNNING;
    return t;
}

static void holds(uint32_t t, uint32_t o)
{
    tl_track_thread *th = &snap.thread[t];
    th->held[th->nheld++] = o;
}

/* A reader-writer lock of the rwlock kinds, with or without writer preference. */
static uint32_t rwlock_obj(const char *name, bool writer_pref)
{
    uint32_t o = lock_obj(name);
    snap.object[o].flags |= TL_OBJ_SHARED | (writer_pref ? TL_OBJ_WRITER_PREF : 0);
    strcpy(snap.object[o].kind, writer_pref ? "rwlock-wp" : "rwlock-rp");
    return o;
}

static void holds_shared(uint32_t t, uint32_t o)
{
    tl_track_thread *th = &snap.thread[t];
    th->held_shared |= 1u << th->nheld;
    th->held[th->nheld++] = o;
}

static void waits(uint32_t t, tl_track_state state, uint32_t what, uint64_t since, uint64_t serial)
{
    tl_track_thread *th = &snap.thread[t];
    th->state = state;
    th->wait_obj = what;
    th->wait_since_ns = since;
    th->wait_serial = serial;
}

/* Feeds the current snapshot twice, `gap` apart (the monitor wants a wait
 * to persist across two looks); returns the verdict kind. */
static tl_mon_kind observe_twice(tl_monitor *m, uint64_t t0, uint64_t gap, tl_mon_verdict *v)
{
    snap.taken_ns = t0;
    if (tl_monitor_observe(m, &snap, v))
        return v->kind;
    snap.taken_ns = t0 + gap;
    return tl_monitor_observe(m, &snap, v) ? v->kind : TL_MON_NONE;
}

START_TEST(test_two_cycle)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t a = lock_obj("a"), b = lock_obj("b");
    uint32_t t1 = thread("t1"), t2 = thread("t2");
    holds(t1, a);
    holds(t2, b);
    waits(t1, TL_TS_WAIT_LOCK, b, 100 * MS, 1);
    waits(t2, TL_TS_WAIT_LOCK, a, 101 * MS, 1);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 90 * MS);
    ck_assert_int_eq(observe_twice(&m, 102 * MS, 2 * MS, &v), TL_MON_DEADLOCK);
    ck_assert_int_eq(v.ncycle, 2);
    ck_assert_uint_eq(v.since_ns, 101 * MS); /* when the last wait began */
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.circular_wait, "'t1' waits for lock b") &&
                      strstr(e.circular_wait, "held by 't2'"),
                  "%s", e.circular_wait);
    ck_assert_msg(strstr(e.hold_and_wait, "'t2' holds b"), "%s", e.hold_and_wait);
    ck_assert_msg(strstr(e.mutual_exclusion, "exclusive"), "%s", e.mutual_exclusion);
    ck_assert_msg(strstr(e.no_preemption, "untimed"), "%s", e.no_preemption);
}
END_TEST

START_TEST(test_three_cycle_behind_a_joiner)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t main_t = thread("main");
    uint32_t f[3], p[3];
    for (int i = 0; i < 3; i++)
        f[i] = lock_obj(i == 0 ? "f0" : i == 1 ? "f1" : "f2");
    for (int i = 0; i < 3; i++)
        p[i] = thread(i == 0 ? "p0" : i == 1 ? "p1" : "p2");
    for (int i = 0; i < 3; i++) {
        holds(p[i], f[i]);
        waits(p[i], TL_TS_WAIT_LOCK, f[(i + 1) % 3], 50 * MS, 7);
    }
    waits(main_t, TL_TS_JOINING, p[0], 40 * MS, 1);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 60 * MS, 2 * MS, &v), TL_MON_DEADLOCK);
    ck_assert_int_eq(v.ncycle, 3); /* main joins into the cycle but is not in it */
}
END_TEST

START_TEST(test_self_cycle)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t l = lock_obj("l");
    uint32_t t = thread("t");
    holds(t, l);
    waits(t, TL_TS_WAIT_LOCK, l, 10 * MS, 3);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 12 * MS, 2 * MS, &v), TL_MON_DEADLOCK);
    ck_assert_int_eq(v.ncycle, 1);
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.circular_wait, "waits for itself"), "%s", e.circular_wait);
}
END_TEST

/* --- reader-writer locks: several holders, modes, writer preference --- */

/* Two readers inside, a writer waiting for both: it waits for each reader,
 * and nothing is stuck while the readers run on. */
START_TEST(test_writer_waits_for_every_reader)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t rw = rwlock_obj("table", true);
    uint32_t r1 = thread("r1"), r2 = thread("r2"), w = thread("w");
    uint32_t sem = other_obj(TL_OBJ_SEM, "go");
    holds_shared(r1, rw);
    holds_shared(r2, rw);
    /* Both readers wait on a semaphore with a post left: not blocked. */
    snap.object[sem].count.raw = 1;
    waits(r1, TL_TS_WAIT_SEM, sem, 10 * MS, 1);
    waits(r2, TL_TS_WAIT_SEM, sem, 10 * MS, 1);
    waits(w, TL_TS_WAIT_LOCK, rw, 11 * MS, 1);
    uint32_t who[TL_TRACK_THREADS];
    ck_assert_uint_eq(tl_monitor_waits_for(&snap, w, who, TL_TRACK_THREADS), 2);
    ck_assert(who[0] == r1 && who[1] == r2);
    ck_assert_uint_eq(tl_monitor_holders(&snap, rw, who, NULL, TL_TRACK_THREADS), 2);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 30 * MS, 2 * MS, &v), TL_MON_NONE);
}
END_TEST

/* A reader never waits for other readers: a reader asking while readers
 * hold the lock (with reader preference) is not blocked, so no hang. */
START_TEST(test_reader_does_not_wait_for_readers)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t rw = rwlock_obj("table", false);
    uint32_t sem = other_obj(TL_OBJ_SEM, "never");
    uint32_t a = thread("a"), b = thread("b");
    holds_shared(a, rw);
    waits(a, TL_TS_WAIT_SEM, sem, 10 * MS, 1); /* blocked for good */
    waits(b, TL_TS_WAIT_LOCK, rw, 10 * MS, 1);
    snap.thread[b].wait_shared = true;
    uint32_t who[TL_TRACK_THREADS];
    ck_assert_uint_eq(tl_monitor_waits_for(&snap, b, who, TL_TRACK_THREADS), 0);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 30 * MS, 2 * MS, &v), TL_MON_NONE);
    /* A writer asking instead is blocked by the reader: now it is a hang. */
    snap.thread[b].wait_shared = false;
    snap.thread[b].wait_serial = 2;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 40 * MS, 2 * MS, &v), TL_MON_HANG);
}
END_TEST

/* The recursive read deadlock of writer preference: 'a' reads, 'w' waits
 * to write (for 'a'), 'a' reads again and waits behind 'w'. The same with
 * reader preference is no deadlock: 'a' gets in. */
START_TEST(test_recursive_read_deadlocks_with_writer_preference)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t rw = rwlock_obj("table", true);
    uint32_t a = thread("a"), w = thread("w");
    holds_shared(a, rw);
    waits(w, TL_TS_WAIT_LOCK, rw, 10 * MS, 1);
    waits(a, TL_TS_WAIT_LOCK, rw, 11 * MS, 1);
    snap.thread[a].wait_shared = true;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 30 * MS, 2 * MS, &v), TL_MON_DEADLOCK);
    ck_assert_int_eq(v.ncycle, 2);
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.circular_wait, "'a' waits to read lock table (rwlock-wp, held by "
                                          "'a' (shared), behind writer 'w' waiting first)") &&
                      strstr(e.circular_wait, "'w' waits to write lock table"),
                  "%s", e.circular_wait);
    ck_assert_msg(strstr(e.mutual_exclusion, "a waiting writer bars new readers"), "%s",
                  e.mutual_exclusion);
    ck_assert_msg(strstr(e.hold_and_wait, "'a' holds table shared"), "%s", e.hold_and_wait);

    snap.object[rw].flags &= ~TL_OBJ_WRITER_PREF;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 40 * MS, 2 * MS, &v), TL_MON_NONE);
}
END_TEST

/* Upgrading: a reader asking to write the lock it reads waits for itself. */
START_TEST(test_upgrade_waits_for_itself)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t rw = rwlock_obj("table", false);
    uint32_t a = thread("a");
    holds_shared(a, rw);
    waits(a, TL_TS_WAIT_LOCK, rw, 10 * MS, 1);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 30 * MS, 2 * MS, &v), TL_MON_DEADLOCK);
    ck_assert_int_eq(v.ncycle, 1);
}
END_TEST

/* The real lock layer writing a real table: two threads read-lock an
 * rwlock and then wait on a semaphore (which publishes what they hold), a
 * third asks to write. The monitor must see two shared holders and a writer
 * waiting for both. */
static tl_lock_t rw_lock;
static tl_tsem_t rw_go;

static void *rw_reader(void *p)
{
    (void)p;
    tl_lock_rdlock(&rw_lock);
    tl_tsem_wait(&rw_go);
    tl_lock_rdunlock(&rw_lock);
    return NULL;
}

static void *rw_writer(void *p)
{
    (void)p;
    tl_lock_lock(&rw_lock);
    tl_lock_unlock(&rw_lock);
    return NULL;
}

/* The slot of the thread in `state` waiting for `obj`, or TL_TRACK_NONE. */
static uint32_t slot_waiting(const tl_mon_snapshot *s, uint32_t state, uint32_t obj, uint32_t skip)
{
    for (uint32_t t = 0; t < s->nthreads; t++)
        if (t != skip && s->thread[t].state == state && s->thread[t].wait_obj == obj)
            return t;
    return TL_TRACK_NONE;
}

START_TEST(test_live_table_shows_shared_holders)
{
    static tl_mon_snapshot live;
    tl_track_table *table = calloc(1, sizeof *table);
    tl_track_attach(table);
    tl_lock_init_by_name(&rw_lock, "rwlock-wp", "table");
    tl_tsem_init(&rw_go, 0, "go");
    pthread_t r1, r2, w;
    pthread_create(&r1, NULL, rw_reader, NULL);
    pthread_create(&r2, NULL, rw_reader, NULL);
    uint32_t a, b, writer = TL_TRACK_NONE;
    /* Until both readers sit on the semaphore: their held lists are out. */
    do {
        sched_yield();
        tl_monitor_snapshot(table, &live, 0);
        a = slot_waiting(&live, TL_TS_WAIT_SEM, rw_go.track_id, TL_TRACK_NONE);
        b = a == TL_TRACK_NONE ? a : slot_waiting(&live, TL_TS_WAIT_SEM, rw_go.track_id, a);
    } while (b == TL_TRACK_NONE);
    pthread_create(&w, NULL, rw_writer, NULL);
    do {
        sched_yield();
        tl_monitor_snapshot(table, &live, 0);
        writer = slot_waiting(&live, TL_TS_WAIT_LOCK, rw_lock.track_id, TL_TRACK_NONE);
    } while (writer == TL_TRACK_NONE);

    uint32_t obj = rw_lock.track_id, who[TL_TRACK_THREADS];
    bool shared[TL_TRACK_THREADS];
    ck_assert(live.object[obj].flags & TL_OBJ_SHARED);
    ck_assert(live.object[obj].flags & TL_OBJ_WRITER_PREF);
    ck_assert_uint_eq(tl_monitor_holders(&live, obj, who, shared, TL_TRACK_THREADS), 2);
    ck_assert(shared[0] && shared[1]);
    ck_assert(!live.thread[writer].wait_shared);
    ck_assert_uint_eq(tl_monitor_waits_for(&live, writer, who, TL_TRACK_THREADS), 2);
    ck_assert((who[0] == a && who[1] == b) || (who[0] == b && who[1] == a));

    tl_tsem_post(&rw_go);
    tl_tsem_post(&rw_go);
    pthread_join(r1, NULL);
    pthread_join(r2, NULL);
    pthread_join(w, NULL);
    tl_lock_destroy(&rw_lock);
}
END_TEST

/* A source path longer than a file slot keeps its end, so the monitor still
 * shows it from the project's root (a VPATH build's paths are long). */
START_TEST(test_long_source_paths_keep_their_end)
{
    static tl_mon_snapshot live;
    tl_track_table *table = calloc(1, sizeof *table);
    tl_track_attach(table);
    static const char path[] = "/tmp/threadlab-portability-AbCdEf/src/scenarios/"
                               "eventloop_blocking_callback.c";
    uint32_t i = tl_track_file_index(path), again = tl_track_file_index(path);
    ck_assert_uint_ne(i, TL_TRACK_NONE);
    ck_assert_uint_eq(again, i);
    tl_monitor_snapshot(table, &live, 0);
    ck_assert_str_eq(tl_mon_file(&live, i), "scenarios/eventloop_blocking_callback.c");
}
END_TEST

START_TEST(test_all_blocked_without_cycle_is_a_hang)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t s = other_obj(TL_OBJ_SEM, "items"), c = other_obj(TL_OBJ_COND, "ready");
    uint32_t main_t = thread("main"), a = thread("a"), b = thread("b");
    waits(a, TL_TS_WAIT_SEM, s, 10 * MS, 1);
    waits(b, TL_TS_WAIT_COND, c, 11 * MS, 1);
    waits(main_t, TL_TS_JOINING, a, 5 * MS, 1);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 30 * MS, 2 * MS, &v), TL_MON_HANG);
    ck_assert_uint_eq(v.since_ns, 11 * MS);
}
END_TEST

START_TEST(test_not_stuck_tables)
{
    tl_monitor m;
    tl_mon_verdict v;
    /* Briefly blocked on a lock whose owner runs: nothing. */
    reset();
    uint32_t l = lock_obj("l");
    uint32_t owner = thread("owner"), waiter = thread("waiter");
    holds(owner, l);
    waits(waiter, TL_TS_WAIT_LOCK, l, 10 * MS, 1);
    tl_monitor_init(&m, true, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 11 * MS, 2 * MS, &v), TL_MON_NONE);

    /* A cycle seen once only (a new wait since): nothing. */
    reset();
    uint32_t a = lock_obj("a"), b = lock_obj("b");
    uint32_t t1 = thread("t1"), t2 = thread("t2");
    holds(t1, a);
    holds(t2, b);
    waits(t1, TL_TS_WAIT_LOCK, b, 10 * MS, 1);
    waits(t2, TL_TS_WAIT_LOCK, a, 10 * MS, 1);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    snap.taken_ns = 11 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
    snap.thread[t2].wait_serial = 2; /* t2's earlier wait ended; this is another */
    snap.taken_ns = 13 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));

    /* Waiting for things that will come by themselves: a free lock (no
     * owner), a semaphore with a post left, a condition signalled since the
     * wait began. The waiter is only not scheduled yet: not a hang. */
    reset();
    uint32_t free_lock = lock_obj("free"), posted = other_obj(TL_OBJ_SEM, "posted");
    uint32_t signalled = other_obj(TL_OBJ_COND, "signalled");
    uint32_t j = thread("main"), w1 = thread("w1"), w2 = thread("w2"), w3 = thread("w3");
    waits(j, TL_TS_JOINING, w1, 1 * MS, 1);
    waits(w1, TL_TS_WAIT_LOCK, free_lock, 1 * MS, 1);
    waits(w2, TL_TS_WAIT_SEM, posted, 1 * MS, 1);
    snap.object[posted].count.raw = 1;
    waits(w3, TL_TS_WAIT_COND, signalled, 1 * MS, 1);
    snap.object[signalled].count.raw = 5;
    snap.thread[w3].wait_arg = 4;
    for (int which = 0; which < 3; which++) {
        /* Each of the three alone keeps the table from being a hang. */
        tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
        ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_NONE);
        if (which == 0) {
            uint32_t holder = thread("holder");
            holds(holder, free_lock);
            snap.thread[holder].state = TL_TS_EXITED; /* left without unlocking */
        } else if (which == 1) {
            snap.object[posted].count.raw = 0;
        }
    }
    snap.thread[w3].wait_arg = 5; /* no signal since the wait began */
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_HANG);

    /* A slot too busy to copy (torn) is a running thread: not a hang. */
    reset();
    uint32_t l2 = lock_obj("l2");
    uint32_t w = thread("w"), busy = thread("busy");
    waits(w, TL_TS_WAIT_LOCK, l2, 1 * MS, 1);
    snap.torn[busy] = true;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_NONE);

    /* Joining a thread that has exited (being torn down): not a hang. */
    reset();
    uint32_t joiner = thread("main"), done = thread("done");
    snap.thread[done].state = TL_TS_EXITED;
    waits(joiner, TL_TS_JOINING, done, 1 * MS, 1);
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_NONE);

    /* Everyone blocked but one wait is timed: not a hang. */
    reset();
    uint32_t s = other_obj(TL_OBJ_SEM, "s");
    uint32_t x = thread("x");
    waits(x, TL_TS_WAIT_SEM, s, 1 * MS, 1);
    snap.thread[x].wait_timed = true;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_NONE);

    /* Everyone blocked for less than TL_MON_HANG_MIN_NS: not yet. */
    snap.thread[x].wait_timed = false;
    snap.thread[x].wait_since_ns = 49 * MS;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_NONE);
}
END_TEST

/* Runs `looks` snapshots 10 ms apart; `step` changes the table between them. */
static tl_mon_kind run_window(tl_monitor *m, int looks, void (*step)(int), tl_mon_verdict *v)
{
    for (int i = 0; i < looks; i++) {
        step(i);
        snap.taken_ns = (uint64_t)(i + 1) * 10 * MS;
        if (tl_monitor_observe(m, &snap, v))
            return v->kind;
    }
    return TL_MON_NONE;
}

static void livelock_step(int i)
{
    snap.thread[0].retries = (uint64_t)i * 10;
    snap.thread[1].retries = (uint64_t)i * 10;
}

static void progress_step(int i)
{
    livelock_step(i);
    snap.thread[i % 2].progress++;
}

static void starvation_step(int i)
{
    snap.thread[0].progress = (uint64_t)i; /* t0 progresses every look */
    snap.thread[0].acquisitions = (uint64_t)i * 100;
    snap.thread[1].retries = (uint64_t)i * 5; /* t1 only retries */
}

START_TEST(test_livelock_and_starvation)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    thread("left");
    thread("right");
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_window(&m, 30, livelock_step, &v), TL_MON_LIVELOCK);
    ck_assert_uint_le(v.verdict_ns - v.since_ns, 120 * MS);

    /* The same retries with progress moving: nothing. */
    reset();
    thread("left");
    thread("right");
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_window(&m, 30, progress_step, &v), TL_MON_NONE);

    /* A scenario that does not mark progress is never judged on it. */
    reset();
    thread("left");
    thread("right");
    tl_monitor_init(&m, false, 100 * MS, 0);
    ck_assert_int_eq(run_window(&m, 30, livelock_step, &v), TL_MON_NONE);

    reset();
    thread("greedy");
    thread("starved");
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_window(&m, 30, starvation_step, &v), TL_MON_STARVATION);
    ck_assert_uint_eq(v.starved, 1);
    ck_assert(tl_monitor_share(&v.at, 0) > 99.0);
}
END_TEST

/* --- windows in each thread's own CPU time ---------------------------------
 * Snapshots 10 ms apart with CPU times: a thread's clock moves only by what
 * `cpu_per_look[t]` says (0: stopped or descheduled all along). */
static uint64_t cpu_per_look[2];

static tl_mon_kind run_cpu_window(tl_monitor *m, int looks, void (*step)(int),
                                  tl_mon_verdict *v)
{
    for (int i = 0; i < looks; i++) {
        step(i);
        snap.has_cpu = true;
        for (int t = 0; t < 2; t++)
            snap.cpu_ns[t] += cpu_per_look[t];
        snap.taken_ns = (uint64_t)(i + 1) * 10 * MS;
        if (tl_monitor_observe(m, &snap, v))
            return v->kind;
    }
    return TL_MON_NONE;
}

/* t0 progresses every look; t1 sits in one wait for a lock t0 holds. */
static void waiting_starved_step(int i)
{
    snap.thread[0].progress = (uint64_t)i;
    snap.thread[0].acquisitions = (uint64_t)i;
}

START_TEST(test_stopped_thread_is_never_starved)
{
    tl_monitor m;
    tl_mon_verdict v;
    /* Two seconds of wall-clock time in a lock wait, while the other thread
     * progresses, but no CPU time: the waiter was not running (SIGSTOP, a busy
     * machine), so it was not starved. */
    reset();
    uint32_t l = lock_obj("ticket_lock");
    snap.object[l].flags |= TL_OBJ_SPINS | TL_OBJ_FIFO;
    uint32_t t0 = thread("worker-0"), t1 = thread("worker-1");
    holds(t0, l);
    waits(t1, TL_TS_WAIT_LOCK, l, 1 * MS, 1);
    cpu_per_look[t0] = 10 * MS;
    cpu_per_look[t1] = 0;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 200, waiting_starved_step, &v), TL_MON_NONE);
    /* The same wait while it runs (spins) the whole time: starved. */
    reset();
    l = lock_obj("ticket_lock");
    t0 = thread("worker-0");
    t1 = thread("worker-1");
    holds(t0, l);
    waits(t1, TL_TS_WAIT_LOCK, l, 1 * MS, 1);
    cpu_per_look[t1] = 10 * MS;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 200, waiting_starved_step, &v), TL_MON_STARVATION);
    ck_assert_uint_eq(v.starved, t1);
    /* Running a quarter of the time, it needs four times the wall-clock time. */
    reset();
    l = lock_obj("ticket_lock");
    t0 = thread("worker-0");
    t1 = thread("worker-1");
    holds(t0, l);
    waits(t1, TL_TS_WAIT_LOCK, l, 1 * MS, 1);
    cpu_per_look[t1] = 10 * MS / 4;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 200, waiting_starved_step, &v), TL_MON_STARVATION);
    ck_assert_uint_ge(v.verdict_ns, 400 * MS);
}
END_TEST

START_TEST(test_retrying_thread_burning_cpu_is_starved)
{
    tl_monitor m;
    tl_mon_verdict v;
    /* starvation_step: t0 progresses, t1 only retries. */
    reset();
    thread("greedy");
    thread("starved");
    cpu_per_look[0] = cpu_per_look[1] = 10 * MS;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 30, starvation_step, &v), TL_MON_STARVATION);
    ck_assert_uint_eq(v.starved, 1);
    /* The retries were counted, but the thread then stood still: no window. */
    reset();
    thread("greedy");
    thread("starved");
    cpu_per_look[1] = 0;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 200, starvation_step, &v), TL_MON_NONE);
}
END_TEST

START_TEST(test_livelock_needs_every_thread_running)
{
    tl_monitor m;
    tl_mon_verdict v;
    /* Retries rising, no progress, both running: a livelock. */
    reset();
    thread("left");
    thread("right");
    cpu_per_look[0] = cpu_per_look[1] = 10 * MS;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 30, livelock_step, &v), TL_MON_LIVELOCK);
    /* Both mostly asleep in a back-off but running now and then (2 ms of
     * every 10): still a livelock, over the same window. */
    reset();
    thread("left");
    thread("right");
    cpu_per_look[0] = cpu_per_look[1] = 2 * MS;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 30, livelock_step, &v), TL_MON_LIVELOCK);
    /* Two seconds with no CPU time at all (the host stopped): nothing. */
    reset();
    thread("left");
    thread("right");
    cpu_per_look[0] = cpu_per_look[1] = 0;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 200, livelock_step, &v), TL_MON_NONE);
    /* One spins on its retries while the other is descheduled: a busy
     * machine, not a livelock. */
    reset();
    thread("left");
    thread("right");
    cpu_per_look[0] = 10 * MS;
    cpu_per_look[1] = 0;
    tl_monitor_init(&m, true, 100 * MS, 0);
    ck_assert_int_eq(run_cpu_window(&m, 200, livelock_step, &v), TL_MON_NONE);
}
END_TEST

/* condvar.signal_not_broadcast's table: one signal since two runners began
 * waiting, spent on a third that has gone. The two still asleep are passed
 * over - a hang - but only while the runner says they are asleep and no
 * wakeup the kernel gave is still on its way. */
START_TEST(test_cond_waiters_passed_over_by_a_signal)
{
    tl_monitor m;
    tl_mon_verdict v;
    reset();
    uint32_t gate = other_obj(TL_OBJ_COND, "gate_opened");
    uint32_t main_t = thread("main"), r0 = thread("runner-0"), r1 = thread("runner-1"),
             r2 = thread("runner-2");
    snap.thread[r0].state = TL_TS_EXITED; /* the one the signal woke */
    waits(main_t, TL_TS_JOINING, r1, 5 * MS, 1);
    waits(r1, TL_TS_WAIT_COND, gate, 2 * MS, 1);
    waits(r2, TL_TS_WAIT_COND, gate, 3 * MS, 1);
    snap.object[gate].count.raw = 1; /* one signal since both began (wait_arg 0) */
    snap.object[gate].wakes_given.raw = 1;
    snap.object[gate].wakes_taken.raw = 1;
    /* Without the runner's word on who is asleep: signalled since, so not
     * blocked (as before this rule). */
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_NONE);
    snap.has_asleep = true;
    snap.asleep[r1] = snap.asleep[r2] = true;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_HANG);
    ck_assert_uint_eq(v.since_ns, 5 * MS);
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.summary, "'runner-2' waits on condition gate_opened (no owner: any "
                                    "thread may signal it), signalled since it began waiting, "
                                    "but the kernel woke another waiter"),
                  "%s", e.summary);
    /* A wakeup given and not yet taken may be for either of them: nothing. */
    snap.object[gate].wakes_given.raw = 2;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_NONE);
    /* All taken, but runner-2 is runnable (it saw the signal before it
     * slept, or was woken and is not scheduled yet): nothing. */
    snap.object[gate].wakes_taken.raw = 2;
    snap.asleep[r2] = false;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    ck_assert_int_eq(observe_twice(&m, 50 * MS, 2 * MS, &v), TL_MON_NONE);
}
END_TEST

Suite *tl_suite_monitor(void)
{
    Suite *s = suite_create("monitor");
    TCase *tc = tcase_create("classification");
    tcase_add_test(tc, test_two_cycle);
    tcase_add_test(tc, test_three_cycle_behind_a_joiner);
    tcase_add_test(tc, test_self_cycle);
    tcase_add_test(tc, test_writer_waits_for_every_reader);
    tcase_add_test(tc, test_reader_does_not_wait_for_readers);
    tcase_add_test(tc, test_recursive_read_deadlocks_with_writer_preference);
    tcase_add_test(tc, test_upgrade_waits_for_itself);
    tcase_add_test(tc, test_live_table_shows_shared_holders);
    tcase_add_test(tc, test_long_source_paths_keep_their_end);
    tcase_add_test(tc, test_all_blocked_without_cycle_is_a_hang);
    tcase_add_test(tc, test_cond_waiters_passed_over_by_a_signal);
    tcase_add_test(tc, test_not_stuck_tables);
    tcase_add_test(tc, test_livelock_and_starvation);
    tcase_add_test(tc, test_stopped_thread_is_never_starved);
    tcase_add_test(tc, test_retrying_thread_burning_cpu_is_starved);
    tcase_add_test(tc, test_livelock_needs_every_thread_running);
    suite_add_tcase(s, tc);
    return s;
}
