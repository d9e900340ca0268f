/* SPDX-License-Identifier: MIT */
/* retptr.pointer_param: func(long *total) given a global vs a local. */
#include <stdio.h>
#include "tl_scenario.h"

static long shared_total; /* a global: one for every thread */
static tl_turns_t turns = TL_TURNS_INIT;

/* Adds n to *total. Whether this is thread-safe is not up to the function:
 * it depends on what the pointer points to. */
static void add_n(long *total, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        *total += 1;
}

typedef struct {
    tl_ctx *ctx;
    unsigned index;
    long result;
} adder;

static void *buggy_adder(void *arg)
{
    adder *a = arg;
    /* Forced lost update, as in race.counter: adder 0 reads the total,
     * adder 1 adds, adder 0 writes back its stale total + 1. */
    if (a->index == 0) {
        long seen = shared_total;
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2);
        shared_total = seen + 1;
    } else if (a->index == 1) {
        tl_turn_wait(&turns, 1);
        add_n(&shared_total, 1);
        tl_turn_pass(&turns);
    }
    add_n(&shared_total, a->ctx->iterations); /* every thread, the same object */
    return NULL;
}

static void *fixed_adder(void *arg)
{
    adder *a = arg;
    long mine = 0; /* on this thread's stack: no one else has its address */
    add_n(&mine, a->ctx->iterations);
    a->result = mine; /* handed back by value; join orders it before main reads */
    return NULL;
}

static void run(tl_ctx *ctx, void *(*fn)(void *), long extra)
{
    tl_thread_t t[64];
    adder a[64];
    long total = 0;
    for (unsigned i = 0; i < ctx->threads; i++) {
        char name[32]; /* tl_thread_start keeps the first 15 characters */
        snprintf(name, sizeof name, "adder-%u", i);
        a[i] = (adder){ctx, i, 0};
        tl_thread_start(&t[i], name, fn, &a[i]);
    }
    for (unsigned i = 0; i < ctx->threads; i++) {
        tl_thread_join(&t[i]);
        total += a[i].result;
    }
    total += shared_total;
    tl_oracle_expect_u64(ctx, "total", (uint64_t)ctx->threads * ctx->iterations + (uint64_t)extra,
                         (uint64_t)total);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_adder, 2); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_adder, 0); }

TL_SCENARIO(retptr_pointer_param) = {
    .name = "retptr.pointer_param",
    .category = "retptr",
    .summary = "add_n(long *total) is safe or not depending on what it is given",
    .concept = "pointer parameters: as private as what they point to",
    .teaching =
        "add_n(long *total, n) has no shared state of its own, yet it can race: a pointer "
        "parameter is exactly as private as the object it points to. Given the address of "
        "a global, every thread increments the same long in the data segment, and the "
        "increments (load, add, store) interleave and get lost - the buggy variant forces "
        "one such loss. Given the address of a local variable on each thread's own stack, "
        "nothing is shared: each thread counts alone and hands its result back by value, "
        "and main adds the results after joining. The fix changes no line of add_n, only "
        "what its argument points to.",
    .detector_note = "TSan reports the race inside add_n on the global shared_total, with the "
                     "callers' stacks showing which threads passed the same address.",
    .threads = 2, .min_threads = 2, .max_threads = 64,
    .iterations = 100000, .max_iterations = 10000000,
    .own_locking = "its fix gives each thread its own total; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "every thread calls add_n(&shared_total, n) on the same global"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "each thread calls add_n(&mine, n) on a local and returns it by value"},
    },
};
