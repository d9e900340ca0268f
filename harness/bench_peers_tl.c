/* SPDX-License-Identifier: MIT */
/* The hand-built spinlocks' raw calls in the peers' shape (tl_bench_raw), so
 * the bench reaches threadlab's lock and its peer the same way: an indirect
 * call into an adaptor that tail-calls (one `jmp`) the out-of-line lock
 * function. bench_peers_ck.c gives Concurrency Kit's locks the same two
 * layers. (When each primitive file gives the bench a raw hook of its own,
 * where the compiler inlines the primitive into the hook, both sides lose
 * the jump together.) */
#include <pthread.h>
#include <string.h>
#include "bench_peers.h"
#include "tl_spin.h"

#define TL__RAW_ADAPT(name, type, prefix)                                           \
    static void name##_init(void *lock) { prefix##_init((type *)lock); }            \
    static void name##_lock(void *lock, void *ctx)                                  \
    {                                                                               \
        (void)ctx;                                                                  \
        prefix##_lock((type *)lock);                                                \
    }                                                                               \
    static void name##_unlock(void *lock, void *ctx)                                \
    {                                                                               \
        (void)ctx;                                                                  \
        prefix##_unlock((type *)lock);                                              \
    }

TL__RAW_ADAPT(tas, tl_spin_tas_t, tl_spin_tas)
TL__RAW_ADAPT(ttas, tl_spin_ttas_t, tl_spin_ttas)
TL__RAW_ADAPT(ttas_eb, tl_spin_ttas_eb_t, tl_spin_ttas_eb)
TL__RAW_ADAPT(ticket, tl_spin_ticket_t, tl_spin_ticket)

/* MCS: the thread's context is its queue node. */
static void mcs_init(void *lock) { tl_spin_mcs_init(lock); }
static void mcs_lock(void *lock, void *ctx) { tl_spin_mcs_lock(lock, ctx); }
static void mcs_unlock(void *lock, void *ctx) { tl_spin_mcs_unlock(lock, ctx); }

/* CLH: the lock block holds the queue's tail and the lock's first node (on
 * a line of its own); a thread's context holds the node it enqueues next,
 * which every unlock trades for its predecessor's (spin_clh.c, rule 4), so
 * nodes travel between contexts and the lock block, all alive until the
 * measurement ends. No trylock is used: no node is ever abandoned. */
typedef struct {
    tl_spin_clh_t tail;
    _Alignas(TL_BENCH_LINE) tl_clh_node_t first;
} clh_lock_block;
typedef struct {
    tl_clh_node_t *node;
    _Alignas(64) tl_clh_node_t own;
} clh_ctx;
_Static_assert(sizeof(clh_lock_block) <= TL_BENCH_LOCK_BYTES, "CLH lock block too big");
_Static_assert(sizeof(clh_ctx) <= TL_BENCH_CTX_BYTES, "CLH context too big");

static void clh_init(void *lock)
{
    clh_lock_block *l = lock;
    tl_spin_clh_init(&l->tail, &l->first);
}
static void clh_ctx_init(void *lock, void *ctx)
{
    (void)lock;
    clh_ctx *c = ctx;
    c->node = &c->own;
}
static void clh_lock(void *lock, void *ctx)
{
    tl_spin_clh_lock(&((clh_lock_block *)lock)->tail, ((clh_ctx *)ctx)->node, NULL);
}
static void clh_unlock(void *lock, void *ctx)
{
    (void)lock;
    clh_ctx *c = ctx;
    tl_spin_clh_unlock(&c->node);
}

static const tl_bench_raw raws[] = {
    {"tas", tas_init, NULL, tas_lock, tas_unlock},
    {"ttas", ttas_init, NULL, ttas_lock, ttas_unlock},
    {"ttas-eb", ttas_eb_init, NULL, ttas_eb_lock, ttas_eb_unlock},
    {"ticket", ticket_init, NULL, ticket_lock, ticket_unlock},
    {"mcs", mcs_init, NULL, mcs_lock, mcs_unlock},
    {"clh", clh_init, clh_ctx_init, clh_lock, clh_unlock},
};

/* glibc's spinlock, reached as the hand-built kinds are: the adaptor
 * tail-calls pthread_spin_lock (through the PLT: one jump more than
 * tl_spin_ttas_lock's direct one, as any caller of libc pays). */
static void libc_spin_init(void *lock) { pthread_spin_init(lock, PTHREAD_PROCESS_PRIVATE); }
static void libc_spin_lock(void *lock, void *ctx)
{
    (void)ctx;
    pthread_spin_lock(lock);
}
static void libc_spin_unlock(void *lock, void *ctx)
{
    (void)ctx;
    pthread_spin_unlock(lock);
}
static const tl_bench_peer libc_spin = {
    {"pthread_spin_lock", libc_spin_init, NULL, libc_spin_lock, libc_spin_unlock}, "ttas",
    "glibc: lock decl to take; a waiter pauses, then reads, until the word is free"};

const tl_bench_peer *tl_bench_libc_spin_peer(void) { return &libc_spin; }

const tl_bench_raw *tl_bench_handbuilt_raw(const char *kind)
{
    for (size_t i = 0; i < sizeof raws / sizeof raws[0]; i++)
        if (strcmp(raws[i].name, kind) == 0)
            return &raws[i];
    return NULL;
}
