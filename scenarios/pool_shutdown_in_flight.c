/* SPDX-License-Identifier: MIT */
/* pool.shutdown_in_flight: a pool is freed while its worker still runs a
 * task; the worker then touches the freed pool. */
#include <sched.h>
#include <stdlib.h>
#include "tl_atomic.h"
#include "tl_pool.h"
#include "tl_scenario.h"

/* A one-worker pool written out, with a shutdown that does not wait. Its
 * first 64 bytes are a name: glibc's free() writes its own list pointers
 * into the first 16 bytes of a freed block, and the lock behind them must
 * stay intact for the worker's late use to show the bug instead of
 * crashing on a clobbered pointer. */
typedef struct {
    char name[64];
    tl_lock_t lock;
    tl_cond_t work;
    void (*task)(void *);
    void *task_arg;
    bool stop;
    unsigned long completed;
} naive_pool;

static tl_turns_t turns = TL_TURNS_INIT;
/* The oracle's bookkeeping, atomic so that it adds no race of its own:
 * which pool was freed, and whether its worker touched it afterwards. */
static tl_atomic_ptr freed_pool;
static tl_atomic_u32 touched_freed;

static void *naive_worker(void *arg)
{
    naive_pool *p = arg;
    tl_lock_lock(&p->lock);
    while (!p->task && !p->stop)
        tl_cond_wait(&p->work, &p->lock);
    void (*task)(void *) = p->task;
    void *task_arg = p->task_arg;
    p->task = NULL;
    tl_lock_unlock(&p->lock);
    if (task)
        task(task_arg);
    /* The bookkeeping after a task: the pool must still be there. */
    if (tl_atomic_load_ptr(&freed_pool, tl_relaxed) == p)
        tl_atomic_store_u32(&touched_freed, 1, tl_relaxed);
    tl_lock_lock(&p->lock);
    p->completed++;
    tl_lock_unlock(&p->lock);
    return NULL;
}

static unsigned long answer;

static void slow_task(void *arg)
{
    (void)arg;
    tl_turn_pass(&turns);    /* step 1: the task is running */
    tl_turn_wait(&turns, 2); /* forced: the owner shuts the pool down meanwhile */
    answer = 42;
}

/* Buggy: "shutdown" sets the flag, wakes the worker and frees the pool at
 * once - the worker is detached in spirit: nobody waits for its task. */
static void naive_shutdown(naive_pool *p)
{
    tl_lock_lock(&p->lock);
    p->stop = true;
    tl_cond_broadcast(&p->work);
    tl_lock_unlock(&p->lock);
    tl_atomic_store_ptr(&freed_pool, p, tl_relaxed);
    free(p);
}

static void buggy(tl_ctx *ctx)
{
    tl_oracle_words(&freed_pool, sizeof freed_pool);
    tl_oracle_words(&touched_freed, sizeof touched_freed);
    naive_pool *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    tl_ctx_lock_init(ctx, &p->lock, "pool.lock");
    tl_cond_init(&p->work, "pool.work");
    tl_thread_t w;
    tl_thread_start(&w, "pool-worker-0", naive_worker, p);
    tl_lock_lock(&p->lock);
    p->task = slow_task;
    tl_cond_signal(&p->work);
    tl_lock_unlock(&p->lock);
    tl_turn_wait(&turns, 1); /* the task is running */
    naive_shutdown(p);
    tl_turn_pass(&turns);    /* the task ends; its worker finds the pool freed */
    tl_thread_join(&w);      /* only so that the run can end cleanly */
    bool touched = tl_atomic_load_u32(&touched_freed, tl_relaxed) != 0;
    tl_oracle(ctx, "no worker touches its pool after shutdown", !touched,
              touched ? "the worker updated the pool's counters after it was freed" : "none");
}

/* Fixed: the lab's pool. tl_pool_destroy shuts down first, which drains the
 * queue and joins every worker, so no task is running when the pool's
 * memory goes. The task is still running when destroy is called. */
static tl_atomic_u32 task_running;

static void task_then_note(void *arg)
{
    (void)arg;
    tl_atomic_store_u32(&task_running, 1, tl_relaxed);
    for (unsigned long spin = 0; spin < 100000; spin++)
        TL_KEEP(spin); /* still running when the owner calls destroy, most runs */
    answer = 42;
}

static void fixed(tl_ctx *ctx)
{
    tl_oracle_words(&task_running, sizeof task_running);
    tl_pool_t *p = tl_pool_create(1, "pool", ctx->lock_kind);
    tl_pool_release(tl_pool_submit(p, task_then_note, NULL));
    while (!tl_atomic_load_u32(&task_running, tl_relaxed))
        sched_yield(); /* waits for it to start; any schedule is fine */
    tl_pool_destroy(p); /* drains, joins, then frees */
    tl_oracle_expect_u64(ctx, "the task's answer after destroy", 42, answer);
}

TL_SCENARIO(pool_shutdown_in_flight) = {
    .name = "pool.shutdown_in_flight",
    .category = "pool",
    .summary = "a pool is freed while its worker still runs a task",
    .concept = "thread pool shutdown; the heap object's lifetime is shared",
    .teaching =
        "A pool's workers are threads that share the pool object on the heap: the queue, "
        "the lock, the counters. Whoever frees it must know that no worker will touch it "
        "again - and a worker in the middle of a job will, as soon as the job returns (to "
        "count it, to take the next one). The buggy shutdown sets the stop flag, wakes the "
        "workers and frees the pool at once, while a job still runs (forced): when the job "
        "returns, its worker locks and updates a pool that is gone - a use after free. The "
        "fix is the lab's pool: tl_pool_destroy first shuts the pool down, which refuses new "
        "jobs, drains (or cancels) the queued ones and joins every worker; only once every "
        "worker has ended is the memory freed. A thread that is joined can no longer touch "
        "anything.",
    .detector_note = "TSan reports the worker's access to the freed pool as a "
                     "heap-use-after-free racing with free(); the oracle records that a "
                     "worker touched its pool after it was freed (it does not depend on the "
                     "allocator).",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "heap-use-after-free oracle:violated",
         .about = "shutdown frees the pool without waiting for the worker, whose job is "
                  "forced to be still running"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the lab's pool: destroy drains the queue and joins every worker before "
                  "it frees anything"},
    },
};
