/* SPDX-License-Identifier: MIT */
/* pool.subtask_deadlock: tasks wait for sub-tasks queued behind them in the
 * same pool, and every worker ends up waiting. */
#include "tl_pool.h"
#include "tl_scenario.h"

enum { MAX_JOBS = 8 };

/* Passed once every job is queued: a job starts its work only then. */
static tl_turns_t all_queued = TL_TURNS_INIT;

/* One job: a task that needs a sub-task's result (the sum 1..n) to finish. */
typedef struct {
    tl_pool_t *sub_pool;      /* where its sub-task goes */
    unsigned long n;
    unsigned long sub_sum;    /* the sub-task's result */
    unsigned long result;     /* the job's: twice the sub-task's */
    tl_pool_task_t *sub;      /* the continuation variant's sub-task, for main */
} job_t;

static void sub_task(void *arg)
{
    job_t *j = arg;
    unsigned long sum = 0;
    for (unsigned long i = 1; i <= j->n; i++)
        sum += i;
    j->sub_sum = sum;
}

/* Buggy (and fixed-two-pools, whose sub_pool is another pool): submit the
 * sub-task and wait for it while holding this worker. */
static void job_waits(void *arg)
{
    job_t *j = arg;
    tl_turn_wait(&all_queued, 1);
    tl_pool_task_t *sub = tl_pool_submit_named(j->sub_pool, sub_task, j, "sub-task");
    tl_pool_wait(sub); /* actual mode, buggy: waits for ever */
    j->result = 2 * j->sub_sum;
}

/* Fixed: a sub-task still queued is run right here, on this worker. */
static void job_runs_inline(void *arg)
{
    job_t *j = arg;
    tl_turn_wait(&all_queued, 1);
    tl_pool_task_t *sub = tl_pool_submit_named(j->sub_pool, sub_task, j, "sub-task");
    tl_pool_wait_or_run(sub);
    j->result = 2 * j->sub_sum;
}

/* Fixed: no waiting in a task. The job hands the rest of its work to the
 * sub-task (a continuation) and returns, freeing its worker. */
static void sub_task_then_finish(void *arg)
{
    job_t *j = arg;
    sub_task(j);
    j->result = 2 * j->sub_sum;
}

static void job_continues(void *arg)
{
    job_t *j = arg;
    tl_turn_wait(&all_queued, 1);
    j->sub = tl_pool_submit_named(j->sub_pool, sub_task_then_finish, j, "continuation");
}

typedef enum { SAME_POOL, TWO_POOLS } pools_t;

static void run(tl_ctx *ctx, tl_pool_fn *job, pools_t pools, unsigned workers)
{
    unsigned njobs = ctx->threads;
    tl_pool_t *pool = tl_pool_create(workers, "pool", ctx->lock_kind);
    tl_pool_t *sub_pool = pools == TWO_POOLS ? tl_pool_create(njobs, "subpool", ctx->lock_kind)
                                             : pool;
    if (!pool || !sub_pool) {
        tl_oracle(ctx, "pools started", false, "tl_pool_create failed");
        return;
    }
    job_t jobs[MAX_JOBS];
    tl_pool_task_t *task[MAX_JOBS];
    /* Forced: every job is queued before any sub-task (a job waits for
     * all_queued before it queues its own), and the queue is FIFO, so each
     * worker takes a job first: with as many jobs as workers, all of them
     * hold a job when the first sub-task is queued. (Without the gate a
     * quick worker could queue its sub-task before main queued the next
     * job, and a free worker would take the sub-task.) */
    for (unsigned i = 0; i < njobs; i++) {
        jobs[i] = (job_t){.sub_pool = sub_pool, .n = ctx->iterations};
        task[i] = tl_pool_submit_named(pool, job, &jobs[i], "job");
    }
    tl_turn_pass(&all_queued);
    for (unsigned i = 0; i < njobs; i++) {
        tl_pool_wait(task[i]); /* actual mode, buggy: waits for ever */
        if (jobs[i].sub)
            tl_pool_wait(jobs[i].sub);
    }
    unsigned long expected = ctx->iterations * (ctx->iterations + 1), wrong = 0;
    for (unsigned i = 0; i < njobs; i++)
        wrong += jobs[i].result != expected;
    tl_oracle(ctx, "every job's result", wrong == 0, "%lu of %u wrong", wrong, njobs);
    uint64_t own = tl_pool_stats_get(pool).own_waits;
    tl_oracle(ctx, "no task waits for a task of its own pool", own == 0,
              "%llu waits by a worker for a task of its own pool (each a potential pool "
              "deadlock: it ended only because a worker happened to be free)",
              (unsigned long long)own);
    if (sub_pool != pool)
        tl_pool_destroy(sub_pool);
    tl_pool_destroy(pool);
}

