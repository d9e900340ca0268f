/* SPDX-License-Identifier: MIT */
/* MCS queue spinlock (Mellor-Crummey and Scott, 1991).
 *
 * Words: `tail` points at the last queued node, NULL when the lock is free.
 * Each waiter owns a node and spins only on its own node's `locked` flag, so
 * a hand-off touches one waiter's cache line instead of every waiter's.
 * Invariant: the queue is the chain of nodes from the owner to `tail`; a node
 * enters it by one exchange on tail (so arrival order is queue order: FIFO),
 * and leaves it when its owner hands `locked = 0` to its successor, or swings
 * tail back to NULL when it has none. Between a successor's exchange and its
 * link (pred->next = me) the owner may see next == NULL while tail != me: it
 * then waits for the link instead of freeing the lock. */
#include <stddef.h>
#include "tl_lock_kind.h"
#include "tl_lock_node.h"
#include "tl_spin.h"

void tl_spin_mcs_init(tl_spin_mcs_t *l)
{
    tl_atomic_store_ptr(&l->tail, NULL, tl_relaxed); /* not yet shared */
}

/* Before the exchange, only what someone may read once the node is in the
 * queue: `next`, where a successor links itself. An uncontended
 * acquisition stores this one word:
 *   - `locked` is armed only when the node queues behind a predecessor
 *     (mcs_queue), before the link that lets the predecessor hand over;
 *   - `pred` is not cleared: waiters() follows it only from a node whose
 *     `locked` reads 1, and `locked` is 1 only while its node waits in a
 *     queue - a node starts with 0 (tl_spin.h), and every wait ends with
 *     the hand-off's 0 - so a node that came to a free lock stops the walk
 *     whatever `pred` it kept.
 * Raw MCS against the one-exchange floor: 2.15x storing three words (an
 * earlier session), 2.19x - 2.21x storing two (next, pred), 2.04x - 2.16x
 * storing one, in three runs each, alternating, of `./threadlab bench
 * --lock mcs --repeat 9 --seconds 0.3`.
 * And that one only when `next` is not already NULL, which after an
 * acquisition nobody queued behind it always is: once our unlock has
 * returned, no thread writes our `next` again (a successor writes it only
 * after its exchange returned our node, and our unlock either read its link
 * or waited for it, or swapped tail from our node, when there was none), so
 * the load sees the last store to it, ours or the successor's. Measured
 * with the bench's paired floor (three runs each, alternating, `./threadlab
 * bench --lock mcs --repeat 7 --seconds 0.3 --no-peers`): raw 2.10x - 2.13x
 * the floor storing always, 2.10x - 2.12x storing when needed; generic -
 * raw +0.87 - +1.01 ns against +0.57 - +0.64 ns - a store less before the
 * exchange, which must wait for the store buffer to drain.
 * relaxed: the node is private until the exchange on tail (acq_rel)
 * publishes it. */
static void mcs_node_reset(tl_mcs_node_t *me)
{
    if (tl_atomic_load_ptr(&me->next, tl_relaxed) != NULL)
        tl_atomic_store_ptr(&me->next, NULL, tl_relaxed);
}

/* Queued behind `pred`: note the backward link, arm our flag, then link in.
 * relaxed, release, release: the link's release orders both before the
 * predecessor's acquire of `next`, so its hand-off (locked = 0) comes after
 * our locked = 1 and cannot be lost. The backward link is for waiters()
 * only, a diagnostic, which trusts `pred` only where it reads locked = 1:
 * so pred first, and locked's release publishes it to waiters()'s acquire
 * (with locked first, waiters() could follow the pred of the node's last
 * wait). On x86-64 all three are plain stores. */
static inline void mcs_queue(tl_mcs_node_t *me, tl_mcs_node_t *pred)
{
    tl_atomic_store_ptr(&me->pred, pred, tl_relaxed);
    tl_atomic_store_u32(&me->locked, 1, tl_release);
    tl_atomic_store_ptr(&pred->next, me, tl_release);
}

/* The waits, out of line (TL_SPIN_SLOW). acquire: pairs with the
 * hand-off's release; we then own the lock. Only our predecessor can clear
 * `locked`: if it is descheduled, spinning on is useless, so the wait yields
 * after a while (tl_spin_wait_step). */
TL_SPIN_SLOW static void mcs_wait_handoff_long(tl_mcs_node_t *me)
{
    unsigned spins = tl__spin_yield_after; /* the first step yields */
    while (tl_atomic_load_u32(&me->locked, tl_acquire) != 0)
        tl_spin_wait_step(&spins);
}

/* The common case first, as CLH's wait: a loop with no call in it, so the
 * function saves no registers; after TL_SPIN_YIELD_AFTER pauses the long
 * wait, which yields, takes over. Against ck_spinlock_mcs, 2 threads:
 * 1.007x - 1.033x in three runs with one loop that may yield, 0.849x -
 * 0.971x in three with this, alternating (`./threadlab bench --lock mcs
 * --repeat 7 --seconds 0.3`). */
