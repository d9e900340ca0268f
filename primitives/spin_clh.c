/* SPDX-License-Identifier: MIT */
/* CLH queue spinlock (Craig, 1993; Landin and Hagersten, 1994).
 *
 * Words: `tail` points at the node of the last thread to arrive. A node is
 * one word, `link`: the node it waits behind (its pred), and in the low two
 * bits its state - TL_CLH_BUSY while its thread waits for or holds the
 * lock, TL_CLH_RELEASED once that thread released it, TL_CLH_ABANDONED once
 * a trylock gave up with the node in the queue. The lock is free exactly
 * when the node in tail reads RELEASED (or ABANDONED, with RELEASED behind
 * it).
 * Why one word: arming a node must also clear its old link (waiters() walks
 * the links and must stop at a node that has none yet, not follow the one
 * left over from the node's last use), and with state and link apart that
 * was a store more than CK's CLH makes - measured 1.08x CK's time
 * uncontended, 1.03x without the store. In one word, arming is one store
 * (BUSY, no link), and the link written after the exchange, the release and
 * the abandonment one store each.
 * Why BUSY is 0: a held node's word is then its pred itself, so the link
 * stored after the exchange is the exchange's result as it came (no `or`
 * to tag it) and the unlock's pred is the word as loaded (no `and` to strip
 * it) - each a cycle on the chain from one exchange to the next, which
 * waits for the stores before it. Against ck_spinlock_clh uncontended:
 * 1.040x - 1.043x with BUSY = 1, 0.959x with BUSY = 0, in three runs each,
 * alternating (`./threadlab bench --lock clh --repeat 7 --seconds 0.3`).
 * (BUSY = 0 with the unlock still stripping the bits measured 1.035x.)
 * Invariant: the queue is the chain of nodes from tail back to the first
 * RELEASED one; a thread enters it with one exchange on tail (so arrival
 * order is queue order: FIFO), spins only on its predecessor's state, and
 * leaves by one release store into its own node. A hand-off touches the
 * releaser's node and nothing else.
 *
 * Node ownership, or why nodes can be recycled. Every node has one owner at
 * a time, a thread or the lock:
 *   1. init: the lock owns one RELEASED node, the one in tail.
 *   2. lock: a thread arms a node it owns (BUSY) and exchanges it into
 *      tail. From then on the node is the queue's: its thread only writes
 *      the link to its pred into the word (read back by its unlock), and
 *      at last the release; the successor only reads the word (following
 *      the link if the node was abandoned, rule 5). The exchange
 *      returns the predecessor P, and only that one exchange ever returns P
 *      (tail holds each node once; one read-modify-write takes it out), so
 *      this thread alone waits on P.
 *   3. acquired: P reads RELEASED (acquire). P's old owner wrote that as its
 *      very last touch of P, and tail no longer holds P: P now belongs to
 *      this thread, and nobody else will touch it.
 *   4. unlock: the thread reads its node's pred, then stores RELEASED into
 *      the node's word (release) and lets go of it: the node passes to
 *      whoever took it out of tail (its successor, step 2-3), or stays the
 *      lock's while it is in tail. The thread keeps P for its next acquisition.
 * So each acquisition trades the thread's node for its predecessor's; a
 * thread always owns one node between acquisitions, and the lock one.
 *   5. trylock: it cannot wait, and a thread cannot step out of a CLH queue
 *      (its successor would spin on a node nobody will release). So it looks
 *      first and joins only a free lock, with a compare-and-swap from the
 *      node it saw in tail. That node may have left tail and come back, armed
 *      again by a thread that took the lock twice in between (ABA): the CAS
 *      then succeeds behind a held lock. The trylock then leaves its node in
 *      the queue marked ABANDONED, its link pointing where it would have
 *      waited, and lets go of it; whoever takes the abandoned node out of
 *      tail owns it, and waits behind its pred instead (the caller of lock
 *      gets such nodes through `take`). The destroyer of a lock gets the
 *      nodes still in it the same way.
 * The look before the CAS reads a node nobody gave the trylock: it may
 * belong to another thread by then, so nodes are never returned to malloc
 * (tl_lock_node.h keeps them), which keeps that read a read of a node. */
