/* SPDX-License-Identifier: MIT */
/* deadlock.dining_philosophers: N philosophers, N forks, everyone left first. */
#include <stdio.h>
#include "tl_scenario.h"

enum { MAX_PHILOSOPHERS = 16 };
static tl_lock_t fork_lock[MAX_PHILOSOPHERS];
static unsigned long meals[MAX_PHILOSOPHERS];
static char fork_name[MAX_PHILOSOPHERS][16]; /* a lock keeps a pointer to its name */
static tl_turns_t turns = TL_TURNS_INIT;
static tl_lockstep_t table;

typedef struct {
    tl_ctx *ctx;
    unsigned seat;
} philosopher;

static unsigned left(const philosopher *p) { return p->seat; }
static unsigned right(const philosopher *p) { return (p->seat + 1) % p->ctx->threads; }

static void eat(philosopher *p, unsigned first, unsigned second)
{
    tl_lock_lock(&fork_lock[first]);
    tl_lock_lock(&fork_lock[second]);
    meals[p->seat]++;
    tl_lock_unlock(&fork_lock[second]);
    tl_lock_unlock(&fork_lock[first]);
}

/* Buggy. Potential mode: one philosopher after the other (forced) eats, left
 * fork first - no hang, but the lock-order graph now holds the ring. Actual
 * mode: all pick up their left fork (a lockstep round makes sure every left
 * fork is taken), then all reach for the right one, held by the neighbour. */
static void *buggy_philosopher(void *arg)
{
    philosopher *p = arg;
    if (p->ctx->mode == TL_MODE_POTENTIAL) {
        tl_turn_wait(&turns, p->seat);
        eat(p, left(p), right(p));
        tl_turn_pass(&turns);
        return NULL;
    }
    tl_lock_lock(&fork_lock[left(p)]);
    tl_lockstep_wait(&table);             /* every left fork is taken */
    tl_lock_lock(&fork_lock[right(p)]);   /* waits for ever */
    meals[p->seat]++;
    tl_lock_unlock(&fork_lock[right(p)]);
    tl_lock_unlock(&fork_lock[left(p)]);
    return NULL;
}

/* Fixed: forks are numbered and everyone picks up the lower number first.
 * The last philosopher's forks are n-1 and 0, so they take 0 first: the ring
 * of requests cannot close. */
static void *ordered_philosopher(void *arg)
{
    philosopher *p = arg;
    unsigned a = left(p), b = right(p);
    for (unsigned long i = 0; i < p->ctx->iterations; i++)
        eat(p, a < b ? a : b, a < b ? b : a);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*who)(void *), unsigned long meals_each)
{
    tl_thread_t t[MAX_PHILOSOPHERS];
    philosopher p[MAX_PHILOSOPHERS];
    unsigned n = ctx->threads;
    char name[32]; /* tl_thread_start keeps the first 15 characters */
    tl_lockstep_init(&table, n);
    for (unsigned i = 0; i < n; i++) {
        snprintf(fork_name[i], sizeof fork_name[i], "fork-%u", i);
        tl_ctx_lock_init(ctx, &fork_lock[i], fork_name[i]);
    }
    for (unsigned i = 0; i < n; i++) {
        p[i] = (philosopher){ctx, i};
        snprintf(name, sizeof name, "philosopher-%u", i);
        tl_thread_start(&t[i], name, who, &p[i]);
    }
    unsigned long total = 0;
    for (unsigned i = 0; i < n; i++) {
        tl_thread_join(&t[i]);
        total += meals[i];
    }
    tl_oracle_expect_u64(ctx, "meals", (unsigned long)n * meals_each, total);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_philosopher, 1); }
static void fixed(tl_ctx *ctx) { run(ctx, ordered_philosopher, ctx->iterations); }

TL_SCENARIO(deadlock_dining_philosophers) = {
    .name = "deadlock.dining_philosophers",
    .category = "deadlock",
    .summary = "N philosophers each take the left fork, then the right",
    .concept = "circular wait across N threads; resource ordering",
    .teaching =
        "N philosophers sit at a round table with one fork between neighbours; eating "
        "needs both. If everyone picks up the left fork first, there is a moment when "
        "every fork is in someone's left hand and everyone waits for the right one, held "
        "by the neighbour - a cycle through the whole table. The potential mode lets them "
        "eat one after the other (forced), so nothing hangs but every 'left then right' "
        "edge is in the lock-order graph and TSan reports the ring. The actual mode makes "
        "everyone take the left fork first (a lockstep round), then reach right: the "
        "monitor sees an N-thread cycle. The fix numbers the forks and has everyone take "
        "the lower number first; the last philosopher then reaches for fork 0 before fork "
        "n-1, so the ring of requests can never close.",
    .coffman =
        "Mutual exclusion: a fork is a lock with one holder. Hold and wait: each "
        "philosopher holds the left fork while waiting for the right. No preemption: no "
        "one takes a fork from a neighbour, and lock() has no timeout. Circular wait: "
        "philosopher i waits for fork i+1, held by philosopher i+1, ..., and the last "
        "waits for fork 0, held by philosopher 0.",
    .detector_note = "TSan reports lock-order-inversion in the potential mode (the cycle "
                     "through all N forks). In the actual mode it is silent and the monitor "
                     "reports the N-thread cycle.",
    .threads = 5, .min_threads = 2, .max_threads = MAX_PHILOSOPHERS,
    .iterations = 500, .max_iterations = 1000000,
    .takes_lock = true,
    .has_modes = true,
    /* Without the monitor (--no-monitor) a stuck run ends only at its
     * deadline: 4 s instead of the lab's 10. */
    .timeout_s = 4,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "lock-order-inversion", .expect_actual = "monitor:deadlock",
         .about = "left fork, then right fork, for everyone"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "lower-numbered fork first: one philosopher reaches the other way",
         .breaks = "circular wait"},
    },
};
