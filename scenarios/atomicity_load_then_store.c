/* SPDX-License-Identifier: MIT */
/* atomicity.load_then_store: an atomic load and an atomic store are not an
 * atomic increment. */
#include <stdio.h>
#include "tl_scenario.h"

static tl_atomic_u32 hits;
static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    tl_ctx *ctx;
    unsigned me;
} counter_user;

/* Buggy: each access is atomic, the increment is not. seq_cst does not help:
 * ordering says when a store becomes visible, not that nothing happens
 * between my load and my store. */
static void increment_buggy(void)
{
    uint32_t v = tl_atomic_load_u32(&hits, tl_seq_cst);
    tl_atomic_store_u32(&hits, v + 1, tl_seq_cst);
}

static void *buggy_user(void *arg)
{
    counter_user *u = arg;
    /* Forced lost update: user 0 loads, user 1 increments, user 0 stores. */
    if (u->me == 0) {
        uint32_t v = tl_atomic_load_u32(&hits, tl_seq_cst);
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2);
        tl_atomic_store_u32(&hits, v + 1, tl_seq_cst);
    } else if (u->me == 1) {
        tl_turn_wait(&turns, 1);
        increment_buggy();
        tl_turn_pass(&turns);
    }
    for (unsigned long i = 0; i < u->ctx->iterations; i++)
        increment_buggy();
    return NULL;
}

static void *fixed_user(void *arg)
{
    counter_user *u = arg;
    for (unsigned long i = 0; i < u->ctx->iterations; i++)
        /* relaxed: one indivisible read-modify-write is all a count needs. */
        tl_atomic_fetch_add_u32(&hits, 1, tl_relaxed);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*fn)(void *), unsigned long extra)
{
    tl_thread_t t[64];
    counter_user u[64];
    for (unsigned i = 0; i < ctx->threads; i++) {
        char name[16];
        snprintf(name, sizeof name, "user-%u", i);
        u[i] = (counter_user){ctx, i};
        tl_thread_start(&t[i], name, fn, &u[i]);
    }
    for (unsigned i = 0; i < ctx->threads; i++)
        tl_thread_join(&t[i]);
    /* relaxed: the joins ordered every update before this load. */
    tl_oracle_expect_u64(ctx, "hits", (uint64_t)ctx->threads * ctx->iterations + extra,
                         tl_atomic_load_u32(&hits, tl_relaxed));
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_user, 2); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_user, 0); }

TL_SCENARIO(atomicity_load_then_store) = {
    .name = "atomicity.load_then_store",
    .category = "atomicity",
    .summary = "an atomic load plus an atomic store loses increments",
    .concept = "race condition without a data race (atomicity violation)",
    .teaching =
        "The counter is an atomic variable and every access to it is atomic, even "
        "sequentially consistent - so there is no data race. Yet `store(load() + 1)` is "
        "two operations, and another thread's whole increment can happen between them: "
        "that increment is then overwritten. This is a race condition (an atomicity "
        "violation), a bug in the logic, not in the memory accesses. The buggy variant "
        "forces one lost increment. The fix makes the read-modify-write one operation "
        "(atomic fetch_add; a compare-and-swap loop would do too).",
    .detector_note = "TSan cannot see this by design: every access is atomic, so there is no "
                     "data race, only a race condition (an atomicity violation). Only the "
                     "oracle shows it.",
    .threads = 2, .min_threads = 2, .max_threads = 64,
    .iterations = 100000, .max_iterations = 10000000,
    .own_locking = "its variants use atomics",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "atomic load, then atomic store of the value + 1"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "one atomic fetch_add per increment"},
    },
};
