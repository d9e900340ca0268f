/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "tl_atomic.h"
#include "validate.h"

typedef struct {
    tl_lock_t lock;
    pthread_barrier_t start;
    unsigned long iterations;
    unsigned long counter; /* plain on purpose: only the lock protects it */
    tl_atomic_u32 inside;  /* the owner flag */
    tl_atomic_u32 overlaps;
    tl_atomic_u32 first_done;
    unsigned threads;
    tl_atomic_u32 progress[TL_VALIDATE_MAX_THREADS];
    unsigned long snapshot[TL_VALIDATE_MAX_THREADS];
    tl_atomic_u32 stop;         /* set when the deadline passes */
    pthread_mutex_t done_lock;  /* guards ndone; the starter waits on done */
    pthread_cond_t done;
    unsigned ndone;
} shared_t;

typedef struct {
    shared_t *sh;
    unsigned index;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    shared_t *sh = w->sh;
    pthread_barrier_wait(&sh->start);
    for (unsigned long i = 0; i < sh->iterations; i++) {
        /* relaxed: the flag carries no data, a worker only has to see it
         * eventually; an acquisition in progress is finished first, so the
         * count stays checkable. */
        if (tl_atomic_load_u32(&sh->stop, tl_relaxed))
            break;
        tl_lock_lock(&sh->lock);
        /* relaxed: the flag must not add ordering of its own, or it would
         * hide a lock that fails to order the counter (TSan would see the
         * flag's synchronisation instead of the lock's). */
        if (tl_atomic_exchange_u32(&sh->inside, 1, tl_relaxed) != 0)
            tl_atomic_fetch_add_u32(&sh->overlaps, 1, tl_relaxed);
        sh->counter++;
        tl_atomic_store_u32(&sh->inside, 0, tl_relaxed);
        tl_lock_unlock(&sh->lock);
        /* relaxed: a counter read only for the fairness snapshot. */
        tl_atomic_fetch_add_u32(&sh->progress[w->index], 1, tl_relaxed);
    }
    /* The first finisher records everyone's progress: the shares while all
     * threads competed. relaxed: the exchange only elects one writer; the
     * reader reads the snapshot after pthread_join, which orders it. */
    if (tl_atomic_exchange_u32(&sh->first_done, 1, tl_relaxed) == 0)
        for (unsigned i = 0; i < sh->threads; i++)
            sh->snapshot[i] = tl_atomic_load_u32(&sh->progress[i], tl_relaxed);
    pthread_mutex_lock(&sh->done_lock);
    sh->ndone++;
    pthread_cond_signal(&sh->done);
    pthread_mutex_unlock(&sh->done_lock);
    return NULL;
}

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct timespec add_seconds(const struct timespec *t0, double s)
{
    struct timespec t = *t0;
    long whole = (long)s;
    t.tv_sec += whole;
    t.tv_nsec += (long)((s - (double)whole) * 1e9);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static unsigned long acquisitions(shared_t *sh)
{
    unsigned long sum = 0;
    for (unsigned i = 0; i < sh->threads; i++)
        sum += tl_atomic_load_u32(&sh->progress[i], tl_relaxed);
    return sum;
}

/* Sleeps on the workers' "done" signal until all are done, waking for the
 * deadline (then tells them to stop) and for each progress call. A wait with
 * a timeout instead of a plain join, so a slow lock cannot keep the caller
 * from its deadline; joined only once all have said they are done. */
static void watch(shared_t *sh, const tl_validate_opts *o, const struct timespec *t0)
{
    bool stopped = false;
    double next_progress = o->progress && o->progress_every_s > 0 ? o->progress_every_s : 0;
    pthread_mutex_lock(&sh->done_lock);
    while (sh->ndone < sh->threads) {
        double wake = 0;
        if (o->timeout_s > 0 && !stopped)
            wake = o->timeout_s;
        if (next_progress > 0 && (wake == 0 || next_progress < wake))
            wake = next_progress;
        if (wake == 0) {
            pthread_cond_wait(&sh->done, &sh->done_lock);
            continue;
        }
        struct timespec until = add_seconds(t0, wake);
        pthread_cond_timedwait(&sh->done, &sh->done_lock, &until);
        if (sh->ndone == sh->threads)
            break;
        double now = since(t0);
        if (o->timeout_s > 0 && !stopped && now >= o->timeout_s) {
            tl_atomic_store_u32(&sh->stop, 1, tl_relaxed);
            stopped = true;
        }
        if (next_progress > 0 && now >= next_progress) {
            /* Unlocked around the call: a slow terminal must not hold up a
             * worker that is finishing. */
            pthread_mutex_unlock(&sh->done_lock);
            o->progress(o->progress_arg, acquisitions(sh),
                        (unsigned long)sh->threads * sh->iterations, now);
            pthread_mutex_lock(&sh->done_lock);
            while (next_progress <= now)
                next_progress += o->progress_every_s;
        }
    }
    pthread_mutex_unlock(&sh->done_lock);
}

int tl_validate_run(const tl_lock_kind *kind, unsigned threads, unsigned long iterations,
                    tl_validate_result *out)
{
    return tl_validate_run_opts(kind, threads, iterations, NULL, out);
}

int tl_validate_run_opts(const tl_lock_kind *kind, unsigned threads, unsigned long iterations,
                         const tl_validate_opts *opts, tl_validate_result *out)
{
    static const tl_validate_opts none;
    if (!opts)
        opts = &none;
    if (!kind || threads == 0 || threads > TL_VALIDATE_MAX_THREADS || iterations == 0)
        return -1;
    static shared_t sh; /* static: large, and one validation runs at a time */
    memset(&sh, 0, sizeof sh);
    worker_t w[TL_VALIDATE_MAX_THREADS];
    pthread_t tid[TL_VALIDATE_MAX_THREADS];
    tl_lock_init(&sh.lock, kind, "validator");
    pthread_barrier_init(&sh.start, NULL, threads);
    pthread_mutex_init(&sh.done_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    /* The deadline is on the monotonic clock: a wall-clock step must not
     * move it. */
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sh.done, &ca);
    pthread_condattr_destroy(&ca);
    sh.iterations = iterations;
    sh.threads = threads;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < threads; i++) {
        w[i] = (worker_t){.sh = &sh, .index = i};
        pthread_create(&tid[i], NULL, worker, &w[i]);
    }
    watch(&sh, opts, &t0);
    for (unsigned i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->threads = threads;
    out->iterations = iterations;
    /* Each thread counts an acquisition once it has left the lock, so the
     * sum is exactly what the counter must show, stopped early or not. A
     * deadline that came just after the last acquisition stopped nothing. */
    out->expected = acquisitions(&sh);
    out->finished = out->expected == (unsigned long)threads * iterations;
    out->counted = sh.counter;
    out->overlaps = tl_atomic_load_u32(&sh.overlaps, tl_relaxed);
    for (unsigned i = 0; i < threads; i++)
        out->while_contended[i] = sh.snapshot[i];
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    pthread_barrier_destroy(&sh.start);
    pthread_cond_destroy(&sh.done);
    pthread_mutex_destroy(&sh.done_lock);
    tl_lock_destroy(&sh.lock);
    return 0;
}
