/* SPDX-License-Identifier: MIT */
/* example.total: the minimal scenario of scenarios/README.md. */
#include "tl_scenario.h"

static unsigned long total;
static tl_turns_t turns = TL_TURNS_INIT;
static tl_lock_t total_lock;

static void *buggy_adder(void *arg)
{
    tl_ctx *ctx = arg;
    static tl_atomic_u32 arrivals;
    /* relaxed: only tells the two adders apart; orders nothing. */
    unsigned me = tl_atomic_fetch_add_u32(&arrivals, 1, tl_relaxed);
    if (me == 0) {                 /* force one lost update, every run: */
        unsigned long seen = total;  /* adder 0 reads, */
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2);     /* adder 1 adds in between, */
        total = seen + 1;            /* adder 0 writes back a stale sum */
    } else {
        tl_turn_wait(&turns, 1);
        total++;
        tl_turn_pass(&turns);
    }
    for (unsigned long i = 0; i < ctx->iterations; i++)
        total++;
    return NULL;
}

static void *fixed_adder(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&total_lock);
        total++;
        tl_lock_unlock(&total_lock);
    }
    return NULL;
}

static void run(tl_ctx *ctx, void *(*adder)(void *), unsigned long extra)
{
    tl_thread_t a, b;
    tl_thread_start(&a, "adder-a", adder, ctx);
    tl_thread_start(&b, "adder-b", adder, ctx);
    tl_thread_join(&a);
    tl_thread_join(&b);
    tl_oracle_expect_u64(ctx, "total", 2 * ctx->iterations + extra, total);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_adder, 2); }

static void fixed(tl_ctx *ctx)
{
    tl_ctx_lock_init(ctx, &total_lock, "total_lock");
    run(ctx, fixed_adder, 0);
}

TL_SCENARIO(example_total) = {
    .name = "example.total",
    .category = "example",
    .summary = "two threads add to a global total without a lock",
    .concept = "shared data segment",
    .teaching = "Both adders read, add and write the same global. The buggy variant forces "
                "one interleaving in which an update is lost; the fixed variant takes the "
                "run's lock around each addition, so no addition can be split.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 10000, .max_iterations = 1000000,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated", .about = "no lock; one lost update forced"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the run's lock around every addition"},
    },
};
