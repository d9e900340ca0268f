/* SPDX-License-Identifier: MIT */
/* Coroutines in the monitor's wait-for graph (the recording side is
 * primitives/tl_track_coro.h). A coroutine has a slot of its own, flagged
 * `coro`, so a lock it takes is held by it and not by the thread that ran
 * it. Two states add two kinds of edge:
 *
 *   TL_TS_SUSPENDED  coroutine -> the thread pinned to resume it: it cannot
 *                    go on until that thread comes back to it (no edge when
 *                    any thread may resume it: then no one thread is needed);
 *   TL_TS_RUNS_CORO  thread -> the coroutine it runs: a thread runs one
 *                    coroutine at a time and takes the CPU back only when
 *                    that coroutine yields.
 *
 * With them, the cycle B -> lock -> A (suspended, holding it) -> thread ->
 * B (which the thread runs, and which blocks on the lock) is an ordinary
 * cycle of the graph, found by the same search as any deadlock: a deadlock
 * inside one thread. Each node must be in a stable wait over two snapshots
 * as usual; a holder coroutine that can still run (its thread free, or
 * running a coroutine that is not stuck) ends the chain, so no verdict. */
#ifndef TL_MONITOR_CORO_H
#define TL_MONITOR_CORO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "monitor.h"
#include "monitor_report.h"

/* TL_TS_SUSPENDED or TL_TS_RUNS_CORO: a state that waits on a thread or a
 * coroutine rather than on an object. */
bool tl_mon_coro_state(uint32_t state);
const char *tl_mon_coro_state_name(uint32_t state);
/* The edges out of slot t in one of those states (see above). */
unsigned tl_mon_coro_waits_for(const tl_mon_snapshot *s, uint32_t t, uint32_t *out,
                               unsigned max);

/* For the hang verdict, which needs every live slot blocked: a suspended
 * coroutine is blocked when the thread that would resume it is (judged on
 * that thread's own slot, so this says true); a thread running a coroutine
 * is blocked exactly when that coroutine is, as judged by `blocked`. Any
 * other state: false. Without this, a coroutine blocked for ever on a
 * semaphore would hide the hang: its thread would look busy running it. */
bool tl_mon_coro_blocked(const tl_mon_snapshot *s, uint32_t t,
                         bool (*blocked)(const tl_mon_snapshot *s, uint32_t t));

/* For the report (monitor_report.c): what slot t in a coroutine state is
 * waiting for, in words; and the coroutine part of a deadlock's evidence. */
void tl_mon_coro_describe_wait(const tl_mon_snapshot *s, uint32_t t, char *buf, size_t size);
void tl_mon_coro_explain(const tl_mon_verdict *v, tl_mon_explanation *e);
/* For the picture: coroutine nodes drawn rounded, and their edges. */
void tl_mon_coro_dot_node(FILE *f, const tl_mon_snapshot *s, uint32_t t);
void tl_mon_coro_dot_edges(FILE *f, const tl_mon_verdict *v, uint32_t t);

#endif
