/* SPDX-License-Identifier: MIT */
/* A fixed thread pool: N workers created up front, blocked on a queue of
 * tasks (a task is a function plus its argument, the book's "data plus the
 * function that processes it"). Producers submit, a worker wakes and runs
 * the task; a handle lets the submitter wait until its task has run.
 *
 * The queue is a producer-consumer queue built from the lab's own parts: a
 * generic lock of the caller's kind (tl_lock.h) and the lab's condition
 * variable (tl_cond.h). With the live monitor on, the pool, its workers and
 * its tasks are in the monitor's table (tl_track_pool.h), so a pool whose
 * workers all wait for tasks queued behind them is named a pool deadlock.
 *
 * Submit, wait, wait_or_run, release and the stats may be called from any
 * thread. Shutdown and destroy are the owner's: one thread calls them, not
 * from a task of the pool, and destroy only once every handle was waited
 * for or released. */
#ifndef TL_POOL_H
#define TL_POOL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tl_pool tl_pool_t;
typedef struct tl_pool_task tl_pool_task_t;
typedef void tl_pool_fn(void *arg);

/* How shutdown treats tasks still queued: run them all first (drain), or
 * drop them (cancel: their waiters return false). Tasks already running
 * always finish: a worker is never stopped in the middle of a task. */
typedef enum { TL_POOL_DRAIN, TL_POOL_CANCEL } tl_pool_stop;

enum { TL_POOL_MAX_WORKERS = 64 }; /* the monitor table's thread limit */

/* Starts `workers` threads (1 .. TL_POOL_MAX_WORKERS) named
 * "<name>-worker-<i>" (cut to the kernel's 15 characters), over a queue
 * locked by a lock of kind `lock_kind` (a name from tl_lock_kind_find;
 * NULL: "mutex"). `name` (NULL: "pool") names the pool in reports. Returns
 * NULL on a bad argument (unknown kind, worker count out of range) or when
 * memory or threads run out; nothing is left behind then. */
tl_pool_t *tl_pool_create(unsigned workers, const char *name, const char *lock_kind);

/* Queues fn(arg); returns its handle, which the caller must pass to
 * tl_pool_wait or tl_pool_release exactly once. `name` (may be NULL: "task")
 * names it in the monitor's reports. Returns NULL once shutdown has begun:
 * the task is refused, never silently dropped. */
tl_pool_task_t *tl_pool_submit_named(tl_pool_t *p, tl_pool_fn *fn, void *arg, const char *name);
#define tl_pool_submit(p, fn, arg) tl_pool_submit_named((p), (fn), (arg), NULL)

/* Blocks until the task has run (true) or was cancelled by shutdown
 * (false), then gives the handle back. Whatever the task wrote before it
 * returned is visible to the caller afterwards. Called from a worker of the
 * same pool on a task still queued it may wait for ever: every worker may be
 * doing the same (a pool deadlock). */
#define tl_pool_wait(t) tl_pool_wait_at((t), __FILE__, __LINE__)
bool tl_pool_wait_at(tl_pool_task_t *t, const char *file, int line);

/* Like tl_pool_wait, but a task still queued is taken off the queue and run
 * right here, by the caller: a task that needs a sub-task's result never
 * waits for a free worker, so it cannot wait for itself. */
#define tl_pool_wait_or_run(t) tl_pool_wait_or_run_at((t), __FILE__, __LINE__)
bool tl_pool_wait_or_run_at(tl_pool_task_t *t, const char *file, int line);

/* Gives a handle back without waiting (a detached task still runs). */
void tl_pool_release(tl_pool_task_t *t);

/* Stops the pool: refuses new tasks, runs (drain) or cancels the queued
 * ones, and joins every worker, so when it returns no task is running and
 * none ever will. Returns the number of tasks cancelled. Idempotent. Never
 * call it from a task of the same pool: it would join its own worker. */
unsigned tl_pool_shutdown(tl_pool_t *p, tl_pool_stop how);

/* Frees the pool (shutting it down first, draining, if not done yet). */
void tl_pool_destroy(tl_pool_t *p);

/* Counters, for tests and oracles: tasks submitted, run to the end,
 * cancelled; own_waits, the tl_pool_wait calls made by a worker of this pool
 * for a task of this pool (each one a potential pool deadlock: were the
 * task still queued and every other worker doing the same, it would never
 * end); the number of workers. */
typedef struct {
    uint64_t submitted, completed, cancelled, own_waits;
    unsigned workers;
} tl_pool_stats;
tl_pool_stats tl_pool_stats_get(tl_pool_t *p);

#endif
