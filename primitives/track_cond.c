/* SPDX-License-Identifier: MIT */
/* The condition variables' wakeup counts in the monitor table (tl_track.h):
 * how many sleepers the kernel woke, and how many waits came back woken, so
 * the monitor can tell a waiter that a signal passed over from one that a
 * wakeup is still on its way to. */
#include "tl_track.h"

/* relaxed: the monitor reads them as a snapshot and judges only a state
 * that stays the same across snapshots; they order nothing. */
void tl_track_cond_woke(uint32_t obj, uint32_t n)
{
    if (tl__track_table && obj < TL_TRACK_OBJECTS)
        __atomic_fetch_add(&tl__track_table->object[obj].wakes_given.raw, n, __ATOMIC_RELAXED);
}

void tl_track_cond_returned(uint32_t obj)
{
    if (tl__track_table && obj < TL_TRACK_OBJECTS)
        __atomic_fetch_add(&tl__track_table->object[obj].wakes_taken.raw, 1, __ATOMIC_RELAXED);
}
