/* SPDX-License-Identifier: MIT */
/* Forked children and the monitor: the fork-deadlock rule on synthetic
 * snapshots (given, and not given while the lock's holder is a thread of
 * the child's own process), the child's own slot in a live table, the
 * verdict end to end, and no forked child outliving a run. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"
#include "evidence.h"
#include "harness_suites.h"
#include "monitor.h"
#include "monitor_report.h"
#include "proc_watch.h"
#include "tl_lock.h"
#include "tl_scenario.h"

#define MS (1000 * 1000ull)
#define BOUND_S 20.0

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

static uint32_t thread(const char *name, int32_t pid)
{
    uint32_t t = snap.nthreads++;
    strcpy(snap.thread[t].name, name);
    snap.thread[t].state = TL_TS_RUNNING;
    snap.thread[t].pid = pid;
    snap.thread[t].wait_obj = TL_TRACK_NONE;
    return t;
}

static void waits_lock(uint32_t t, uint32_t o, uint64_t since)
{
    tl_track_thread *th = &snap.thread[t];
    th->state = TL_TS_WAIT_LOCK;
    th->wait_obj = o;
    th->wait_since_ns = since;
    th->wait_serial = 1;
    th->wait_line = 42;
}

/* A forked child of `parent`, recording that `holder` held `o` at the fork. */
static uint32_t forked_child(uint32_t parent, int32_t pid, uint32_t o, uint32_t holder)
{
    uint32_t c = thread("forker-child", pid);
    tl_track_thread *th = &snap.thread[c];
    th->forked = true;
    th->fork_parent = parent;
    th->fork_nheld = 1;
    th->fork_held[0] = o;
    th->fork_holder[0] = holder;
    th->fork_held_line[0] = 23;
    th->fork_held_file[0] = TL_TRACK_NONE;
    return c;
}

static tl_mon_kind observe_twice(uint64_t t0, tl_mon_verdict *v)
{
    tl_monitor m;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, t0 - MS);
    snap.taken_ns = t0;
    if (tl_monitor_observe(&m, &snap, v))
        return v->kind;
    snap.taken_ns = t0 + 2 * MS;
    return tl_monitor_observe(&m, &snap, v) ? v->kind : TL_MON_NONE;
}

/* The parent: 'holder' took table_lock and runs on, 'forker' forked. */
static void parent_process(uint32_t *lock, uint32_t *holder, uint32_t *forker)
{
    memset(&snap, 0, sizeof snap);
    *lock = lock_obj("table_lock");
    *holder = thread("holder", 100);
    *forker = thread("forker", 100);
}

