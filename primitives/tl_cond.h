/* SPDX-License-Identifier: MIT */
/* A futex condition variable over the generic lock, and a semaphore that
 * reports to the live monitor. Both belong to the lab layer (like tl_lock_*):
 * they record waits in the monitor table when one is attached. */
#ifndef TL_COND_H
#define TL_COND_H

#include <stdbool.h>
#include <stdint.h>
#include "tl_atomic.h"
#include "tl_lock.h"
#include "tl_sem.h"

/* Protocol. `seq` counts signals. A waiter reads seq while it still holds the
 * mutex, registers in `waiters`, releases the mutex and sleeps on the futex
 * only while seq still holds the value it read: a signal given after the
 * waiter released the mutex has changed seq, so the futex call returns at
 * once instead of sleeping through it (no lost wakeup between unlock and
 * sleep). Signal bumps seq and wakes one sleeper if any waiter is
 * registered; broadcast wakes all. Wakeups may be spurious and a signal may
 * wake a waiter that arrived after it: callers re-check their predicate in a
 * while loop, as with pthread_cond_wait. */
typedef struct {
    tl_atomic_u32 seq;
    tl_atomic_u32 waiters;
    uint32_t track_id;
    const char *name;
} tl_cond_t;

void tl_cond_init(tl_cond_t *c, const char *name);
void tl_cond_wait_at(tl_cond_t *c, tl_lock_t *m, const char *file, int line);
/* Returns false when timeout_ns passed without a wakeup. */
bool tl_cond_timedwait_at(tl_cond_t *c, tl_lock_t *m, uint64_t timeout_ns, const char *file,
                          int line);
void tl_cond_signal(tl_cond_t *c);
void tl_cond_broadcast(tl_cond_t *c);
#define tl_cond_wait(c, m) tl_cond_wait_at((c), (m), __FILE__, __LINE__)
#define tl_cond_timedwait(c, m, ns) tl_cond_timedwait_at((c), (m), (ns), __FILE__, __LINE__)

/* The counting semaphore of tl_sem.h, recorded in the monitor table: a
 * semaphore has no owner, so a wait on it is an edge to nobody, which is why
 * semaphore deadlocks show up as "every thread blocked" rather than a cycle. */
typedef struct {
    tl_sem_t sem;
    uint32_t track_id;
} tl_tsem_t;

void tl_tsem_init(tl_tsem_t *s, uint32_t value, const char *name);
void tl_tsem_wait_at(tl_tsem_t *s, const char *file, int line);
bool tl_tsem_trywait(tl_tsem_t *s);   /* a failure counts as a retry */
void tl_tsem_post(tl_tsem_t *s);
#define tl_tsem_wait(s) tl_tsem_wait_at((s), __FILE__, __LINE__)

#endif
