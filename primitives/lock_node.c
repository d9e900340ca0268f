/* SPDX-License-Identifier: MIT */
/* The per-thread pools of queue nodes (tl_lock_node.h). A pool is a free
 * list headed by a thread-local pointer; nodes are allocated one by one, on
 * a cache line each, because they travel: a CLH node released by one thread
 * ends up in another's pool, so no pool can own a block of them.
 *
 * Nodes are never returned to malloc. A CLH trylock reads the state of the
 * node it sees in tail before it has any claim on it (spin_clh.c, rule 5);
 * that node may by then sit in another thread's pool, and if that thread had
 * exited and freed it, the read would be a use after free. So an exiting
 * thread hands its pool to a process-wide reserve that new nodes come from
 * first: the memory stays nodes, bounded by the most nodes ever in use. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_annotate.h"
#include "tl_lock.h"
#include "tl_lock_node.h"

_Thread_local tl__lock_nodes tl__lock_mine = {.lock = {TL__SLOT_UNARMED}};

/* Slot 0 gets its spare, and is free from now on. */
void tl__lock_node_arm_fast_slot(void)
{
    tl__lock_nodes *me = &tl__lock_mine;
    me->node[0] = tl_lock_node_get();
    me->lock[0] = NULL;
}

void tl__lock_node_too_many(void)
{
    fprintf(stderr, "threadlab: a thread holds or waits for more than %d queue locks (mcs, "
                    "clh) at once\n", TL_LOCK_NODES_HELD);
    abort();
}

/* No spare in the next slot yet (a new one from the pool), or no slot left. */
void *tl__lock_node_spare_slow(void)
{
    tl__lock_nodes *me = &tl__lock_mine;
    unsigned slot = tl__lock_node_slot(me);
    if (slot == TL_LOCK_NODES_HELD)
        tl__lock_node_too_many();
    return me->node[slot] = tl_lock_node_get();
}

/* Not in the fast slot: on the stack, or an unlock by a thread that does
 * not hold the lock at all. A stack entry trades places with the top one,
 * which then comes off as usual (tl_lock_node_released). */
void *tl__lock_node_release_search(const void *lock)
{
    tl__lock_nodes *me = &tl__lock_mine;
    unsigned d = me->depth;
    for (unsigned i = d; i > 0; i--)
        if (me->lock[i] == lock) {
            void *n = me->node[i];
            me->lock[i] = me->lock[d];
            me->node[i] = me->node[d];
            me->lock[d] = lock;
            me->node[d] = n;
            return n;
        }
    fprintf(stderr, "threadlab: unlock of a queue lock (mcs, clh) by a thread that does not "
                    "hold it\n");
    abort();
}

/* Pools of exited threads; the mutex orders one thread's last writes to a
 * node before the next owner's first ones. */
static pthread_mutex_t reserve_lock = PTHREAD_MUTEX_INITIALIZER;
static void *reserve;

static pthread_key_t exit_key; /* its destructor hands the pool to the reserve */
static _Thread_local int exit_registered;

/* The thread is exiting: its pool and its spare nodes are its own and in no
 * lock (a node a lock holds is in no pool; the node of a lock the thread
 * still holds - it never unlocked - stays with that lock). */
static void pool_to_reserve(void *unused)
{
    (void)unused;
    tl__lock_nodes *me = &tl__lock_mine;
    /* The spares: slot 0's when free, and those above the stack (the
     * stack may be in use while slot 0 is free). */
    if (!me->lock[0]) {
        tl_lock_node_put(me->node[0]);
        me->node[0] = NULL;
        me->lock[0] = TL__SLOT_UNARMED;
    } else if (me->held0) {
        /* A CLH lock still held in slot 0 keeps held0; node[0], its
         * predecessor, is ours already (spin_clh.c). */
        tl_lock_node_put(me->node[0]);
        me->node[0] = NULL;
    }
    for (unsigned i = me->depth + 1; i < TL_LOCK_NODES_HELD; i++)
        if (me->node[i]) {
            tl_lock_node_put(me->node[i]);
            me->node[i] = NULL;
        }
    void *first = me->free, *last = first;
    if (first) {
        while (tl__lock_node_next(last))
            last = tl__lock_node_next(last);
        pthread_mutex_lock(&reserve_lock);
        tl__lock_node_set_next(last, reserve);
        reserve = first;
        pthread_mutex_unlock(&reserve_lock);
    }
    me->free = NULL;
    exit_registered = 0; /* a destructor run later may fill the pool again */
}

/* Made before main, while the process has one thread: not with
 * pthread_once on first use, whose ordering Helgrind cannot see (it then
 * reports the key's creation as racing with its first use by another
 * thread). */
__attribute__((constructor)) static void exit_key_create(void)
{
    if (pthread_key_create(&exit_key, pool_to_reserve) != 0) {
        fprintf(stderr, "threadlab: pthread_key_create failed for the lock node pools\n");
        abort();
    }
}

void *tl__lock_node_new(void)
{
    _Static_assert(TL_LOCK_NODE_PAYLOAD + sizeof(void *) <= TL_LOCK_NODE_SIZE,
                   "the pool's link must fit after the payload");
    if (!exit_registered) {
        /* Any non-NULL value: the destructor runs only for those. */
        pthread_setspecific(exit_key, &exit_registered);
        exit_registered = 1;
    }
    pthread_mutex_lock(&reserve_lock);
    void *n = reserve;
    if (n)
        reserve = tl__lock_node_next(n);
    pthread_mutex_unlock(&reserve_lock);
    if (n)
        return n;
    n = aligned_alloc(TL_CACHE_LINE, TL_LOCK_NODE_SIZE);
    if (!n) {
        fprintf(stderr, "threadlab: out of memory for a lock queue node\n");
        abort();
    }
    /* Zeroed: a kind may rely on its words starting at 0 (MCS's `locked`,
     * tl_spin.h), and keeps them so as the node travels between kinds. */
    memset(n, 0, TL_LOCK_NODE_SIZE);
    /* Helgrind: nodes are lock words too; hide them like the lock's. */
    TL__ANN_PRIVATE(n, TL_LOCK_NODE_SIZE);
    return n;
}
