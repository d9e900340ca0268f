/* SPDX-License-Identifier: MIT */
/* BROKEN ON PURPOSE: a TAS lock whose exchange and store are relaxed.
 *
 * Lock word: 0 free, 1 held. The exchange is still one atomic step, so two
 * threads never own the word at once -- but relaxed orders create no
 * happens-before: nothing written inside the critical section is ordered
 * before the next owner's reads. The compiler may move the section's loads
 * and stores across the lock calls (clang -O2 hoists a protected counter out
 * of its loop: lost updates), and TSan reports the protected data as raced.
 * The fix is acquire on lock and release on unlock (spin_tas.c). */
#include "tl_broken.h"
#include "tl_lock_kind.h"

void tl_relaxed_tas_init(tl_relaxed_tas_t *l)
{
    tl_atomic_store_u32(&l->held, 0, tl_relaxed);
}

TL_BARE bool tl_relaxed_tas_trylock(tl_relaxed_tas_t *l)
{
    return tl_atomic_exchange_u32(&l->held, 1, tl_relaxed) == 0; /* the bug */
}

TL_BARE void tl_relaxed_tas_lock(tl_relaxed_tas_t *l)
{
    while (!tl_relaxed_tas_trylock(l))
        tl_cpu_relax();
}

TL_BARE void tl_relaxed_tas_unlock(tl_relaxed_tas_t *l)
{
    tl_atomic_store_u32(&l->held, 0, tl_relaxed); /* the bug */
}

/* --- the kind: never annotated (TL_KIND_BROKEN), see tl_broken.h ---------- */
TL_LOCK_KIND_ADAPT(relaxed_tas_kind, tl_relaxed_tas_t, tl_relaxed_tas)
const tl_lock_kind tl_kind_relaxed_tas = {
    .name = "relaxed-tas",
    .summary = "BROKEN: TAS with relaxed exchange/store (no happens-before)",
    .flags = TL_KIND_HANDBUILT | TL_KIND_BROKEN,
    TL_LOCK_KIND_OPS(relaxed_tas_kind, tl_relaxed_tas_t),
    .rmws = 1,
};
