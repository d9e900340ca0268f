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

/* The order of the writes matters: the monitor may look between any two,
 * and must never see a cycle that is not there. A coroutine suspended and
 * pinned to thread T, with T recorded as running that same coroutine, would
 * be a cycle of two. So on the way in the coroutine is marked running before
 * the thread is marked as running it, and on the way out the thread is
 * marked free before the coroutine is marked suspended: in between, one of
 * the two is simply running, which ends every chain. */
void tl_track_coro_enter(tl_track_coro *c, const char *file, int line)
{
    if (!c)
        return;
    tl__track_ident_swap(c->ident);
    tl_track_wait_end(); /* as the coroutine: running */
    tl__track_ident_swap(c->ident);
    /* As the thread: from now on it runs c and nothing else. */
    tl_track_wait(TL_TS_RUNS_CORO, c->slot, false, file, line);
    tl__track_ident_swap(c->ident); /* the lock hooks now write c's slot */
}

void tl_track_coro_leave(tl_track_coro *c, bool finished, const char *file, int line)
{
    if (!c)
        return;
    tl__track_ident_swap(c->ident);
    tl_track_wait_end(); /* as the thread: free to run something else */
    tl__track_ident_swap(c->ident);
    /* As the coroutine: its held locks go out with the new state, since a
     * suspended coroutine still holds them. */
    if (finished)
        tl_track_thread_end();
    else
        tl_track_wait(TL_TS_SUSPENDED, c->pinned, false, file, line);
    c->finished = finished;
    tl__track_ident_swap(c->ident); /* the thread records as itself again */
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
