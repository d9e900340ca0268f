/* SPDX-License-Identifier: MIT */
/* The generic lock validator: one body, run over any lock kind through the
 * generic interface (Concurrency Kit's regressions are the model). */
#ifndef TL_VALIDATE_H
#define TL_VALIDATE_H

#include <stdbool.h>
#include "tl_lock.h"

enum { TL_VALIDATE_MAX_THREADS = 64 };

typedef struct {
    const tl_lock_kind *kind;
    unsigned threads;
    unsigned long iterations;         /* per thread */
    unsigned long expected;           /* threads * iterations */
    unsigned long counted;            /* the protected counter at the end */
    unsigned long overlaps;           /* entries that found another owner inside */
    /* Acquisitions per thread up to the moment the first thread finished,
     * i.e. while all were competing: the lock's fairness. */
    unsigned long while_contended[TL_VALIDATE_MAX_THREADS];
    double seconds;
    /* false: the deadline came first and the threads stopped early; expected
     * is then what they did (the sum of their acquisitions), not the plan. */
    bool finished;
} tl_validate_result;

/* Called from the thread that started the run, never from a worker:
 * `done` acquisitions of `planned` so far, after `seconds`. */
typedef void tl_validate_progress_fn(void *arg, unsigned long done, unsigned long planned,
                                     double seconds);

typedef struct {
    double timeout_s;                  /* 0: no deadline */
    double progress_every_s;           /* 0: no progress calls */
    tl_validate_progress_fn *progress; /* NULL: none */
    void *progress_arg;
} tl_validate_opts;

/* Runs `threads` threads, each taking the lock `iterations` times and
 * incrementing a plain counter inside; an owner flag checks mutual exclusion
 * on every entry. Returns 0, or -1 when the arguments are out of range. */
int tl_validate_run(const tl_lock_kind *kind, unsigned threads, unsigned long iterations,
                    tl_validate_result *out);

/* The same with a deadline and progress calls (opts may be NULL). When the
 * deadline passes, the workers stop after their current acquisition and the
 * result says finished = false; mutual exclusion and the count are still
 * checked over what was done. */
int tl_validate_run_opts(const tl_lock_kind *kind, unsigned threads, unsigned long iterations,
                         const tl_validate_opts *opts, tl_validate_result *out);

/* Mutual exclusion held and no update was lost. */
static inline bool tl_validate_ok(const tl_validate_result *r)
{
    return r->overlaps == 0 && r->counted == r->expected;
}

#endif
