/* SPDX-License-Identifier: MIT */
/* threadlab bench --pool (bench_pool.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_pool.h"
#include "tl_pool.h"

typedef struct {
    uint64_t wait_ns, compute_ns;
} task_cost;

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* WT: the thread sleeps, as on I/O - the core is free for another worker.
 * CT: the thread's own CPU time, so a worker descheduled by its neighbours
 * still does exactly CT of work, however long that takes on the wall clock. */
static void mixed_task(void *arg)
{
    const task_cost *c = arg;
    if (c->wait_ns) {
        struct timespec ts = {(time_t)(c->wait_ns / 1000000000u), (long)(c->wait_ns % 1000000000u)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    uint64_t until = clock_ns(CLOCK_THREAD_CPUTIME_ID) + c->compute_ns;
    while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < until)
        ;
}

void tl_pool_bench_defaults(tl_pool_bench *b)
{
    memset(b, 0, sizeof *b);
    b->ratio[0] = 0;
    b->ratio[1] = 1;
    b->ratio[2] = 3;
    b->nratios = 3;
    b->compute_us = 500;
    b->tasks = 200;
    b->repeat = 3;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    b->cores = n > 0 ? (unsigned)n : 1;
    b->max_size = 4 * b->cores;
}

double tl_pool_bench_formula(unsigned cores, double ratio)
{
    return cores * (1 + ratio);
}

/* Tasks per second through a pool of `size` workers: the batch is queued,
 * then the pool is drained and joined; the clock covers both. */
static double measure(const tl_pool_bench *b, unsigned size, const task_cost *cost)
{
    tl_pool_t *p = tl_pool_create(size, "bench", "mutex");
    if (!p)
        return 0;
    uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
    for (unsigned i = 0; i < b->tasks; i++)
        tl_pool_release(tl_pool_submit(p, mixed_task, (void *)cost));
    tl_pool_shutdown(p, TL_POOL_DRAIN);
    uint64_t t1 = clock_ns(CLOCK_MONOTONIC);
    tl_pool_destroy(p);
    return t1 > t0 ? b->tasks / ((double)(t1 - t0) / 1e9) : 0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of `repeat` measurements: one slow pass (the machine busy for
 * a moment) does not pick the best size. */
static double median_of(const tl_pool_bench *b, unsigned size, const task_cost *cost)
{
    double v[101];
    unsigned n = b->repeat < 1 ? 1 : b->repeat > 101 ? 101 : b->repeat;
    for (unsigned i = 0; i < n; i++)
        v[i] = measure(b, size, cost);
    qsort(v, n, sizeof v[0], by_value);
    return v[n / 2];
}

void tl_pool_bench_run(tl_pool_bench *b)
{
    if (b->max_size > TL_POOL_BENCH_MAX_SIZES)
        b->max_size = TL_POOL_BENCH_MAX_SIZES;
    if (b->max_size > TL_POOL_MAX_WORKERS)
        b->max_size = TL_POOL_MAX_WORKERS;
    for (size_t r = 0; r < b->nratios; r++) {
        task_cost cost = {(uint64_t)(b->ratio[r] * b->compute_us * 1000.0),
                          (uint64_t)b->compute_us * 1000u};
        b->best[r] = 1;
        for (unsigned size = 1; size <= b->max_size; size++) {
            b->throughput[r][size] = median_of(b, size, &cost);
            if (b->throughput[r][size] > b->throughput[r][b->best[r]])
                b->best[r] = size;
        }
    }
}

void tl_pool_bench_print(FILE *to, const tl_pool_bench *b)
{
    fprintf(to, "Pool size vs throughput (tasks/s, median of %u): N = %u online cores, %u tasks "
                "per figure, each waits WT (nanosleep) then computes CT = %u us (its own CPU "
                "time)\n",
            b->repeat, b->cores, b->tasks, b->compute_us);
    fprintf(to, "%-18s", "size");
    for (size_t r = 0; r < b->nratios; r++)
        fprintf(to, " WT/CT=%-7g", b->ratio[r]);
    fputc('\n', to);
    for (unsigned size = 1; size <= b->max_size; size++) {
        fprintf(to, "%-18u", size);
        for (size_t r = 0; r < b->nratios; r++)
            fprintf(to, " %7.0f%s      ", b->throughput[r][size], b->best[r] == size ? "*" : " ");
        fputc('\n', to);
    }
    fprintf(to, "%-18s", "best (measured)");
    for (size_t r = 0; r < b->nratios; r++)
        fprintf(to, " %-13u", b->best[r]);
    fputc('\n', to);
    fprintf(to, "%-18s", "N x (1 + WT/CT)");
    for (size_t r = 0; r < b->nratios; r++)
        fprintf(to, " %-13g", tl_pool_bench_formula(b->cores, b->ratio[r]));
    fputc('\n', to);
    fputs("Past the best size the figures stay level (more workers only wait their turn for "
          "a core), so a best size a little away from the formula's is within the noise.\n",
          to);
}
