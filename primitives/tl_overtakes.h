/* SPDX-License-Identifier: MIT */
/* Counting overtakes: a schedule-independent check that a lock is FIFO.
 *
 * Every arrival draws a ticket (consecutive numbers: a ticket lock's own, or
 * any counter drawn at arrival). When a thread gets the lock it reports its
 * ticket; an overtake is an earlier ticket whose thread is still waiting at
 * that moment. A FIFO lock has none, however the threads are scheduled: the
 * count does not depend on who ran when, only on the order the lock chose.
 * An unfair lock (test-and-set) shows them as soon as a later arrival wins.
 *
 * Not thread-safe by itself: call tl_overtakes_acquired inside the critical
 * section of the lock being checked, which serialises the calls (and, if the
 * lock is exclusive, publishes the counter from one owner to the next). */
#ifndef TL_OVERTAKES_H
#define TL_OVERTAKES_H

#include <stdint.h>

enum { TL_OVERTAKES_WINDOW = 64 }; /* tickets outstanding at once, at most */

typedef struct {
    uint32_t low;          /* the earliest ticket not yet served */
    uint64_t served;       /* bit i: ticket low + i already served (out of order) */
    uint64_t acquisitions;
    uint64_t overtakes;    /* earlier tickets still waiting, summed over acquisitions */
    uint64_t out_of_window;/* tickets served twice or more than a window ahead */
} tl_overtakes_t;

/* first: the first ticket that will be drawn (a fresh ticket lock: 0). */
void tl_overtakes_init(tl_overtakes_t *o, uint32_t first);
/* The owner of ticket `ticket` just acquired the lock; returns how many
 * earlier tickets it overtook (0 for a FIFO hand-off). */
uint32_t tl_overtakes_acquired(tl_overtakes_t *o, uint32_t ticket);

#endif