/* Potential mode: twice as many workers as jobs, so a worker is always free
 * for the sub-tasks and nothing hangs - but every job waited for a task of
 * its own pool, which the pool counts. Actual mode: one worker per job. */
static void buggy(tl_ctx *ctx)
{
    run(ctx, job_waits, SAME_POOL, ctx->mode == TL_MODE_ACTUAL ? ctx->threads : 2 * ctx->threads);
}
static void fixed_inline(tl_ctx *ctx) { run(ctx, job_runs_inline, SAME_POOL, ctx->threads); }
static void fixed_two_pools(tl_ctx *ctx) { run(ctx, job_waits, TWO_POOLS, ctx->threads); }
static void fixed_continuation(tl_ctx *ctx) { run(ctx, job_continues, SAME_POOL, ctx->threads); }

TL_SCENARIO(pool_subtask_deadlock) = {
    .name = "pool.subtask_deadlock",
    .category = "pool",
    .summary = "pool tasks wait for sub-tasks queued behind them: every worker waits",
    .concept = "thread pool; a wait-for cycle through the job queue",
    .teaching =
        "A thread pool has N workers, created up front and blocked on the jobs queue; a job "
        "is data plus the function that processes it. Here each job needs a sub-job's "
        "result: it queues the sub-job in the same pool and waits for it, holding its "
        "worker. With as many jobs as workers, every worker takes a job first (they were "
        "all queued first: forced, a job starts only once main has queued them all), every "
        "job queues its sub-job behind them and waits - and no worker is left to start a "
        "sub-job. No lock is involved: the cycle runs through the queue "
        "(worker -> the sub-job it waits for -> the queue -> every worker of the pool, all "
        "busy). More workers only move the threshold: the pool deadlocks whenever N jobs "
        "wait at once. The potential mode gives the pool twice as many workers as jobs, so "
        "it finishes, but the pool counts every wait by a worker for a task of its own "
        "pool - the pattern that deadlocks as soon as the pool is short of one worker. The "
        "actual mode has one worker per job and the live monitor names the pool deadlock. "
        "Fix 1 runs a sub-job that is still queued inline, on the waiting worker. Fix 2 "
        "gives sub-jobs a pool of their own: the job pool's workers wait for the sub-pool's, "
        "never the reverse. Fix 3 does not wait in a job at all: the job hands the rest of "
        "its work to the sub-job (a continuation) and returns its worker.",
    .coffman =
        "Mutual exclusion: a worker runs one job at a time, and the pool has only N. Hold "
        "and wait: each job holds its worker while it waits for its sub-job. No preemption: "
        "a running job cannot be taken off its worker, and tl_pool_wait has no timeout. "
        "Circular wait: each worker waits for a sub-job, which waits in the queue for a "
        "free worker of the same pool - one of the waiting workers themselves.",
    .detector_note = "TSan reports nothing: no data race, no lock is held across the wait, "
                     "and it never reports threads blocked for ever. In the potential mode "
                     "the pool's own count of waits by a worker for its own pool is the "
                     "evidence (the oracle); in the actual mode the live monitor sees every "
                     "worker of the pool waiting for a task still queued in it.",
    .threads = 2, .min_threads = 1, .max_threads = MAX_JOBS,
    .iterations = 1000, .max_iterations = 1000000,
    .takes_lock = true,
    .has_modes = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "oracle:violated", .expect_actual = "monitor:pool-deadlock",
         .about = "each job waits for its sub-job queued in the same pool (potential: twice "
                  "the workers, nothing hangs; actual: one worker per job)"},
        {.name = "fixed-inline", .role = TL_ROLE_FIXED, .entry = fixed_inline, .expect = "",
         .about = "a sub-job still queued is taken off the queue and run by the waiting "
                  "worker (tl_pool_wait_or_run)",
         .breaks = "hold and wait"},
        {.name = "fixed-two-pools", .role = TL_ROLE_FIXED, .entry = fixed_two_pools,
         .expect = "",
         .about = "sub-jobs go to a pool of their own, whose workers never wait for a job",
         .breaks = "circular wait"},
        {.name = "fixed-continuation", .role = TL_ROLE_FIXED, .entry = fixed_continuation,
         .expect = "",
         .about = "a job never waits: it queues its sub-job with the rest of its work and "
                  "returns its worker",
         .breaks = "hold and wait"},
    },
};
