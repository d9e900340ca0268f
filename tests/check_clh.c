/* SPDX-License-Identifier: MIT */
/* The queue locks' nodes. First the CLH lock's node ownership, on its bare
 * calls: each unlock hands the
 * caller its predecessor's node, and the trylock's ABA race - the node it
 * looked at leaves tail and comes back armed, between its look and its
 * compare-and-swap - is forced every time through the window hook, which
 * takes the lock twice right there. (The generic validator, the FIFO test
 * and the TSan build cover clh through tl_lock_* like every kind.) Then the
 * nodes the generic interface keeps per thread for mcs and clh: any unlock
 * order, and a clear abort for too many held or an unlock by another
 * thread. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include "suites.h"
#include "tl_lock.h"
#include "tl_lock_node.h"
#include "tl_spin.h"

/* Nodes of our own; the bare calls need no pool. */
static _Alignas(64) tl_clh_node_t node[6];
static tl_clh_node_t *taken[6];
static int ntaken;

static void take(tl_clh_node_t *n)
{
    taken[ntaken++] = n;
}

static tl_spin_clh_t lock;

START_TEST(test_unlock_hands_over_the_predecessor)
{
    ntaken = 0;
    tl_spin_clh_init(&lock, &node[0]);
    tl_clh_node_t *mine = &node[1];
    tl_spin_clh_lock(&lock, mine, take);
    ck_assert_uint_eq(tl_spin_clh_waiters(&lock), 0);
    tl_spin_clh_unlock(&mine);
    ck_assert_ptr_eq(mine, &node[0]); /* the lock's first node is ours now */
    tl_spin_clh_lock(&lock, mine, take);
    tl_spin_clh_unlock(&mine);
    ck_assert_ptr_eq(mine, &node[1]); /* and back: the two swap each round */
    /* A trylock on a free lock succeeds; on a held one fails, node kept. */
    ck_assert(tl_spin_clh_trylock(&lock, &mine, take));
    tl_clh_node_t *other = &node[2];
    ck_assert(!tl_spin_clh_trylock(&lock, &other, take));
    ck_assert_ptr_eq(other, &node[2]);
    tl_spin_clh_unlock(&mine);
    tl_spin_clh_destroy(&lock, take);
    ck_assert_int_eq(ntaken, 1); /* the node left in tail */
    ck_assert(taken[0] != mine);
}
END_TEST

/* Inside the trylock's window (it saw tail's node released): take the lock
 * with another node and release it, which makes the node the trylock saw
 * ours, then take the lock with that very node and keep it. The node the
 * trylock saw is back in tail, armed: its compare-and-swap succeeds behind
 * a held lock. */
static tl_clh_node_t *window_node, *window_holder;

static void go_round_twice(void)
{
    tl_spin_clh_lock(&lock, window_node, take);
    tl_clh_node_t *seen = window_node;
    tl_spin_clh_unlock(&seen);
    tl_spin_clh_lock(&lock, seen, take);
    window_holder = seen;
}

START_TEST(test_trylock_aba_abandons_its_node)
{
    ntaken = 0;
    tl_spin_clh_init(&lock, &node[0]);
    window_node = &node[1];
    tl_spin_clh_try_window_hook = go_round_twice;
    tl_clh_node_t *mine = &node[2];
    bool got = tl_spin_clh_trylock(&lock, &mine, take);
    tl_spin_clh_try_window_hook = NULL;
    ck_assert_msg(!got, "trylock got a lock another acquisition holds");
    ck_assert_msg(mine == NULL, "the abandoned node must stay in the queue");
    ck_assert_ptr_eq(window_holder, &node[0]); /* the node the trylock looked at */
    /* The holder's successor is the abandoned node: one waiter counted? No:
     * abandoned nodes wait for nobody. */
    ck_assert_uint_eq(tl_spin_clh_waiters(&lock), 0);
    /* A trylock now sees an abandoned tail and a held lock behind it: it
     * passes the abandoned node (taking it) and abandons its own. */
    tl_clh_node_t *again = &node[3];
    ck_assert(!tl_spin_clh_trylock(&lock, &again, take));
    ck_assert_ptr_null(again);
    ck_assert_int_eq(ntaken, 1);
    ck_assert_ptr_eq(taken[0], &node[2]);
    /* The holder releases; the next lock() passes the abandoned node and
     * gets in; that node is now its caller's. */
    tl_clh_node_t *spare = window_holder;
    tl_spin_clh_unlock(&spare);
    ck_assert_ptr_eq(spare, &node[1]);
    tl_clh_node_t *next = &node[4];
    tl_spin_clh_lock(&lock, next, take);
    ck_assert_int_eq(ntaken, 2);
    ck_assert_ptr_eq(taken[1], &node[3]);
    tl_spin_clh_unlock(&next);
    ck_assert_ptr_eq(next, &node[0]); /* it waited where the abandoned node pointed */
    /* Every node accounted for once: spare, next, the two taken, and the one
     * the destroyed lock gives back. */
    tl_spin_clh_destroy(&lock, take);
    ck_assert_int_eq(ntaken, 3);
    ck_assert_ptr_eq(taken[2], &node[4]);
}
END_TEST

