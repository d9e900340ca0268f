/* SPDX-License-Identifier: MIT */
/* The fixed thread pool (tl_pool.h).
 *
 * Everything shared is guarded by the pool's one lock: the queue, the
 * stopping flag, the counters, and each task's state, references and
 * waiter count. Workers sleep on the `work` condition variable while the
 * queue is empty and the pool is not stopping; every change of either is
 * made under the lock and followed by a signal or broadcast, and a worker
 * re-checks both in a while loop before it sleeps - so no wake-up can fall
 * between its check and its sleep (the condition variable's own protocol,
 * tl_cond.h, closes that gap once the lock is released).
 *
 * A task's waiters sleep on the task's own state word (a futex), not on a
 * pool-wide condition: the monitor must see which task a thread waits for,
 * and a finished task wakes only its own waiters. The same protocol as the
 * condition variable holds: a waiter reads the state and registers under
 * the lock, and sleeps only while the word still holds what it read; the
 * worker changes the word under the lock and then wakes every registered
 * waiter. Ordering for the data rests on the lock, never on the futex: a
 * waiter re-takes the lock before it returns, and the worker marked the
 * task done under it after the task's function returned.
 *
 * A task's life: QUEUED (in the queue) -> RUNNING (a worker took it, or a
 * waiter ran it inline) -> DONE; or QUEUED -> CANCELLED (shutdown with
 * TL_POOL_CANCEL). Two references keep it alive: the queue's (dropped by
 * whoever finishes or cancels it) and the handle's (dropped by wait or
 * release); the last one frees it. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_annotate.h"
#include "tl_cond.h"
#include "tl_futex.h"
#include "tl_lock.h"
#include "tl_pool.h"
#include "tl_track_pool.h"

enum { TASK_QUEUED, TASK_RUNNING, TASK_DONE, TASK_CANCELLED };

struct tl_pool_task {
    tl_pool_fn *fn;
    void *arg;
    tl_pool_t *pool;
    tl_pool_task_t *next; /* queue link */
    /* Written only under the pool lock; the futex reads it outside. */
    tl_atomic_u32 state;
    unsigned refs;    /* the queue's and the handle's */
    unsigned waiters; /* threads that may be asleep on state */
    uint32_t track_id;
};

typedef struct {
    tl_pool_t *pool;
    pthread_t handle;
    uint32_t slot; /* its thread slot in the monitor table */
    char name[16];
} worker_t;

struct tl_pool {
    tl_lock_t lock; /* first: it is aligned to a cache line */
    tl_cond_t work; /* a task was queued, or the pool is stopping */
    tl_pool_task_t *head, *tail;
    bool stopping;
    bool joined;    /* the owner's: shutdown has joined every worker */
    uint64_t submitted, completed, cancelled, own_waits;
    unsigned nworkers;
    uint32_t track_id;
    char name[32], lock_name[40], cond_name[40];
    worker_t worker[TL_POOL_MAX_WORKERS];
};

/* The pool whose worker the calling thread is, if any. */
static _Thread_local tl_pool_t *worker_of;

static uint32_t state_of(tl_pool_task_t *t)
{
    /* relaxed: read under the pool lock, which orders everything else. */
    return tl_atomic_load_u32(&t->state, tl_relaxed);
}

/* Under the lock. */
static void drop_ref(tl_pool_task_t *t)
{
    if (--t->refs == 0)
        free(t);
}

/* Under the lock: the task is over (done or cancelled); its waiters wake. */
static void finish(tl_pool_task_t *t, uint32_t state)
{
    tl_track_task_done(t->track_id);
    tl_atomic_store_u32(&t->state, state, tl_relaxed); /* the lock orders it */
    if (t->waiters)
        tl__futex_wake(&t->state, INT_MAX);
    drop_ref(t);
}

