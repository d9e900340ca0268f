/* SPDX-License-Identifier: MIT */
/* The monitor's pool-deadlock verdict (tl_track_pool.h says how a pool is
 * recorded).
 *
 *   pool-deadlock  threads waiting for pool tasks that no thread will ever
 *                  run: every worker of a pool is busy running a task that
 *                  waits for a task still queued in that pool (which only a
 *                  free worker of the pool could start) or for a task
 *                  running on one of these same waiting workers. It is a
 *                  wait-for cycle through the queue: worker -> the task it
 *                  waits for -> the queue -> every worker of the pool, all
 *                  busy. Each wait must be the same wait in two successive
 *                  snapshots, each task in the same place.
 *
 * A queued task waits for ANY worker of its pool, not one: so the rule is
 * not a cycle but a closed set (a knot). Start from every thread in a
 * stable task wait and drop, until nothing changes, each one whose task
 * could still start or finish: queued in a pool with a worker outside the
 * set, or running on a thread outside it. Whatever is left is stuck for
 * ever; the workers among it are the cycle, any other thread (main waiting
 * for the outer task) is stuck behind it.
 *
 * Pure functions over snapshots, like monitor.c. */
#ifndef TL_MONITOR_POOL_H
#define TL_MONITOR_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "monitor.h"

/* True (and v's cycle, ncycle, since_ns filled) when `now`, after `prev`,
 * shows a pool deadlock; the workers stuck go in v->cycle. */
bool tl_monitor_pool_deadlock(const tl_mon_snapshot *prev, const tl_mon_snapshot *now,
                              tl_mon_verdict *v);

/* The threads of a pool-deadlock verdict stuck behind its workers (waiting
 * for their tasks, not workers themselves); returns how many, at most max. */
unsigned tl_monitor_pool_bystanders(const tl_mon_verdict *v, uint32_t *out, unsigned max);

/* Appends to buf what thread t's task wait is: "waits for task 'sub'
 * (queued in pool 'pool', 2 workers, all busy)". */
void tl_monitor_describe_task_wait(const tl_mon_snapshot *s, uint32_t t, char *buf,
                                   size_t size);

/* Fills the explanation of a pool-deadlock verdict (monitor_report.h). */
void tl_monitor_explain_pool(const tl_mon_verdict *v, char *summary, char *mutual_exclusion,
                             char *hold_and_wait, char *no_preemption, char *circular_wait,
                             size_t size);

/* Draws the task waits of the verdict's snapshot into an open DOT graph:
 * task -> pool it is queued in -> its busy workers, task -> thread running
 * it; red where the pool deadlock's cycle runs. */
void tl_monitor_pool_dot(const tl_mon_verdict *v, FILE *f);

#endif
