/* SPDX-License-Identifier: MIT */
/* Test-and-set spinlock.
 *
 * Lock word: 0 free, 1 held.
 * Invariant: only the exchange that turns 0 into 1 makes an owner, and an
 * exchange is one indivisible read-modify-write, so at most one thread ever
 * sees 0 come back. Every waiter hammers the word with exchanges, so each
 * attempt pulls the cache line over exclusively: unfair and noisy. */
#include <stddef.h>
#include "tl_spin.h"
#include "tl_lock_kind.h"

void tl_spin_tas_init(tl_spin_tas_t *l)
{
    tl_atomic_store_u32(&l->held, 0, tl_relaxed); /* not yet shared */
}

/* The one exchange every entry point shares, inlined into each: lock()
 * calling the public trylock (a real call: TL_BARE) cost a call and a saved
 * register, 1.04x ck_spinlock_fas uncontended on a quiet machine. */
static inline bool tas_try(tl_spin_tas_t *l)
{
    /* acquire: the winner must see the previous owner's critical section. */
    return tl_atomic_exchange_u32(&l->held, 1, tl_acquire) == 0;
}

TL_BARE bool tl_spin_tas_trylock(tl_spin_tas_t *l)
{
    return tas_try(l);
}

/* Only the holder can free the word; if it is descheduled, spinning on is
 * useless, so the wait yields after a while (tl_spin_wait_step). Out of line
 * (TL_SPIN_SLOW), so lock()'s fast path stays a leaf. */
TL_SPIN_SLOW static void tas_wait(tl_spin_tas_t *l)
{
    unsigned spins = 0;
    do
        tl_spin_wait_step(&spins);
    while (!tl_spin_tas_trylock(l)); /* a real call, as measured in the bench's figures */
}

TL_BARE void tl_spin_tas_lock(tl_spin_tas_t *l)
{
    if (!tas_try(l))
        tas_wait(l);
}

TL_BARE void tl_spin_tas_unlock(tl_spin_tas_t *l)
{
    /* release: publishes the critical section to the next winner. */
    tl_atomic_store_u32(&l->held, 0, tl_release);
}

/* --- the kind ------------------------------------------------------------- */
TL_LOCK_KIND_ADAPT(tas_kind, tl_spin_tas_t, tl_spin_tas)
static void tas_kind_wait(void *s, uint32_t seen)
{
    (void)seen;
    tas_wait(s);
}
const tl_lock_kind tl_kind_tas = {
    .name = "tas",
    .summary = "test-and-set spinlock (exchange); unfair",
    .flags = TL_KIND_HANDBUILT,
    TL_LOCK_KIND_OPS(tas_kind, tl_spin_tas_t),
    .rmws = 1,
    /* The generic layer runs the fast path above inline: one exchange to
     * take the word (0 free, 1 held), one store to give it back. */
    .word = {.free = 0, .held = 1, .take = TL_WORD_EXCHANGE, .release = TL_WORD_STORE,
             .lock_wait = tas_kind_wait},
};
_Static_assert(offsetof(tl_spin_tas_t, held) == 0, "the inline path's word comes first");
