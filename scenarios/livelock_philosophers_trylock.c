/* SPDX-License-Identifier: MIT */
/* livelock.philosophers_trylock: philosophers who put the left fork down
 * when the right one is taken, all at the same moment. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "tl_scenario.h"

enum { MAX_PHILOSOPHERS = 8 };
static tl_lock_t fork_lock[MAX_PHILOSOPHERS];
static char fork_name[MAX_PHILOSOPHERS][16]; /* a lock keeps a pointer to its name */
static unsigned long meals[MAX_PHILOSOPHERS];
static tl_lockstep_t table;

typedef struct {
    tl_ctx *ctx;
    unsigned seat;
} philosopher;

static unsigned left(const philosopher *p) { return p->seat; }
static unsigned right(const philosopher *p) { return (p->seat + 1) % p->ctx->threads; }

/* One try: left fork (waiting for it), right fork only if free; on failure
 * the left fork goes back. The lockstep rounds (buggy only) put everyone in
 * step: all hold their left fork before anyone tries a right one, and all
 * have tried before anyone puts a fork down - the symmetric timing of
 * identical threads running the same code on separate cores. They spin
 * (busy), since the monitor judges a livelock by each thread's own CPU
 * time. */
static bool try_to_eat(philosopher *p, bool in_step)
{
    tl_lock_lock(&fork_lock[left(p)]);
    if (in_step)
        tl_lockstep_wait_busy(&table); /* every left fork is taken */
    bool got = tl_lock_trylock(&fork_lock[right(p)]); /* a failure is a retry */
    if (in_step)
        tl_lockstep_wait_busy(&table); /* everyone has tried */
    if (got) {
        meals[p->seat]++;
        tl_progress(p->ctx);
        tl_lock_unlock(&fork_lock[right(p)]);
    }
    tl_lock_unlock(&fork_lock[left(p)]);
    return got;
}

/* Buggy: put the fork down, wait the same fixed time as everyone else, try
 * again - and find the right fork taken again, for ever. No one ever
 * blocks, so there is no deadlock; every philosopher is busy; nobody eats. */
static void *polite_philosopher(void *arg)
{
    philosopher *p = arg;
    for (;;) {
        try_to_eat(p, true);
        struct timespec same_pause = {0, 10000};
        nanosleep(&same_pause, NULL);
    }
    return NULL;
}

/* Fixed 1: after a failure wait a random time whose range doubles with each
 * failure in a row (capped): the philosophers drift out of step, and one
 * finds both forks free. */
static void *backing_off_philosopher(void *arg)
{
    philosopher *p = arg;
    unsigned seed = (unsigned)time(NULL) ^ (p->seat * 2654435761u);
    long limit_ns = 1000;
    for (unsigned long i = 0; i < p->ctx->iterations;) {
        if (try_to_eat(p, false)) {
            i++;
            limit_ns = 1000;
            continue;
        }
        struct timespec pause = {0, rand_r(&seed) % limit_ns};
        nanosleep(&pause, NULL);
        if (limit_ns < 1000000)
            limit_ns *= 2;
    }
    return NULL;
}

/* Fixed 2: no trylock at all - both forks taken with lock(), lower number
 * first. Waiting is safe now: with one global order no ring of waits can
 * form (no deadlock), and a philosopher who waits is not retrying (no
 * livelock). */
static void *ordered_philosopher(void *arg)
{
    philosopher *p = arg;
    unsigned a = left(p), b = right(p), first = a < b ? a : b, second = a < b ? b : a;
    for (unsigned long i = 0; i < p->ctx->iterations; i++) {
        tl_lock_lock(&fork_lock[first]);
        tl_lock_lock(&fork_lock[second]);
        meals[p->seat]++;
        tl_progress(p->ctx);
        tl_lock_unlock(&fork_lock[second]);
        tl_lock_unlock(&fork_lock[first]);
    }
    return NULL;
}

