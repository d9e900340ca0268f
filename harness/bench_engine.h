/* SPDX-License-Identifier: MIT */
/* The benchmark engine behind `threadlab bench`: one body per measurement,
 * run over every lock kind through the generic interface and through the
 * kind's raw calls (Concurrency Kit's regressions are the model). No
 * printing here: bench_print.c turns the figures into a table and JSON. */
#ifndef TL_BENCH_ENGINE_H
#define TL_BENCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include "tl_lock.h"

enum { TL_BENCH_MAX_KINDS = 16, TL_BENCH_MAX_THREADS = 64, TL_BENCH_MAX_TCOUNTS = 8 };

/* A figure: the median of the repetitions, with their min and max, and a
 * confidence interval for the median: lo and hi are the k-th smallest and
 * k-th largest repetitions, with the largest k whose interval still covers
 * the true median with probability >= 90 % (`confidence`; it rests on
 * nothing but the repetitions being independent draws: two order
 * statistics bracket the median unless at least n - k + 1 draws fall on one
 * side of it, a binomial tail). n = 5 and 7 give min..max (93.8 %, 98.4 %),
 * n = 9 the 2nd..8th (96.1 %); below 5 no interval reaches 90 %, and lo..hi
 * is min..max with what it does reach. */
typedef struct {
    double median, min, max;
    double lo, hi, confidence;
} tl_bench_figure;

typedef struct {
    unsigned threads;
    tl_bench_figure ns_per_acq;       /* wall time / acquisitions of all threads */
    tl_bench_figure raw_ns_per_acq;   /* the same through the kind's raw calls */
    /* generic / raw: in each repetition the median over pairs of adjacent
     * slices (bench_engine.c), so drift of the machine hits both sides: the
     * interface's cost under contention. */
    tl_bench_figure ratio;
    /* Acquisitions per hand-over (a change of owner), generic and raw: how
     * often the lock changed hands on each side. An unfair lock's figures
     * follow it (a thread that takes the lock again finds its line at
     * hand); a FIFO lock hands over at every acquisition (1.0). */
    tl_bench_figure per_handover, raw_per_handover;
    /* The control, measured only when `ratio` alone does not keep the
     * target (bench_judge.h, TL_BENCH_CONTENDED_LIMIT): the kind's raw loop
     * on both sides, paired as generic and raw are - what this pairing
     * reads for one loop against itself in this run (the slices' share of
     * preemptions, of hand-over streaks). */
    bool has_control;
    tl_bench_figure control;
    double share[TL_BENCH_MAX_THREADS]; /* % of acquisitions, of the median run */
    double jain;                      /* Jain's fairness index of those shares */
    tl_bench_figure jain_each;        /* Jain's index of every repetition's shares */
} tl_bench_contended;

typedef struct {
    const tl_lock_kind *kind;
    tl_bench_figure generic;          /* uncontended lock+unlock, ns per pair */
    tl_bench_figure raw;              /* the same through the raw primitive calls */
    tl_bench_figure overhead;         /* generic - raw, ns per pair, taken as ratio is */
    /* raw / one atomic exchange, the floor timed in turn with the two
     * sides (a slice of its own after each pair: bench_engine.c), so the
     * floor targets compare figures of the same seconds. */
    tl_bench_figure raw_x_floor;
    tl_bench_contended contended[TL_BENCH_MAX_TCOUNTS];
} tl_bench_kind;

typedef struct {
    /* what was asked */
    const tl_lock_kind *kinds[TL_BENCH_MAX_KINDS];
    size_t nkinds;
    unsigned tcounts[TL_BENCH_MAX_TCOUNTS];
    size_t ntcounts;
    double seconds;                   /* per repetition of each measurement */
    unsigned repeat;
    bool no_peers;                    /* skip the peers (another library's same locks) */
    bool peers_unmatched;             /* also peers whose hand-built kind is not built yet */
    /* --spin-yields off: for the whole run every spin wait waits for ever
     * instead of yielding its core after TL_SPIN_YIELD_AFTER pauses
     * (tl__spin_yield_after, tl_spin.h) - as Concurrency Kit's locks do - so
     * a reader can measure what the yields cost and what they buy. */
    bool spin_yields_off;
    /* what was seen */
    long cores;
    bool pinned;
    tl_bench_figure floor_store, floor_exchange, floor_fetch_add;
    /* The body of a lock with two read-modify-writes (MCS: an exchange in,
     * a compare-and-swap out) with no lock around it: exchange, the
     * counter's increment, compare-and-swap - what such a lock's raw round
     * cannot go below. */
    tl_bench_figure floor_two_rmw;
    tl_bench_figure sem_post_wait, sem_ping_pong;
    tl_bench_kind kind[TL_BENCH_MAX_KINDS];
    struct tl_bench_peers *peers;     /* bench_peers.h; NULL when skipped */
    /* ttas beside glibc's pthread_spin_lock, measured as a pair (both raw,
     * in turns within each repetition: bench_peers.h) for the target
     * "ttas throughput >= pthread-spin"; NULL unless both were selected. */
    struct tl_bench_peer_result *ttas_beside_libc;
} tl_bench;

/* Runs every measurement; fills the "seen" half of b. */
void tl_bench_run(tl_bench *b);

/* Jain's fairness index of n shares: (sum x)^2 / (n * sum x^2); 1 is fair. */
double tl_bench_jain(const double *x, unsigned n);

/* The engine's helpers, shared with the peer measurements (bench_peers.c):
 * the median, min and max of v (sorted in place); pinning the calling thread
 * to core index % cores; a monotonic clock in seconds. */
tl_bench_figure tl_bench_summarise(double *v, unsigned n);
bool tl_bench_pin(unsigned index, long cores);
double tl_bench_now(void);

#endif
