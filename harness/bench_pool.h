/* SPDX-License-Identifier: MIT */
/* threadlab bench --pool: how many threads should a pool have? The book's
 * rule is N x (1 + WT / CT) for N cores, a task that waits WT (I/O) and
 * computes CT. This bench runs a batch of such tasks (wait = nanosleep WT,
 * compute = CT of the thread's own CPU time, spun) through the lab's pool at
 * every size from 1 to 4N, for a few WT/CT ratios, and prints the measured
 * throughput, the best size, and the formula's size beside it. */
#ifndef TL_BENCH_POOL_H
#define TL_BENCH_POOL_H

#include <stddef.h>
#include <stdio.h>

enum { TL_POOL_BENCH_MAX_RATIOS = 8, TL_POOL_BENCH_MAX_SIZES = 256 };

typedef struct {
    /* Inputs. */
    double ratio[TL_POOL_BENCH_MAX_RATIOS]; /* WT / CT */
    size_t nratios;
    unsigned compute_us;                   /* CT per task */
    unsigned tasks;                        /* tasks per measurement */
    unsigned cores;                        /* N: online cores */
    unsigned max_size;                     /* sizes 1 .. max_size (4N) */
    unsigned repeat;                       /* measurements per figure: the median */
    /* Results. */
    double throughput[TL_POOL_BENCH_MAX_RATIOS][TL_POOL_BENCH_MAX_SIZES + 1]; /* tasks/s, by size */
    unsigned best[TL_POOL_BENCH_MAX_RATIOS]; /* the size with the highest throughput */
} tl_pool_bench;

/* Fills the defaults: ratios 0, 1, 3; CT 500 us; 200 tasks; 3 repeats; N online. */
void tl_pool_bench_defaults(tl_pool_bench *b);
/* Measures every size for every ratio. */
void tl_pool_bench_run(tl_pool_bench *b);
/* The formula's pool size, N x (1 + WT/CT). */
double tl_pool_bench_formula(unsigned cores, double ratio);
void tl_pool_bench_print(FILE *to, const tl_pool_bench *b);

/* `threadlab bench --pool ...` (cmd_bench_pool.c; bench_cmd.c hands over
 * when it sees --pool). */
int tl_cmd_bench_pool(int argc, char **argv);

#endif
