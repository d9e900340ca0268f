/* SPDX-License-Identifier: MIT */
/* Test-and-test-and-set spinlock with bounded exponential backoff.
 *
 * Lock word: 0 free, 1 held.
 * Invariant: as for TAS, only an exchange returning 0 makes an owner. The
 * difference is how waiters wait: they read the word (a shared cache line,
 * no bus traffic while it stays unchanged) and only try the exchange when it
 * reads 0. After a lost race they back off for a doubling number of `pause`s,
 * capped so that a waiter never sleeps far past the release. */
#include <stddef.h>
#include "tl_spin.h"
#include "tl_lock_kind.h"

enum { TTAS_BACKOFF_MAX = 1024 };

void tl_spin_ttas_init(tl_spin_ttas_t *l)
{
    tl_atomic_store_u32(&l->held, 0, tl_relaxed); /* not yet shared */
}

TL_BARE bool tl_spin_ttas_trylock(tl_spin_ttas_t *l)
{
    /* relaxed: a peek only; the exchange below carries the acquire. */
    if (tl_atomic_load_u32(&l->held, tl_relaxed) != 0)
        return false;
    /* acquire: the winner must see the previous owner's critical section. */
    return tl_atomic_exchange_u32(&l->held, 1, tl_acquire) == 0;
}

/* After a lost exchange: back off, then wait reading until the word is 0,
 * and try again. Out of line (TL_SPIN_SLOW), so lock()'s fast path stays a
 * leaf. */
TL_SPIN_SLOW static void ttas_wait(tl_spin_ttas_t *l)
{
    unsigned backoff = 1;
    do {
        for (unsigned i = 0; i < backoff; i++)
            tl_cpu_relax();
        if (backoff < TTAS_BACKOFF_MAX)
            backoff <<= 1;
        /* relaxed: we only wait for a 0 to try again; no data is read yet.
         * Only the holder can clear it: if the holder is descheduled,
         * spinning on is useless, so the wait yields after a while. */
        unsigned spins = 0;
        while (tl_atomic_load_u32(&l->held, tl_relaxed) != 0)
            tl_spin_wait_step(&spins);
        /* acquire on the exchange, as in trylock. */
    } while (tl_atomic_exchange_u32(&l->held, 1, tl_acquire) != 0);
}

TL_BARE void tl_spin_ttas_lock(tl_spin_ttas_t *l)
{
    /* acquire on the exchange, as in trylock. */
    if (tl_atomic_exchange_u32(&l->held, 1, tl_acquire) != 0)
        ttas_wait(l);
}

TL_BARE void tl_spin_ttas_unlock(tl_spin_ttas_t *l)
{
    /* release: publishes the critical section to the next winner. */
    tl_atomic_store_u32(&l->held, 0, tl_release);
}

/* --- the kind ------------------------------------------------------------- */
TL_LOCK_KIND_ADAPT(ttas_kind, tl_spin_ttas_t, tl_spin_ttas)
static void ttas_kind_wait(void *s, uint32_t seen)
{
    (void)seen;
    ttas_wait(s);
}
const tl_lock_kind tl_kind_ttas = {
    .name = "ttas",
    .summary = "test-and-test-and-set spinlock, spins reading, short backoff; unfair",
    .flags = TL_KIND_HANDBUILT,
    TL_LOCK_KIND_OPS(ttas_kind, tl_spin_ttas_t),
    .rmws = 1,
    /* The generic layer runs the fast path above inline, as tas's. */
    .word = {.free = 0, .held = 1, .take = TL_WORD_EXCHANGE, .release = TL_WORD_STORE,
             .lock_wait = ttas_kind_wait},
};
_Static_assert(offsetof(tl_spin_ttas_t, held) == 0, "the inline path's word comes first");
