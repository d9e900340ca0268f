/* SPDX-License-Identifier: MIT */
/* The runner: executes runs, each in its own exec'd host process in its own
 * process group, --jobs at a time, with stdout, stderr, the result records
 * and the TSan log captured separately and bounded, and a deadline after
 * which the whole group gets SIGTERM, then SIGKILL. No host outlives the
 * runner: each dies with it (PR_SET_PDEATHSIG) and carries its own
 * last-resort deadline (--deadline) for a runner that is stopped. */
#ifndef TL_RUNNER_H
#define TL_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include "run.h"

enum { TL_RUNNER_MAX_DETECTORS = 8 };

typedef struct {
    /* The host of each detector the plan uses, by its index in the
     * detector table (tl_runner_find_host); "" for the others. */
    char host[TL_RUNNER_MAX_DETECTORS][PATH_MAX];
    unsigned jobs;
    /* The plan, one run at a time: fills *r with the next run's plan fields;
     * false when none is left. Only --jobs runs are in memory at once. */
    bool (*next)(tl_run *r, void *user);
    void (*on_start)(tl_run *r, void *user);
    /* After the verdict (or the interruption); r is freed when it returns. */
    void (*on_finish)(tl_run *r, void *user);
    void *user;
    volatile sig_atomic_t *interrupted;      /* set by a signal handler: stop */
    const bool *stop;                        /* set by on_finish: start no more
                                              * runs, let the running ones end */
} tl_runner;

/* Finds the host for a detector next to this executable, else in the install
 * directory. Returns false (with the places looked in, in `out`) if missing. */
bool tl_runner_find_host(tl_detector d, char *out, size_t size);

/* Runs the plan rn->next gives. Each run's directory, and the runs/ folder
 * above it, is made when its host is launched. Returns the number of runs
 * that finished (ran to their end, or failed to start); on Ctrl-C the running
 * ones are killed and handed to on_finish as interrupted, and no more start.
 * A run whose environment failed (r->env_error) still goes to on_finish. */
size_t tl_runner_run(const tl_runner *rn);

/* Seconds to wait after SIGTERM before SIGKILL. */
#define TL_RUNNER_GRACE_S 0.5

/* Seconds Graphviz's dot may take to draw a verdict's wait-for graph before
 * it is killed and the run recorded without the SVG: it takes ~20 ms here
 * (~25 ms, at most ~200 ms, at a load of 11 on 2 cores), so only a dot that
 * hangs reaches this. */
#define TL_RENDER_BOUND_S 5.0

#endif