#include <stddef.h>
#include "tl_lock_kind.h"
#include "tl_lock_node.h"
#include "tl_spin.h"

void (*tl_spin_clh_try_window_hook)(void) = NULL;

/* The node's word (see the top): a pred and a state packed, and unpacked. */
#define CLH_STATE_BITS ((uintptr_t)3)
_Static_assert(_Alignof(tl_clh_node_t) > CLH_STATE_BITS, "a node's address leaves two bits");
_Static_assert(TL_CLH_BUSY == 0, "clh_unlock reads a held node's word as its pred");
static inline void *clh_link(tl_clh_node_t *pred, uint32_t state)
{
    return (void *)((uintptr_t)pred | state);
}
static inline uint32_t clh_state(void *link)
{
    return (uint32_t)((uintptr_t)link & CLH_STATE_BITS);
}
static inline tl_clh_node_t *clh_pred(void *link)
{
    return (tl_clh_node_t *)((uintptr_t)link & ~CLH_STATE_BITS);
}

void tl_spin_clh_init(tl_spin_clh_t *l, tl_clh_node_t *first)
{
    /* relaxed: neither the node nor the lock is shared yet. */
    tl_atomic_store_ptr(&first->link, clh_link(NULL, TL_CLH_RELEASED), tl_relaxed);
    tl_atomic_store_ptr(&l->tail, first, tl_relaxed);
}

/* Arms a node about to join: busy, and no link yet (waiters() stops at a
 * missing link instead of following one left over from the node's last
 * use). relaxed: private until the read-modify-write on tail publishes it. */
static inline void clh_arm(tl_clh_node_t *me)
{
    tl_atomic_store_ptr(&me->link, clh_link(NULL, TL_CLH_BUSY), tl_relaxed);
}

/* Links an armed node in the queue to its pred. relaxed: read back by our
 * own unlock, and by waiters(); the successor spinning on the word reads
 * BUSY before and after. */
static inline void clh_link_to(tl_clh_node_t *me, tl_clh_node_t *pred)
{
    tl_atomic_store_ptr(&me->link, clh_link(pred, TL_CLH_BUSY), tl_relaxed);
}

/* The wait, out of line (TL_SPIN_SLOW). acquire on the word: pairs with
 * the release that wrote RELEASED or ABANDONED, so the critical section
 * before it is visible. An abandoned predecessor is passed: it is ours now
 * (ownership rule 5), and we wait where it would have - its link, in the
 * same word. Only the predecessor's thread can release it: if it is
 * descheduled, spinning on is useless, so the wait yields after a while. */
TL_SPIN_SLOW static void clh_wait_long(tl_clh_node_t *me, tl_clh_node_t *pred,
                                       tl_clh_take_fn *take, unsigned spins)
{
    for (;;) {
        void *w = tl_atomic_load_ptr(&pred->link, tl_acquire);
        if (clh_state(w) == TL_CLH_RELEASED)
            break;
        if (clh_state(w) == TL_CLH_ABANDONED) {
            take(pred);
            pred = clh_pred(w);
            clh_link_to(me, pred);
            continue;
        }
        tl_spin_wait_step(&spins);
    }
}

/* The wait's common case first, spinning while the predecessor is busy,
 * with no call in the loop: the function then saves no registers, and a
 * hand-off's waiter leaves it with a return. clh_wait_long, whose calls
 * (`take`, sched_yield) make it save six, takes over for an abandoned
 * predecessor and after TL_SPIN_YIELD_AFTER pauses. Measured against
 * ck_spinlock_clh, 2 threads, whose wait is an inline loop: 1.07x - 1.12x
 * in six runs with all of it in one function, 0.97x - 1.07x in six with
 * this in front, alternating (`./threadlab bench --lock clh --repeat 7
 * --seconds 0.3`). */
