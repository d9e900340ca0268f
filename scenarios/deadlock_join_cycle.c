/* SPDX-License-Identifier: MIT */
/* deadlock.join_cycle: a thread holding a lock joins a thread that needs it. */
#include "tl_scenario.h"

static tl_lock_t log_lock;
static unsigned long lines_logged;

/* The worker writes its result to the shared log, under the log's lock. */
static void *worker(void *arg)
{
    (void)arg;
    tl_lock_lock(&log_lock); /* buggy: held by the thread that joins us */
    lines_logged++;
    tl_lock_unlock(&log_lock);
    return NULL;
}

/* Buggy: the supervisor takes the log lock (to write a header), starts the
 * worker and, still holding the lock, waits for the worker to finish.
 * Nothing needs forcing: the lock is held before the worker exists, so the
 * worker always finds it taken, and a join waits for ever for a thread
 * that waits for ever. */
static void *buggy_supervisor(void *arg)
{
    tl_ctx *ctx = arg;
    tl_thread_t w;
    tl_lock_lock(&log_lock);
    lines_logged++; /* the header */
    tl_thread_start(&w, "worker", worker, ctx);
    tl_thread_join(&w); /* waits for the worker, which waits for log_lock */
    tl_lock_unlock(&log_lock);
    return NULL;
}

/* Fixed: the supervisor lets go of the lock before it joins. A thread that
 * waits for another to end holds nothing that thread might need. */
static void *fixed_supervisor(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_thread_t w;
        tl_lock_lock(&log_lock);
        lines_logged++;
        tl_thread_start(&w, "worker", worker, ctx);
        tl_lock_unlock(&log_lock); /* before the join */
        tl_thread_join(&w);
    }
    return NULL;
}

static void run(tl_ctx *ctx, void *(*supervisor)(void *), unsigned long rounds)
{
    tl_thread_t s;
    tl_ctx_lock_init(ctx, &log_lock, "log_lock");
    tl_thread_start(&s, "supervisor", supervisor, ctx);
    tl_thread_join(&s);
    tl_oracle_expect_u64(ctx, "log lines", 2 * rounds, lines_logged);
    tl_lock_destroy(&log_lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_supervisor, 1); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_supervisor, ctx->iterations); }

TL_SCENARIO(deadlock_join_cycle) = {
    .name = "deadlock.join_cycle",
    .category = "deadlock",
    .summary = "a thread holding a lock joins a thread that needs that lock",
    .concept = "joining is waiting: a join is an edge of the wait-for graph",
    .teaching =
        "pthread_join waits for a thread to end, exactly as lock() waits for a holder to let "
        "go, so it belongs in the wait-for graph. A supervisor takes the log lock, starts a "
        "worker and joins it while still holding the lock; the worker's first act is to "
        "lock the log. The worker waits for the supervisor (the lock's holder), the "
        "supervisor waits for the worker (the join): a cycle of two threads with only one "
        "lock in it. The monitor records the join as a wait for the joined thread and "
        "finds the cycle supervisor -> worker -> log_lock -> supervisor. No forcing is "
        "needed: the lock is taken before the worker exists. The fix releases the lock "
        "before the join, so a thread that waits for another to end holds nothing that "
        "thread needs: it breaks hold and wait.",
    .coffman =
        "Mutual exclusion: log_lock has one holder. Hold and wait: the supervisor holds "
        "log_lock while it waits (in pthread_join) for the worker. No preemption: nothing "
        "takes the lock away, and neither lock() nor pthread_join has a timeout. Circular "
        "wait: the supervisor waits for the worker to end, the worker waits for log_lock, "
        "held by the supervisor.",
    .detector_note = "TSan has nothing to report: it keeps no graph of joins, and a "
                     "deadlock that happens is no report. The live monitor records the join "
                     "as a wait-for edge to the joined thread and names the cycle through "
                     "it. Helgrind and DRD see no bug either.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    /* Each round starts a worker, and the monitor's table has 64 thread slots. */
    .iterations = 20, .max_iterations = 50,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:deadlock",
         .about = "the supervisor joins the worker while holding log_lock, which the worker "
                  "needs"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "log_lock released before the join", .breaks = "hold and wait"},
    },
};
