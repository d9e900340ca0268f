/* SPDX-License-Identifier: MIT */
/* deadlock.abba: two threads take two locks in opposite orders. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "tl_scenario.h"

static tl_lock_t lock_a, lock_b;
static tl_turns_t turns = TL_TURNS_INIT;
static unsigned long sections; /* critical sections done, under both locks */

/* Potential mode: each thread takes its two locks and lets go before the
 * other starts (forced), so nothing hangs - but TSan has now seen a -> b
 * and b -> a, a cycle in its lock-order graph. Actual mode: each takes its
 * first lock, then (forced) both ask for their second: the cycle is real. */
static void *a_then_b(void *arg)
{
    tl_ctx *ctx = arg;
    tl_lock_lock(&lock_a);
    if (ctx->mode == TL_MODE_ACTUAL) {
        tl_turn_pass(&turns);    /* step 1: I hold a */
        tl_turn_wait(&turns, 2); /* the other holds b */
    }
    tl_lock_lock(&lock_b);       /* actual mode: waits for ever */
    sections++;
    tl_lock_unlock(&lock_b);
    tl_lock_unlock(&lock_a);
    if (ctx->mode == TL_MODE_POTENTIAL)
        tl_turn_pass(&turns);    /* done: the other may start */
    return NULL;
}

static void *b_then_a(void *arg)
{
    tl_ctx *ctx = arg;
    tl_turn_wait(&turns, 1);
    tl_lock_lock(&lock_b);
    if (ctx->mode == TL_MODE_ACTUAL)
        tl_turn_pass(&turns);
    tl_lock_lock(&lock_a);       /* actual mode: waits for ever */
    sections++;
    tl_lock_unlock(&lock_a);
    tl_lock_unlock(&lock_b);
    return NULL;
}

/* Fixed: every thread takes a before b. A thread holding b never waits for
 * a, so no cycle can form, under any schedule. */
static void *ordered(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&lock_a);
        tl_lock_lock(&lock_b);
        sections++;
        tl_lock_unlock(&lock_b);
        tl_lock_unlock(&lock_a);
    }
    return NULL;
}

/* Fixed differently: take the second lock only if it is free; otherwise
 * give back the first and retry after a random pause. Nobody holds a lock
 * while waiting for another. */
static void *backing_off(void *arg)
{
    tl_ctx *ctx = arg;
    static tl_atomic_u32 ids;
    /* relaxed: only numbers the two threads; orders nothing. */
    unsigned me = tl_atomic_fetch_add_u32(&ids, 1, tl_relaxed);
    tl_lock_t *first = me == 0 ? &lock_a : &lock_b, *second = me == 0 ? &lock_b : &lock_a;
    unsigned seed = (unsigned)time(NULL) ^ (me * 2654435761u);
    for (unsigned long i = 0; i < ctx->iterations;) {
        tl_lock_lock(first);
        if (tl_lock_trylock(second)) {
            sections++;
            i++;
            tl_lock_unlock(second);
            tl_lock_unlock(first);
            continue;
        }
        tl_lock_unlock(first);
        struct timespec pause = {0, 1000 + rand_r(&seed) % 20000};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static void run(tl_ctx *ctx, void *(*first)(void *), void *(*second)(void *),
                unsigned long expected)
{
    tl_thread_t t1, t2;
    tl_ctx_lock_init(ctx, &lock_a, "lock_a");
    tl_ctx_lock_init(ctx, &lock_b, "lock_b");
    tl_thread_start(&t1, "a-then-b", first, ctx);
    tl_thread_start(&t2, "b-then-a", second, ctx);
    tl_thread_join(&t1);
    tl_thread_join(&t2);
    tl_oracle_expect_u64(ctx, "critical sections", expected, sections);
    tl_lock_destroy(&lock_a);
    tl_lock_destroy(&lock_b);
}

static void buggy(tl_ctx *ctx) { run(ctx, a_then_b, b_then_a, 2); }
static void fixed(tl_ctx *ctx) { run(ctx, ordered, ordered, 2 * ctx->iterations); }
static void fixed_trylock(tl_ctx *ctx) { run(ctx, backing_off, backing_off, 2 * ctx->iterations); }

TL_SCENARIO(deadlock_abba) = {
    .name = "deadlock.abba",
    .category = "deadlock",
    .summary = "two threads take two locks in opposite orders",
    .concept = "the four Coffman conditions; lock ordering",
    .teaching =
        "Thread 1 takes lock a then lock b; thread 2 takes b then a. If each gets its first "
        "lock before the other asks for its second, each waits for a lock the other holds "
        "and neither ever lets go: a deadlock. It needs all four Coffman conditions at "
        "once, so a fix only has to break one. The potential mode takes the two orders one "
        "after the other - nothing hangs, but the lock-order graph now has a cycle, which "
        "is what TSan reports. The actual mode forces the bad interleaving: both threads "
        "really block, TSan says nothing (it never reports a deadlock that happens), and "
        "the live monitor proves each condition from what it sees. Fix 1 gives the locks "
        "one global order (a before b) for everyone, which breaks circular wait. Fix 2 "
        "takes the second lock only with trylock and on failure releases the first and "
        "retries after a random pause, which breaks hold and wait (the random pause avoids "
        "trading a deadlock for a livelock).",
    .coffman =
        "Mutual exclusion: a and b are locks, each with one holder. Hold and wait: each "
        "thread holds its first lock while waiting for its second. No preemption: nothing "
        "takes a lock away from its holder, and lock() has no timeout. Circular wait: "
        "a-then-b waits for b, held by b-then-a, which waits for a, held by a-then-b.",
    .detector_note = "TSan reports lock-order-inversion (potential deadlock) in the "
                     "potential mode, for every correct lock kind (the hand-built ones carry "
                     "TSan's mutex annotations). In the actual mode it reports nothing - "
                     "blocked threads are not a report - and the live monitor gives the "
                     "verdict. Trylock acquisitions are not in TSan's lock-order graph, so "
                     "fixed-trylock is clean. Helgrind reports the inversion too, and "
                     "counts trylocks in its graph (see fixed-trylock); DRD keeps no "
                     "lock-order graph, so this bug is not demonstrable by it.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = 10000000,
    .takes_lock = true,
    .has_modes = true,
    /* Without the monitor (--no-monitor) a stuck run ends only at its
     * deadline: 4 s instead of the lab's 10. */
    .timeout_s = 4,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "lock-order-inversion", .expect_actual = "monitor:deadlock",
         .about = "a-then-b and b-then-a (potential: one after the other; actual: forced "
                  "to overlap)"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "both threads take a before b", .breaks = "circular wait"},
        {.name = "fixed-trylock", .role = TL_ROLE_FIXED, .entry = fixed_trylock, .expect = "",
         .about = "the second lock by trylock; on failure release the first and retry after "
                  "a random pause",
         .breaks = "hold and wait",
         .differs = {{.detector = "helgrind", .expect = "lock-order-inversion",
                      .why = "Helgrind enters a lock taken by trylock into its lock-order graph like a blocking acquisition (pthread_mutex_trylock too), so a fix that still takes both orders, the second by trylock, reads as an inversion, although a trylock cannot wait and so cannot deadlock. Measured: one lock-order report per run, in both modes, under every --lock kind."}}},
    },
};
