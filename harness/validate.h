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
} tl_validate_result;

/* Runs `threads` threads, each taking the lock `iterations` times and
 * incrementing a plain counter inside; an owner flag checks mutual exclusion
 * on every entry. Returns 0, or -1 when the arguments are out of range. */
int tl_validate_run(const tl_lock_kind *kind, unsigned threads, unsigned long iterations,
                    tl_validate_result *out);

/* Mutual exclusion held and no update was lost. */
static inline bool tl_validate_ok(const tl_validate_result *r)
{
    return r->overlaps == 0 && r->counted == r->expected;
}

#endif