/* The same race through the generic interface, the two acquisitions made
 * by a helper thread while the trylock waits in its window (a thread's own
 * acquisitions cannot nest inside its trylock). The trylock fails; once the
 * helper lets go, trylock and lock work on, past the abandoned node. */
static tl_lock_t glock;
static const char *const queue_kinds_for_fast_slot[] = {"mcs", "clh"};
static tl_atomic_u32 step; /* 1: go round; 2: went round, holds it; 3: let go */

static void wait_step(uint32_t want)
{
    while (tl_atomic_load_u32(&step, tl_seq_cst) != want)
        sched_yield();
}

static void *helper_main(void *p)
{
    (void)p;
    wait_step(1);
    tl_lock_lock(&glock);
    tl_lock_unlock(&glock);
    tl_lock_lock(&glock);
    tl_atomic_store_u32(&step, 2, tl_seq_cst);
    wait_step(3);
    tl_lock_unlock(&glock);
    return NULL;
}

static void window_in_helper(void)
{
    tl_atomic_store_u32(&step, 1, tl_seq_cst);
    wait_step(2);
}

START_TEST(test_generic_trylock_aba)
{
    pthread_t helper;
    tl_lock_init_by_name(&glock, "clh", "clh");
    tl_atomic_store_u32(&step, 0, tl_seq_cst);
    pthread_create(&helper, NULL, helper_main, NULL);
    tl_spin_clh_try_window_hook = window_in_helper;
    ck_assert_msg(!tl_lock_trylock(&glock), "trylock got a lock the helper holds");
    tl_spin_clh_try_window_hook = NULL;
    /* The abandoned node was the fast slot's spare: the slot is unarmed,
     * so the next fast path goes the slow way and arms it again. */
    ck_assert_ptr_eq(tl__lock_mine.lock[0], TL__SLOT_UNARMED);
    ck_assert_ptr_null(tl__lock_mine.node[0]);
    ck_assert(!tl_lock_trylock(&glock)); /* still held */
    tl_atomic_store_u32(&step, 3, tl_seq_cst);
    pthread_join(helper, NULL);
    for (int i = 0; i < 3; i++) {
        ck_assert(tl_lock_trylock(&glock));
        tl_lock_unlock(&glock);
        tl_lock_lock(&glock);
        tl_lock_unlock(&glock);
    }
    ck_assert_ptr_null(tl__lock_mine.lock[0]); /* armed and free */
    ck_assert_ptr_nonnull(tl__lock_mine.node[0]);
    tl_lock_destroy(&glock);
}
END_TEST

/* A thread starts with its fast slot unarmed (no node yet); its first
 * queue lock, by lock or by trylock, arms it; from then on the slot is
 * free exactly when lock[0] is NULL, with its spare in node[0] - the one
 * test the fast paths make. */
static void *fast_slot_main(void *kind)
{
    tl_lock_t l;
    tl_lock_init_by_name(&l, kind, "fast");
    ck_assert_ptr_eq(tl__lock_mine.lock[0], TL__SLOT_UNARMED);
    if (strcmp(kind, "clh") == 0)
        ck_assert(tl_lock_trylock(&l)); /* the first one by trylock */
    else
        tl_lock_lock(&l);
    ck_assert_ptr_eq(tl__lock_mine.lock[0], l.storage);
    void *used = tl__lock_mine.node[0];
    ck_assert_ptr_nonnull(used);
    tl_lock_unlock(&l);
    ck_assert_ptr_null(tl__lock_mine.lock[0]);
    ck_assert_ptr_nonnull(tl__lock_mine.node[0]);
    tl_lock_lock(&l);
    tl_lock_unlock(&l);
    tl_lock_destroy(&l);
    return NULL;
}

START_TEST(test_fast_slot_armed_by_the_first_lock)
{
    pthread_t t;
    pthread_create(&t, NULL, fast_slot_main, (void *)queue_kinds_for_fast_slot[_i]);
    pthread_join(t, NULL);
}
END_TEST

/* The generic CLH lock runs its fast path inline (tl_clh_fast.h) where no
 * detector annotates it, and either way keeps the fast slot so: from the
 * lock on, held0 is the node it took the lock with and node[0] the
 * predecessor, which the unlock leaves there as the next spare. */
