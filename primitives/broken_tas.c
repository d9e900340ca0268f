/* SPDX-License-Identifier: MIT */
/* BROKEN ON PURPOSE: "test, then set" as two separate steps.
 *
 * Lock word: 0 free, 1 held -- but nothing keeps the two steps together.
 * Two threads can both read 0, both write 1, and both believe they own the
 * lock: mutual exclusion is violated. The fix is a single read-modify-write
 * (spin_tas.c). The window hook lets a demonstration hold a thread between
 * the test and the set, so the violation happens on every run, not by luck. */
#include <stddef.h>
#include "tl_broken.h"
#include "tl_lock_kind.h"

void (*tl_broken_tas_window_hook)(void) = NULL;

void tl_broken_tas_init(tl_broken_tas_t *l)
{
    tl_atomic_store_u32(&l->held, 0, tl_relaxed);
}

TL_BARE bool tl_broken_tas_trylock(tl_broken_tas_t *l)
{
    /* acquire/release are kept so the only bug is the split test and set. */
    if (tl_atomic_load_u32(&l->held, tl_acquire) != 0)
        return false;
    if (tl_broken_tas_window_hook)
        tl_broken_tas_window_hook();
    tl_atomic_store_u32(&l->held, 1, tl_relaxed);
    return true;
}

TL_BARE void tl_broken_tas_lock(tl_broken_tas_t *l)
{
    while (!tl_broken_tas_trylock(l))
        tl_cpu_relax();
}

TL_BARE void tl_broken_tas_unlock(tl_broken_tas_t *l)
{
    tl_atomic_store_u32(&l->held, 0, tl_release);
}

/* --- the kind: never annotated (TL_KIND_BROKEN), see tl_broken.h ---------- */
TL_LOCK_KIND_ADAPT(broken_tas_kind, tl_broken_tas_t, tl_broken_tas)
const tl_lock_kind tl_kind_broken_tas = {
    .name = "broken-tas",
    .summary = "BROKEN: test then set as a separate load and store (two owners)",
    .flags = TL_KIND_HANDBUILT | TL_KIND_BROKEN,
    TL_LOCK_KIND_OPS(broken_tas_kind, tl_broken_tas_t),
    .rmws = 0, /* a load and a store: the bug */
};
