/* SPDX-License-Identifier: MIT */
/* Queue nodes for the queue locks (MCS, CLH) behind the generic interface.
 *
 * A queue lock needs one node per acquisition, which the bare primitives
 * take from their caller. The generic interface has no argument for it, so
 * each thread keeps nodes of its own: a spare per slot (below), and a pool
 * (a free list) behind them. A node is one
 * cache line (a waiter spins on its own line, no neighbour's writes disturb
 * it), allocated on the heap, never inside a thread's static TLS block:
 * other threads read a waiter's node, and TSan treats a new thread's static
 * TLS as freshly written memory it cannot order with those reads (a false
 * race measured on clang 14). Heap memory written before the publishing
 * exchange has no such problem.
 *
 * Ownership, which the kinds rely on: a node is owned by exactly one party
 * at a time - a thread (as a spare, in its pool, or in the acquisition it
 * is used for) or a lock (CLH keeps one while free) - and only its owner
 * writes it, but for the atomic words the algorithm hands between threads.
 * A thread may keep a node it got from another thread (CLH recycles them).
 * Nodes are never freed (lock_node.c says why): an exiting thread's nodes
 * go to a reserve that new nodes are taken from first. */
#ifndef TL_LOCK_NODE_H
#define TL_LOCK_NODE_H

#include <stddef.h>
#include "tl_atomic.h"

enum {
    TL_LOCK_NODE_SIZE = 64,
    /* The bytes a kind may use; the pool's link lives after them. */
    TL_LOCK_NODE_PAYLOAD = 48,
};

/* What a thread keeps (lock_node.c), one thread-local object, so the fast
 * paths find all of it through one address:
 *   - the nodes it takes queue locks with, in slots: lock[i] is a lock it
 *     holds (or waits for) with node[i]. Slot 0 is the fast slot, in use
 *     exactly when lock[0] is not NULL; slots 1..depth are the others, in
 *     the order taken. A slot not in use keeps its node as a spare, ready
 *     for the next acquisition there (NULL until first needed);
 *   - its pool, a free list, for everything else (a lock's first node, the
 *     nodes CLH hands over beyond one per acquisition).
 * A queue lock's unlock needs the node its lock used. The lock could carry
 * it, but its words are on the one line every arrival writes: under
 * contention the owner's unlock would first fetch that line back from the
 * waiter who just queued (measured: MCS 1.15x its raw calls). So the thread
 * remembers it here, read and written by it alone.
 * The fast slot is armed when its spare is there: lock[0] is NULL only
 * then, and reads TL__SLOT_UNARMED while slot 0 has no spare (a new
 * thread's, until its first queue lock; after a CLH trylock left it in a
 * queue; after the thread's exit handed it back). So a fast path tests one
 * word, lock[0] == NULL, and finds its node in node[0]; to everything else
 * the unarmed slot looks like a slot in use, and tl_lock_node_spare() arms
 * it. With the TLS model below, CLH's generic - raw went from +1.10,
 * +1.13, +1.41 ns to +1.02, +1.23, +0.98 ns in three alternating runs of
 * `./threadlab bench --lock clh,mcs --repeat 9 --seconds 0.3 --no-peers`
 * (MCS +0.55 either way): a little, inside the noise of one run.
 * Why a fast slot apart from the stack: most threads hold one queue lock at
 * a time, and slot 0's words sit at fixed addresses, so the kinds' fast
 * paths load them independently of each other - no load of `depth` first,
 * whose value came from the previous unlock's store, with the node's load
 * waiting on it. Measured with `./threadlab bench --lock clh`: CLH's generic
 * calls went from raw + 1.83 ns (indexing by depth) to raw + 1.04 - 1.16 ns,
 * MCS's from + 1.09 to + 0.52 - 0.64 ns. */
enum { TL_LOCK_NODES_HELD = 32 }; /* queue locks held or awaited at once, per thread */
typedef struct {
    void *free;     /* the pool; NULL when empty */
    unsigned depth; /* slots in use beyond slot 0: 1..depth */
    const void *lock[TL_LOCK_NODES_HELD];
    /* One more than held: node[TL_LOCK_NODES_HELD] stays NULL, so a full
     * table takes the slow path (which says so) without a bounds test. */
    void *node[TL_LOCK_NODES_HELD + 1];
    /* CLH in the fast slot (spin_clh.c, tl_lock.h): the node its lock was
     * taken with, while node[0] already holds the predecessor, the spare
     * after the unlock. Not NULL exactly while slot 0 holds a CLH lock. */
    void *held0;
} tl__lock_nodes;
/* No lock is stored at address 1 (a kind's storage is aligned). */
#define TL__SLOT_UNARMED ((const void *)1)
/* local-exec: the table is reached at a fixed offset from the thread
 * pointer, not through the offset's GOT entry first, a load every fast path
 * waited on. Valid in an executable, which the table is linked into (the
 * primitives are static libraries). A shared object - a scenario file run
 * with --file, compiled with -fPIC -shared - cannot reach another module's
 * TLS that way: there TL__LOCK_NODES_INLINE is 0, and the generic layer's
 * inline path (tl_clh_fast.h, through tl_lock.h) leaves the table to the
 * kinds' functions. */
