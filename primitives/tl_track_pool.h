/* SPDX-License-Identifier: MIT */
/* How a thread pool appears in the live monitor's table (tl_track.h), for
 * the pool-deadlock verdict (harness/monitor_pool.c):
 *
 *   the pool     an object of type TL_OBJ_POOL whose count is its number of
 *                live workers;
 *   a worker     holds the pool object (in its held list, like a lock)
 *                while it runs a task: "busy" is holding one of the pool's
 *                N worker places;
 *   a task       an object of type TL_OBJ_TASK whose count says where the
 *                task is (below): queued in which pool, running on which
 *                thread, or finished;
 *   a waiter     a thread waiting for a task is in state TL_TS_WAIT_TASK
 *                with wait_obj the task's object.
 *
 * The task's place is one 32-bit word so that it changes atomically and
 * needs no sequence counter: the two top bits say queued / running / done,
 * the rest is the pool's object index or the running thread's slot. */
#ifndef TL_TRACK_POOL_H
#define TL_TRACK_POOL_H

#include <stdint.h>
#include "tl_track.h"

enum {
    TL_TASK_WHERE_MASK = 3u << 30,
    TL_TASK_QUEUED = 1u << 30,  /* | the pool's object index */
    TL_TASK_RUNNING = 2u << 30, /* | the running thread's slot */
    TL_TASK_DONE = 3u << 30,    /* ran, or was cancelled */
    TL_TASK_INDEX_MASK = ~(3u << 30),
};

/* Registers a pool of `workers` workers; TL_TRACK_NONE when recording is
 * off or the table is full. */
uint32_t tl_track_pool_new(const char *name, unsigned workers);
/* A worker of pool `pool` left (shutdown): one fewer to wait for. */
void tl_track_pool_worker_gone(uint32_t pool);
/* Registers a task queued in `pool`; TL_TRACK_NONE when off or full. */
uint32_t tl_track_task_new(const char *name, uint32_t pool);
/* Moves a task: TL_TASK_RUNNING (by the calling thread) or TL_TASK_DONE. */
void tl_track_task_running(uint32_t task);
void tl_track_task_done(uint32_t task);

#endif
