/* SPDX-License-Identifier: MIT */
/* What the monitor's verdict means, in words and as a picture: the evidence
 * for each Coffman condition of a deadlock, who waits on what in a hang, the
 * counters of a livelock or starvation, and the wait-for graph as DOT (the
 * runner has it drawn as SVG: runner_render.c). */
#ifndef TL_MONITOR_REPORT_H
#define TL_MONITOR_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "monitor.h"

enum { TL_MON_TEXT = 1024 };

typedef struct {
    char summary[TL_MON_TEXT];           /* one paragraph */
    /* Deadlocks only: the evidence for each condition. */
    char mutual_exclusion[TL_MON_TEXT];
    char hold_and_wait[TL_MON_TEXT];
    char no_preemption[TL_MON_TEXT];
    char circular_wait[TL_MON_TEXT];
} tl_mon_explanation;

void tl_monitor_explain(const tl_mon_verdict *v, tl_mon_explanation *e);

/* Writes the wait-for graph of the verdict's snapshot: threads (boxes) and
 * locks/semaphores/conditions (ellipses), "waits for" and "held by" edges
 * labelled with their source lines, the cycle in red. */
bool tl_monitor_write_dot(const tl_mon_verdict *v, const char *path);

/* A thread's share of all lock acquisitions in a snapshot, in percent. */
double tl_monitor_share(const tl_mon_snapshot *s, uint32_t t);

/* The fork-deadlock verdict (monitor_fork_report.c): its explanation, and
 * the graph's fork-time holder edge (nothing for other verdicts). */
void tl__monitor_explain_fork(const tl_mon_verdict *v, tl_mon_explanation *e);
void tl__monitor_fork_dot(const tl_mon_verdict *v, FILE *f);

#endif