TL_SPIN_SLOW static void clh_wait(tl_clh_node_t *me, tl_clh_node_t *pred, tl_clh_take_fn *take)
{
    unsigned spins = tl__spin_yield_after;
    void *w;
    /* acquire: as in clh_wait_long. */
    while (clh_state(w = tl_atomic_load_ptr(&pred->link, tl_acquire)) == TL_CLH_BUSY && --spins)
        tl_cpu_relax();
    if (__builtin_expect(clh_state(w) == TL_CLH_RELEASED, 1))
        return;
    /* Abandoned, or busy after all those pauses: then the long wait's
     * first step yields. */
    clh_wait_long(me, pred, take, tl__spin_yield_after - spins);
}

static inline void clh_lock(tl_spin_clh_t *l, tl_clh_node_t *me, tl_clh_take_fn *take)
{
    clh_arm(me);
    /* acq_rel: release publishes our armed node to the successor that
     * finds it in tail; acquire makes the predecessor's word readable. */
    tl_clh_node_t *pred = tl_atomic_exchange_ptr(&l->tail, me, tl_acq_rel);
    clh_link_to(me, pred);
    /* acquire: pairs with the release of RELEASED; we then own the lock. */
    if (clh_state(tl_atomic_load_ptr(&pred->link, tl_acquire)) != TL_CLH_RELEASED)
        clh_wait(me, pred, take);
}

TL_BARE void tl_spin_clh_lock(tl_spin_clh_t *l, tl_clh_node_t *me, tl_clh_take_fn *take)
{
    clh_lock(l, me, take);
}

TL_BARE bool tl_spin_clh_trylock(tl_spin_clh_t *l, tl_clh_node_t **mine, tl_clh_take_fn *take)
{
    tl_clh_node_t *me = *mine;
    /* acquire: so that the look below sees the state its owner published. */
    tl_clh_node_t *seen = tl_atomic_load_ptr(&l->tail, tl_acquire);
    /* relaxed: a look, not a claim (rule 5): the node may have moved on.
     * It keeps a trylock on a held lock out of the queue; the check after
     * the CAS is the one that counts. */
    if (clh_state(tl_atomic_load_ptr(&seen->link, tl_relaxed)) == TL_CLH_BUSY)
        return false;
    if (tl_spin_clh_try_window_hook)
        tl_spin_clh_try_window_hook();
    clh_arm(me);
    void *expected = seen;
    /* acq_rel: as the exchange in lock. A failed CAS: someone arrived since
     * the look, the lock is contended; relaxed, nothing was read. */
    if (!tl_atomic_cas_ptr(&l->tail, &expected, me, tl_acq_rel, tl_relaxed))
        return false; /* never queued: *mine is still the caller's */
    /* In the queue, behind `seen`, which only we wait on (rule 2). */
    tl_clh_node_t *pred = seen;
    for (;;) {
        /* acquire: as in clh_wait. */
        void *w = tl_atomic_load_ptr(&pred->link, tl_acquire);
        if (clh_state(w) == TL_CLH_RELEASED) {
            clh_link_to(me, pred);
            return true;
        }
        if (clh_state(w) == TL_CLH_ABANDONED) {
            take(pred);
            pred = clh_pred(w);
            continue;
        }
        /* BUSY: the ABA case. Leave the node in the queue, pointing at the
         * node we would wait on. release: whoever sees ABANDONED follows
         * the link into a node it then owns. */
        tl_atomic_store_ptr(&me->link, clh_link(pred, TL_CLH_ABANDONED), tl_release);
        *mine = NULL;
        return false;
    }
}

