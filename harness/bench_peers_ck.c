/* SPDX-License-Identifier: MIT */
/* Concurrency Kit's spinlocks as peers of the hand-built kinds, for
 * `threadlab bench`. Nothing of Concurrency Kit is copied here: its headers
 * are included and its public calls made.
 *
 * Why wrappers: CK's locks are static inline functions in its headers, while
 * threadlab's are out-of-line functions (tl_spin_tas_lock, ...) that a caller
 * reaches by a call. Inlined into the benchmark loop, CK's lock would skip
 * the call and return every threadlab call pays, and the compiler could fold
 * its code into the loop. So each CK call gets an out-of-line wrapper here,
 * in a file of its own, and the bench reaches both sides the same way:
 * through a table of functions (tl_bench_raw) whose entries tail-call the
 * out-of-line lock functions, one indirect call and one jump per lock and per
 * unlock on either side. Each wrapper is CK's inline code and nothing else.
 *
 * The pairing, algorithm by algorithm (CK 0.7.1, x86-64):
 *   tas     ~ ck_spinlock_fas      an exchange; but CK's waiter spins reading
 *   ttas    ~ ck_spinlock_cas      compare-and-swap, spin reading until free
 *   ttas-eb ~ ck_spinlock_cas_eb   CAS, exponential backoff between attempts
 *   ticket  ~ ck_spinlock_ticket   both counters in one 32-bit word
 *   mcs     ~ ck_spinlock_mcs
 *   clh     ~ ck_spinlock_clh      both recycle nodes (the releaser's goes
 *                                  to its successor)
 */
#include "config.h"
#include "bench_peers.h"

#if HAVE_CK
#include <ck_spinlock.h>

/* Two layers, mirroring how the bench reaches threadlab's kinds
 * (bench_peers_tl.c): an out-of-line function per CK call, the counterpart
 * of tl_spin_*_lock, holding CK's inline code and nothing else; then the
 * raw-shape adaptor the bench calls, one tail call (a `jmp`) into it. */
#define CK_OUT_OF_LINE __attribute__((noinline))

/* --- fas ------------------------------------------------------------------- */
CK_OUT_OF_LINE static void ck_fas_lock(ck_spinlock_fas_t *l) { ck_spinlock_fas_lock(l); }
CK_OUT_OF_LINE static void ck_fas_unlock(ck_spinlock_fas_t *l) { ck_spinlock_fas_unlock(l); }
static void fas_init(void *lock) { ck_spinlock_fas_init(lock); }
static void fas_lock(void *lock, void *ctx) { (void)ctx; ck_fas_lock(lock); }
static void fas_unlock(void *lock, void *ctx) { (void)ctx; ck_fas_unlock(lock); }

/* --- cas, with and without backoff (one lock type, two lock calls) -------- */
CK_OUT_OF_LINE static void ck_cas_lock(ck_spinlock_cas_t *l) { ck_spinlock_cas_lock(l); }
CK_OUT_OF_LINE static void ck_cas_lock_eb(ck_spinlock_cas_t *l) { ck_spinlock_cas_lock_eb(l); }
CK_OUT_OF_LINE static void ck_cas_unlock(ck_spinlock_cas_t *l) { ck_spinlock_cas_unlock(l); }
static void cas_init(void *lock) { ck_spinlock_cas_init(lock); }
static void cas_lock(void *lock, void *ctx) { (void)ctx; ck_cas_lock(lock); }
static void cas_lock_eb(void *lock, void *ctx) { (void)ctx; ck_cas_lock_eb(lock); }
static void cas_unlock(void *lock, void *ctx) { (void)ctx; ck_cas_unlock(lock); }

/* --- ticket ---------------------------------------------------------------- */
CK_OUT_OF_LINE static void ck_ticket_lock(ck_spinlock_ticket_t *l) { ck_spinlock_ticket_lock(l); }
CK_OUT_OF_LINE static void ck_ticket_unlock(ck_spinlock_ticket_t *l) { ck_spinlock_ticket_unlock(l); }
static void ticket_init(void *lock) { ck_spinlock_ticket_init(lock); }
static void ticket_lock(void *lock, void *ctx) { (void)ctx; ck_ticket_lock(lock); }
static void ticket_unlock(void *lock, void *ctx) { (void)ctx; ck_ticket_unlock(lock); }

/* --- mcs: the caller's queue node is the thread's context ----------------- */
CK_OUT_OF_LINE static void ck_mcs_lock(ck_spinlock_mcs_t *q, ck_spinlock_mcs_context_t *n)
{
    ck_spinlock_mcs_lock(q, n);
}
CK_OUT_OF_LINE static void ck_mcs_unlock(ck_spinlock_mcs_t *q, ck_spinlock_mcs_context_t *n)
{
    ck_spinlock_mcs_unlock(q, n);
}
static void mcs_init(void *lock) { ck_spinlock_mcs_init(lock); }
static void mcs_lock(void *lock, void *ctx) { ck_mcs_lock(lock, ctx); }
static void mcs_unlock(void *lock, void *ctx) { ck_mcs_unlock(lock, ctx); }

/* --- clh ------------------------------------------------------------------
 * CK's CLH queue starts with one node of the lock's own ("unowned"), and an
 * unlock hands the thread its predecessor's node for its next acquisition:
 * nodes wander between threads, so each thread keeps a pointer to the node
 * it holds now. The first node sits on a line apart from the queue's tail
 * pointer, as every thread's own node does, so no waiter spins on the line
 * every arrival writes. */
