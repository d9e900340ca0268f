/* SPDX-License-Identifier: MIT */
/* race.counter: counter++ from several threads. */
#include <stdio.h>
#include "tl_scenario.h"

/* A global: it lives in the program's data segment, shared by every thread. */
static unsigned long counter;
static tl_turns_t turns = TL_TURNS_INIT;
static tl_lock_t counter_lock;
static tl_atomic_u32 atomic_counter;

typedef struct {
    tl_ctx *ctx;
    unsigned index;
} worker_arg;

/* The forced lost update: thread 0 reads, thread 1 does a whole increment,
 * thread 0 writes back its stale value + 1. One of the two increments is
 * gone on every run, whatever the scheduler does afterwards. */
static void forced_lost_update(unsigned index)
{
    if (index == 0) {
        unsigned long seen = counter; /* read ... */
        tl_turn_pass(&turns);         /* step 1: let thread 1 in */
        tl_turn_wait(&turns, 2);      /* wait for its whole increment */
        counter = seen + 1;           /* ... write: overwrites thread 1's update */
    } else if (index == 1) {
        tl_turn_wait(&turns, 1);
        counter++;
        tl_turn_pass(&turns);
    }
}

static void *buggy_worker(void *p)
{
    worker_arg *w = p;
    forced_lost_update(w->index);
    for (unsigned long i = 0; i < w->ctx->iterations; i++)
        counter++; /* load, add, store: three steps another thread can split */
    return NULL;
}

static void *fixed_lock_worker(void *p)
{
    worker_arg *w = p;
    for (unsigned long i = 0; i < w->ctx->iterations; i++) {
        tl_lock_lock(&counter_lock);
        counter++; /* the lock makes load-add-store one step for everyone else */
        tl_lock_unlock(&counter_lock);
    }
    return NULL;
}

static void *fixed_atomic_worker(void *p)
{
    worker_arg *w = p;
    for (unsigned long i = 0; i < w->ctx->iterations; i++)
        /* relaxed: only the count matters, and fetch_add is one indivisible
         * step whatever its order; join publishes the final value. */
        tl_atomic_fetch_add_u32(&atomic_counter, 1, tl_relaxed);
    return NULL;
}

static unsigned long run_workers(tl_ctx *ctx, void *(*fn)(void *))
{
    tl_thread_t t[64];
    worker_arg args[64];
    for (unsigned i = 0; i < ctx->threads; i++) {
        char name[32]; /* tl_thread_start keeps the first 15 characters */
        snprintf(name, sizeof name, "adder-%u", i);
        args[i] = (worker_arg){ctx, i};
        tl_thread_start(&t[i], name, fn, &args[i]);
    }
    for (unsigned i = 0; i < ctx->threads; i++)
        tl_thread_join(&t[i]);
    return (unsigned long)ctx->threads * ctx->iterations;
}

static void buggy(tl_ctx *ctx)
{
    /* +2: the two increments of the forced interleaving. */
    unsigned long expected = run_workers(ctx, buggy_worker) + 2;
    tl_oracle_expect_u64(ctx, "final count", expected, counter);
}

static void fixed(tl_ctx *ctx)
{
    tl_ctx_lock_init(ctx, &counter_lock, "counter_lock");
    unsigned long expected = run_workers(ctx, fixed_lock_worker);
    tl_oracle_expect_u64(ctx, "final count", expected, counter);
    tl_lock_destroy(&counter_lock);
}

static void fixed_atomic(tl_ctx *ctx)
{
    unsigned long expected = run_workers(ctx, fixed_atomic_worker);
    /* relaxed: pthread_join already ordered every worker's last add before us. */
    tl_oracle_expect_u64(ctx, "final count", expected,
                         tl_atomic_load_u32(&atomic_counter, tl_relaxed));
}

TL_SCENARIO(race_counter) = {
    .name = "race.counter",
    .category = "race",
    .summary = "counter++ from several threads loses updates",
    .concept = "shared data segment (a global)",
    .teaching =
        "A global variable lives in the program's data segment: every thread sees the same "
        "one. `counter++` is three steps - load, add, store - and nothing stops another "
        "thread from running between them. When two threads load the same value, both "
        "store value+1 and one increment is lost. The buggy variant forces exactly that "
        "once (thread 0 loads, thread 1 increments, thread 0 stores its stale value) and "
        "then races freely. The fix makes the three steps indivisible: either a lock "
        "around them (every thread must take it, so no one sees a half-done increment) or "
        "one atomic read-modify-write (fetch_add), which the hardware performs as a single "
        "step.",
    .detector_note = "TSan reports the unsynchronised read and write of the global "
                     "('Location is global counter').",
    .threads = 2, .min_threads = 2, .max_threads = 64,
    .iterations = 100000, .max_iterations = 10000000, /* 64 x 1e7 fits the 32-bit atomic */
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "plain counter++ from every thread, with one lost update forced"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "counter++ under the run's lock (--lock): the increment is one step for "
                  "everyone who also takes the lock"},
        {.name = "fixed-atomic", .role = TL_ROLE_FIXED, .entry = fixed_atomic, .expect = "",
         .about = "one atomic fetch_add per increment: indivisible in hardware, no lock"},
    },
};
