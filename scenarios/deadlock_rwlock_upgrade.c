/* SPDX-License-Identifier: MIT */
/* deadlock.rwlock_upgrade: two readers each try to turn their read lock
 * into a write lock. */
#include <stdbool.h>
#include "tl_scenario.h"

enum { KEYS = 4096 };
static tl_lock_t cache_lock;   /* a reader-writer lock */
static tl_lock_t upgrade_token; /* fixed-upgrade-token: at most one would-be writer */
static bool present[KEYS];     /* read under the read lock, written under the write lock */
static unsigned long inserts;  /* written under the write lock */
static tl_lockstep_t both_read;

typedef struct {
    tl_ctx *ctx;
    const char *kind;
} setup;

static void insert_locked(unsigned key)
{
    present[key] = true;
    inserts++;
}

/* Buggy: look the key up under the read lock and, on a miss, ask for the
 * write lock without letting go of the read lock - an "upgrade". A write
 * lock waits until no reader is inside, and that includes the asking
 * thread itself and the other reader, which is asking too. The lockstep
 * round makes both readers hold their read lock and miss before either
 * asks (one reader alone would wait for itself: the cycle of one). */
static void *upgrading_reader(void *arg)
{
    tl_ctx *ctx = arg;
    unsigned key = 0;
    tl_lock_rdlock(&cache_lock);
    bool miss = !present[key];
    tl_lockstep_wait(&both_read); /* both hold a read lock, both missed */
    if (miss) {
        tl_lock_lock(&cache_lock); /* waits for every reader, itself included */
        insert_locked(key);
        tl_lock_unlock(&cache_lock);
    }
    tl_lock_rdunlock(&cache_lock);
    (void)ctx;
    return NULL;
}

/* Fixed: give the read lock back, take the write lock, and look again. The
 * thread holds nothing while it waits for the write lock; the second look
 * is needed because another writer may have inserted the key in between
 * (without it, both threads would insert: check-then-act). */
static void *relooking_reader(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long key = 0; key < ctx->iterations; key++) {
        tl_lock_rdlock(&cache_lock);
        bool miss = !present[key];
        tl_lock_rdunlock(&cache_lock);
        if (!miss)
            continue;
        tl_lock_lock(&cache_lock);
        if (!present[key]) /* the re-check */
            insert_locked((unsigned)key);
        tl_lock_unlock(&cache_lock);
    }
    return NULL;
}

/* Fixed differently: a would-be writer first takes the upgrade token, and
 * every writer holds it, so at most one thread at a time can want to
 * upgrade. It still lets go of its read lock before the write lock (this
 * rwlock, like POSIX's, has no atomic upgrade), but as no other writer can
 * come in between, what it read is still true: no re-check. The token is
 * always taken before the rwlock, one global order. */
static void *token_reader(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long key = 0; key < ctx->iterations; key++) {
        tl_lock_lock(&upgrade_token);
        tl_lock_rdlock(&cache_lock);
        bool miss = !present[key];
        tl_lock_rdunlock(&cache_lock);
        if (miss) {
            tl_lock_lock(&cache_lock);
            insert_locked((unsigned)key); /* the token kept other writers out */
            tl_lock_unlock(&cache_lock);
        }
        tl_lock_unlock(&upgrade_token);
    }
    return NULL;
}

static void run(tl_ctx *ctx, const char *kind, void *(*reader)(void *), unsigned long keys)
{
    tl_thread_t a, b;
    tl_lock_init_by_name(&cache_lock, kind, "cache_lock");
    tl_lock_init_by_name(&upgrade_token, "mutex", "upgrade_token");
    tl_lockstep_init(&both_read, 2);
    tl_thread_start(&a, "reader-a", reader, ctx);
    tl_thread_start(&b, "reader-b", reader, ctx);
    tl_thread_join(&a);
    tl_thread_join(&b);
    tl_oracle_expect_u64(ctx, "keys inserted (each once)", keys, inserts);
}

static void buggy(tl_ctx *ctx) { run(ctx, "rwlock-rp", upgrading_reader, 1); }
static void buggy_wp(tl_ctx *ctx) { run(ctx, "rwlock-wp", upgrading_reader, 1); }
static void fixed(tl_ctx *ctx) { run(ctx, "rwlock-rp", relooking_reader, ctx->iterations); }
static void fixed_token(tl_ctx *ctx) { run(ctx, "rwlock-rp", token_reader, ctx->iterations); }

TL_SCENARIO(deadlock_rwlock_upgrade) = {
    .name = "deadlock.rwlock_upgrade",
    .category = "deadlock",
    .summary = "two readers each ask for the write lock while still holding a read lock",
    .concept = "reader-writer locks have no free upgrade",
    .teaching =
        "A reader-writer lock lets many readers in at once, or one writer. A cache looks a "
        "key up under the read lock and, on a miss, wants to insert it: the tempting move "
        "is to ask for the write lock while still holding the read lock. But a writer "
        "waits until no reader is inside - and the asking thread is a reader inside. Two "
        "readers that miss together each wait for the other's read lock to go: a deadlock "
        "(one alone would even wait for itself). Neither reader-preference (rwlock-rp) nor "
        "writer-preference (rwlock-wp) helps: the policy decides who enters next, not "
        "whether a holder can wait for itself. The monitor understands shared holds: a "
        "writer waits for every reader holding the lock. Fix 1 gives the read lock back, "
        "takes the write lock, and looks again, because another thread may have inserted "
        "the key in between (the check-then-act race the re-check closes); it breaks hold "
        "and wait. Fix 2 allows one would-be upgrader at a time: an upgrade token, taken "
        "before the read lock by any thread that may write, so nobody else can write "
        "between its read and its write and no re-check is needed; the token is always "
        "taken first, one global order, which breaks circular wait.",
    .coffman =
        "Mutual exclusion: the write lock excludes every reader. Hold and wait: each "
        "reader holds its read lock while waiting for the write lock. No preemption: a "
        "read lock is only given back by its holder, and lock() has no timeout. Circular "
        "wait: reader-a waits for reader-b's read hold to go, reader-b for reader-a's "
        "(and each for its own).",
    .detector_note = "TSan has nothing to report: a thread that read-locks and then "
                     "write-locks the same lock simply blocks, and a deadlock that happens "
                     "is no report. The live monitor records the read holds as shared and "
                     "the write request as waiting for every holder, and names the cycle. "
                     "--lock does not apply: the cache needs a reader-writer lock.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = KEYS,
    .own_locking = "it needs a reader-writer lock (rwlock-rp; buggy-wp uses rwlock-wp), "
                   "and fixed-upgrade-token adds a mutex",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:deadlock",
         .about = "rwlock-rp: both readers miss, then write-lock while still read-locked"},
        {.name = "buggy-wp", .role = TL_ROLE_BUGGY, .entry = buggy_wp,
         .expect = "monitor:deadlock",
         .about = "the same on rwlock-wp: writer preference does not help"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "read-unlock, write-lock, look again before inserting",
         .breaks = "hold and wait"},
        {.name = "fixed-upgrade-token", .role = TL_ROLE_FIXED, .entry = fixed_token,
         .expect = "",
         .about = "a would-be writer takes an upgrade token first: one upgrader at a time, "
                  "no re-check",
         .breaks = "circular wait"},
    },
};