/* Under the lock: the first queued task, off the queue and running. */
static tl_pool_task_t *take(tl_pool_t *p)
{
    tl_pool_task_t *t = p->head;
    p->head = t->next;
    if (!p->head)
        p->tail = NULL;
    tl_atomic_store_u32(&t->state, TASK_RUNNING, tl_relaxed);
    tl_track_task_running(t->track_id);
    return t;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    tl_pool_t *p = w->pool;
    /* Named from inside the thread: TSan picks the name up for its reports. */
    pthread_setname_np(pthread_self(), w->name);
    tl_track_thread_adopt(w->slot);
    worker_of = p;
    tl_lock_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping)
            tl_cond_wait(&p->work, &p->lock);
        if (!p->head)
            break; /* stopping, and the queue is drained */
        tl_pool_task_t *t = take(p);
        tl_lock_unlock(&p->lock);
        /* Busy: the worker holds one of the pool's places while the task
         * runs, which is what lets the monitor count free workers. */
        tl_track_acquired(p->track_id, __FILE__, __LINE__);
        t->fn(t->arg);
        tl_track_released(p->track_id);
        tl_lock_lock(&p->lock);
        p->completed++;
        finish(t, TASK_DONE);
    }
    tl_lock_unlock(&p->lock);
    tl_track_pool_worker_gone(p->track_id);
    tl_track_thread_end();
    return NULL;
}

/* Joins the first n workers, recorded as joins for the monitor. */
static void join_workers(tl_pool_t *p, unsigned n, const char *file, int line)
{
    for (unsigned i = 0; i < n; i++) {
        tl_track_wait(TL_TS_JOINING, p->worker[i].slot, false, file, line);
        pthread_join(p->worker[i].handle, NULL);
        tl_track_wait_end();
    }
}

tl_pool_t *tl_pool_create(unsigned workers, const char *name, const char *lock_kind)
{
    const tl_lock_kind *kind = tl_lock_kind_find(lock_kind ? lock_kind : "mutex");
    if (!kind || workers == 0 || workers > TL_POOL_MAX_WORKERS)
        return NULL;
    void *mem = NULL;
    if (posix_memalign(&mem, TL_CACHE_LINE, sizeof(tl_pool_t)) != 0)
        return NULL;
    tl_pool_t *p = mem;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name ? name : "pool");
    snprintf(p->lock_name, sizeof p->lock_name, "%s.queue", p->name);
    snprintf(p->cond_name, sizeof p->cond_name, "%s.work", p->name);
    tl_lock_init(&p->lock, kind, p->lock_name);
    tl_cond_init(&p->work, p->cond_name);
    p->track_id = tl_track_pool_new(p->name, workers);
    for (unsigned i = 0; i < workers; i++) {
        worker_t *w = &p->worker[i];
        w->pool = p;
        /* The pool's name is cut first, so the worker's number always shows. */
        int suffix = snprintf(NULL, 0, "-worker-%u", i);
        snprintf(w->name, sizeof w->name, "%.*s-worker-%u", suffix < 15 ? 15 - suffix : 0,
                 p->name, i);
        /* Reserved here: a shutdown right after create knows whom it joins. */
        w->slot = tl_track_thread_reserve(w->name);
        if (pthread_create(&w->handle, NULL, worker_main, w) != 0) {
            tl_lock_lock(&p->lock);
            p->stopping = true;
            tl_cond_broadcast(&p->work);
            tl_lock_unlock(&p->lock);
            join_workers(p, i, __FILE__, __LINE__);
            tl_lock_destroy(&p->lock);
            free(p);
            return NULL;
        }
        p->nworkers = i + 1;
    }
    return p;
}

tl_pool_task_t *tl_pool_submit_named(tl_pool_t *p, tl_pool_fn *fn, void *arg, const char *name)
{
    tl_pool_task_t *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    t->fn = fn;
    t->arg = arg;
    t->pool = p;
    t->next = NULL;
    t->refs = 2;
    t->waiters = 0;
    tl_atomic_store_u32(&t->state, TASK_QUEUED, tl_relaxed); /* not yet shared */
    /* Valgrind: the kernel's futex compare reads the word outside the lock
     * (Helgrind counts that as a read by the sleeper); the word is the
     * pool's business, and what the task wrote is ordered by the lock. */
    if (TL__ANN_ACTIVE())
        TL__ANN_PRIVATE(&t->state, sizeof t->state);
    tl_lock_lock(&p->lock);
    if (p->stopping) {
        tl_lock_unlock(&p->lock);
        free(t);
        return NULL;
    }
    t->track_id = tl_track_task_new(name ? name : "task", p->track_id);
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    p->submitted++;
    /* One task, one worker to wake; an idle worker re-checks the queue. */
    tl_cond_signal(&p->work);
    tl_lock_unlock(&p->lock);
    return t;
}

