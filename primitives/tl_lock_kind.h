/* SPDX-License-Identifier: MIT */
/* For the files that define a lock kind: the checks and adaptors behind a
 * descriptor (tl_lock_kind in tl_lock.h). A kind file holds its algorithm,
 * and at its end its descriptor:
 *
 *     TL_LOCK_KIND_ADAPT(tas, tl_spin_tas_t, tl_spin_tas)
 *     const tl_lock_kind tl_kind_tas = {
 *         .name = "tas", .summary = "...", .flags = TL_KIND_HANDBUILT,
 *         TL_LOCK_KIND_OPS(tas, tl_spin_tas_t),
 *     };
 *
 * and lock_kinds.c lists it with one row. */
#ifndef TL_LOCK_KIND_H
#define TL_LOCK_KIND_H

#include "tl_lock.h"

/* On a bare primitive's public lock, trylock and unlock: they stay real
 * calls even inside their own file. So the raw hook's rounds (below) cost
 * what any caller of the bare primitive pays - a call each - and the bench
 * compares the generic interface with that, not with the primitive inlined
 * into a loop no caller outside the file could write. */
#define TL_BARE __attribute__((noinline))

/* The kind's storage type must fit the generic lock's storage line. */
#define TL_LOCK_KIND_FITS(type)                                                            \
    _Static_assert(sizeof(type) <= TL_LOCK_STORAGE && _Alignof(type) <= TL_CACHE_LINE,     \
                   #type " does not fit tl_lock_t's storage")

/* Adaptors for a primitive with prefix_init/lock/trylock/unlock(type *):
 * the generic operations (ident_init, ident_lock, ...) and the bench's raw
 * rounds (ident_raw), which call the primitive exactly as any caller of the
 * bare primitive would. */
#define TL_LOCK_KIND_ADAPT(ident, type, prefix)                                            \
    TL_LOCK_KIND_FITS(type);                                                               \
    static void ident##_init(void *s) { prefix##_init((type *)s); }                        \
    static void ident##_lock(void *s) { prefix##_lock((type *)s); }                        \
    static bool ident##_trylock(void *s) { return prefix##_trylock((type *)s); }           \
    static void ident##_unlock(void *s) { prefix##_unlock((type *)s); }                    \
    static void ident##_raw(void *s, unsigned long rounds, tl_lock_bench_body *body)       \
    {                                                                                      \
        type *l = s;                                                                       \
        TL_LOCK_BENCH_ROUNDS(body, rounds, prefix##_lock(l), prefix##_unlock(l));          \
    }

/* The descriptor fields TL_LOCK_KIND_ADAPT provides. */
#define TL_LOCK_KIND_OPS(ident, type)                                                      \
    .size = sizeof(type), .align = _Alignof(type), .init = ident##_init,                   \
    .lock = ident##_lock, .trylock = ident##_trylock, .unlock = ident##_unlock,            \
    .raw = ident##_raw

#endif
