/* SPDX-License-Identifier: MIT */
/* pool.stop_flag: a pool's stop flag set outside the queue's lock; the
 * worker misses the wake-up and the join hangs. */
#include "tl_pool.h"
#include "tl_scenario.h"

/* A one-worker pool, written out so that its stop can be got wrong: a
 * queue of counts to add, the stop flag, the lock guarding both, and the
 * condition variable the worker sleeps on while there is nothing to do. */
static tl_lock_t queue_lock;
static tl_cond_t work;
static unsigned long queued;  /* tasks waiting: guarded by queue_lock */
static bool stop;             /* guarded by queue_lock (the buggy stop ignores that) */
static unsigned long done;    /* tasks run: written by the worker only */
static tl_turns_t turns = TL_TURNS_INIT;

/* Whether this run forces the buggy window (the buggy variant only). */
static bool force_window;

static void *worker(void *arg)
{
    (void)arg;
    bool first_sleep = true;
    tl_lock_lock(&queue_lock);
    for (;;) {
        while (queued == 0 && !stop) {
            if (first_sleep && force_window) {
                /* Forced: the worker has seen "nothing queued, not stopped"
                 * and is about to sleep; the buggy stop lands right here. */
                tl_turn_pass(&turns);
                tl_turn_wait(&turns, 2);
            } else if (first_sleep) {
                tl_turn_pass(&turns); /* the stop may come now: it must wait for the lock */
            }
            first_sleep = false;
            tl_cond_wait(&work, &queue_lock); /* buggy: sleeps through the stop */
        }
        if (queued == 0)
            break; /* stopped, and nothing left */
        queued--;
        tl_lock_unlock(&queue_lock);
        done++; /* the task: only the worker writes it */
        tl_lock_lock(&queue_lock);
    }
    tl_lock_unlock(&queue_lock);
    return NULL;
}

/* Buggy: the flag is written without the lock, so it can land between the
 * worker's check and its sleep; the broadcast then wakes nobody, and the
 * condition variable keeps no memory of it. */
static void stop_buggy(void)
{
    stop = true;
    tl_cond_broadcast(&work);
    tl_turn_pass(&turns); /* step 2: the worker goes to sleep now */
}

/* Fixed: under the lock. The worker holds it from its check until the
 * condition variable releases it inside the wait, so the flag is set either
 * before the check (seen) or after the worker sleeps (woken). */
static void stop_locked(void)
{
    tl_lock_lock(&queue_lock);
    stop = true;
    tl_cond_broadcast(&work);
    tl_lock_unlock(&queue_lock);
}

static void run(tl_ctx *ctx, void (*stop_pool)(void), bool forced)
{
    tl_ctx_lock_init(ctx, &queue_lock, "queue_lock");
    tl_cond_init(&work, "work");
    force_window = forced;
    /* The tasks are queued before the worker starts: it runs them all, then
     * finds the queue empty and goes to sleep - where the stop comes. */
    queued = ctx->iterations;
    tl_thread_t w;
    tl_thread_start(&w, "pool-worker-0", worker, NULL);
    tl_turn_wait(&turns, 1); /* the worker found nothing left to do */
    stop_pool();
    tl_thread_join(&w); /* buggy: waits for ever */
    tl_oracle_expect_u64(ctx, "tasks run", ctx->iterations, done);
    tl_lock_destroy(&queue_lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, stop_buggy, true); }
static void fixed(tl_ctx *ctx) { run(ctx, stop_locked, false); }

/* Fixed with the lab's pool, whose shutdown does exactly that. */
static void add_one(void *arg)
{
    (*(unsigned long *)arg)++; /* one worker: the tasks never overlap */
}

static void fixed_pool(tl_ctx *ctx)
{
    tl_pool_t *p = tl_pool_create(1, "pool", ctx->lock_kind);
    static unsigned long count;
    for (unsigned long i = 0; i < ctx->iterations; i++)
        tl_pool_release(tl_pool_submit(p, add_one, &count));
    tl_pool_shutdown(p, TL_POOL_DRAIN);
    tl_oracle_expect_u64(ctx, "tasks run", ctx->iterations, count);
    tl_pool_destroy(p);
}

TL_SCENARIO(pool_stop_flag) = {
    .name = "pool.stop_flag",
    .category = "pool",
    .summary = "a pool's stop flag set outside the lock: the worker sleeps through it",
    .concept = "thread pool shutdown; a condition variable's predicate under its lock",
    .teaching =
        "A pool's worker sleeps on a condition variable while its jobs queue is empty; to "
        "shut the pool down, the owner sets a stop flag, wakes the workers and joins them. "
        "The worker checks 'queue empty and not stopped' and then sleeps, holding the "
        "queue's lock from the check until the wait releases it. The buggy stop writes the "
        "flag and broadcasts without taking that lock, so both can land between the "
        "worker's check and its sleep (forced here): the worker saw the old flag, the "
        "broadcast found nobody waiting and is gone - a condition variable keeps no memory "
        "- and the worker sleeps for ever. The owner's join waits for it: every thread "
        "blocked, no lock cycle, a hang. The flag is also a data race. The fix sets the "
        "flag and broadcasts under the queue's lock: the worker then sees the flag in its "
        "check, or is already asleep when the broadcast comes. The lab's pool "
        "(tl_pool_shutdown) does exactly that.",
    .detector_note = "TSan reports the flag as a data race (written without the lock, read "
                     "under it); it cannot see the lost wake-up itself. The live monitor "
                     "sees the worker asleep on a condition not signalled since it began to "
                     "wait and main joining it: a hang.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 100, .max_iterations = 1000000,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race monitor:hang",
         .about = "stop flag and broadcast without the lock, forced between the worker's "
                  "check and its sleep"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "stop flag set and broadcast under the queue's lock"},
        {.name = "fixed-pool", .role = TL_ROLE_FIXED, .entry = fixed_pool, .expect = "",
         .about = "the lab's pool: tl_pool_shutdown sets its flag under the lock, "
                  "broadcasts and joins"},
    },
};