static inline tl_clh_node_t *clh_unlock(tl_clh_node_t *me)
{
    /* relaxed: our own write. Read before the release: from then on the
     * node is the successor's, which may arm it again for itself. A held
     * node is BUSY, and BUSY is 0: the word is the pred, nothing to strip. */
    tl_clh_node_t *pred = tl_atomic_load_ptr(&me->link, tl_relaxed);
    /* release: hands the critical section to the successor spinning on it.
     * The link goes: nothing follows a RELEASED node's link (the
     * successor, waiters() and destroy stop there), and a constant store
     * does not wait on the load above. */
    tl_atomic_store_ptr(&me->link, clh_link(NULL, TL_CLH_RELEASED), tl_release);
    return pred;
}

TL_BARE void tl_spin_clh_unlock(tl_clh_node_t **mine)
{
    *mine = clh_unlock(*mine);
}

void tl_spin_clh_destroy(tl_spin_clh_t *l, tl_clh_take_fn *take)
{
    /* acquire: the lock is free and unused, but its last nodes were written
     * by other threads; the caller's join ordered them, this costs nothing. */
    tl_clh_node_t *n = tl_atomic_load_ptr(&l->tail, tl_acquire);
    while (n) {
        void *w = tl_atomic_load_ptr(&n->link, tl_acquire);
        take(n);
        n = clh_state(w) == TL_CLH_ABANDONED ? clh_pred(w) : NULL;
    }
    tl_atomic_store_ptr(&l->tail, NULL, tl_relaxed);
}

unsigned tl_spin_clh_waiters(tl_spin_clh_t *l)
{
    /* Diagnostic only, meaningful while the caller knows the holder is not
     * releasing: walks from tail back to the first released node, counting
     * busy nodes (the holder's is one of them), and stops at a node not yet
     * linked. acquire: we follow links into other threads' nodes. Bounded,
     * because a node recycled under the walk may point anywhere. */
    unsigned busy = 0;
    tl_clh_node_t *n = tl_atomic_load_ptr(&l->tail, tl_acquire);
    for (unsigned steps = 0; n && steps < 4096; steps++) {
        void *w = tl_atomic_load_ptr(&n->link, tl_acquire);
        if (clh_state(w) == TL_CLH_RELEASED)
            break;
        busy += clh_state(w) == TL_CLH_BUSY;
        n = clh_pred(w);
    }
    return busy > 1 ? busy - 1 : 0;
}

/* --- the kind --------------------------------------------------------------
 * Each acquisition takes the calling thread's node for it (tl_lock_node.h),
 * which also remembers which node the lock was taken with, for the unlock;
 * the unlock leaves the predecessor's node in its place (rule 4). Nodes
 * handed over beyond that (rule 5, and the lock's own) go to the pool. The
 * lock's words are only the bare primitive's. */
TL_LOCK_KIND_FITS(tl_spin_clh_t);
_Static_assert(sizeof(tl_clh_node_t) <= TL_LOCK_NODE_PAYLOAD, "a CLH node fits a pool node");

static void to_pool(tl_clh_node_t *n)
{
    tl_lock_node_put(n);
}

static void clh_kind_init(void *s)
{
    tl_spin_clh_init(s, tl_lock_node_get());
}

/* The adaptors inline the algorithm's bodies (the bare calls above are
 * TL_BARE): a generic lock() is one call deep, as a bare one - and none
 * at all in the fast slot, whose path the generic layer runs inline
 * (tl_clh_fast.h; these calls run the same one, the layer's slow paths
 * call them). Only a static library links this: the table is in reach. */
_Static_assert(TL__LOCK_NODES_INLINE, "the fast slot's path is tl_clh_fast.h's");

/* The wait, for the fast slot's path: as the bare lock's, and then
 * node[0] is the predecessor it ended behind (it changed if the wait
 * passed abandoned nodes, rule 5: the last one is in our link, which a
 * held node's word is, BUSY being 0). */
TL_SPIN_SLOW static void clh_kind_wait(void *s, void *node, void *pred)
{
    (void)s;
    tl_clh_node_t *n = node;
    /* relaxed: for waiters() (tl_clh_fast.h), and read back below. */
    clh_link_to(n, pred);
    clh_wait(n, pred, to_pool);
    tl__lock_mine.node[0] = tl_atomic_load_ptr(&n->link, tl_relaxed);
}

