/* SPDX-License-Identifier: MIT */
/* primitive.lost_post: a hand-made semaphore whose count is a plain integer. */
#include <stdbool.h>
#include "tl_scenario.h"

/* The hand-made semaphore: a counter, incremented by post and decremented by
 * wait, with no atomic read-modify-write. */
typedef struct {
    unsigned long count; /* posts not yet taken: plain, the bug */
} naive_sem;

static naive_sem jobs;
static tl_tsem_t jobs_fixed;
static tl_turns_t turns = TL_TURNS_INIT;
static tl_atomic_u32 window_arrivals;
static bool forced; /* buggy only; set before the threads start */

/* Runs inside post, between reading the count and writing it back. The
 * first producer to get here parks until the other has posted. */
static void post_window(void)
{
    if (!forced)
        return;
    /* relaxed: only decides who parks; orders nothing. */
    if (tl_atomic_fetch_add_u32(&window_arrivals, 1, tl_relaxed) == 0) {
        tl_turn_pass(&turns);    /* 1: I have read the count */
        tl_turn_wait(&turns, 2); /* the other producer has posted */
    }
}

static void naive_post(naive_sem *s)
{
    unsigned long seen = s->count; /* read ... */
    post_window();
    s->count = seen + 1;           /* ... write back: a post between is lost */
}

static bool naive_trywait(naive_sem *s)
{
    if (s->count == 0)
        return false;
    s->count--;
    return true;
}

typedef struct {
    tl_ctx *ctx;
    unsigned me;
} producer;

static void *naive_producer(void *arg)
{
    producer *p = arg;
    if (p->me == 1)
        tl_turn_wait(&turns, 1); /* the other producer has read the count */
    for (unsigned long i = 0; i < p->ctx->iterations; i++) {
        naive_post(&jobs);
        if (p->me == 1 && i == 0)
            tl_turn_pass(&turns); /* 2: my post is in; the other writes back its stale count */
    }
    return NULL;
}

/* Fixed: the lab's futex semaphore. Its post is one atomic fetch-and-add on
 * the count (and a wake if someone may sleep), so two posts at the same
 * time both count, under any schedule. */
static void *futex_producer(void *arg)
{
    producer *p = arg;
    for (unsigned long i = 0; i < p->ctx->iterations; i++)
        tl_tsem_post(&jobs_fixed);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*fn)(void *), bool (*take)(void))
{
    tl_thread_t a, b;
    producer p[2] = {{ctx, 0}, {ctx, 1}};
    tl_thread_start(&a, "producer-a", fn, &p[0]);
    tl_thread_start(&b, "producer-b", fn, &p[1]);
    tl_thread_join(&a);
    tl_thread_join(&b);
    /* The consumer, after both producers are done: every post must be
     * there to take. One lost post is a consumer that waits for ever for
     * the last job; counting with trywait shows it without hanging. */
    unsigned long taken = 0;
    while (take())
        taken++;
    tl_oracle_expect_u64(ctx, "posts that can be taken", 2 * ctx->iterations, taken);
}

static bool take_naive(void) { return naive_trywait(&jobs); }
static bool take_futex(void) { return tl_tsem_trywait(&jobs_fixed); }

static void buggy(tl_ctx *ctx)
{
    forced = true; /* before any thread starts */
    run(ctx, naive_producer, take_naive);
}

static void fixed(tl_ctx *ctx)
{
    tl_tsem_init(&jobs_fixed, 0, "jobs");
    run(ctx, futex_producer, take_futex);
}

TL_SCENARIO(primitive_lost_post) = {
    .name = "primitive.lost_post",
    .category = "primitive",
    .summary = "a hand-made semaphore counts posts with a plain integer and loses some",
    .concept = "a semaphore's count needs an atomic read-modify-write",
    .teaching =
        "A semaphore is a count of permits: post adds one, wait takes one (and sleeps while "
        "there is none). Written by hand with a plain integer, post is count = count + 1: "
        "a read and a write. Two producers that post at the same time can both read the "
        "same count and both write back that count plus one - two posts, one permit. The "
        "consumer then waits for a job that was produced but whose post is gone, for "
        "ever. The buggy variant parks the first producer between its read and its write "
        "until the second has posted, so a post is lost on every run; the consumer counts "
        "the permits left after both producers are done and finds them short. (The posts "
        "after the forced one race freely and lose more: a data race also lets the "
        "compiler keep the plain count in a register across a loop - measured: about 1000 "
        "of 2000 posts left.) The fix is "
        "the lab's futex semaphore, whose post is one atomic fetch-and-add (and a futex "
        "wake when someone may sleep): no post can fall between another's read and write.",
    .detector_note = "TSan reports the data race on the plain count (the lost update's "
                     "cause); the oracle counts the permits left. The futex semaphore's "
                     "atomics order everything TSan needs.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = 10000000,
    .own_locking = "its subject is a semaphore: a hand-made one against the lab's futex "
                   "semaphore",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "count = count + 1 on a plain integer; one post forced between another's "
                  "read and write"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the lab's futex semaphore: post is an atomic fetch-and-add"},
    },
};
