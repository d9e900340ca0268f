/* SPDX-License-Identifier: MIT */
/* misuse.thread_leak: a thread that is neither joined nor detached. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tl_scenario.h"

static tl_atomic_u32 worker_tid; /* the worker's kernel thread id, 0 until known */
static tl_tsem_t result_ready;
static unsigned long result;     /* written before the post, read after the wait */

static void *worker(void *arg)
{
    tl_ctx *ctx = arg;
    /* relaxed: only read back to find the thread in /proc, after the wait
     * below has ordered it. */
    tl_atomic_store_u32(&worker_tid, (uint32_t)syscall(SYS_gettid), tl_relaxed);
    unsigned long sum = 0;
    for (unsigned long i = 1; i <= ctx->iterations; i++)
        sum += i;
    result = sum;
    tl_tsem_post(&result_ready); /* the result is handed over here, not at join */
    return NULL;
}

/* Waits until the worker's kernel thread has gone (its /proc entry
 * disappears only after the thread has run its exit path, where the
 * detectors record that it finished). Without this a leak check at exit
 * might find the thread still running - which is no leak - and the
 * demonstration would depend on timing. A thread that has not gone is
 * running its last lines: yield to it. */
static void wait_until_gone(void)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/task/%u",
             (unsigned)tl_atomic_load_u32(&worker_tid, tl_relaxed));
    while (stat(path, &st) == 0 || errno != ENOENT)
        sched_yield();
}

static void start_and_collect(tl_ctx *ctx, tl_thread_t *w)
{
    tl_tsem_init(&result_ready, 0, "result_ready");
    tl_thread_start(w, "worker", worker, ctx);
    tl_tsem_wait(&result_ready);
    tl_oracle_expect_u64(ctx, "result", (uint64_t)ctx->iterations * (ctx->iterations + 1) / 2,
                         result);
}

/* Buggy: the caller takes the result, which arrives by a semaphore, and
 * forgets the thread. It is joinable, so when it ends its stack and its
 * descriptor are kept for a join that never comes: a thread leak, like a
 * malloc without a free. */
static void buggy(tl_ctx *ctx)
{
    tl_thread_t w;
    start_and_collect(ctx, &w);
    wait_until_gone();
}

/* Fixed: join it - the join releases what the finished thread kept. */
static void fixed(tl_ctx *ctx)
{
    tl_thread_t w;
    start_and_collect(ctx, &w);
    tl_thread_join(&w);
}

/* Fixed differently: a thread nobody will join is detached, so its
 * resources go back as soon as it ends. Detaching a thread that has already
 * ended is allowed too. */
static void fixed_detach(tl_ctx *ctx)
{
    tl_thread_t w;
    start_and_collect(ctx, &w);
    pthread_detach(w.handle);
    wait_until_gone();
}

TL_SCENARIO(misuse_thread_leak) = {
    .name = "misuse.thread_leak",
    .category = "misuse",
    .summary = "a thread is started and then neither joined nor detached",
    .concept = "a joinable thread's resources live until it is joined",
    .teaching =
        "A thread created joinable (the default) keeps its stack and its descriptor after "
        "it ends, so that a later pthread_join can collect its return value. If nobody "
        "ever joins it, those are never given back: a thread leak, the thread world's "
        "malloc without free - a long-running program that leaks one thread per request "
        "runs out of memory or of threads. It is easy to do when the result travels by "
        "another route (here a semaphore), so the join looks unnecessary. The buggy "
        "variant takes the result and forgets the thread; it waits (without sleeping) "
        "until the thread has really ended, so the leak is there at exit on every run. "
        "Fix 1 joins the thread. Fix 2 detaches it: a detached thread's resources go back "
        "as soon as it ends, for a thread nobody needs to wait for.",
    .detector_note = "TSan lists, at exit, every thread that finished but was neither "
                     "joined nor detached: 'thread leak'. Helgrind and DRD do not look for "
                     "leaked threads, and there is no oracle (the leak changes no result), so "
                     "under them and under --detector none the buggy variant is not "
                     "demonstrable.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = 100000000,
    .own_locking = "it takes no lock; the result comes by a semaphore",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "thread-leak",
         .about = "the result is taken by a semaphore and the thread never joined or "
                  "detached"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "pthread_join after taking the result"},
        {.name = "fixed-detach", .role = TL_ROLE_FIXED, .entry = fixed_detach, .expect = "",
         .about = "pthread_detach: nobody joins, its resources go back when it ends"},
    },
};
