/* SPDX-License-Identifier: MIT */
/* Test-and-test-and-set spinlock.
 *
 * Lock word: 0 free, 1 held.
 * Invariant: only a compare-and-swap from 0 to 1 makes an owner. The
 * difference from TAS is how waiters wait: they read the word (a shared
 * cache line, no traffic while it stays unchanged) and only try to take it
 * when it reads 0.
 *
 * Why a compare-and-swap and no backoff - the algorithm of Concurrency
 * Kit's ck_spinlock_cas, which `threadlab bench` sets beside it. This kind
 * took the lock with an exchange and backed off (1 doubling to 1024 pauses)
 * after a lost race. On this 2-core KVM guest, quiet, that made it 1.38x -
 * 3.27x CK's time per contended acquisition in four runs of `threadlab
 * bench --lock ttas --repeat 9`, while the bench's control pair (CK's lock
 * against a copy of itself) read 0.98x - 1.09x in the same runs; dropping
 * the backoff alone changed nothing (1.42x, 2.24x); taking the lock by
 * compare-and-swap, with or without the backoff, gave 0.96x - 1.18x in
 * eight runs, within the control's spread. Why an exchange that finds the
 * word held costs so much more here than a swap that fails is not
 * established; both take the line. The backoff went with it: it bought
 * nothing measurable, and without it the kind is plainly "spins reading"
 * beside ttas-eb, the kind built for backing off. */
#include <stddef.h>
#include "tl_spin.h"
#include "tl_lock_kind.h"

void tl_spin_ttas_init(tl_spin_ttas_t *l)
{
    tl_atomic_store_u32(&l->held, 0, tl_relaxed); /* not yet shared */
}

/* The take: 0 -> 1. acquire: the winner must see the previous owner's
 * critical section; relaxed on failure, nothing was taken. */
static inline bool ttas_take(tl_spin_ttas_t *l)
{
    uint32_t expected = 0;
    return tl_atomic_cas_u32(&l->held, &expected, 1, tl_acquire, tl_relaxed);
}

TL_BARE bool tl_spin_ttas_trylock(tl_spin_ttas_t *l)
{
    /* relaxed: a peek only, which leaves a held lock's line where it is. */
    if (tl_atomic_load_u32(&l->held, tl_relaxed) != 0)
        return false;
    return ttas_take(l);
}

/* After a lost race: wait reading until the word is 0, and try again. Out of
 * line (TL_SPIN_SLOW), so lock()'s fast path stays a leaf. */
TL_SPIN_SLOW static void ttas_wait(tl_spin_ttas_t *l)
{
    do {
        /* relaxed: we only wait for a 0 to try again; no data is read yet.
         * Only the holder can clear it: if the holder is descheduled,
         * spinning on is useless, so the wait yields after a while. */
        unsigned spins = 0;
        while (tl_atomic_load_u32(&l->held, tl_relaxed) != 0)
            tl_spin_wait_step(&spins);
    } while (!ttas_take(l));
}

TL_BARE void tl_spin_ttas_lock(tl_spin_ttas_t *l)
{
    if (!ttas_take(l))
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
    .summary = "test-and-test-and-set spinlock, spins reading, takes by compare-and-swap; unfair",
    .flags = TL_KIND_HANDBUILT,
    TL_LOCK_KIND_OPS(ttas_kind, tl_spin_ttas_t),
    .rmws = 1,
    /* The generic layer runs the fast path above inline, as tas's. */
    .word = {.free = 0, .held = 1, .take = TL_WORD_CAS, .release = TL_WORD_STORE,
             .lock_wait = ttas_kind_wait},
};
_Static_assert(offsetof(tl_spin_ttas_t, held) == 0, "the inline path's word comes first");
