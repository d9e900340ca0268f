/* SPDX-License-Identifier: MIT */
/* race.aba: a lock-free (Treiber) stack whose compare-and-swap is fooled by
 * a node that left the top and came back. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include "tl_scenario.h"

enum { NODES = 8, NONE = UINT32_MAX };

/* Why Helgrind and DRD report a race in both variants (see .differs). */
#define VALGRIND_SEES_MOVES                                                                \
    "Valgrind's tools see machine code: the stack's relaxed and acquire loads of the "     \
    "links and the head are plain moves, which they report as races with the other "       \
    "thread's stores, though C11 atomics cannot race. Measured: a race report on the "     \
    "stack's words every run, in both variants."

/* Nodes live in a fixed pool and are named by index; a node is in the stack
 * or held by exactly one thread - the invariant the oracle checks. */
static tl_atomic_u32 next_of[NODES];

/* Buggy head: the top node's index alone. */
static tl_atomic_u32 plain_head;
/* Fixed head: the top node's index in the low half, a version in the high
 * half that every successful change increments; one 64-bit CAS compares
 * both. */
static _Atomic uint64_t tagged_head;

static tl_turns_t turns = TL_TURNS_INIT;
static tl_atomic_u32 window_arrivals;

/* Runs inside pop, after it has read the top and the top's next and before
 * its CAS. The first pop to get here parks while the other thread pops
 * twice and pushes the first node back. */
static void pop_window(void)
{
    /* relaxed: only decides who parks; orders nothing. */
    if (tl_atomic_fetch_add_u32(&window_arrivals, 1, tl_relaxed) == 0) {
        tl_turn_pass(&turns);    /* 1: I have read top = A, next = B */
        tl_turn_wait(&turns, 2); /* the other thread popped A and B and pushed A back */
    }
}

/* --- buggy: CAS on the index alone ---------------------------------------- */
static uint32_t plain_pop(bool forced)
{
    /* acquire on the head: the popped node's next, written before it was
     * pushed (release), is then visible. */
    uint32_t top = tl_atomic_load_u32(&plain_head, tl_acquire);
    for (;;) {
        if (top == NONE)
            return NONE;
        uint32_t next = tl_atomic_load_u32(&next_of[top], tl_relaxed);
        if (forced)
            pop_window();
        /* Succeeds whenever the head is `top` again - even if, meanwhile,
         * top was popped, next was popped, and top was pushed back: then
         * `next` is no longer in the stack, and the CAS installs it. */
        if (tl_atomic_cas_u32(&plain_head, &top, next, tl_acq_rel, tl_acquire))
            return top;
    }
}

static void plain_push(uint32_t n)
{
    uint32_t top = tl_atomic_load_u32(&plain_head, tl_relaxed);
    do
        tl_atomic_store_u32(&next_of[n], top, tl_relaxed);
    while (!tl_atomic_cas_u32(&plain_head, &top, n, tl_release, tl_relaxed));
}

/* --- fixed: CAS on index and version together ------------------------------- */
static uint32_t index_of(uint64_t head) { return (uint32_t)head; }
static uint64_t versioned(uint64_t old, uint32_t index)
{
    return ((old >> 32) + 1) << 32 | index;
}

static uint32_t tagged_pop(bool forced)
{
    uint64_t top = atomic_load_explicit(&tagged_head, memory_order_acquire);
    for (;;) {
        if (index_of(top) == NONE)
            return NONE;
        uint32_t next = tl_atomic_load_u32(&next_of[index_of(top)], tl_relaxed);
        if (forced)
            pop_window();
        /* The version has moved on if anything changed the head since we
         * read it, even if the same node is back on top: the CAS fails and
         * we read again. */
        if (atomic_compare_exchange_weak_explicit(&tagged_head, &top, versioned(top, next),
                                                  memory_order_acq_rel, memory_order_acquire))
            return index_of(top);
    }
}

static void tagged_push(uint32_t n)
{
    uint64_t top = atomic_load_explicit(&tagged_head, memory_order_relaxed);
    do
        tl_atomic_store_u32(&next_of[n], index_of(top), tl_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&tagged_head, &top, versioned(top, n),
                                                  memory_order_release, memory_order_relaxed));
}

typedef struct {
    tl_ctx *ctx;
    uint32_t (*pop)(bool forced);
    void (*push)(uint32_t n);
    bool free_run;          /* after the forced part, pop and push freely */
    uint32_t held[NODES];   /* nodes this thread holds at the end */
    unsigned nheld;
} worker;

static void hold(worker *w, uint32_t n)
{
    if (n != NONE)
        w->held[w->nheld++] = n;
}

static void free_run(worker *w)
{
    for (unsigned long i = 0; i < w->ctx->iterations; i++) {
        uint32_t n = w->pop(false);
        if (n != NONE)
            w->push(n);
    }
}

/* The slow popper: one pop, parked between its reads and its CAS. */
static void *slow_popper(void *arg)
{
    worker *w = arg;
    hold(w, w->pop(true));
    if (w->free_run)
        free_run(w);
    return NULL;
}

/* The quick one: while the slow popper is parked, pop A, pop B, push A
 * back (A's memory reused for a new entry, as allocators do) - the head is
 * A again, but A's next is no longer B. */
