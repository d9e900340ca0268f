/* SPDX-License-Identifier: MIT */
/* Coroutines in the monitor's table: the protocol is in tl_track_coro.h.
 * Every slot write goes through track.c's own hooks (a wait begins, a wait
 * ends, a thread ends), each under the slot's sequence counter, so the
 * monitor reads a coroutine's slot exactly as a thread's. A coroutine slot
 * is written by whichever thread runs the coroutine - one at a time, and
 * the hand-over between two threads is ordered by whoever moves the
 * coroutine (the scheduler's lock) - so "one writer per slot" still holds. */
#include <stdlib.h>
#include "tl_track.h"
#include "tl_track_coro.h"

struct tl_track_coro {
    void *ident;     /* its slot and held list while it is not running; the
                      * thread's own while it runs (track.c swaps them) */
    uint32_t slot;
    uint32_t pinned; /* the thread slot that must resume it, or TL_TRACK_NONE */
    bool finished;
};

tl_track_coro *tl_track_coro_new(const char *name)
{
    if (!tl_track_enabled())
        return NULL;
    tl_track_coro *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ident = tl__track_ident_new(name, &c->slot);
    if (!c->ident) {
        free(c);
        return NULL;
    }
    c->pinned = TL_TRACK_NONE;
    return c;
}

void tl_track_coro_enter(tl_track_coro *c, const char *file, int line)
{
    if (!c)
        return;
    /* As the thread: from now on it runs c and nothing else. */
    tl_track_wait(TL_TS_RUNS_CORO, c->slot, false, file, line);
    tl__track_ident_swap(c->ident);
    /* As the coroutine: running. */
    tl_track_wait_end();
}

void tl_track_coro_leave(tl_track_coro *c, bool finished, const char *file, int line)
{
    if (!c)
        return;
    /* As the coroutine: its held locks go out with the new state, since a
     * suspended coroutine still holds them. */
    if (finished)
        tl_track_thread_end();
    else
        tl_track_wait(TL_TS_SUSPENDED, c->pinned, false, file, line);
    c->finished = finished;
    tl__track_ident_swap(c->ident);
    /* As the thread again: free to run something else. */
    tl_track_wait_end();
}

void tl_track_coro_pin(tl_track_coro *c, uint32_t thread_slot)
{
    if (c)
        c->pinned = thread_slot;
}

void tl_track_coro_free(tl_track_coro *c)
{
    if (!c)
        return;
    if (!c->finished) {
        /* Dropped unfinished: exited, holding whatever it still held. */
        tl__track_ident_swap(c->ident);
        tl_track_thread_end();
        tl__track_ident_swap(c->ident);
    }
    free(c->ident);
    free(c);
}
