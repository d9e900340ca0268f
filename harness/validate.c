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
    return NULL;
}

int tl_validate_run(const tl_lock_kind *kind, unsigned threads, unsigned long iterations,
                    tl_validate_result *out)
{
    if (!kind || threads == 0 || threads > TL_VALIDATE_MAX_THREADS || iterations == 0)
        return -1;
    static shared_t sh; /* static: large, and one validation runs at a time */
    memset(&sh, 0, sizeof sh);
    worker_t w[TL_VALIDATE_MAX_THREADS];
    pthread_t tid[TL_VALIDATE_MAX_THREADS];
    tl_lock_init(&sh.lock, kind, "validator");
    pthread_barrier_init(&sh.start, NULL, threads);
    sh.iterations = iterations;
    sh.threads = threads;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < threads; i++) {
        w[i] = (worker_t){.sh = &sh, .index = i};
        pthread_create(&tid[i], NULL, worker, &w[i]);
    }
    for (unsigned i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->threads = threads;
    out->iterations = iterations;
    out->expected = (unsigned long)threads * iterations;
    out->counted = sh.counter;
    out->overlaps = tl_atomic_load_u32(&sh.overlaps, tl_relaxed);
    for (unsigned i = 0; i < threads; i++)
        out->while_contended[i] = sh.snapshot[i];
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    pthread_barrier_destroy(&sh.start);
    tl_lock_destroy(&sh.lock);
    return 0;
}