typedef struct {
    ck_spinlock_clh_t *tail;
    _Alignas(TL_BENCH_LINE) ck_spinlock_clh_t first;
} clh_lock_block;
typedef struct {
    ck_spinlock_clh_t *node; /* the node this thread enqueues next */
    ck_spinlock_clh_t own;
} clh_ctx;
_Static_assert(sizeof(clh_lock_block) <= TL_BENCH_LOCK_BYTES, "CLH lock block too big");
_Static_assert(sizeof(clh_ctx) <= TL_BENCH_CTX_BYTES, "CLH context too big");

CK_OUT_OF_LINE static void ck_clh_lock(ck_spinlock_clh_t **tail, ck_spinlock_clh_t *node)
{
    ck_spinlock_clh_lock(tail, node);
}
CK_OUT_OF_LINE static void ck_clh_unlock(ck_spinlock_clh_t **node)
{
    ck_spinlock_clh_unlock(node);
}
static void clh_init(void *lock)
{
    clh_lock_block *l = lock;
    ck_spinlock_clh_init(&l->tail, &l->first);
}
static void clh_ctx_init(void *lock, void *ctx)
{
    (void)lock;
    clh_ctx *c = ctx;
    c->node = &c->own;
}
static void clh_lock(void *lock, void *ctx)
{
    ck_clh_lock(&((clh_lock_block *)lock)->tail, ((clh_ctx *)ctx)->node);
}
static void clh_unlock(void *lock, void *ctx)
{
    (void)lock;
    ck_clh_unlock(&((clh_ctx *)ctx)->node);
}

_Static_assert(sizeof(ck_spinlock_ticket_t) <= TL_BENCH_LOCK_BYTES, "ticket lock too big");
_Static_assert(sizeof(ck_spinlock_mcs_context_t) <= TL_BENCH_CTX_BYTES, "MCS node too big");

static const tl_bench_peer peers[] = {
    {{"ck_spinlock_fas", fas_init, NULL, fas_lock, fas_unlock}, "tas",
     "an exchange; a loser then spins reading until the word is free"},
    {{"ck_spinlock_cas", cas_init, NULL, cas_lock, cas_unlock}, "ttas",
     "compare-and-swap; a loser spins reading until the word is free"},
    {{"ck_spinlock_cas_eb", cas_init, NULL, cas_lock_eb, cas_unlock}, "ttas-eb",
     "compare-and-swap; a loser waits 2^9 doubling to 2^20 empty loop turns between "
     "attempts and never reads in between"},
    {{"ck_spinlock_ticket", ticket_init, NULL, ticket_lock, ticket_unlock}, "ticket",
     "both counters in one 32-bit word; unlock is a locked 16-bit increment"},
    {{"ck_spinlock_mcs", mcs_init, NULL, mcs_lock, mcs_unlock}, "mcs",
     "queue of caller-provided nodes"},
    {{"ck_spinlock_clh", clh_init, clh_ctx_init, clh_lock, clh_unlock}, "clh",
     "implicit queue: each waiter spins on its predecessor's node"},
};

/* The control: ck_spinlock_cas again, through a second pair of out-of-line
 * functions - the same instructions at another address, reached the same
 * way. Set beside the first as a pair, its ratio is what this machine and
 * this bench make of two identical locks: code placement, which side had
 * which slice, a neighbour's burst. A pair's ratio inside that spread says
 * nothing about its algorithms. */
CK_OUT_OF_LINE static void ck_cas_lock_copy(ck_spinlock_cas_t *l) { ck_spinlock_cas_lock(l); }
CK_OUT_OF_LINE static void ck_cas_unlock_copy(ck_spinlock_cas_t *l) { ck_spinlock_cas_unlock(l); }
static void cas_lock_copy(void *lock, void *ctx) { (void)ctx; ck_cas_lock_copy(lock); }
static void cas_unlock_copy(void *lock, void *ctx) { (void)ctx; ck_cas_unlock_copy(lock); }
static const tl_bench_raw cas_copy = {"ck_spinlock_cas (copy)", cas_init, NULL, cas_lock_copy,
                                      cas_unlock_copy};

const tl_bench_peer *tl_bench_ck_control(const tl_bench_raw **copy)
{
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++)
        if (peers[i].raw.lock == cas_lock) {
            *copy = &cas_copy;
            return &peers[i];
        }
    *copy = NULL;
    return NULL;
}

bool tl_bench_ck_found(void) { return true; }
size_t tl_bench_ck_peer_count(void) { return sizeof peers / sizeof peers[0]; }
const tl_bench_peer *tl_bench_ck_peer_at(size_t i)
{
    return i < tl_bench_ck_peer_count() ? &peers[i] : NULL;
}

#else /* built without Concurrency Kit: no peers, and the bench says why */

bool tl_bench_ck_found(void) { return false; }
const tl_bench_peer *tl_bench_ck_control(const tl_bench_raw **copy)
{
    *copy = NULL;
    return NULL;
}
size_t tl_bench_ck_peer_count(void) { return 0; }
const tl_bench_peer *tl_bench_ck_peer_at(size_t i)
{
    (void)i;
    return NULL;
}

#endif
