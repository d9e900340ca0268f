/* SPDX-License-Identifier: MIT */
#ifndef TL_MUTEX_H
#define TL_MUTEX_H

#include <stdbool.h>
#include "tl_atomic.h"

/* The three-state futex mutex (Drepper, "Futexes Are Tricky", mutex 3).
 * Lock word: 0 free; 1 locked, nobody sleeping; 2 locked, sleepers possible. */
typedef struct {
    tl_atomic_u32 word;
} tl_mutex_t;

#define TL_MUTEX_INIT { TL_ATOMIC_INIT(0) }

void tl_mutex_init(tl_mutex_t *m);
void tl_mutex_lock(tl_mutex_t *m);
bool tl_mutex_trylock(tl_mutex_t *m);
void tl_mutex_unlock(tl_mutex_t *m);

/* The FIFO mutex (fifo_mutex.c): a ticket lock whose waiters sleep on
 * `serving`. Free exactly when next == serving. */
typedef struct {
    tl_atomic_u32 next, serving;
} tl_fifo_mutex_t;

void tl_fifo_mutex_init(tl_fifo_mutex_t *m);
void tl_fifo_mutex_lock(tl_fifo_mutex_t *m);
bool tl_fifo_mutex_trylock(tl_fifo_mutex_t *m);
void tl_fifo_mutex_unlock(tl_fifo_mutex_t *m);
unsigned tl_fifo_mutex_waiters(tl_fifo_mutex_t *m);

#endif
