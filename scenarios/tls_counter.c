/* SPDX-License-Identifier: MIT */
/* tls.counter: one global counter vs a thread-local counter per thread. */
#include <stdio.h>
#include "tl_scenario.h"

static unsigned long global_hits;              /* data segment: one for all */
static _Thread_local unsigned long local_hits; /* TLS: one per thread */
static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    tl_ctx *ctx;
    unsigned me;
    unsigned long result;
} worker;

static void *buggy_worker(void *arg)
{
    worker *w = arg;
    /* Forced lost update (worker 0 reads, worker 1 increments, worker 0
     * writes back), then every thread keeps counting into the global. */
    if (w->me == 0) {
        unsigned long seen = global_hits;
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2);
        global_hits = seen + 1;
    } else if (w->me == 1) {
        tl_turn_wait(&turns, 1);
        global_hits++;
        tl_turn_pass(&turns);
    }
    for (unsigned long i = 0; i < w->ctx->iterations; i++)
        global_hits++;
    return NULL;
}

static void *fixed_worker(void *arg)
{
    worker *w = arg;
    for (unsigned long i = 0; i < w->ctx->iterations; i++)
        local_hits++; /* this thread's own copy: no one else can touch it */
    w->result = local_hits; /* handed back by value; join orders it */
    return NULL;
}

static void run(tl_ctx *ctx, void *(*fn)(void *), unsigned long extra)
{
    tl_thread_t t[64];
    worker w[64];
    unsigned long total = 0;
    for (unsigned i = 0; i < ctx->threads; i++) {
        char name[32]; /* tl_thread_start keeps the first 15 characters */
        snprintf(name, sizeof name, "counter-%u", i);
        w[i] = (worker){ctx, i, 0};
        tl_thread_start(&t[i], name, fn, &w[i]);
    }
    for (unsigned i = 0; i < ctx->threads; i++) {
        tl_thread_join(&t[i]);
        total += w[i].result;
    }
    total += global_hits;
    tl_oracle_expect_u64(ctx, "total", (unsigned long)ctx->threads * ctx->iterations + extra,
                         total);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_worker, 2); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_worker, 0); }

TL_SCENARIO(tls_counter) = {
    .name = "tls.counter",
    .category = "tls",
    .summary = "a global counter shared by all threads vs a _Thread_local one per thread",
    .concept = "thread-local storage vs the data segment",
    .teaching =
        "A global lives once in the data segment, so every thread's `hits++` works on the "
        "same variable and increments are lost when they interleave (forced once in the "
        "buggy variant). A _Thread_local variable looks like a global in the source, but "
        "each thread gets its own copy in its thread-local storage block, created with the "
        "thread and gone with it. The fixed variant counts into that private copy with no "
        "lock and no atomics, returns the total by value when the thread ends, and main "
        "adds the totals after joining. Per-thread counters summed at the end are also "
        "much faster than one shared counter, which every thread would have to pass around "
        "in its cache.",
    .detector_note = "TSan reports the race on the global; the TLS copies are never shared, "
                     "so there is nothing to report in the fixed variant.",
    .threads = 2, .min_threads = 2, .max_threads = 64,
    .iterations = 100000, .max_iterations = 10000000,
    .own_locking = "its fix gives each thread its own counter; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "every thread increments the one global counter"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "each thread increments its _Thread_local copy and returns it at the end"},
    },
};
