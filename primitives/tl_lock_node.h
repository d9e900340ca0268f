/* SPDX-License-Identifier: MIT */
/* Queue nodes for the queue locks (MCS, CLH) behind the generic interface.
 *
 * A queue lock needs one node per acquisition, which the bare primitives
 * take from their caller. The generic interface has no argument for it, so
 * each thread keeps a pool: a free list of nodes it owns. A node is one
 * cache line (a waiter spins on its own line, no neighbour's writes disturb
 * it), allocated on the heap, never inside a thread's static TLS block:
 * other threads read a waiter's node, and TSan treats a new thread's static
 * TLS as freshly written memory it cannot order with those reads (a false
 * race measured on clang 14). Heap memory written before the publishing
 * exchange has no such problem.
 *
 * Ownership, which the kinds rely on: a node is owned by exactly one party
 * at a time - a thread (in its pool, or in the acquisition it is used for)
 * or a lock (CLH keeps one while free) - and only its owner writes it, but
 * for the atomic words the algorithm hands between threads. A thread may
 * give back a node it got from another thread (CLH recycles them). Nodes
 * are never freed (lock_node.c says why): an exiting thread's pool goes to
 * a reserve that new nodes are taken from first. */
#ifndef TL_LOCK_NODE_H
#define TL_LOCK_NODE_H

#include <stddef.h>
#include "tl_atomic.h"

enum {
    TL_LOCK_NODE_SIZE = 64,
    /* The bytes a kind may use; the pool's link lives after them. */
    TL_LOCK_NODE_PAYLOAD = 48,
};

/* The calling thread's free list (lock_node.c); NULL when empty. */
extern _Thread_local void *tl__lock_node_free;
/* A new node, when the pool is empty; aborts when out of memory. */
void *tl__lock_node_new(void);

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

/* A node the calling thread now owns. Its payload holds whatever its last
 * user left there: the kind initialises what it uses. */
static inline void *tl_lock_node_get(void)
{
    void *n = tl__lock_node_free;
    if (__builtin_expect(n == NULL, 0))
        return tl__lock_node_new();
    tl__lock_node_free = tl__lock_node_next(n);
    return n;
}

/* Gives a node the calling thread owns to its pool. */
static inline void tl_lock_node_put(void *node)
{
    tl__lock_node_set_next(node, tl__lock_node_free);
    tl__lock_node_free = node;
}

#endif
