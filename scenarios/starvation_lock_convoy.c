/* SPDX-License-Identifier: MIT */
/* starvation.lock_convoy: a FIFO lock that hands itself to a sleeping
 * thread makes every acquisition wait for a wake-up. */
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include "tl_scenario.h"

#define MAX_WORKERS 4
#define NOBODY MAX_WORKERS
/* Items per acquisition in the fixed variant. */
#define BATCH 64
/* No run goes on longer than this, busy machine or not: a convoy is slow by
 * nature (a wake-up per acquisition), and the verdict is a ratio, which the
 * items done so far give as well as all would. */
#define BUDGET_NS (3 * 1000 * 1000 * 1000ull)

static tl_lock_t lock;
static tl_lockstep_t start_gate;
static unsigned batch; /* items per acquisition: 1 (buggy) or BATCH (fixed) */
static unsigned long wanted; /* items in all, --iterations */
static uint64_t deadline_ns;
static tl_atomic_u32 ids;
/* Written only inside the critical section. */
static unsigned previous = NOBODY;
static unsigned exited;
static unsigned long items, acquisitions, convoy_steps, taken[MAX_WORKERS];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The hot lock's usual state, made certain: before releasing, the owner
 * waits until another thread is queued behind it (while any other thread
 * is still working and the budget lasts). On a busy lock that is so at
 * almost every release; the handshake makes it so on an idle machine too,
 * in both variants alike. It reads the queue only, so it changes no
 * thread's place in it. */
static void wait_for_a_waiter(tl_ctx *ctx)
{
    while (tl_lock_waiters(&lock) == 0 && exited < ctx->threads - 1 && now_ns() < deadline_ns)
        sched_yield();
}

static void *worker(void *arg)
{
    tl_ctx *ctx = arg;
    /* relaxed: only numbers the workers. */
    unsigned me = tl_atomic_fetch_add_u32(&ids, 1, tl_relaxed);
    tl_lockstep_wait(&start_gate); /* all compete from the start */
    for (;;) {
        tl_lock_lock(&lock);
        bool more = items < wanted && now_ns() < deadline_ns;
        if (!more) {
            exited++;
            tl_lock_unlock(&lock);
            return NULL;
        }
        /* A convoy step: the lock came to me from another thread although
         * that thread wanted it back at once (every worker asks again as
         * soon as it has released). With a FIFO lock it cannot have it: it
         * queues behind me, and sleeps. */
        if (previous != NOBODY && previous != me)
            convoy_steps++;
        previous = me;
        acquisitions++;
        for (unsigned i = 0; i < batch && items < wanted; i++) {
            items++; /* the shared work: short, so the lock is hot */
            taken[me]++;
            tl_cpu_relax();
        }
        wait_for_a_waiter(ctx);
        tl_lock_unlock(&lock);
        tl_progress(ctx);
    }
}

static void run(tl_ctx *ctx, unsigned items_per_acquisition)
{
    tl_thread_t t[MAX_WORKERS];
    static const char *const names[MAX_WORKERS] = {"worker-0", "worker-1", "worker-2",
                                                   "worker-3"};
    tl_lock_init_by_name(&lock, "fifo-mutex", "hot_lock");
    tl_lockstep_init(&start_gate, ctx->threads);
    batch = items_per_acquisition;
    wanted = ctx->iterations;
    uint64_t start = now_ns();
    deadline_ns = start + BUDGET_NS;
    for (unsigned i = 0; i < ctx->threads; i++)
        tl_thread_start(&t[i], names[i], worker, ctx);
    for (unsigned i = 0; i < ctx->threads; i++)
        tl_thread_join(&t[i]);
    double ms = (double)(now_ns() - start) / 1e6;
    char shares[64] = "";
    for (unsigned i = 0, off = 0; i < ctx->threads && off < sizeof shares; i++)
        off += (unsigned)snprintf(shares + off, sizeof shares - off, "%s%.0f%%", i ? "/" : "",
                                  100.0 * (double)taken[i] / (double)(items ? items : 1));
    tl_note(ctx,
            "%lu items in %lu acquisitions, %.1f ms (%.0f items per ms); shares of the items "
            "%s (the monitor's shares of acquisitions are in report.json)",
            items, acquisitions, ms, (double)items / ms, shares);
    /* A FIFO hand-over per item is the convoy; one per BATCH items is the
     * same lock amortised. The line between sits far from both, and holds
     * under any schedule: steps <= acquisitions = items / BATCH. */
    tl_oracle(ctx, "no convoy: at most one hand-over per two items",
              2 * convoy_steps <= items,
              "%lu hand-overs for %lu items: the lock went to a queued thread while its "
              "previous owner wanted it back, and that owner then slept, for %.0f%% of the "
              "items", convoy_steps, items, 100.0 * (double)convoy_steps / (double)items);
}

static void buggy(tl_ctx *ctx) { run(ctx, 1); }
static void fixed(tl_ctx *ctx) { run(ctx, BATCH); }

TL_SCENARIO(starvation_lock_convoy) = {
    .name = "starvation.lock_convoy",
    .category = "starvation",
    .summary = "a FIFO sleeping lock taken per item: a wake-up and a sleep for every item",
    .concept = "lock convoys: strict hand-over to a sleeping waiter, and how to amortise it",
    .teaching =
        "A lock convoy needs no priorities: threads of equal standing that keep asking for a "
        "hot lock, and a lock that is 'fair' in the strict sense - at each release it hands "
        "itself to the first thread in the queue. That thread is asleep, so the lock now "
        "belongs to a thread that is not running and stays unused until the scheduler has "
        "woken it (microseconds on an idle machine, milliseconds on a busy one). Meanwhile "
        "the releasing thread, still running, asks again, finds itself behind the queue "
        "and goes to sleep too. From then on every acquisition costs a wake-up and a "
        "context switch, and the convoy never breaks up: each thread rejoins it at the "
        "tail. Throughput falls to the scheduler's pace while every thread looks busy, and "
        "the shares of acquisitions come out even - the monitor's shares show the round "
        "robin. The buggy variant takes the fifo-mutex kind (a ticket lock whose waiters "
        "sleep) once per item of work; before each release a thread is queued, as on any "
        "hot lock (made certain by a handshake). The fix here keeps the lock and takes it "
        "once per 64 items: the convoy's price is paid per acquisition, so 64 times less "
        "often. The other remedy is a lock that lets a running thread take a free lock "
        "(the three-state mutex: a release only wakes a sleeper, and the releaser usually "
        "takes the lock again before the woken thread runs) - unfair over short stretches, "
        "the other side of starvation.unfair_spinlock, which is why libc mutexes work that "
        "way; it is not a variant here because how often it helps depends on the schedule. "
        "The oracle counts convoy steps, hand-overs to a queued thread while the previous "
        "owner wanted the lock back, per item; the note gives the throughput.",
    .detector_note = "TSan has nothing to report: the lock works, it is only slow. The "
                     "scenario's oracle counts the convoy's steps; the live monitor does not "
                     "end the run (every thread progresses) but its shares of acquisitions, "
                     "in report.json, show the round robin. --lock does not apply: the convoy "
                     "is the fifo-mutex kind's.",
    .threads = 2, .min_threads = 2, .max_threads = MAX_WORKERS,
    .iterations = 5000, .max_iterations = 10000000,
    .own_locking = "its subject is the fifo-mutex kind's hand-over",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "fifo-mutex taken per item: each release hands it to a sleeping waiter"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the same lock taken once per 64 items: the convoy's price amortised"},
    },
};
