/* SPDX-License-Identifier: MIT */
/* primitive.unlock_not_owner: a thread unlocks a lock another thread holds. */
#include <stdbool.h>
#include "tl_scenario.h"

static tl_lock_t queue_lock;
static tl_turns_t turns = TL_TURNS_INIT;
static tl_atomic_u32 inside;  /* threads in the critical section now */
static tl_atomic_u32 most_inside;
static unsigned long items;   /* what queue_lock protects */

static void enter(void)
{
    /* relaxed: a count, read for its largest value only; the oracle's own. */
    uint32_t now = tl_atomic_fetch_add_u32(&inside, 1, tl_relaxed) + 1;
    uint32_t most = tl_atomic_load_u32(&most_inside, tl_relaxed);
    while (now > most && !tl_atomic_cas_u32(&most_inside, &most, now, tl_relaxed, tl_relaxed))
        ;
}

static void leave(void)
{
    tl_atomic_fetch_add_u32(&inside, (uint32_t)-1, tl_relaxed);
}

/* The owner: takes the lock and works in the critical section. */
static void *owner(void *arg)
{
    tl_ctx *ctx = arg;
    bool forced = ctx->variant->role == TL_ROLE_BUGGY;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&queue_lock);
        enter();
        items++;
        if (forced && i == 0) {
            tl_turn_pass(&turns);    /* 1: I hold the lock and am inside */
            tl_turn_wait(&turns, 2); /* the flusher has been inside with me */
        }
        leave();
        tl_lock_unlock(&queue_lock);
    }
    return NULL;
}

/* Buggy: the flusher's error path ends with the same unlock as its normal
 * path - but on that path it never took the lock. The unlock releases the
 * lock the owner holds; the flusher's next lock() succeeds at once, and two
 * threads are inside. (The owner's own unlock later finds the lock free.) */
static void flush_buggy(bool failed)
{
    if (!failed)
        tl_lock_lock(&queue_lock);
    /* ... the error path skipped the work, but not the unlock: */
    tl_lock_unlock(&queue_lock); /* releases the owner's hold */
}

/* Fixed: the unlock is on the path that locked, and only there: a thread
 * releases only what it acquired. */
static void flush_fixed(bool failed)
{
    if (failed)
        return;
    tl_lock_lock(&queue_lock);
    TL_KEEP(items); /* the flush itself: nothing to do in the model */
    tl_lock_unlock(&queue_lock);
}

static void *flusher(void *arg)
{
    tl_ctx *ctx = arg;
    bool forced = ctx->variant->role == TL_ROLE_BUGGY;
    if (forced) {
        tl_turn_wait(&turns, 1);  /* the owner is inside */
        flush_buggy(true);        /* a failed flush: unlocks what it never locked */
        tl_lock_lock(&queue_lock); /* free now, although the owner is inside */
        enter();
        items++;
        leave();
        tl_lock_unlock(&queue_lock);
        tl_turn_pass(&turns);     /* 2 */
        return NULL;
    }
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        flush_fixed(i % 2 == 0); /* every other flush fails */
        tl_lock_lock(&queue_lock);
        enter();
        items++;
        leave();
        tl_lock_unlock(&queue_lock);
    }
    return NULL;
}

static void run(tl_ctx *ctx)
{
    tl_thread_t o, f;
    tl_lock_init_by_name(&queue_lock, "mutex", "queue_lock");
    tl_oracle_words(&inside, sizeof inside);
    tl_oracle_words(&most_inside, sizeof most_inside);
    tl_thread_start(&o, "owner", owner, ctx);
    tl_thread_start(&f, "flusher", flusher, ctx);
    tl_thread_join(&o);
    tl_thread_join(&f);
    uint32_t most = tl_atomic_load_u32(&most_inside, tl_relaxed);
    tl_oracle(ctx, "one thread inside at a time", most <= 1,
              "at most %u threads were inside queue_lock's critical section at once", most);
    TL_KEEP(items);
}

static void buggy(tl_ctx *ctx) { run(ctx); }
static void fixed(tl_ctx *ctx) { run(ctx); }

TL_SCENARIO(primitive_unlock_not_owner) = {
    .name = "primitive.unlock_not_owner",
    .category = "primitive",
    .summary = "an error path unlocks a lock its thread never took, releasing another's hold",
    .concept = "a lock belongs to the thread that took it",
    .teaching =
        "A mutex has an owner: the thread that locked it is the one that must unlock it. "
        "Most mutexes do not check (the lab's futex mutex and a default pthread mutex just "
        "clear the word), so an unlock from the wrong thread silently releases someone "
        "else's hold. The buggy flusher's error path skips its lock() but not its "
        "unlock() - an unbalanced unlock. It releases the lock the owner holds; its next "
        "lock() succeeds at once, and two threads are inside the critical section, which "
        "the oracle counts. The handshake makes the flusher's stray unlock land while the "
        "owner is inside, on every run. The fix puts the unlock on the path that locked and "
        "only there: a thread releases only what it acquired. (An error-checking mutex, "
        "PTHREAD_MUTEX_ERRORCHECK, would refuse the stray unlock with EPERM.) This scenario "
        "uses the mutex kind: --lock does not apply.",
    .detector_note = "TSan knows each mutex's owner (the lab's hand-built locks carry its "
                     "annotations) and reports 'unlock of an unlocked mutex (or by a wrong "
                     "thread)' at the stray unlock: bad-unlock. It reports each mutex's first "
                     "misuse only, so the owner's later unlock of the already-free lock adds "
                     "nothing. With the owner's hold gone, nothing orders the two threads' "
                     "updates of the protected counter: TSan reports that data race too, the "
                     "consequence. The oracle sees two threads inside under any detector.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = 10000000,
    .own_locking = "unlocking from the wrong thread is only harmless to the lab's futex "
                   "mutex; a queue lock (mcs, clh) would corrupt its queue",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "bad-unlock data-race oracle:violated",
         .about = "the flusher's error path unlocks queue_lock, held by the owner, and then "
                  "enters beside it"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "unlock only on the path that locked: each thread releases only its own "
                  "hold"},
    },
};