TL_SPIN_SLOW static void mcs_wait_handoff(tl_mcs_node_t *me)
{
    unsigned spins = tl__spin_yield_after;
    while (tl_atomic_load_u32(&me->locked, tl_acquire) != 0)
        if (--spins) {
            tl_cpu_relax();
        } else {
            mcs_wait_handoff_long(me);
            return;
        }
}

/* A successor swapped tail but has not linked yet: wait for the link, then
 * hand off. acquire: we will write into the successor's node. The successor
 * may have been descheduled between its exchange on tail and its link, so
 * this wait yields too. Called last in unlock (a tail call: unlock's fast
 * path saves nothing on the stack). */
TL_SPIN_SLOW static void mcs_handoff_when_linked(tl_mcs_node_t *me)
{
    unsigned spins = 0;
    tl_mcs_node_t *next;
    while ((next = tl_atomic_load_ptr(&me->next, tl_acquire)) == NULL)
        tl_spin_wait_step(&spins);
    /* release: hands the critical section to the successor. */
    tl_atomic_store_u32(&next->locked, 0, tl_release);
}

static inline void mcs_lock(tl_spin_mcs_t *l, tl_mcs_node_t *me)
{
    mcs_node_reset(me);
    /* acq_rel: release publishes our node's reset to the successor who finds
     * it in tail; acquire lets us write into our predecessor's node safely. */
    tl_mcs_node_t *pred = tl_atomic_exchange_ptr(&l->tail, me, tl_acq_rel);
    if (pred == NULL)
        return;
    mcs_queue(me, pred);
    mcs_wait_handoff(me);
}

TL_BARE void tl_spin_mcs_lock(tl_spin_mcs_t *l, tl_mcs_node_t *me)
{
    mcs_lock(l, me);
}

static inline bool mcs_trylock(tl_spin_mcs_t *l, tl_mcs_node_t *me)
{
    void *expected = NULL;
    mcs_node_reset(me);
    /* acq_rel: acquire takes the lock; release publishes our reset node. */
    return tl_atomic_cas_ptr(&l->tail, &expected, me, tl_acq_rel, tl_relaxed);
}

TL_BARE bool tl_spin_mcs_trylock(tl_spin_mcs_t *l, tl_mcs_node_t *me)
{
    return mcs_trylock(l, me);
}

static inline void mcs_unlock(tl_spin_mcs_t *l, tl_mcs_node_t *me)
{
    /* acquire: we will write into the successor's node. */
    tl_mcs_node_t *next = tl_atomic_load_ptr(&me->next, tl_acquire);
    if (next == NULL) {
        void *expected = me;
        /* release: the next thread to find tail NULL takes the lock without a
         * hand-off, so this CAS is what publishes our critical section. */
        if (tl_atomic_cas_ptr(&l->tail, &expected, NULL, tl_release, tl_relaxed))
            return;
        /* A successor swapped tail but has not linked yet. */
        mcs_handoff_when_linked(me);
        return;
    }
    /* release: hands the critical section to the successor. */
    tl_atomic_store_u32(&next->locked, 0, tl_release);
}

TL_BARE void tl_spin_mcs_unlock(tl_spin_mcs_t *l, tl_mcs_node_t *me)
{
    mcs_unlock(l, me);
}

unsigned tl_spin_mcs_waiters(tl_spin_mcs_t *l)
{
    /* Diagnostic only, meaningful while the caller knows the holder is not
     * releasing: walks back from tail along the pred links, counting the
     * nodes still waiting (locked 1: queued behind another). It stops at
     * the holder, whose `locked` reads 0 however it got the lock, and at a
     * waiter not yet armed (which it then misses). acquire on `locked`:
     * pairs with mcs_queue's release, so the pred read after it is the one
     * of this wait; and we follow links into other threads' nodes. */
    unsigned n = 0;
    tl_mcs_node_t *p = tl_atomic_load_ptr(&l->tail, tl_acquire);
    while (p && n < 4096 && tl_atomic_load_u32(&p->locked, tl_acquire) != 0) {
        tl_mcs_node_t *pred = tl_atomic_load_ptr(&p->pred, tl_acquire);
        if (!pred)
            break;
        n++;
        p = pred;
    }
    return n;
}

/* --- the kind --------------------------------------------------------------
 * The generic interface takes no node, so each acquisition takes the
 * calling thread's node for it (tl_lock_node.h), which also remembers which
 * node the lock was taken with, for the unlock by the same thread. The
 * lock's words are only the bare primitive's. */
TL_LOCK_KIND_FITS(tl_spin_mcs_t);
_Static_assert(sizeof(tl_mcs_node_t) <= TL_LOCK_NODE_PAYLOAD, "an MCS node fits a pool node");

static void mcs_kind_init(void *s)
{
    tl_spin_mcs_init(s);
}

/* The adaptors inline the algorithm's bodies (the bare calls above are
 * TL_BARE): a generic lock() is one call deep, as a bare one. */
