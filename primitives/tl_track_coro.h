/* SPDX-License-Identifier: MIT */
/* Coroutines in the monitor's table (track_coro.c): a coroutine records
 * under a slot of its own, a thread-like slot flagged `coro`.
 *
 * Why a slot of its own: a lock belongs to the flow of control that took
 * it. A coroutine that takes a lock and yields still holds it while its
 * thread runs other coroutines; recorded per thread, the lock would seem
 * held by the thread, and a second coroutine of that thread asking for it
 * would look like a thread relocking its own lock - the wrong story, and
 * one that names neither coroutine. So while a coroutine runs, the thread's
 * recording identity (its slot and its private list of held locks) is
 * swapped for the coroutine's, and every lock hook writes the coroutine's
 * slot. At the switches:
 *
 *   resume: the thread's slot says TL_TS_RUNS_CORO, wait_obj = the
 *           coroutine's slot - the thread can do nothing else until that
 *           coroutine yields - and the coroutine's slot says running.
 *   yield:  the coroutine's slot says TL_TS_SUSPENDED with its held locks
 *           published, wait_obj = the thread slot that must resume it (a
 *           one-thread scheduler pins it there) or TL_TRACK_NONE (any
 *           thread may); the thread's slot says running again.
 *   end:    the coroutine's slot says exited (a lock still held is a lock
 *           never released).
 *
 * So the wait-for graph gets two new edges: suspended coroutine -> the
 * thread it needs, and thread -> the coroutine it runs. A coroutine that
 * yields holding a lock, while the next coroutine on the same thread blocks
 * on that lock, closes the cycle B -> lock -> A -> thread -> B: a deadlock
 * inside one thread (harness/monitor_coro.c). */
#ifndef TL_TRACK_CORO_H
#define TL_TRACK_CORO_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tl_track_coro tl_track_coro;

/* A slot for a new coroutine; NULL when recording is off or the table is full
 * (every other call takes NULL and does nothing). */
tl_track_coro *tl_track_coro_new(const char *name);
/* The calling thread is about to switch into the coroutine. */
void tl_track_coro_enter(tl_track_coro *c, const char *file, int line);
/* The coroutine, on its thread, is about to switch out: suspended at
 * file:line, or finished. */
void tl_track_coro_leave(tl_track_coro *c, bool finished, const char *file, int line);
/* The thread slot that must resume it from now on (TL_TRACK_NONE: any). */
void tl_track_coro_pin(tl_track_coro *c, uint32_t thread_slot);
/* Not running: marks the slot exited if it is not, and frees the record. */
void tl_track_coro_free(tl_track_coro *c);

/* track.c's part: a recording identity (a slot and its private held list),
 * and the exchange of the calling thread's identity with one. */
void *tl__track_ident_new(const char *name, uint32_t *slot);
void tl__track_ident_swap(void *ident);

#endif