START_TEST(test_generic_clh_trades_at_the_lock)
{
    static tl_lock_t l;
    tl_lock_init_by_name(&l, "clh", "trade");
    ck_assert(l.clh_inline == !l.annotate); /* the unit build has no monitor */
#if TL_UNIT_TSAN
    ck_assert(!l.clh_inline);
#endif
    tl_lock_lock(&l); /* arms the fast slot, if this thread had none yet */
    tl_lock_unlock(&l);
    for (int i = 0; i < 3; i++) {
        tl__lock_nodes *me = &tl__lock_mine;
        void *spare = me->node[0];
        void *lock_node = tl_atomic_load_ptr(&((tl_spin_clh_t *)(void *)l.storage)->tail,
                                             tl_relaxed);
        ck_assert_ptr_null(me->held0);
        tl_lock_lock(&l);
        ck_assert_ptr_eq(me->lock[0], l.storage);
        ck_assert_ptr_eq(me->held0, spare);
        ck_assert_ptr_eq(me->node[0], lock_node);
        ck_assert_uint_eq(tl_lock_waiters(&l), 0);
        tl_lock_unlock(&l);
        ck_assert_ptr_null(me->lock[0]);
        ck_assert_ptr_null(me->held0);
        ck_assert_ptr_eq(me->node[0], lock_node); /* ours now */
        ck_assert_ptr_eq(tl_atomic_load_ptr(&((tl_spin_clh_t *)(void *)l.storage)->tail,
                                            tl_relaxed),
                         spare); /* the lock's, released */
    }
    tl_lock_destroy(&l);
}
END_TEST

/* A thread that exits holding a CLH lock in its fast slot hands the
 * predecessor's node, its spare from the lock on, to the reserve with its
 * pool (lock_node.c): it is the next new thread's first node. The node it
 * took the lock with stays with the lock. */
static tl_lock_t exit_held;

static void *lock_and_exit(void *unused)
{
    (void)unused;
    tl_lock_lock(&exit_held);
    return NULL;
}

static void *first_node(void *unused)
{
    (void)unused;
    return tl_lock_node_get();
}

START_TEST(test_exit_holding_clh_hands_back_the_spare)
{
    pthread_t t;
    void *got;
    tl_lock_init_by_name(&exit_held, "clh", "exit");
    void *lock_node =
        tl_atomic_load_ptr(&((tl_spin_clh_t *)(void *)exit_held.storage)->tail, tl_relaxed);
    pthread_create(&t, NULL, lock_and_exit, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, first_node, NULL);
    pthread_join(t, &got);
    ck_assert_ptr_eq(got, lock_node);
    /* Only then: this thread's first trylock takes a node from the reserve. */
    ck_assert(!tl_lock_trylock(&exit_held)); /* still held, by nobody */
}
END_TEST

/* --- the generic queue locks' nodes (tl_lock_node.h), mcs and clh --------- */
static const char *const queue_kinds[] = {"mcs", "clh"};

/* MCS's uncontended lock leaves a node's `pred` as its last wait set it;
 * waiters() must not follow it from a node that is not waiting. Here nb's
 * pred still names na, and na waits on another lock (locked 1) while nb
 * holds m2 uncontended: m2 has no waiter. */
static tl_spin_mcs_t m1, m2;
static tl_mcs_node_t na, nb, nx; /* zeroed, as tl_spin.h asks */

static void *lock_m1_with(void *node)
{
    tl_spin_mcs_lock(&m1, node);
    tl_spin_mcs_unlock(&m1, node);
    return NULL;
}

static void queue_behind_main(tl_mcs_node_t *holder, tl_mcs_node_t *waiter, pthread_t *t)
{
    tl_spin_mcs_lock(&m1, holder);
    pthread_create(t, NULL, lock_m1_with, waiter);
    while (tl_spin_mcs_waiters(&m1) != 1)
        sched_yield();
}

START_TEST(test_mcs_waiters_ignore_a_stale_pred)
{
    pthread_t t;
    tl_spin_mcs_init(&m1);
    tl_spin_mcs_init(&m2);
    queue_behind_main(&na, &nb, &t); /* nb waits behind na ... */
    tl_spin_mcs_unlock(&m1, &na);
    pthread_join(t, NULL);
    ck_assert_ptr_eq(tl_atomic_load_ptr(&nb.pred, tl_relaxed), &na); /* ... and says so still */
    queue_behind_main(&nx, &na, &t); /* na waits on m1 */
    tl_spin_mcs_lock(&m2, &nb);      /* nb on a free lock */
    ck_assert_uint_eq(tl_spin_mcs_waiters(&m2), 0);
    ck_assert_uint_eq(tl_spin_mcs_waiters(&m1), 1);
    tl_spin_mcs_unlock(&m2, &nb);
    tl_spin_mcs_unlock(&m1, &nx);
    pthread_join(t, NULL);
    ck_assert_uint_eq(tl_spin_mcs_waiters(&m1), 0);
}
END_TEST

