/* SPDX-License-Identifier: MIT */
/* One run = (scenario, variant, lock kind, detector, parameters): its plan,
 * what happened, and the verdict. The runner fills it, the report writers
 * read it. */
#ifndef TL_RUN_H
#define TL_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "evidence.h"
#include "monitor.h"
#include "tl_scenario.h"
#include "finding.h"

enum {
    TL_RUN_MAX_ORACLE = 16,
    TL_RUN_MAX_NOTES = 8,
    TL_RUN_MAX_FINDINGS = 16,
};

/* Bounds on what a run may leave behind: a flood is cut here and the cut is
 * recorded, so a runaway scenario can fill neither memory nor the disk. */
#define TL_CAPTURE_MAX (1L << 20)     /* stdout.log, stderr.log: 1 MiB each */
#define TL_RESULTS_MAX (256L << 10)   /* result records kept: 256 KiB */
#define TL_DETECTOR_LOG_MAX (4L << 20) /* a detector's log kept and parsed: 4 MiB */

/* A run's deadline is --timeout; while the monitor sees its threads still
 * progress (a busy machine, not a hang) the runner may extend it, but never
 * past TL_RUN_HARD_FACTOR times the timeout. The host carries its own last
 * resort a little later still, so a runner that is gone (or stopped) never
 * leaves a host running for ever. */
#define TL_RUN_HARD_FACTOR 4
#define TL_RUN_EXTEND_S 0.5          /* one extension; progress is checked again after it */
#define TL_RUN_PROGRESS_RECENT_S 0.5 /* "still progressing": counters moved this recently */
#define TL_RUN_HOST_MARGIN_S 5.0
static inline double tl_run_hard_deadline_s(double timeout_s)
{
    return timeout_s * TL_RUN_HARD_FACTOR;
}
static inline double tl_run_host_deadline_s(double timeout_s)
{
    return tl_run_hard_deadline_s(timeout_s) + TL_RUN_HOST_MARGIN_S;
}

/* A detector backend (harness/detectors/detector.h): what runs the host and
 * reads what it found. Only the backends know what a detector is. */
struct tl_detector_backend;
typedef const struct tl_detector_backend *tl_detector;

typedef struct {
    char what[64];
    bool ok;
    char detail[256];
} tl_oracle_rec;

typedef enum {
    TL_RUN_PENDING,
    TL_RUN_RUNNING,
    TL_RUN_FINISHED,    /* ran to the end, or crashed, or hit its deadline */
    TL_RUN_INTERRUPTED, /* stopped by Ctrl-C before it finished */
} tl_run_state;

typedef struct {
    /* --- plan --- */
    unsigned index;             /* 1-based position in the plan */
    const tl_scenario *scenario;
    const tl_variant *variant;
    char lock[32];
    tl_detector detector;
    unsigned threads;
    unsigned long iterations;
    tl_mode mode;
    double timeout_s;           /* the run's deadline: --timeout times the
                                 * detector's slowdown (timeout_factor) */
    double timeout_factor;      /* that slowdown (1 but under Valgrind) */
    unsigned repeat;            /* 1-based repetition number */
    char dir[PATH_MAX];         /* this run's directory (raw logs) */
    char dir_rel[128];          /* the same, relative to the report directory */
    bool monitor_on;            /* the live monitor watches this run */

    /* --- what happened --- */
    tl_run_state state;
    pid_t pid;
    struct timespec started;
    double duration_s;
    bool exited;                /* normal exit: exit_status is valid */
    int exit_status;
    int term_signal;            /* the signal that ended it, 0 if none */
    bool timed_out;             /* we killed it at its deadline */
    double deadline_extended_s; /* how far past --timeout the deadline was moved
                                 * because the run still progressed (0: never) */
    bool host_started, host_done; /* the host's "start"/"done" records seen */
    bool stdout_truncated, stderr_truncated, results_truncated, detector_truncated;
    long stdout_bytes, stderr_bytes;
    tl_oracle_rec oracle[TL_RUN_MAX_ORACLE];
    int noracle;
    char notes[TL_RUN_MAX_NOTES][256];
    int nnotes;
    tl_finding findings[TL_RUN_MAX_FINDINGS];
    size_t nfindings;           /* reports in the log (may exceed what is stored) */
    char detector_log[32];      /* the detector's log in dir ("tsan.log"), "" if none */
    /* The live monitor: its verdict (NULL when it found nothing), when it
     * came (seconds after the start), how long after the condition first
     * held (ms), the last snapshot (per-thread counters), the graph files. */
    tl_mon_verdict *monitor;
    double monitor_at_s, monitor_ttv_ms;
    tl_mon_snapshot *last_snapshot;
    bool graph_dot, graph_svg;

    /* An environment failure (the host could not start, a log could not be
     * written, TSan could not start): never a scenario outcome. The plan
     * stops and threadlab exits 3. "" when none. */
    char env_error[256];
    /* A buggy variant whose only evidence belongs to another detector: its
     * verdict is "not demonstrable" (by this detector), never met or not met.
     * shown_by: the evidence that would show it ("tsan:lock-order-inversion"). */
    bool not_demonstrable;
    char shown_by[128];
    /* The variant's declared difference under this run's detector (a limit
     * of the tool): its expectation replaced the variant's, and its `why`
     * goes into the reason and the record. NULL when none. */
    const tl_difference *difference;

    /* --- verdict --- */
    tl_evidence expected, observed;
    bool met;
    char reason[1024];         /* room for a declared difference's why */
} tl_run;

const char *tl_detector_name(tl_detector d);
const char *tl_mode_name(tl_mode m);

/* The stored findings that are reports of a bug: TSan's runtime messages
 * (a line it printed outside any report) are kept with the findings, for
 * the record, but are not evidence about the scenario. */
size_t tl_run_reports(const tl_run *r);

/* Builds the run's expected evidence from its variant, mode and detector.
 * Returns false when the scenario's expectation text is malformed. */
bool tl_run_expectation(tl_run *r, const char **bad_token);
/* Computes observed evidence and the verdict (met + reason) of a finished run. */
void tl_run_judge(tl_run *r);

#endif
