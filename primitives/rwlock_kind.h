/* SPDX-License-Identifier: MIT */
/* The two reader-writer lock kinds (rwlock_rp.c, rwlock_wp.c) share their
 * adaptors, defined in rwlock.c; each kind file only picks the policy in its
 * init. */
#ifndef TL_RWLOCK_KIND_H
#define TL_RWLOCK_KIND_H

#include "tl_lock_kind.h"
#include "tl_rwlock.h"

extern const tl_lock_shared_ops tl__rwlock_shared_ops;
void tl__rwlock_kind_lock(void *s);
bool tl__rwlock_kind_trylock(void *s);
void tl__rwlock_kind_unlock(void *s);
unsigned tl__rwlock_kind_waiters(void *s);
void tl__rwlock_kind_raw(void *s, unsigned long rounds, unsigned long *data);
#define TL_RWLOCK_KIND_OPS                                                                 \
    .size = sizeof(tl_rwlock_t), .align = _Alignof(tl_rwlock_t),                           \
    .lock = tl__rwlock_kind_lock, .trylock = tl__rwlock_kind_trylock,                      \
    .unlock = tl__rwlock_kind_unlock, .waiters = tl__rwlock_kind_waiters,                  \
    .shared = &tl__rwlock_shared_ops, .raw = tl__rwlock_kind_raw

#endif
