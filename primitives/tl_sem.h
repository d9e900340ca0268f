/* SPDX-License-Identifier: MIT */
#ifndef TL_SEM_H
#define TL_SEM_H

#include <stdbool.h>
#include <stdint.h>
#include "tl_atomic.h"

/* A futex-based counting semaphore. */
typedef struct {
    tl_atomic_u32 value;   /* the count: posts not yet consumed */
    tl_atomic_u32 waiters; /* threads that may be asleep on value */
} tl_sem_t;

void tl_sem_init(tl_sem_t *s, uint32_t value);
void tl_sem_wait(tl_sem_t *s);
bool tl_sem_trywait(tl_sem_t *s);
/* Waits at most timeout_ns; returns false when the time ran out. */
bool tl_sem_timedwait(tl_sem_t *s, uint64_t timeout_ns);
void tl_sem_post(tl_sem_t *s);
uint32_t tl_sem_value(tl_sem_t *s);

#endif
