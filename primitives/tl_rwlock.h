/* SPDX-License-Identifier: MIT */
/* A reader-writer lock on one atomic word and two futex words, with either
 * policy: reader preference (a reader enters whenever no writer holds the
 * lock; writers can starve) or writer preference (a waiting writer also
 * keeps new readers out; readers can starve). rwlock.c has the protocol. */
#ifndef TL_RWLOCK_H
#define TL_RWLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "tl_atomic.h"

typedef enum { TL_RWLOCK_PREFER_READERS, TL_RWLOCK_PREFER_WRITERS } tl_rwlock_policy;

typedef struct {
    tl_atomic_u32 word;  /* readers in, writers waiting, writer in, readers asleep */
    tl_atomic_u32 rgate; /* readers sleep on it; bumped to wake them */
    tl_atomic_u32 wgate; /* writers sleep on it; bumped to wake one */
    uint32_t prefer_writers; /* the policy, fixed at init */
} tl_rwlock_t;

void tl_rwlock_init(tl_rwlock_t *rw, tl_rwlock_policy policy);
void tl_rwlock_rdlock(tl_rwlock_t *rw);
bool tl_rwlock_tryrdlock(tl_rwlock_t *rw);
void tl_rwlock_rdunlock(tl_rwlock_t *rw);
void tl_rwlock_wrlock(tl_rwlock_t *rw);
bool tl_rwlock_trywrlock(tl_rwlock_t *rw);
void tl_rwlock_wrunlock(tl_rwlock_t *rw);
/* Writers registered as waiting (a diagnostic snapshot). */
unsigned tl_rwlock_writers_waiting(tl_rwlock_t *rw);

#endif