/* Under the lock, returns with it: sleeps until the task is over. */
static uint32_t wait_over(tl_pool_t *p, tl_pool_task_t *t, const char *file, int line)
{
    uint32_t s;
    while ((s = state_of(t)) < TASK_DONE) {
        t->waiters++;
        tl_lock_unlock(&p->lock);
        tl_track_wait(TL_TS_WAIT_TASK, t->track_id, false, file, line);
        /* Returns at once if the state moved since we read it. */
        tl__futex_wait(&t->state, s, 0);
        tl_track_wait_end();
        tl_lock_lock_at(&p->lock, file, line);
        t->waiters--;
    }
    return s;
}

bool tl_pool_wait_at(tl_pool_task_t *t, const char *file, int line)
{
    tl_pool_t *p = t->pool;
    tl_lock_lock_at(&p->lock, file, line);
    /* A worker waiting for a task of its own pool: whether that task has
     * started yet is luck, and when it has not, only another free worker
     * can start it. Counted whatever the luck (the potential deadlock). */
    if (worker_of == p)
        p->own_waits++;
    bool ran = wait_over(p, t, file, line) == TASK_DONE;
    drop_ref(t);
    tl_lock_unlock(&p->lock);
    return ran;
}

bool tl_pool_wait_or_run_at(tl_pool_task_t *t, const char *file, int line)
{
    tl_pool_t *p = t->pool;
    tl_lock_lock_at(&p->lock, file, line);
    if (state_of(t) == TASK_QUEUED) {
        /* Unlink it wherever it is in the queue. */
        tl_pool_task_t **link = &p->head, *prev = NULL;
        while (*link != t) {
            prev = *link;
            link = &(*link)->next;
        }
        *link = t->next;
        if (p->tail == t)
            p->tail = prev;
        tl_atomic_store_u32(&t->state, TASK_RUNNING, tl_relaxed);
        tl_track_task_running(t->track_id);
        tl_lock_unlock(&p->lock);
        t->fn(t->arg);
        tl_lock_lock_at(&p->lock, file, line);
        p->completed++;
        finish(t, TASK_DONE);
    }
    bool ran = wait_over(p, t, file, line) == TASK_DONE;
    drop_ref(t);
    tl_lock_unlock(&p->lock);
    return ran;
}

void tl_pool_release(tl_pool_task_t *t)
{
    tl_pool_t *p = t->pool;
    tl_lock_lock(&p->lock);
    drop_ref(t);
    tl_lock_unlock(&p->lock);
}

unsigned tl_pool_shutdown(tl_pool_t *p, tl_pool_stop how)
{
    if (p->joined)
        return 0;
    unsigned cancelled = 0;
    tl_lock_lock(&p->lock);
    p->stopping = true;
    while (how == TL_POOL_CANCEL && p->head) {
        tl_pool_task_t *t = p->head;
        p->head = t->next;
        finish(t, TASK_CANCELLED);
        cancelled++;
    }
    if (!p->head)
        p->tail = NULL;
    p->cancelled += cancelled;
    /* Under the lock, with the flag: a worker between its check and its
     * sleep cannot miss it (hence pool.stop_flag's fix). */
    tl_cond_broadcast(&p->work);
    tl_lock_unlock(&p->lock);
    join_workers(p, p->nworkers, __FILE__, __LINE__);
    p->joined = true;
    return cancelled;
}

void tl_pool_destroy(tl_pool_t *p)
{
    if (!p)
        return;
    tl_pool_shutdown(p, TL_POOL_DRAIN);
    tl_lock_destroy(&p->lock);
    free(p);
}

tl_pool_stats tl_pool_stats_get(tl_pool_t *p)
{
    tl_lock_lock(&p->lock);
    tl_pool_stats s = {p->submitted, p->completed, p->cancelled, p->own_waits, p->nworkers};
    tl_lock_unlock(&p->lock);
    return s;
}