/* Held queue locks released out of order, nested deeper than one: each
 * unlock finds its own node, and the locks stay usable. */
START_TEST(test_nested_queue_locks_any_order)
{
    enum { N = 5 };
    static tl_lock_t l[N];
    for (int i = 0; i < N; i++)
        tl_lock_init_by_name(&l[i], queue_kinds[_i], "nested");
    static const int order[][N] = {{4, 3, 2, 1, 0}, {0, 1, 2, 3, 4}, {2, 0, 4, 1, 3}};
    for (size_t round = 0; round < sizeof order / sizeof order[0]; round++) {
        for (int i = 0; i < N; i++)
            tl_lock_lock(&l[i]);
        for (int i = 0; i < N; i++) {
            tl_lock_unlock(&l[order[round][i]]);
            /* released: free for a trylock at once */
            ck_assert(tl_lock_trylock(&l[order[round][i]]));
            tl_lock_unlock(&l[order[round][i]]);
        }
    }
    for (int i = 0; i < N; i++)
        tl_lock_destroy(&l[i]);
}
END_TEST

/* As many queue locks as a thread keeps nodes for, of both kinds mixed:
 * none aborts, each unlock finds its own node (the fast slot's first, the
 * stack's in any order), and the fast slot, freed while the stack is still
 * in use, is taken again by the next acquisition. */
START_TEST(test_queue_locks_up_to_the_limit_mixed)
{
    static tl_lock_t l[TL_LOCK_NODES_HELD], extra;
    for (int i = 0; i < TL_LOCK_NODES_HELD; i++) {
        tl_lock_init_by_name(&l[i], queue_kinds[i % 2], "limit");
        tl_lock_lock(&l[i]);
    }
    tl_lock_init_by_name(&extra, "clh", "extra");
    tl_lock_unlock(&l[0]); /* the fast slot, under a full stack */
    tl_lock_lock(&extra);  /* takes it: the table is full once more */
    for (int i = 1; i < TL_LOCK_NODES_HELD; i += 2)
        tl_lock_unlock(&l[i]);
    tl_lock_unlock(&extra);
    for (int i = TL_LOCK_NODES_HELD - 2; i > 0; i -= 2)
        tl_lock_unlock(&l[i]);
    for (int i = 0; i < TL_LOCK_NODES_HELD; i++) {
        ck_assert(tl_lock_trylock(&l[i])); /* every one released */
        tl_lock_unlock(&l[i]);
        tl_lock_destroy(&l[i]);
    }
    ck_assert(tl_lock_trylock(&extra));
    tl_lock_unlock(&extra);
    tl_lock_destroy(&extra);
}
END_TEST

/* More queue locks held at once than a thread keeps nodes for: a clear
 * abort, not a corrupted table. */
START_TEST(test_too_many_queue_locks_abort)
{
    static tl_lock_t l[TL_LOCK_NODES_HELD + 1];
    for (int i = 0; i <= TL_LOCK_NODES_HELD; i++) {
        tl_lock_init_by_name(&l[i], queue_kinds[_i], "many");
        tl_lock_lock(&l[i]); /* the last one aborts */
    }
}
END_TEST

/* An unlock by a thread that does not hold the lock aborts too. */
static tl_lock_t held_elsewhere;

static void *unlock_not_mine(void *p)
{
    (void)p;
    tl_lock_unlock(&held_elsewhere);
    return NULL;
}

START_TEST(test_unlock_by_another_thread_aborts)
{
    pthread_t t;
    tl_lock_init_by_name(&held_elsewhere, queue_kinds[_i], "mine");
    tl_lock_lock(&held_elsewhere);
    pthread_create(&t, NULL, unlock_not_mine, NULL);
    pthread_join(t, NULL);
}
END_TEST

Suite *tl_suite_clh(void)
{
    Suite *s = suite_create("clh");
    TCase *tc = tcase_create("node ownership");
    tcase_add_test(tc, test_unlock_hands_over_the_predecessor);
    tcase_add_test(tc, test_trylock_aba_abandons_its_node);
    tcase_add_test(tc, test_generic_trylock_aba);
    tcase_add_loop_test(tc, test_fast_slot_armed_by_the_first_lock, 0, 2);
    tcase_add_test(tc, test_mcs_waiters_ignore_a_stale_pred);
    tcase_add_test(tc, test_generic_clh_trades_at_the_lock);
    tcase_add_test(tc, test_exit_holding_clh_hands_back_the_spare);
    tcase_add_loop_test(tc, test_nested_queue_locks_any_order, 0, 2);
    tcase_add_test(tc, test_queue_locks_up_to_the_limit_mixed);
    tcase_add_loop_test_raise_signal(tc, test_too_many_queue_locks_abort, SIGABRT, 0, 2);
    tcase_add_loop_test_raise_signal(tc, test_unlock_by_another_thread_aborts, SIGABRT, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