static void run(tl_ctx *ctx, void *(*who)(void *))
{
    tl_thread_t t[MAX_PHILOSOPHERS];
    philosopher p[MAX_PHILOSOPHERS];
    unsigned n = ctx->threads;
    char name[16];
    tl_lockstep_init(&table, n);
    for (unsigned i = 0; i < n; i++) {
        snprintf(fork_name[i], sizeof fork_name[i], "fork-%u", i % MAX_PHILOSOPHERS);
        tl_ctx_lock_init(ctx, &fork_lock[i], fork_name[i]);
    }
    for (unsigned i = 0; i < n; i++) {
        p[i] = (philosopher){ctx, i};
        snprintf(name, sizeof name, "philosopher-%u", i % MAX_PHILOSOPHERS);
        tl_thread_start(&t[i], name, who, &p[i]);
    }
    unsigned long total = 0;
    for (unsigned i = 0; i < n; i++) {
        tl_thread_join(&t[i]);
        total += meals[i];
    }
    tl_oracle_expect_u64(ctx, "meals", (unsigned long)n * ctx->iterations, total);
}

static void buggy(tl_ctx *ctx) { run(ctx, polite_philosopher); }
static void fixed(tl_ctx *ctx) { run(ctx, backing_off_philosopher); }
static void fixed_ordered(tl_ctx *ctx) { run(ctx, ordered_philosopher); }

TL_SCENARIO(livelock_philosophers_trylock) = {
    .name = "livelock.philosophers_trylock",
    .category = "livelock",
    .summary = "philosophers put the left fork down when the right is taken, all in step",
    .concept = "livelock: avoiding deadlock by backing off, in lockstep",
    .teaching =
        "The dining philosophers deadlock when everyone holds the left fork and waits for "
        "the right. A tempting cure is to never wait while holding: take the left fork, "
        "try the right one with trylock, and if it is taken put the left one down and try "
        "again. That does break hold and wait - but if everyone does it at the same "
        "moment, with the same pause, everyone picks up the left fork together, finds the "
        "right one taken, puts the left one down together, and starts over: every thread "
        "busy, no thread blocked, no meal ever eaten. That is a livelock. The buggy "
        "variant forces the symmetric timing with lockstep rounds, standing for identical "
        "threads on separate cores; the monitor sees retries rising and progress flat. "
        "Fix 1 breaks the symmetry: a random back-off whose range doubles after each "
        "failure, so the philosophers drift apart and one finds both forks free. Fix 2 "
        "removes the retrying: both forks are taken with lock(), lower number first, and "
        "the global order alone keeps the ring of waits from closing.",
    .detector_note = "TSan has nothing to report: trylock acquisitions are not in its "
                     "lock-order graph, and the ordered fix takes the forks in one order. "
                     "The live monitor gives the verdict (retries rising, no one's progress "
                     "moving for its window, every philosopher burning CPU time). Helgrind "
                     "enters trylocks into its lock-order graph, so the randomised fix, "
                     "which still holds the left fork while trying the right, reads to it "
                     "as the ring.",
    /* Three by default: the buggy philosophers spin in their rounds, and on a
     * two-core machine three spinners still each get the CPU time the
     * livelock verdict asks for (an eighth of the window each). */
    .threads = 3, .min_threads = 2, .max_threads = MAX_PHILOSOPHERS,
    .iterations = 200, .max_iterations = 1000000,
    .takes_lock = true,
    .judge_progress = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:livelock",
         .about = "left fork, trylock right, put back, same pause; everyone in step (forced)"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "randomised exponential back-off: the philosophers fall out of step",
         .differs = {{.detector = "helgrind", .expect = "lock-order-inversion",
                      .why = "Each philosopher holds the left fork and takes the right by "
                             "trylock, so the forks are taken around the ring; Helgrind "
                             "enters trylock acquisitions into its lock-order graph like "
                             "blocking ones and reports the ring, which cannot deadlock (a "
                             "failed trylock backs off)."}}},
        {.name = "fixed-ordered", .role = TL_ROLE_FIXED, .entry = fixed_ordered, .expect = "",
         .about = "both forks by lock(), lower number first: no retries, no ring"},
    },
};
