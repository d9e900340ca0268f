/* SPDX-License-Identifier: MIT */
/* starvation.unfair_spinlock: a test-and-set lock lets one thread keep it. */
#include "tl_overtakes.h"
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

/* The starved thread waits for its turn without yielding: a thread starved
 * on a spinlock spins, and the monitor judges starvation by the starved
 * thread's own CPU time, so it must be seen running, busy machine or not. */
static void *starved(void *arg)
{
    (void)arg;
    for (unsigned step = 1;; step += 2) {
        tl_turn_wait_busy(&turns, step);
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
 * straight back queues behind the one already waiting.
 *
 * The check is that order itself: each new owner reports the ticket it drew,
 * and an overtake is an earlier ticket still waiting at that moment (see
 * tl_overtakes.h). A FIFO lock has none under any schedule. The shares of
 * acquisitions are kept as a note only: they depend on how the scheduler
 * runs the two threads as much as on the lock (a ticket lock showed 61/39
 * to 93/7 on a busy machine), so they cannot be a verdict. */
static tl_overtakes_t order; /* written only inside the critical section */

static void *worker(void *arg)
{
    tl_ctx *ctx = arg;
    static tl_atomic_u32 ids;
    /* relaxed: only numbers the two workers. */
    unsigned me = tl_atomic_fetch_add_u32(&ids, 1, tl_relaxed);
    /* Both start competing together: a head start alone is not unfairness. */
    tl_lockstep_wait(&start_gate);
    for (;;) {
        uint32_t ticket = tl_lock_lock_ticket(&lock);
        tl_overtakes_acquired(&order, ticket);
        bool more = total < ctx->iterations;
        if (more) {
            total++;
            taken[me]++;
            /* Some work inside: long enough that the other thread is
             * usually queued by the time we release, so the lock has a
             * choice to make at most hand-offs. */
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
    tl_overtakes_init(&order, 0); /* a fresh ticket lock's first ticket */
    tl_lockstep_init(&start_gate, 2);
    tl_thread_start(&a, "worker-0", worker, ctx);
    tl_thread_start(&b, "worker-1", worker, ctx);
    tl_thread_join(&a);
    tl_thread_join(&b);
    tl_oracle(ctx, "acquisitions in ticket order", order.overtakes == 0,
              "%llu overtakes in %llu acquisitions (an overtake: an earlier ticket still "
              "waiting when a later one got the lock)",
              (unsigned long long)order.overtakes, (unsigned long long)order.acquisitions);
    double share0 = 100.0 * (double)taken[0] / (double)total;
    double share1 = 100.0 * (double)taken[1] / (double)total;
    tl_note(ctx,
            "shares (information, not a verdict: they depend on the scheduler): "
            "worker-0 %.1f%%, worker-1 %.1f%% of %lu acquisitions",
            share0, share1, total);
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
        "caches say. Its run checks exactly that: each new owner reports the ticket it drew, "
        "and no earlier ticket may still be waiting when a later one gets the lock (zero "
        "overtakes). That holds under any schedule; the shares of acquisitions do not - a "
        "thread the scheduler runs less gets fewer turns with any lock - so they are shown "
        "as a note, not judged.",
    .detector_note = "TSan has nothing to report: the lock works, it is only unfair. The live "
                     "monitor sees one thread's retries rise, while it runs, for a whole window "
                     "of its own CPU time without progress while the other progresses, and gives each thread's share of "
                     "acquisitions. --lock does not apply: the point is tas against ticket.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 5000, .max_iterations = 10000000,
    .own_locking = "it compares two fixed kinds, tas and ticket",
    .judge_progress = true,
    /* Not solo: the fixed verdict is the order of hand-offs, which no
     * competing run can change, and the monitor counts each thread's own CPU
     * time, so a worker descheduled by another run is not taken for starved.
     * (Shares, which other runs do change, are only a note now.) */
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:starvation",
         .about = "tas lock; the starved thread's attempts always land while it is held"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "ticket lock: served in arrival order; checked as zero overtakes (no "
                  "earlier ticket still waiting when a later one gets the lock)"},
    },
};
