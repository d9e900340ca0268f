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
void tl__rwlock_kind_raw(void *s, unsigned long rounds, tl_lock_bench_body *body);
void tl__rwlock_kind_wait(void *s, uint32_t seen);
void tl__rwlock_kind_wake(void *s, uint32_t seen);
/* The writer's fast paths run inline in the generic layer: a swap of an
 * empty word to the writer bit and back; any other bit (readers, waiting
 * writers, sleeping readers) sends the writer to the kind. */
#define TL_RWLOCK_WRITER_BIT (1u << 30) /* rwlock.c's WRITER */
#define TL_RWLOCK_KIND_OPS                                                                 \
    .word = {.free = 0, .held = TL_RWLOCK_WRITER_BIT, .take = TL_WORD_CAS,                \
             .release = TL_WORD_CAS, .lock_wait = tl__rwlock_kind_wait,                    \
             .unlock_wake = tl__rwlock_kind_wake},                                         \
    .rmws = 2, /* a swap in, a swap out */                                                 \
    .size = sizeof(tl_rwlock_t), .align = _Alignof(tl_rwlock_t),                           \
    .lock = tl__rwlock_kind_lock, .trylock = tl__rwlock_kind_trylock,                      \
    .unlock = tl__rwlock_kind_unlock, .waiters = tl__rwlock_kind_waiters,                  \
    .shared = &tl__rwlock_shared_ops, .raw = tl__rwlock_kind_raw

#endif
