/* SPDX-License-Identifier: MIT */
/* The table of lock kinds behind the generic interface. Adding a kind is one
 * primitive file, its adaptors here, and one row in `kinds`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tl_annotate.h"
#include "tl_lock.h"

/* --- adaptors: tl_lock_t -> the primitive's own type --------------------- */
#define TL__ADAPT(kind, member, prefix)                                            \
    static void kind##_init(tl_lock_t *l) { prefix##_init(&l->u.member); }         \
    static void kind##_lock(tl_lock_t *l) { prefix##_lock(&l->u.member); }         \
    static bool kind##_trylock(tl_lock_t *l) { return prefix##_trylock(&l->u.member); } \
    static void kind##_unlock(tl_lock_t *l) { prefix##_unlock(&l->u.member); }

TL__ADAPT(mutex, mutex, tl_mutex)
TL__ADAPT(tas, tas, tl_spin_tas)
TL__ADAPT(ttas, ttas, tl_spin_ttas)
TL__ADAPT(ttas_eb, ttas_eb, tl_spin_ttas_eb)
TL__ADAPT(ticket, ticket, tl_spin_ticket)
TL__ADAPT(broken_tas, broken_tas, tl_broken_tas)
TL__ADAPT(relaxed_tas, relaxed_tas, tl_relaxed_tas)

static unsigned ticket_waiters(tl_lock_t *l) { return tl_spin_ticket_waiters(&l->u.ticket); }
static uint32_t ticket_lock_ticket(tl_lock_t *l) { return tl_spin_ticket_lock_ticket(&l->u.ticket); }
static bool ticket_trylock_ticket(tl_lock_t *l, uint32_t *ticket)
{
    return tl_spin_ticket_trylock_ticket(&l->u.ticket, ticket);
}

/* MCS needs a queue node per acquisition. Each thread keeps a small pool of
 * nodes; lock takes a free one and parks it in the lock (owner_node), unlock
 * gives it back. A pool, not a stack, because locks need not be released in
 * the reverse order of taking them. The pool lives on the heap, reached
 * through a thread-local pointer: other threads read a waiter's node, and
 * TSan treats a new thread's static TLS block as freshly written memory that
 * it cannot order with those reads (a false race we measured on clang 14).
 * Heap memory written before the publishing exchange has no such problem. */
enum { MCS_NODES_PER_THREAD = 32 };
typedef struct {
    tl_mcs_node_t node[MCS_NODES_PER_THREAD];
    bool used[MCS_NODES_PER_THREAD];
} mcs_pool_t;
static _Thread_local mcs_pool_t *mcs_pool;
static pthread_key_t mcs_pool_key; /* its destructor frees a thread's pool */
static pthread_once_t mcs_pool_once = PTHREAD_ONCE_INIT;

static void mcs_pool_key_create(void)
{
    if (pthread_key_create(&mcs_pool_key, free) != 0) {
        fprintf(stderr, "threadlab: pthread_key_create failed for the mcs node pool\n");
        abort();
    }
    /* Helgrind does not know pthread_once (a release/acquire flag inside
     * glibc, invisible at machine level): the edge from this write of the
     * key to every later read is told to it here and in mcs_pool_get. */
    if (TL__ANN_ACTIVE())
        TL__ANN_HAPPENS_BEFORE(&mcs_pool_once);
}

static mcs_pool_t *mcs_pool_get(void)
{
    if (!mcs_pool) {
        pthread_once(&mcs_pool_once, mcs_pool_key_create);
        if (TL__ANN_ACTIVE())
            TL__ANN_HAPPENS_AFTER(&mcs_pool_once);
        mcs_pool = calloc(1, sizeof *mcs_pool);
        if (!mcs_pool) {
            fprintf(stderr, "threadlab: out of memory for the mcs node pool\n");
            abort();
        }
        pthread_setspecific(mcs_pool_key, mcs_pool);
        /* Helgrind: the nodes are lock words too; hide them like the lock's. */
        if (TL__ANN_ACTIVE())
            TL__ANN_PRIVATE(mcs_pool->node, sizeof mcs_pool->node);
    }
    return mcs_pool;
}

static tl_mcs_node_t *mcs_node_get(void)
{
    mcs_pool_t *pool = mcs_pool_get();
    for (int i = 0; i < MCS_NODES_PER_THREAD; i++)
        if (!pool->used[i]) {
            pool->used[i] = true;
            return &pool->node[i];
        }
    fprintf(stderr, "threadlab: a thread holds or waits for more than %d mcs locks at once\n",
            MCS_NODES_PER_THREAD);
    abort();
}

static void mcs_node_put(tl_mcs_node_t *n)
{
    /* Only the thread that took the node gives it back (unlock is by owner). */
    mcs_pool->used[n - mcs_pool->node] = false;
}

static void mcs_init(tl_lock_t *l) { tl_spin_mcs_init(&l->u.mcs.queue); }
static void mcs_lock(tl_lock_t *l)
{
    tl_mcs_node_t *n = mcs_node_get();
    tl_spin_mcs_lock(&l->u.mcs.queue, n);
    l->u.mcs.owner_node = n; /* we own the lock: no other thread touches this */
}
static bool mcs_trylock(tl_lock_t *l)
{
    tl_mcs_node_t *n = mcs_node_get();
    if (!tl_spin_mcs_trylock(&l->u.mcs.queue, n)) {
        mcs_node_put(n);
        return false;
    }
    l->u.mcs.owner_node = n;
    return true;
}
static void mcs_unlock(tl_lock_t *l)
{
    tl_mcs_node_t *n = l->u.mcs.owner_node;
    tl_spin_mcs_unlock(&l->u.mcs.queue, n);
    mcs_node_put(n);
}
static unsigned mcs_waiters(tl_lock_t *l)
{
    tl_mcs_node_t *owner = l->u.mcs.owner_node;
    return owner ? tl_spin_mcs_waiters(owner) : 0;
}