#if defined(__PIC__) && !defined(__PIE__)
#define TL__LOCK_NODES_INLINE 0
extern _Thread_local tl__lock_nodes tl__lock_mine;
#else
#define TL__LOCK_NODES_INLINE 1
extern _Thread_local tl__lock_nodes tl__lock_mine __attribute__((tls_model("local-exec")));
#endif
/* A new node, when the pool is empty; aborts when out of memory. */
void *tl__lock_node_new(void);
__attribute__((noreturn, cold)) void tl__lock_node_too_many(void);
void *tl__lock_node_release_search(const void *lock);
void tl__lock_node_arm_fast_slot(void);

/* The link to the next free node. relaxed atomics, though only the node's
 * owner touches it: what orders one owner's accesses before the next's is
 * the node's hand-over (a lock's release and acquire, or the reserve's
 * mutex), and TSan does not see all of those - a node can change hands
 * inside a lock's annotation, where TSan ignores synchronisation - so plain
 * accesses would look like races to it. On x86-64 they are plain moves. */
static inline tl_atomic_ptr *tl__lock_node_link(void *node)
{
    return (tl_atomic_ptr *)((char *)node + TL_LOCK_NODE_PAYLOAD);
}
static inline void *tl__lock_node_next(void *node)
{
    return tl_atomic_load_ptr(tl__lock_node_link(node), tl_relaxed);
}
static inline void tl__lock_node_set_next(void *node, void *next)
{
    tl_atomic_store_ptr(tl__lock_node_link(node), next, tl_relaxed);
}

/* A node from the pool, the calling thread's from now on. A new node's
 * payload is zeroed; a used one's holds what its last user left there.
 * The kinds share the pools, so each kind either initialises a word at
 * every use or relies on it being 0 and leaves it 0 after every use (MCS's
 * `locked`, spin_mcs.c), and no kind writes another's words: a CLH node is
 * the payload's first word, which MCS's `next` resets at every use. */
static inline void *tl_lock_node_get(void)
{
    tl__lock_nodes *me = &tl__lock_mine;
    void *n = me->free;
    if (__builtin_expect(n == NULL, 0))
        return tl__lock_node_new();
    me->free = tl__lock_node_next(n);
    return n;
}

/* Gives a node the calling thread owns to its pool. */
static inline void tl_lock_node_put(void *node)
{
    tl__lock_nodes *me = &tl__lock_mine;
    tl__lock_node_set_next(node, me->free);
    me->free = node;
}

/* The slot the next acquisition takes: the fast one if free, else the one
 * above the stack's top. */
static inline unsigned tl__lock_node_slot(const tl__lock_nodes *me)
{
    return me->lock[0] ? me->depth + 1 : 0;
}

/* Taking a queue lock is three steps: the node to take it with (the spare
 * in the next slot), the kind's own lock with it, then the note that the
 * thread holds the lock (tl_lock_node_taken). The note comes after, so no
 * store of ours waits in front of the lock's atomic operation (a locked
 * instruction drains the store buffer first). Nothing in between takes
 * another queue lock in the same thread. */
__attribute__((noinline)) void *tl__lock_node_spare_slow(void);
static inline void *tl_lock_node_spare(void)
{
    tl__lock_nodes *me = &tl__lock_mine;
    if (__builtin_expect(me->lock[0] == TL__SLOT_UNARMED, 0))
        tl__lock_node_arm_fast_slot();
    void *n = me->node[tl__lock_node_slot(me)];
    return __builtin_expect(n != NULL, 1) ? n : tl__lock_node_spare_slow();
}

/* The thread now holds (`lock`, a kind's storage) with its spare. */
static inline void tl_lock_node_taken(const void *lock)
{
    tl__lock_nodes *me = &tl__lock_mine;
    if (me->lock[0])
        me->lock[++me->depth] = lock;
    else
        me->lock[0] = lock;
}

/* A trylock that failed with the spare in the queue (CLH's abandoned
 * node): the spare is the queue's now, not the thread's. */
static inline void tl_lock_node_spare_lost(void)
{
    tl__lock_nodes *me = &tl__lock_mine;
    unsigned slot = tl__lock_node_slot(me);
    me->node[slot] = NULL;
    if (slot == 0)
        me->lock[0] = TL__SLOT_UNARMED;
}

/* Unlocking is the same in reverse: the node the thread took `lock` with
 * (tl_lock_node_held), the kind's unlock, then the note that it no longer
 * holds it (tl_lock_node_released), which leaves a node as the spare in
 * that slot: the same one (MCS), or the one the unlock handed over (CLH's
 * predecessor). Locks are mostly released in the reverse order of taking
 * them, so the fast slot and the stack's top are looked at first; any order
 * works (a stack entry then trades places with the top). Aborts when the
 * thread does not hold the lock: an unlock by the wrong thread. */
static inline void *tl_lock_node_held(const void *lock)
{
    tl__lock_nodes *me = &tl__lock_mine;
    if (__builtin_expect(me->lock[0] == lock, 1))
        return me->node[0];
    return tl__lock_node_release_search(lock);
}

/* `lock`, just looked up by tl_lock_node_held, is released; `spare` is the
 * node its slot keeps. */
static inline void tl_lock_node_released(const void *lock, void *spare)
{
    tl__lock_nodes *me = &tl__lock_mine;
    if (me->lock[0] == lock) {
        me->node[0] = spare;
        me->lock[0] = NULL;
    } else {
        me->node[me->depth--] = spare;
    }
}

#endif
