/* SPDX-License-Identifier: MIT */
/* pool.lost_tasks: two producers put tasks on a pool's queue without a
 * lock; one overwrites the other's and a task is never run. */
#include <sched.h>
#include "tl_atomic.h"
#include "tl_pool.h"
#include "tl_scenario.h"

enum { PRODUCERS = 2, MAX_TASKS = 2 * (100000 + 1) };

/* The unsynchronised queue: an array of task ids (0 = empty slot) and the
 * next free slot. A push is read tail, write the slot, write tail + 1 -
 * three steps another producer can come between. */
static unsigned queue[MAX_TASKS];
static unsigned tail, head;
/* Each task's run count: every task is one id, run by the one worker. */
static unsigned char runs[MAX_TASKS + 1];
static tl_atomic_u32 producers_done; /* the worker's signal to stop looking */
static tl_turns_t turns = TL_TURNS_INIT;

static void push_unlocked(unsigned id)
{
    unsigned slot = tail;
    queue[slot] = id;
    tail = slot + 1;
}

typedef struct {
    unsigned first_id;
    unsigned long count;
} producer_t;

/* Producer 0's first push is split by producer 1's (forced): both read the
 * same tail, both write the same slot, and the later write wins. */
static void *producer(void *arg)
{
    producer_t *p = arg;
    unsigned id = p->first_id;
    if (p->first_id == 1) {
        unsigned slot = tail;     /* reads tail = 0 */
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2);  /* producer 1 pushes into slot 0 meanwhile */
        queue[slot] = id++;       /* overwrites producer 1's task */
        tail = slot + 1;
    } else {
        tl_turn_wait(&turns, 1);
        push_unlocked(id++);
        tl_turn_pass(&turns);
    }
    for (unsigned long i = 1; i < p->count; i++)
        push_unlocked(id++);
    return NULL;
}

/* The worker takes tasks as they appear; a slot still 0 has not been
 * written yet (or was lost): it is skipped, as a racy queue would. */
static void *unlocked_worker(void *arg)
{
    (void)arg;
    for (;;) {
        /* acquire: pairs with main's release once the producers are joined,
         * so a last look after it sees every push that survived. */
        bool last_look = tl_atomic_load_u32(&producers_done, tl_acquire) != 0;
        while (head < tail) {
            unsigned id = queue[head++];
            if (id)
                runs[id]++;
        }
        if (last_look)
            return NULL;
        tl_cpu_relax();
        sched_yield();
    }
}

/* How many of the n tasks ran exactly once; the rest were lost (or ran
 * twice, which the racy worker could also do). */
static void check_runs(tl_ctx *ctx, unsigned n)
{
    unsigned once = 0;
    for (unsigned id = 1; id <= n; id++)
        once += runs[id] == 1;
    tl_oracle_expect_u64(ctx, "tasks run exactly once", n, once);
}

static void buggy(tl_ctx *ctx)
{
    tl_oracle_words(&producers_done, sizeof producers_done);
    unsigned long per = ctx->iterations + 1;
    producer_t p[PRODUCERS] = {{1, per}, {1 + (unsigned)per, per}};
    tl_thread_t w, t[PRODUCERS];
    tl_thread_start(&w, "pool-worker-0", unlocked_worker, NULL);
    tl_thread_start(&t[0], "producer-0", producer, &p[0]);
    tl_thread_start(&t[1], "producer-1", producer, &p[1]);
    tl_thread_join(&t[0]);
    tl_thread_join(&t[1]);
    tl_atomic_store_u32(&producers_done, 1, tl_release);
    tl_thread_join(&w);
    check_runs(ctx, (unsigned)(2 * per));
}

/* Fixed: the lab's pool, whose queue is guarded by a lock of the run's
 * kind: a push is one critical section, so no two can interleave. */
static tl_pool_t *pool;

static void run_task(void *arg)
{
    runs[(uintptr_t)arg]++; /* one task, one id: no two tasks share a count */
}

static void *pool_producer(void *arg)
{
    producer_t *p = arg;
    for (unsigned long i = 0; i < p->count; i++)
        tl_pool_release(tl_pool_submit(pool, run_task, (void *)(uintptr_t)(p->first_id + i)));
    return NULL;
}

static void fixed(tl_ctx *ctx)
{
    unsigned long per = ctx->iterations + 1;
    producer_t p[PRODUCERS] = {{1, per}, {1 + (unsigned)per, per}};
    pool = tl_pool_create(ctx->threads, "pool", ctx->lock_kind);
    tl_thread_t t[PRODUCERS];
    tl_thread_start(&t[0], "producer-0", pool_producer, &p[0]);
    tl_thread_start(&t[1], "producer-1", pool_producer, &p[1]);
    tl_thread_join(&t[0]);
    tl_thread_join(&t[1]);
    /* Drains the queue and joins the workers: every run is done and visible. */
    tl_pool_shutdown(pool, TL_POOL_DRAIN);
    tl_pool_stats s = tl_pool_stats_get(pool);
    tl_oracle_expect_u64(ctx, "tasks the pool ran", 2 * per, s.completed);
    check_runs(ctx, (unsigned)(2 * per));
    tl_pool_destroy(pool);
}

TL_SCENARIO(pool_lost_tasks) = {
    .name = "pool.lost_tasks",
    .category = "pool",
    .summary = "producers push onto a pool's task queue without a lock: a task is lost",
    .concept = "thread pool; the jobs queue is a shared producer-consumer queue",
    .teaching =
        "A thread pool is a producer-consumer queue: producers put jobs (data plus the "
        "function that processes it) on the queue, and the workers, created up front, take "
        "them off. The queue is shared by every producer and every worker, so each push and "
        "each pop is a read-modify-write of shared memory. The buggy queue pushes without a "
        "lock: read the tail, write the slot, write tail + 1. Two producers forced to "
        "interleave both read the same tail, both write the same slot, and the second "
        "write wins - the first producer's job is never run, and nothing says so. The fix "
        "is the lab's pool, whose queue is guarded by one lock of the run's kind: a push "
        "and a pop are each one critical section, and idle workers sleep on a condition "
        "variable instead of spinning on the tail. The oracle counts the jobs run against "
        "the jobs submitted.",
    .detector_note = "TSan reports the data race on the queue's tail and slots. The oracle "
                     "counts tasks run exactly once against tasks submitted, whatever the "
                     "detector.",
    .threads = 2, .min_threads = 1, .max_threads = 8,
    .iterations = 1000, .max_iterations = 100000,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "an array queue pushed without a lock; the first pushes of the two "
                  "producers are forced to overlap"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the lab's pool: every push and pop under the queue's lock (--lock), "
                  "workers asleep on a condition variable when it is empty"},
    },
};