static void *quick_popper(void *arg)
{
    worker *w = arg;
    tl_turn_wait(&turns, 1);
    uint32_t a = w->pop(false), b = w->pop(false);
    w->push(a);
    hold(w, b);
    tl_turn_pass(&turns); /* 2 */
    if (w->free_run)
        free_run(w);
    return NULL;
}

static void run(tl_ctx *ctx, uint32_t (*pop)(bool), void (*push)(uint32_t), uint32_t (*top)(void),
                bool free_running)
{
    /* The stack starts as 0 -> 1 -> ... -> NODES-1. */
    for (uint32_t i = NODES; i-- > 0;)
        push(i);
    worker slow = {ctx, pop, push, free_running, {0}, 0};
    worker quick = {ctx, pop, push, free_running, {0}, 0};
    tl_thread_t s, q;
    tl_thread_start(&s, "slow-popper", slow_popper, &slow);
    tl_thread_start(&q, "quick-popper", quick_popper, &quick);
    tl_thread_join(&s);
    tl_thread_join(&q);
    /* Every node must be exactly once in the stack or in a thread's hands. */
    unsigned count[NODES] = {0};
    unsigned steps = 0;
    for (uint32_t n = top(); n != NONE && steps <= NODES; n = tl_atomic_load_u32(&next_of[n], tl_relaxed), steps++)
        count[n]++;
    for (unsigned i = 0; i < slow.nheld; i++)
        count[slow.held[i]]++;
    for (unsigned i = 0; i < quick.nheld; i++)
        count[quick.held[i]]++;
    unsigned lost = 0, duplicated = 0;
    for (unsigned i = 0; i < NODES; i++) {
        lost += count[i] == 0;
        duplicated += count[i] > 1;
    }
    tl_oracle(ctx, "each node in the stack or held, exactly once", lost == 0 && duplicated == 0,
              "%u nodes lost, %u nodes both in the stack and held (or twice in it)%s", lost,
              duplicated, steps > NODES ? "; the stack's links form a cycle" : "");
}

static uint32_t plain_top(void) { return tl_atomic_load_u32(&plain_head, tl_acquire); }
static uint32_t tagged_top(void)
{
    return index_of(atomic_load_explicit(&tagged_head, memory_order_acquire));
}

static void buggy(tl_ctx *ctx)
{
    tl_atomic_store_u32(&plain_head, NONE, tl_relaxed); /* before the threads */
    run(ctx, plain_pop, plain_push, plain_top, false);
}

static void fixed(tl_ctx *ctx)
{
    atomic_store_explicit(&tagged_head, NONE, memory_order_relaxed); /* version 0, empty */
    run(ctx, tagged_pop, tagged_push, tagged_top, true);
}

TL_SCENARIO(race_aba) = {
    .name = "race.aba",
    .category = "race",
    .summary = "a lock-free stack's CAS succeeds on a top node that was popped and pushed back",
    .concept = "ABA: compare-and-swap compares values, not histories",
    .teaching =
        "A Treiber stack pops with compare-and-swap: read the top node A and its next B, "
        "then CAS the head from A to B - if the head is still A, nobody has changed the "
        "stack, or so the CAS assumes. But between the read and the CAS another thread can "
        "pop A, pop B, and push A back (A's memory reused, as allocators do): the head is "
        "A again, the CAS succeeds, and installs B - a node that is no longer in the stack "
        "and that the other thread is using. B is now both in the stack and in use; the "
        "stack's contents are corrupt. The buggy variant parks the first popper between "
        "its reads and its CAS while the second does exactly that, so it happens on every "
        "run; the oracle checks that each node is in the stack or in one thread's hands, "
        "exactly once. The fix gives the head a version that every successful change "
        "increments and compares both in one 64-bit CAS (index and version packed in one "
        "word; with pointers, a 128-bit CAS or a counted pointer): the head A-version-0 is "
        "not A-version-3, so the stale CAS fails and the pop reads again. The fixed "
        "variant runs the same forced interleaving and then lets both threads pop and push "
        "freely.",
    .detector_note = "TSan is silent: every access to the stack is atomic, so there is no "
                     "data race - the bug is a race condition in the algorithm, not a data "
                     "race. With nodes freed and reallocated, TSan could see a use after "
                     "free; this stack reuses nodes from a pool, as many lock-free structures "
                     "do, and only the oracle shows the corruption.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 10000, .max_iterations = 100000000,
    .own_locking = "its subject is a lock-free stack built on compare-and-swap",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "CAS on the top node's index alone; A popped, B popped, A pushed back while "
                  "a pop is between its reads and its CAS (forced)",
         .differs = {{.detector = "helgrind", .expect = "data-race oracle:violated",
                      .why = VALGRIND_SEES_MOVES},
                     {.detector = "drd", .expect = "data-race oracle:violated",
                      .why = VALGRIND_SEES_MOVES}}},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "head = index + version in one 64-bit CAS: the stale CAS fails and the pop "
                  "retries",
         .differs = {{.detector = "helgrind", .expect = "data-race", .why = VALGRIND_SEES_MOVES},
                     {.detector = "drd", .expect = "data-race", .why = VALGRIND_SEES_MOVES}}},
    },
};