/* The slow halves, out of line, so that the fast paths save no registers:
 * queued behind a predecessor; no spare node yet; and the unlocks that
 * must wait for a successor's link or look for an out-of-order entry. */
/* Queued: the note that slot 0 holds `s` first (after the exchange, so no
 * store of ours waited in front of it; only this thread reads its table),
 * then the bare lock's own wait, reached by a tail call. */
TL_SPIN_SLOW static void mcs_kind_lock_queued(void *s, tl_mcs_node_t *n, tl_mcs_node_t *pred)
{
    tl__lock_mine.lock[0] = s;
    mcs_queue(n, pred);
    mcs_wait_handoff(n);
}

TL_SPIN_SLOW static void mcs_kind_lock_spare(void *s)
{
    mcs_lock(s, tl_lock_node_spare());
    tl_lock_node_taken(s);
}

/* The fast path uses the fast slot (tl_lock_node.h): its node and its lock
 * word are loaded independently; anything else (the slot in use: a second
 * queue lock held; no node yet) goes the slow way. */
static void mcs_kind_lock(void *s)
{
    tl__lock_nodes *me = &tl__lock_mine;
    if (__builtin_expect(me->lock[0] != NULL, 0)) {
        mcs_kind_lock_spare(s); /* in use, or unarmed */
        return;
    }
    tl_mcs_node_t *n = me->node[0];
    mcs_node_reset(n);
    /* acq_rel: as in mcs_lock. */
    tl_mcs_node_t *pred = tl_atomic_exchange_ptr(&((tl_spin_mcs_t *)s)->tail, n, tl_acq_rel);
    if (__builtin_expect(pred != NULL, 0)) {
        mcs_kind_lock_queued(s, n, pred);
        return;
    }
    me->lock[0] = s;
}

static bool mcs_kind_trylock(void *s)
{
    if (!mcs_trylock(s, tl_lock_node_spare()))
        return false; /* never queued: the spare is still ours */
    tl_lock_node_taken(s);
    return true;
}

/* Out of the queue, the node stays the thread's spare: a successor only
 * ever wrote it before our hand-off read it (MCS does not recycle nodes
 * between threads). */
/* A successor swapped tail but has not linked yet: hand over when it has. */
TL_SPIN_SLOW static void mcs_kind_unlock_slow_linked(tl_mcs_node_t *n)
{
    mcs_handoff_when_linked(n);
    tl__lock_mine.lock[0] = NULL;
}

TL_SPIN_SLOW static void mcs_kind_unlock_slow(void *s)
{
    tl_mcs_node_t *n = tl_lock_node_held(s);
    mcs_unlock(s, n);
    tl_lock_node_released(s, n);
}

static void mcs_kind_unlock(void *s)
{
    tl__lock_nodes *me = &tl__lock_mine;
    if (__builtin_expect(me->lock[0] != s, 0)) {
        mcs_kind_unlock_slow(s); /* not the fast slot's, or not ours */
        return;
    }
    tl_mcs_node_t *n = me->node[0];
    /* acquire, release: as in mcs_unlock, whose slow case this leaves to it. */
    tl_mcs_node_t *next = tl_atomic_load_ptr(&n->next, tl_acquire);
    void *expected = n;
    if (next)
        tl_atomic_store_u32(&next->locked, 0, tl_release);
    else if (!tl_atomic_cas_ptr(&((tl_spin_mcs_t *)s)->tail, &expected, NULL, tl_release,
                                tl_relaxed)) {
        mcs_kind_unlock_slow_linked(n);
        return;
    }
    me->lock[0] = NULL;
}

static unsigned mcs_kind_waiters(void *s)
{
    return tl_spin_mcs_waiters(s);
}

/* The bare calls, with one node of the caller's for every round. */
static void mcs_kind_raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    tl_mcs_node_t *n = tl_lock_node_get();
    TL_LOCK_BENCH_ROUNDS(body, rounds, tl_spin_mcs_lock(s, n), tl_spin_mcs_unlock(s, n));
    tl_lock_node_put(n);
}

const tl_lock_kind tl_kind_mcs = {
    .name = "mcs",
    .summary = "MCS queue spinlock; FIFO, each waiter spins on its own node",
    .flags = TL_KIND_HANDBUILT | TL_KIND_FIFO,
    .size = sizeof(tl_spin_mcs_t),
    .align = _Alignof(tl_spin_mcs_t),
    .node_size = sizeof(tl_mcs_node_t),
    .rmws = 2, /* an exchange to enqueue, a swap to leave */
    .init = mcs_kind_init,
    .lock = mcs_kind_lock,
    .trylock = mcs_kind_trylock,
    .unlock = mcs_kind_unlock,
    .waiters = mcs_kind_waiters,
    .raw = mcs_kind_raw,
    .iface_cost = "the generic call has no node argument: it takes the thread's node from its "
                  "fast slot and notes the lock there for the unlock (a store at each end), "
                  "where the raw loop keeps its node in a register",
};
