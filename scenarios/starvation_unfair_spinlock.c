/* SPDX-License-Identifier: MIT */
/* starvation.unfair_spinlock: a test-and-set lock lets one thread keep it. */
#include "tl_scenario.h"

static tl_lock_t lock;
static tl_turns_t turns = TL_TURNS_INIT;
static tl_lockstep_t start_gate;
static unsigned long taken[2], total;

/* Buggy. A TAS lock keeps no queue: whoever's test-and-set lands while the
 * lock is free wins, and the releasing thread, with the lock's cache line
 * still in its own cache, is the likeliest to land first. The handshake
 * makes that certain: every attempt of the other thread lands while the
 * greedy one holds the lock, which is exactly what the hardware does to it
 * most of the time. */
static void *greedy(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned step = 1;; step += 2) {
        tl_lock_lock(&lock);
        taken[0]++;
        tl_progress(ctx);
        tl_turn_pass(&turns);          /* the other thread may try now ... */
        tl_turn_wait(&turns, step + 1); /* ... and has tried */
        tl_lock_unlock(&lock);          /* released and at once */
    }
    return NULL;
}

static void *starved(void *arg)
{
    (void)arg;
    for (unsigned step = 1;; step += 2) {
        tl_turn_wait(&turns, step);
        if (tl_lock_trylock(&lock)) {   /* a TAS attempt: never lands */
            taken[1]++;
            tl_lock_unlock(&lock);
        }
        tl_turn_pass(&turns);
    }
    return NULL;
}

static void buggy(tl_ctx *ctx)
{
    tl_thread_t g, s;
    tl_lock_init_by_name(&lock, "tas", "tas_lock");
    tl_thread_start(&g, "greedy", greedy, ctx);
    tl_thread_start(&s, "starved", starved, ctx);
    tl_thread_join(&g); /* never returns: the monitor ends the run */
    tl_thread_join(&s);
}

/* Fixed: a ticket lock. Each thread draws a ticket when it arrives and the
 * lock is handed over in ticket order, so a thread that releases and comes
 * straight back queues behind the one already waiting. */
static void *worker(void *arg)
{
    tl_ctx *ctx = arg;
    static tl_atomic_u32 ids;
    /* relaxed: only numbers the two workers. */
    unsigned me = tl_atomic_fetch_add_u32(&ids, 1, tl_relaxed);
    /* Both start competing together: a head start alone is not unfairness. */
    tl_lockstep_wait(&start_gate);
    for (;;) {
        tl_lock_lock(&lock);
        bool more = total < ctx->iterations;
        if (more) {
            total++;
            taken[me]++;
            /* Some work inside: long enough that the other thread is
             * queued by the time we release, so what the shares measure is
             * the hand-off policy, not who happened to be late. */
            for (int i = 0; i < 200; i++)
                tl_cpu_relax();
        }
        tl_lock_unlock(&lock);
        if (!more)
            return NULL;
        tl_progress(ctx);
    }
}

static void fixed(tl_ctx *ctx)
{
    tl_thread_t a, b;
    tl_lock_init_by_name(&lock, "ticket", "ticket_lock");
    tl_lockstep_init(&start_gate, 2);
    tl_thread_start(&a, "worker-0", worker, ctx);
    tl_thread_start(&b, "worker-1", worker, ctx);
    tl_thread_join(&a);
    tl_thread_join(&b);
    double share0 = 100.0 * (double)taken[0] / (double)total;
    double share1 = 100.0 * (double)taken[1] / (double)total;
    /* Fair is 50% each; the ticket lock must stay within 10 points of it. */
    tl_oracle(ctx, "shares within 10% of fair", share0 >= 40 && share1 >= 40,
              "worker-0 %.1f%%, worker-1 %.1f%% of %lu acquisitions", share0, share1, total);
}

TL_SCENARIO(starvation_unfair_spinlock) = {
    .name = "starvation.unfair_spinlock",
    .category = "starvation",
    .summary = "a test-and-set spinlock lets one thread take the lock again and again",
    .concept = "fairness: unfair (TAS) versus FIFO (ticket) locks",
    .teaching =
        "A test-and-set lock is a single word: whoever swaps in the 1 while it is 0 owns it. "
        "There is no queue, so nothing says who goes next. The thread that just released "
        "the lock still has its cache line and usually wins the next swap; a thread that "
        "keeps arriving while the lock is held never gets in. The program is not stuck - "
        "one thread makes progress all the time - but the other starves. The buggy variant "
        "forces the pattern (every attempt of the starved thread lands while the lock is "
        "held) on the tas kind. The fix uses the ticket kind: arriving draws a number and "
        "the lock is served in number order, so the waiting thread is next whatever the "
        "caches say; its run checks that both threads get within 10 points of half.",
    .detector_note = "TSan has nothing to report: the lock works, it is only unfair. The live "
                     "monitor sees one thread's retries rise for a whole window without "
                     "progress while the other progresses, and gives each thread's share of "
                     "acquisitions. --lock does not apply: the point is tas against ticket.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 5000, .max_iterations = 10000000,
    .judge_progress = true,
    /* Shares measure the lock only if no other run competes for the cores: a
     * worker descheduled between its turns would lose them to the scheduler. */
    .solo = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:starvation",
         .about = "tas lock; the starved thread's attempts always land while it is held"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "ticket lock: served in arrival order, so shares stay near 50/50"},
    },
};
