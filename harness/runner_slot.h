/* SPDX-License-Identifier: MIT */
/* Internal to the runner (runner.c, runner_spawn.c, runner_monitor.c): the
 * state of one running host. */
#ifndef TL_RUNNER_SLOT_H
#define TL_RUNNER_SLOT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "monitor.h"
#include "runner.h"

enum { RESULT_FD = 3, MONITOR_FD = 4, MAX_JOBS = 64 };

typedef struct {
    tl_run *run;
    int fd_out, fd_err, fd_res; /* read ends; -1 once at end of file */
    int file_out, file_err;     /* the log files */
    char *res;                  /* result records, bounded by TL_RESULTS_MAX */
    size_t res_len;
    double t0, deadline, kill_at; /* monotonic seconds; kill_at 0: no SIGTERM yet */
    double ended;               /* when the exit was seen */
    int pidfd;                  /* readable when the host exits; -1 if unsupported */
    bool reaped;
    int wstatus;
    /* The live monitor: the table shared with the host, and its state. */
    int memfd;
    tl_track_table *table;
    tl_monitor *mon;
    tl_mon_snapshot *snap;
    struct tl__mon_extra *extra; /* runner_monitor.c: CPU times, recent progress */
    /* The picture of a verdict being drawn (runner_render.c); NULL: none. */
    struct tl__render *render;
    /* The host is gone and its pipes are drained; whether Ctrl-C had cut
     * it short by then. A run waiting only for its picture is judged as it
     * ended, not as interrupted. */
    bool host_over, host_interrupted;
} slot_t;

static inline double tl__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* runner_spawn.c: starts r's host in its own process group, in r->dir (made
 * here, with the runs/ folder above it if missing). On failure it has
 * released everything it acquired and says why in `why` (e.g. "cannot create
 * the run directory '...': No such file or directory"). */
bool tl__runner_launch(const tl_runner *rn, slot_t *s, tl_run *r, char *why, size_t why_size);
/* runner_monitor.c */
bool tl__monitor_setup(slot_t *s);
void tl__monitor_teardown(slot_t *s);
bool tl__monitor_look(slot_t *s, double now);
/* Whether the run's threads still progress: their acquisitions or progress
 * counters moved within the last TL_RUN_PROGRESS_RECENT_S (as of the last
 * look). A run reaching its deadline in that state is slow, not stuck. */
bool tl__monitor_progressing(slot_t *s, double now);
/* runner_render.c: the wait-for graph of a deadlock or hang verdict, as
 * waitfor.dot at once and as waitfor.svg by a `dot` reaped through the poll
 * loop. start: called when the verdict is reached; a dot that is missing or
 * cannot start leaves a note. step: reaps dot, kills its group at the bound
 * or on Ctrl-C; true once nothing is left running (the run may be judged).
 * fd: dot's pidfd to poll (-1: none); due: when its bound falls (0: none). */
void tl__render_start(slot_t *s, double now);
bool tl__render_step(slot_t *s, double now, bool interrupted);
int tl__render_fd(const slot_t *s);
double tl__render_due(const slot_t *s);

#endif
