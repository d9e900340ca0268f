/* SPDX-License-Identifier: MIT */
/* CLH in the calling thread's fast slot (tl_lock_node.h), inline: the one
 * copy of it, run by the generic layer in place of a call into the kind
 * (tl_lock.h), and by the kind's own calls (spin_clh.c) where the layer
 * makes them - under a detector's annotations, with the monitor listening,
 * in a shared object.
 *
 * The slot trades nodes at the lock, not at the unlock: as soon as the
 * exchange returns the predecessor, node[0] takes it (the spare once we
 * release), and held0 the node we took the lock with (the one the unlock
 * releases). So the next acquisition's node is the exchange's result stored
 * once and loaded once, as in the raw loop (which keeps it in a register
 * and on its stack); traded at the unlock it went from the exchange into
 * our link, back out at the unlock, into node[0], and out again. And a
 * holder that never waited stores no link: nothing reads it (the unlock
 * has node[0]; waiters() walks from tail through the waiters' links, and
 * stops at the holder, counting it, when it finds none). A waiter stores
 * its link before it waits (the kind's wait).
 * Measured, `./threadlab bench --lock clh,mcs,ticket --repeat 7 --seconds
 * 0.3 --no-peers`, alternating with the kind's calls traded at the unlock:
 * generic - raw +0.95, +0.96 ns -> +0.24, +0.23 ns, most of it the call
 * into the kind no longer made (MCS and ticket, which still call,
 * +0.72 - 0.75 ns either way). */
#ifndef TL_CLH_FAST_H
#define TL_CLH_FAST_H

#include <stdbool.h>
#include <stdint.h>
#include "tl_lock_node.h"
#include "tl_spin.h"

/* The predecessor `pred` of `node` was busy: wait (storing the link
 * first), and return holding the lock, with node[0] the predecessor the
 * wait ended behind (it passes abandoned nodes, spin_clh.c rule 5). */
typedef void tl_clh_fast_wait_fn(void *storage, void *node, void *pred);

/* The thread holds `lock` in slot 0 with `node`, behind `pred`. Only this
 * thread reads its table. */
static inline void tl__clh_fast_hold(tl__lock_nodes *me, const void *lock, void *node, void *pred)
{
    me->held0 = node;
    me->node[0] = pred;
    me->lock[0] = lock;
}

/* Takes `storage` (a tl_spin_clh_t) in the fast slot; false, having done
 * nothing, when the slot is in use or unarmed, or the table is out of
 * reach (a shared object: TL__LOCK_NODES_INLINE). */
static inline bool tl__clh_fast_lock(void *storage, tl_clh_fast_wait_fn *wait)
{
#if TL__LOCK_NODES_INLINE
    tl__lock_nodes *me = &tl__lock_mine;
    if (__builtin_expect(me->lock[0] != NULL, 0))
        return false;
    tl_clh_node_t *n = me->node[0];
    /* Armed: BUSY (0) and no link. relaxed: the exchange publishes it. */
    tl_atomic_store_ptr(&n->link, (void *)(uintptr_t)TL_CLH_BUSY, tl_relaxed);
    /* acq_rel: release publishes the armed node to whoever finds it in
     * tail; acquire makes the predecessor's word readable. The table's
     * stores come after it, so none of ours waits in front of it. */
    tl_clh_node_t *pred = tl_atomic_exchange_ptr(&((tl_spin_clh_t *)storage)->tail, n, tl_acq_rel);
    tl__clh_fast_hold(me, storage, n, pred);
    /* acquire: pairs with the release of RELEASED; we then own the lock. */
    if (__builtin_expect(((uintptr_t)tl_atomic_load_ptr(&pred->link, tl_acquire) & 3) !=
                             TL_CLH_RELEASED,
                         0))
        wait(storage, n, pred);
    return true;
#else
    (void)storage;
    (void)wait;
    return false;
#endif
}

/* Releases `storage` if slot 0 holds it; false, having done nothing, if
 * not (another slot's, or not this thread's). */
static inline bool tl__clh_fast_unlock(void *storage)
{
#if TL__LOCK_NODES_INLINE
    tl__lock_nodes *me = &tl__lock_mine;
    if (__builtin_expect(me->lock[0] != storage, 0))
        return false;
    /* release: hands the critical section to the successor spinning on
     * the node; from then on it is the successor's. */
    tl_atomic_store_ptr(&((tl_clh_node_t *)me->held0)->link, (void *)(uintptr_t)TL_CLH_RELEASED,
                        tl_release);
    me->held0 = NULL;
    me->lock[0] = NULL;
    return true;
#else
    (void)storage;
    return false;
#endif
}

#endif