/* The slow halves, out of line, so that the fast paths save no registers:
 * the fast slot unarmed or in use; an unlock of another slot's lock. */
TL_SPIN_SLOW static void clh_kind_lock_spare(void *s)
{
    tl__lock_nodes *me = &tl__lock_mine;
    tl_clh_node_t *n = tl_lock_node_spare(); /* arms the fast slot if it was not */
    bool fast = me->lock[0] == NULL;
    clh_lock(s, n, to_pool);
    if (fast) /* as tl_clh_fast.h keeps slot 0 (the link is the pred) */
        tl__clh_fast_hold(me, s, n, tl_atomic_load_ptr(&n->link, tl_relaxed));
    else
        tl_lock_node_taken(s);
}

static void clh_kind_lock(void *s)
{
    if (__builtin_expect(!tl__clh_fast_lock(s, clh_kind_wait), 0))
        clh_kind_lock_spare(s); /* the fast slot in use, or unarmed */
}

static bool clh_kind_trylock(void *s)
{
    tl__lock_nodes *me = &tl__lock_mine;
    tl_clh_node_t *n = tl_lock_node_spare();
    bool fast = me->lock[0] == NULL;
    if (tl_spin_clh_trylock(s, &n, to_pool)) {
        if (fast)
            tl__clh_fast_hold(me, s, n, tl_atomic_load_ptr(&n->link, tl_relaxed));
        else
            tl_lock_node_taken(s);
        return true;
    }
    if (!n)
        tl_lock_node_spare_lost(); /* abandoned in the queue (rule 5) */
    return false;
}

/* Rule 4: the released node is the successor's; the predecessor's is ours,
 * the spare for the next acquisition (in the fast slot, node[0] has it
 * from the lock on: tl_clh_fast.h). */
TL_SPIN_SLOW static void clh_kind_unlock_slow(void *s)
{
    tl_lock_node_released(s, clh_unlock(tl_lock_node_held(s)));
}

static void clh_kind_unlock(void *s)
{
    if (__builtin_expect(!tl__clh_fast_unlock(s), 0))
        clh_kind_unlock_slow(s); /* not the fast slot's, or not ours */
}

static void clh_kind_destroy(void *s)
{
    tl_spin_clh_destroy(s, to_pool);
}

static unsigned clh_kind_waiters(void *s)
{
    return tl_spin_clh_waiters(s);
}

/* The bare calls: one node of the caller's, traded at every unlock. */
static void clh_kind_raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    tl_clh_node_t *n = tl_lock_node_get();
    TL_LOCK_BENCH_ROUNDS(body, rounds, tl_spin_clh_lock(s, n, to_pool), tl_spin_clh_unlock(&n));
    tl_lock_node_put(n);
}

const tl_lock_kind tl_kind_clh = {
    .name = "clh",
    .summary = "CLH queue spinlock; FIFO, each waiter spins on its predecessor's node",
    .flags = TL_KIND_HANDBUILT | TL_KIND_FIFO,
    .size = sizeof(tl_spin_clh_t),
    .align = _Alignof(tl_spin_clh_t),
    .node_size = sizeof(tl_clh_node_t),
    .rmws = 1, /* the exchange; the release is a store */
    .init = clh_kind_init,
    .lock = clh_kind_lock,
    .trylock = clh_kind_trylock,
    .unlock = clh_kind_unlock,
    .destroy = clh_kind_destroy,
    .waiters = clh_kind_waiters,
    .raw = clh_kind_raw,
    .clh_wait = clh_kind_wait,
    .iface_cost = "the generic lock has no node argument: it takes the thread's node from its "
                  "fast slot, and notes there the lock, the node and the predecessor's node (the "
                  "next acquisition's), where the raw loop keeps both nodes in registers",
};
