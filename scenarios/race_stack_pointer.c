/* SPDX-License-Identifier: MIT */
/* race.stack_pointer: a helper writes through a pointer into another
 * thread's live stack frame while that thread uses the variable. */
#include <stdint.h>
#include "tl_scenario.h"

static tl_turns_t turns = TL_TURNS_INIT;
static tl_lock_t tally_lock;
static unsigned long final_tally, expected_tally;

typedef struct {
    tl_ctx *ctx;
    unsigned long *tally; /* into the owner's stack frame */
} helper_arg;

/* Buggy helper: adds its items to the owner's local through the pointer. */
static void *helper_shared_local(void *p)
{
    helper_arg *h = p;
    tl_turn_wait(&turns, 1);
    (*h->tally)++; /* forced: a whole increment inside the owner's */
    tl_turn_pass(&turns);
    for (unsigned long i = 0; i < h->ctx->iterations; i++)
        (*h->tally)++; /* the owner's stack, written from another thread */
    return NULL;
}

/* The owner: a worker thread (not main), counting into a local of its own
 * frame, with a helper thread counting the other half. */
static void *owner_buggy(void *p)
{
    tl_ctx *ctx = p;
    unsigned long tally = 0; /* in the owner's stack */
    helper_arg h = {ctx, &tally};
    tl_thread_t helper;
    tl_thread_start(&helper, "helper", helper_shared_local, &h);
    unsigned long seen = tally; /* forced: the owner's increment is split ... */
    tl_turn_pass(&turns);
    tl_turn_wait(&turns, 2);    /* ... by the helper's */
    tally = seen + 1;
    for (unsigned long i = 0; i < ctx->iterations; i++)
        tally++;
    tl_thread_join(&helper);
    final_tally = tally;
    expected_tally = 2 * ctx->iterations + 2;
    return NULL;
}

/* Fix 1, by value: the helper gets what it needs by value and returns its
 * count by value (through pthread_join); it never sees the owner's frame.
 * Each thread counts in its own stack, and the owner adds the two after the
 * join, which orders the helper's work before the sum. */
static void *helper_by_value(void *p)
{
    unsigned long iterations = (unsigned long)(uintptr_t)p; /* a copy */
    unsigned long mine = 0;
    for (unsigned long i = 0; i < iterations; i++)
        mine++;
    return (void *)(uintptr_t)mine;
}

static void *owner_by_value(void *p)
{
    tl_ctx *ctx = p;
    unsigned long tally = 0;
    tl_thread_t helper;
    tl_thread_start(&helper, "helper", helper_by_value, (void *)(uintptr_t)ctx->iterations);
    for (unsigned long i = 0; i < ctx->iterations; i++)
        tally++;
    tally += (unsigned long)(uintptr_t)tl_thread_join(&helper);
    final_tally = tally;
    expected_tally = 2 * ctx->iterations;
    return NULL;
}

/* Fix 2, the lock: a stack variable another thread can reach is shared data
 * like a global, and the same rule fixes it - both threads take one lock
 * around every access. The owner joins the helper before its frame ends. */
static void *helper_locked(void *p)
{
    helper_arg *h = p;
    for (unsigned long i = 0; i < h->ctx->iterations; i++) {
        tl_lock_lock(&tally_lock);
        (*h->tally)++;
        tl_lock_unlock(&tally_lock);
    }
    return NULL;
}

static void *owner_locked(void *p)
{
    tl_ctx *ctx = p;
    unsigned long tally = 0;
    helper_arg h = {ctx, &tally};
    tl_thread_t helper;
    tl_thread_start(&helper, "helper", helper_locked, &h);
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&tally_lock);
        tally++;
        tl_lock_unlock(&tally_lock);
    }
    tl_thread_join(&helper); /* the helper's last access is before this */
    final_tally = tally;
    expected_tally = 2 * ctx->iterations;
    return NULL;
}

static void run(tl_ctx *ctx, void *(*owner)(void *))
{
    tl_thread_t t;
    tl_thread_start(&t, "owner", owner, ctx);
    tl_thread_join(&t);
    tl_oracle_expect_u64(ctx, "the owner's tally", expected_tally, final_tally);
}

static void buggy(tl_ctx *ctx) { run(ctx, owner_buggy); }
static void fixed(tl_ctx *ctx) { run(ctx, owner_by_value); }

static void fixed_lock(tl_ctx *ctx)
{
    tl_ctx_lock_init(ctx, &tally_lock, "tally_lock");
    run(ctx, owner_locked);
    tl_lock_destroy(&tally_lock);
}

TL_SCENARIO(race_stack_pointer) = {
    .name = "race.stack_pointer",
    .category = "race",
    .summary = "a helper writes into another thread's live stack variable through a pointer",
    .concept = "thread stacks: private by convention, reachable by any pointer",
    .teaching =
        "Every thread has its own stack, and a local variable is private to its thread - "
        "as long as nobody takes its address. All the stacks live in the one address "
        "space of the process, so a pointer to a local, handed to another thread, reaches "
        "it like a pointer to a global. Here an owner thread counts into a local tally and "
        "starts a helper with the tally's address, to count the other half into it; both "
        "increment the same stack word at once. The buggy variant forces one lost update "
        "(the owner loads, the helper increments, the owner stores a stale sum) and then "
        "races freely. Unlike retptr.stack_escape the frame is alive the whole time: the "
        "problem is sharing, not lifetime. Fix 1 passes by value: the helper gets a copy of "
        "what it needs and returns its count by value through the join; each thread counts "
        "in its own stack, and the owner adds the two after the join. Fix 2 treats the "
        "shared local like any shared data: one lock around every access, and the owner "
        "joins before its frame ends.",
    .detector_note = "TSan reports the owner's and the helper's accesses to the tally "
                     "('Location is stack of thread T1'): to TSan a stack is memory like any "
                     "other.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 20000, .max_iterations = 10000000,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "the helper increments the owner's local through its address while the "
                  "owner does; one lost update forced"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "by value: the helper counts in its own stack and returns the count "
                  "through the join"},
        {.name = "fixed-lock", .role = TL_ROLE_FIXED, .entry = fixed_lock, .expect = "",
         .about = "the shared local under the run's lock (--lock), like any shared data"},
    },
};
