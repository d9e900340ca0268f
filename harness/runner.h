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

typedef struct {
    char host_plain[PATH_MAX];
    char host_tsan[PATH_MAX];
    unsigned jobs;
    void (*on_start)(tl_run *r, void *user);
    void (*on_finish)(tl_run *r, void *user); /* after the verdict */
    void *user;
    volatile sig_atomic_t *interrupted;      /* set by a signal handler: stop */
} tl_runner;

/* Finds the host for a detector next to this executable, else in the install
 * directory. Returns false (with the places looked in, in `out`) if missing. */
bool tl_runner_find_host(tl_detector d, char *out, size_t size);

/* Runs runs[0..n) (their plan fields and dir set). Each run's directory, and
 * the runs/ folder above it, is made when its host is launched. Returns the
 * number of runs that finished; the others are marked interrupted. */
size_t tl_runner_run(const tl_runner *rn, tl_run *runs, size_t n);

/* Seconds to wait after SIGTERM before SIGKILL. */
#define TL_RUNNER_GRACE_S 0.5

#endif