static void pthread_mutex_kind_init(tl_lock_t *l) { pthread_mutex_init(&l->u.pthread_mutex, NULL); }
static void pthread_mutex_kind_lock(tl_lock_t *l) { pthread_mutex_lock(&l->u.pthread_mutex); }
static bool pthread_mutex_kind_trylock(tl_lock_t *l) { return pthread_mutex_trylock(&l->u.pthread_mutex) == 0; }
static void pthread_mutex_kind_unlock(tl_lock_t *l) { pthread_mutex_unlock(&l->u.pthread_mutex); }
static void pthread_mutex_kind_destroy(tl_lock_t *l) { pthread_mutex_destroy(&l->u.pthread_mutex); }

static void pthread_spin_kind_init(tl_lock_t *l) { pthread_spin_init(&l->u.pthread_spin, PTHREAD_PROCESS_PRIVATE); }
static void pthread_spin_kind_lock(tl_lock_t *l) { pthread_spin_lock(&l->u.pthread_spin); }
static bool pthread_spin_kind_trylock(tl_lock_t *l) { return pthread_spin_trylock(&l->u.pthread_spin) == 0; }
static void pthread_spin_kind_unlock(tl_lock_t *l) { pthread_spin_unlock(&l->u.pthread_spin); }
static void pthread_spin_kind_destroy(tl_lock_t *l) { pthread_spin_destroy(&l->u.pthread_spin); }

/* --- the table -------------------------------------------------------------- */
#define HB TL_KIND_HANDBUILT
static const tl_lock_kind kinds[] = {
    {"mutex", "3-state futex mutex (0 free, 1 locked, 2 contended); sleeps", HB | TL_KIND_SLEEPS,
     mutex_init, mutex_lock, mutex_trylock, mutex_unlock, NULL, NULL, NULL, NULL},
    {"tas", "test-and-set spinlock (exchange); unfair", HB,
     tas_init, tas_lock, tas_trylock, tas_unlock, NULL, NULL, NULL, NULL},
    {"ttas", "test-and-test-and-set spinlock, spins reading, short backoff; unfair", HB,
     ttas_init, ttas_lock, ttas_trylock, ttas_unlock, NULL, NULL, NULL, NULL},
    {"ttas-eb", "test-and-test-and-set, exponential backoff between looks; throughput, unfair", HB,
     ttas_eb_init, ttas_eb_lock, ttas_eb_trylock, ttas_eb_unlock, NULL, NULL, NULL, NULL},
    {"ticket", "ticket spinlock; FIFO", HB | TL_KIND_FIFO,
     ticket_init, ticket_lock, ticket_trylock, ticket_unlock, NULL, ticket_waiters,
     ticket_lock_ticket, ticket_trylock_ticket},
    {"mcs", "MCS queue spinlock; FIFO, each waiter spins on its own node", HB | TL_KIND_FIFO,
     mcs_init, mcs_lock, mcs_trylock, mcs_unlock, NULL, mcs_waiters, NULL, NULL},
    {"pthread-mutex", "libc pthread_mutex_t (baseline)", TL_KIND_SLEEPS,
     pthread_mutex_kind_init, pthread_mutex_kind_lock, pthread_mutex_kind_trylock,
     pthread_mutex_kind_unlock, pthread_mutex_kind_destroy, NULL, NULL, NULL},
    {"pthread-spin", "libc pthread_spinlock_t (baseline)", 0,
     pthread_spin_kind_init, pthread_spin_kind_lock, pthread_spin_kind_trylock,
     pthread_spin_kind_unlock, pthread_spin_kind_destroy, NULL, NULL, NULL},
    {"broken-tas", "BROKEN: test then set as a separate load and store (two owners)",
     HB | TL_KIND_BROKEN, broken_tas_init, broken_tas_lock, broken_tas_trylock,
     broken_tas_unlock, NULL, NULL, NULL, NULL},
    {"relaxed-tas", "BROKEN: TAS with relaxed exchange/store (no happens-before)",
     HB | TL_KIND_BROKEN, relaxed_tas_init, relaxed_tas_lock, relaxed_tas_trylock,
     relaxed_tas_unlock, NULL, NULL, NULL, NULL},
};
#undef HB

size_t tl_lock_kind_count(void)
{
    return sizeof kinds / sizeof kinds[0];
}

const tl_lock_kind *tl_lock_kind_at(size_t i)
{
    return i < tl_lock_kind_count() ? &kinds[i] : NULL;
}

const tl_lock_kind *tl_lock_kind_find(const char *name)
{
    for (size_t i = 0; name && i < tl_lock_kind_count(); i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

const char *tl_lock_kind_names(void)
{
    /* Built once from the table; every caller only reads it. */
    static char names[512];
    if (!names[0]) {
        size_t off = 0;
        for (size_t i = 0; i < tl_lock_kind_count(); i++)
            off += (size_t)snprintf(names + off, sizeof names - off, "%s%s%s", i ? ", " : "",
                                    kinds[i].name, tl_lock_kind_is_broken(&kinds[i]) ? " (BROKEN)" : "");
    }
    return names;
}
