/* SPDX-License-Identifier: MIT */
/* primitive.broken_tas: test-and-set done as a load and a separate store. */
#include "tl_broken.h"
#include "tl_scenario.h"

static tl_lock_t lock;
static tl_turns_t turns = TL_TURNS_INIT;
static tl_atomic_u32 window_arrivals;
static unsigned long inside, most_inside, entries;
static bool forced; /* buggy only; set before the threads start */

/* Runs inside broken-tas's lock, between its test (saw 0) and its set. The
 * first thread to get here parks until the other thread is inside. */
static void park_first_arrival(void)
{
    /* relaxed: only decides who parks; orders nothing. */
    if (tl_atomic_fetch_add_u32(&window_arrivals, 1, tl_relaxed) == 0) {
        tl_turn_pass(&turns);    /* 1: I have tested and seen "free" */
        tl_turn_wait(&turns, 2); /* the other thread is in the critical section */
    }
}

static void critical_section(void)
{
    inside++;
    if (inside > most_inside)
        most_inside = inside;
    entries++;
}

static void *first(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&lock);     /* the first call parks between test and set */
        critical_section();
        if (forced && i == 0)
            tl_turn_pass(&turns); /* 3: I am inside too */
        inside--;
        tl_lock_unlock(&lock);
    }
    return NULL;
}

static void *second(void *arg)
{
    tl_ctx *ctx = arg;
    if (forced)
        tl_turn_wait(&turns, 1); /* the first thread saw "free" and stopped */
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&lock);     /* sees "free" too: nobody has set it yet */
        critical_section();
        if (forced && i == 0) {
            tl_turn_pass(&turns);    /* 2: I am inside; let the first one finish */
            tl_turn_wait(&turns, 3); /* stay until it is inside as well */
        }
        inside--;
        tl_lock_unlock(&lock);
    }
    return NULL;
}

static void run(tl_ctx *ctx, const char *kind)
{
    tl_thread_t a, b;
    tl_lock_init_by_name(&lock, kind, "guard");
    tl_thread_start(&a, "first", first, ctx);
    tl_thread_start(&b, "second", second, ctx);
    tl_thread_join(&a);
    tl_thread_join(&b);
    tl_oracle(ctx, "one thread inside at a time", most_inside <= 1,
              "at most %lu threads were inside the critical section at once", most_inside);
}

static void buggy(tl_ctx *ctx)
{
    tl_broken_tas_window_hook = park_first_arrival; /* before any thread starts */
    forced = true;
    run(ctx, "broken-tas");
}

/* Fixed: the tas kind tests and sets in one atomic exchange: there is no
 * moment between "saw free" and "made it mine". */
static void fixed(tl_ctx *ctx)
{
    run(ctx, "tas");
}

TL_SCENARIO(primitive_broken_tas) = {
    .name = "primitive.broken_tas",
    .category = "primitive",
    .summary = "a spinlock that tests and sets in two steps lets two threads in",
    .concept = "read-modify-write atomicity in a lock's own code",
    .teaching =
        "A test-and-set lock must see 'free' and mark it 'taken' in one indivisible step. "
        "The broken-tas kind does it as an atomic load followed by a separate atomic store: "
        "each access is atomic, the pair is not. Two threads can both load 0, both store 1 "
        "and both walk into the critical section. The buggy variant parks the first thread "
        "between its test and its set (a hook inside broken-tas) until the second is "
        "inside, so it happens on every run. The fix uses the tas kind, whose exchange "
        "tests and sets at once. This scenario is about those two kinds: --lock does not "
        "apply.",
    .detector_note = "broken-tas is deliberately not annotated as a mutex (an annotation would "
                     "make TSan trust it), so TSan sees what it really does: no "
                     "happens-before between the two owners, and a data race on the data it "
                     "was meant to protect.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = 1000000,
    .own_locking = "it compares two fixed kinds, broken-tas and tas",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "broken-tas: load, then store; both threads forced through the gap"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "tas: one atomic exchange tests and sets together"},
    },
};