START_TEST(test_child_waiting_for_a_lock_held_at_the_fork)
{
    uint32_t lock, holder, forker;
    parent_process(&lock, &holder, &forker);
    uint32_t child = forked_child(forker, 200, lock, holder);
    waits_lock(child, lock, 10 * MS);
    tl_mon_verdict v;
    ck_assert_int_eq(observe_twice(12 * MS, &v), TL_MON_FORK_DEADLOCK);
    ck_assert_str_eq(tl_mon_kind_name(v.kind), "fork-deadlock");
    ck_assert_uint_eq(v.fork_child, child);
    ck_assert_uint_eq(v.fork_holder, holder);
    ck_assert_uint_eq(v.fork_lock, lock);
    ck_assert_uint_eq(v.since_ns, 10 * MS);
    tl_mon_explanation e;
    tl_monitor_explain(&v, &e);
    ck_assert_msg(strstr(e.summary, "'forker-child' (pid 200)") &&
                      strstr(e.summary, "held by 'holder' (pid 100") &&
                      strstr(e.summary, "lock table_lock"),
                  "%s", e.summary);
    ck_assert_msg(e.circular_wait[0] == '\0', "not a cycle: %s", e.circular_wait);
    /* The graph: the fork-time hold, and the fork edge. */
    char dir[64], path[128], dot[4096];
    tl_test_mkdtemp(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/waitfor.dot", dir);
    ck_assert(tl_monitor_write_dot(&v, path));
    tl_test_slurp(path, dot, sizeof dot);
    ck_assert_msg(strstr(dot, "o0 -> t0 [label=\"held at the fork by") &&
                      strstr(dot, "t1 -> t2 [label=\"fork()"),
                  "%s", dot);
}
END_TEST

/* The same wait must be seen twice: one look is never a verdict. */
START_TEST(test_one_look_is_not_enough)
{
    uint32_t lock, holder, forker;
    parent_process(&lock, &holder, &forker);
    uint32_t child = forked_child(forker, 200, lock, holder);
    waits_lock(child, lock, 10 * MS);
    tl_monitor m;
    tl_mon_verdict v;
    tl_monitor_init(&m, false, TL_MON_WINDOW_NS, 0);
    snap.taken_ns = 12 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
    /* A new wait (the child got the lock some other way and asks again). */
    snap.thread[child].wait_serial++;
    snap.taken_ns = 14 * MS;
    ck_assert(!tl_monitor_observe(&m, &snap, &v));
}
END_TEST

START_TEST(test_no_verdict_while_the_holder_is_in_the_same_process)
{
    tl_mon_verdict v;
    uint32_t lock, holder, forker;
    /* No fork at all: a waiter and a live holder of one process. */
    parent_process(&lock, &holder, &forker);
    uint32_t waiter = thread("waiter", 100);
    waits_lock(waiter, lock, 10 * MS);
    ck_assert_int_eq(observe_twice(12 * MS, &v), TL_MON_NONE);

    /* A forked child, but a thread of the child's own process holds the
     * lock now (published: it waits for something else): it can still
     * release it there. */
    parent_process(&lock, &holder, &forker);
    uint32_t other = lock_obj("other");
    uint32_t child = forked_child(forker, 200, lock, holder);
    uint32_t helper = thread("child-helper", 200);
    snap.thread[helper].held[snap.thread[helper].nheld++] = lock;
    waits_lock(helper, other, 9 * MS);
    waits_lock(child, lock, 10 * MS);
    ck_assert_int_ne(observe_twice(12 * MS, &v), TL_MON_FORK_DEADLOCK);

    /* A forked child waiting for a lock nobody held at the fork. */
    parent_process(&lock, &holder, &forker);
    other = lock_obj("other");
    child = forked_child(forker, 200, other, holder);
    waits_lock(child, lock, 10 * MS);
    ck_assert_int_ne(observe_twice(12 * MS, &v), TL_MON_FORK_DEADLOCK);

    /* Held shared at the fork, asked for shared: readers share. */
    parent_process(&lock, &holder, &forker);
    snap.object[lock].flags |= TL_OBJ_SHARED;
    child = forked_child(forker, 200, lock, holder);
    snap.thread[child].fork_held_shared = 1;
    waits_lock(child, lock, 10 * MS);
    snap.thread[child].wait_shared = true;
    ck_assert_int_ne(observe_twice(12 * MS, &v), TL_MON_FORK_DEADLOCK);

    /* A timed wait can give up. */
    snap.thread[child].wait_shared = false;
    snap.thread[child].wait_timed = true;
    ck_assert_int_ne(observe_twice(12 * MS, &v), TL_MON_FORK_DEADLOCK);
}
END_TEST

/* After a fork one lock index names two locks, one per process: a parent
 * thread holding lock a and waiting for b, and a child holding its b and
 * waiting for its a, are no cycle. */
START_TEST(test_no_cycle_across_processes)
{
    uint32_t lock, holder, forker;
    parent_process(&lock, &holder, &forker);
    uint32_t b = lock_obj("b");
    snap.thread[holder].held[snap.thread[holder].nheld++] = lock;
    waits_lock(holder, b, 9 * MS);
    uint32_t child = forked_child(forker, 200, TL_TRACK_NONE, holder);
    snap.thread[child].fork_nheld = 0;
    snap.thread[child].held[snap.thread[child].nheld++] = b;
    waits_lock(child, lock, 10 * MS);
    tl_mon_verdict v;
    ck_assert_int_eq(observe_twice(12 * MS, &v), TL_MON_NONE);
    /* The same two in one process are a cycle. */
    snap.thread[child].pid = 100;
    ck_assert_int_eq(observe_twice(12 * MS, &v), TL_MON_DEADLOCK);
}
END_TEST

/* The verdict's token is one the expectation checker accepts. */
START_TEST(test_fork_deadlock_token)
{
    ck_assert(tl_evidence_token_valid("monitor:fork-deadlock"));
    ck_assert(!tl_evidence_token_valid("monitor:fork_deadlock"));
    tl_evidence e;
    const char *bad = NULL;
    ck_assert(tl_evidence_parse(&e, "monitor:fork-deadlock", &bad));
    ck_assert(tl_evidence_has(&e, "monitor:fork-deadlock"));
}
END_TEST

/* --- the writer side: a real fork with a real table ------------------------ */

static tl_lock_t held_lock;
static tl_turns_t turns = TL_TURNS_INIT;

static void *hold_until_told(void *arg)
{
    (void)arg;
    tl_track_thread_begin("holder");
    tl_lock_lock(&held_lock);
    tl_turn_pass(&turns);
    tl_turn_wait(&turns, 2);
    tl_lock_unlock(&held_lock);
    tl_track_thread_end();
    return NULL;
}

START_TEST(test_live_child_gets_its_own_slot)
{
    /* Shared, as the runner's is: the child writes its slot into it. */
    tl_track_table *table = mmap(NULL, sizeof *table, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(table != MAP_FAILED);
    tl_track_attach(table);
    tl_track_thread_begin("forker");
    uint32_t forker = tl_track_self();
    tl_lock_init_by_name(&held_lock, "mutex", "held_lock");
    pthread_t h;
    pthread_create(&h, NULL, hold_until_told, NULL);
    tl_turn_wait(&turns, 1);
    pid_t pid = fork();
    if (pid == 0) /* only async-signal-safe calls here; the slot is written */
        _exit(tl_lock_trylock(&held_lock) ? 1 : 0);
    tl_turn_pass(&turns);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    pthread_join(h, NULL);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the child could take a lock held at the fork (status %#x)", status);

    static tl_mon_snapshot live;
    tl_monitor_snapshot(table, &live, 0);
    uint32_t child = TL_TRACK_NONE, holder = TL_TRACK_NONE;
    for (uint32_t t = 0; t < live.nthreads; t++) {
        if (live.thread[t].forked)
            child = t;
        if (strcmp(live.thread[t].name, "holder") == 0)
            holder = t;
    }
    ck_assert_uint_ne(child, TL_TRACK_NONE);
    const tl_track_thread *c = &live.thread[child];
    ck_assert_str_eq(c->name, "forker-child");
    ck_assert_int_eq(c->pid, pid);
    ck_assert_int_eq(live.thread[forker].pid, getpid());
    ck_assert_uint_eq(c->fork_parent, forker);
    ck_assert_uint_eq(c->fork_nheld, 1);
    ck_assert_uint_eq(c->fork_held[0], held_lock.track_id);
    ck_assert_uint_eq(c->fork_holder[0], holder);
    ck_assert_str_eq(tl_mon_file(&live, c->fork_held_file[0]), "tests/check_fork.c");
    tl_lock_destroy(&held_lock);
    munmap(table, sizeof *table);
}
END_TEST

/* --- end to end ---------------------------------------------------------- */

/* The verdict, and nothing left behind: we are the subreaper, so a forked
 * child that outlived its host would now be our child. */
static void buggy_child_is_named_and_gone(const char *detector)
{
    tl_test_become_subreaper();
    const char *args[] = {"run", "process.fork_with_lock_held", "--variant", "buggy",
                          "--mode", "actual", "--detector", detector, NULL};
    cli_result res;
    run_cli(&res, true, args);
    ck_assert_msg(res.status == 0, "exit %d: %s", res.status, res.err);
    ck_assert_uint_eq(assert_all_met(&res), 1);
    ck_assert_msg(strstr(res.out, "monitor:fork-deadlock"), "%s", res.out);
    ck_assert_msg(tl_test_reap_children(BOUND_S) == 0,
                  "a forked child outlived the run by %.0f s", BOUND_S);
}

START_TEST(test_e2e_fork_deadlock_plain)
{
    buggy_child_is_named_and_gone("none");
}
END_TEST

START_TEST(test_e2e_fork_deadlock_tsan)
{
    if (!tl_test_have_tsan()) {
        printf("skipped: fork-deadlock under TSan: no TSan host was built\n");
        return;
    }
    buggy_child_is_named_and_gone("tsan");
}
END_TEST

/* Every process scenario, every variant: each forked child is reaped by its
 * parent or killed with the host's process group, never left behind. */
START_TEST(test_no_forked_child_outlives_the_category)
{
    tl_test_become_subreaper();
    const char *args[] = {"run", "--category", "process", "--detector", "none", NULL};
    cli_result res;
    run_cli(&res, true, args);
    ck_assert_msg(res.status == 0, "exit %d: %s", res.status, res.err);
    ck_assert_uint_ge(assert_all_met(&res), 9);
    ck_assert_msg(tl_test_reap_children(BOUND_S) == 0,
                  "a forked child outlived its run by %.0f s", BOUND_S);
}
END_TEST

/* Without the monitor the run lasts until its deadline, where the runner
 * kills the host's process group: the stuck child is in it. */
START_TEST(test_deadline_kills_the_forked_child)
{
    tl_test_become_subreaper();
    const char *args[] = {"run", "process.fork_with_lock_held", "--variant", "buggy",
                          "--mode", "actual", "--detector", "none", "--no-monitor",
                          "--timeout", "1", NULL};
    cli_result res;
    run_cli(&res, true, args);
    ck_assert_msg(res.status == 0, "exit %d: %s", res.status, res.err);
    ck_assert_uint_eq(assert_all_met(&res), 1);
    ck_assert_msg(tl_test_reap_children(BOUND_S) == 0,
                  "a forked child outlived the run's deadline by %.0f s", BOUND_S);
}
END_TEST

Suite *tl_suite_fork(void)
{
    Suite *s = suite_create("fork");
    TCase *tc = tcase_create("monitor");
    tcase_add_test(tc, test_child_waiting_for_a_lock_held_at_the_fork);
    tcase_add_test(tc, test_one_look_is_not_enough);
    tcase_add_test(tc, test_no_verdict_while_the_holder_is_in_the_same_process);
    tcase_add_test(tc, test_no_cycle_across_processes);
    tcase_add_test(tc, test_fork_deadlock_token);
    tcase_add_test(tc, test_live_child_gets_its_own_slot);
    suite_add_tcase(s, tc);
    tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_e2e_fork_deadlock_plain);
    tcase_add_test(tc, test_e2e_fork_deadlock_tsan);
    tcase_add_test(tc, test_deadline_kills_the_forked_child);
    tcase_add_test(tc, test_no_forked_child_outlives_the_category);
    suite_add_tcase(s, tc);
    return s;
}
