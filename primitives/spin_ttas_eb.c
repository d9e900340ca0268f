/* SPDX-License-Identifier: MIT */
/* Test-and-test-and-set spinlock with exponential backoff between looks:
 * the spinlock built for throughput under contention.
 *
 * Lock word: 0 free, 1 held (as tas and ttas).
 * Invariant: only a compare-and-swap from 0 to 1 makes an owner, as for ttas.
 *
 * What differs from ttas is how a waiter waits. A ttas waiter reads the word
 * in a loop: it sees every release at once and races the releasing thread
 * for the next acquisition, so with two threads the lock changes hands every
 * few dozen acquisitions, and each change moves the lock's cache line and
 * the data's to the other core. A ttas-eb waiter looks at the word only once
 * per backoff period, and the period doubles after every look that finds it
 * held, up to a cap: meanwhile the owner keeps both lines in its cache and
 * runs at nearly its uncontended speed, paying one line transfer per look.
 *
 * The trade: the lock changes hands only every many thousand acquisitions,
 * and a thread that has just lost it (period back at the minimum) looks more
 * often than one that has waited long (period at the cap), so over a short
 * window one thread may get most of the acquisitions. `threadlab bench`
 * shows it beside ttas and Concurrency Kit's ck_spinlock_cas_eb: ns per
 * acquisition, acquisitions per change of owner, Jain's index.
 *
 * The backoff waits in turns of an empty loop, not in pauses (below), and
 * counts them, so the rule of every spin kind holds: after about as long
 * as TL_SPIN_YIELD_AFTER pauses in a row the waiter yields its core, and a
 * busy machine can always run the owner. */
#include <sched.h>
#include <stddef.h>
#include "tl_spin.h"
#include "tl_lock_kind.h"

/* Backoff in turns of an empty loop (a compiler barrier each, about one
 * cycle): the first period and the cap, Concurrency Kit's (ck_backoff_eb),
 * so the cap is about 0.3 ms here and no waiter sleeps longer than that past
 * a release. Not in pauses, which this lock used to count (16 to 16384 of
 * them): measured against ck_spinlock_cas_eb with the bench's peer body (2
 * threads pinned, `./threadlab bench --lock ttas-eb --repeat 7 --seconds
 * 0.3`), ns per acquisition ours / CK's:
 *   16-16384 pauses, a yield every 2048          1.23x - 1.67x in 8 runs
 *   4-8192 pauses, no yield                      1.20x, 1.22x
 *   512-2^20 turns, no yield                     0.95x, 0.99x
 *   512-2^20 turns, a yield every 2^17 (below)   1.01x, 0.97x, 0.94x, 1.00x
 * The owner runs measurably slower while its waiter executes pauses than
 * while it turns an empty loop on the other core; why (the pause's own
 * cost on this KVM guest, a pause-loop exit to the host) is not
 * established. A pause is what a loop that *reads* the lock word needs - it
 * spares the core the mis-speculated memory order at the exit - and this
 * loop reads nothing. Earlier, the pause-based periods were chosen against
 * the same peer on a VM at load 2.5-3 (0.54x - 0.94x then); on this one
 * they lost. Looking by exchange instead of read-then-exchange measured the
 * same (0.64-0.72), so the look stays a test-and-test-and-set.
 * The take is a compare-and-swap, as CK's cas_eb's and ttas's: with an
 * exchange the uncontended pair was 1.015x-1.020x CK's in two runs of
 * `threadlab bench --lock ttas-eb --repeat 7 --seconds 0.3`, by CAS
 * 1.002x-1.013x in two runs alternating with them (contended: no change,
 * 1.33x-1.43x against 1.37x-1.39x; the bench prints that pair again
 * without the yields when it misses). */
enum { TTAS_EB_MIN = 512, TTAS_EB_MAX = 1 << 20 };

/* `n` turns of an empty loop. An empty volatile asm keeps every turn (an
 * atomic_signal_fence does not: clang deletes the loop around it). */
static inline void ttas_eb_turns(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        __asm__ __volatile__("" ::: "memory");
}

void tl_spin_ttas_eb_init(tl_spin_ttas_eb_t *l)
{
    tl_atomic_store_u32(&l->held, 0, tl_relaxed); /* not yet shared */
}

TL_BARE bool tl_spin_ttas_eb_trylock(tl_spin_ttas_eb_t *l)
{
    /* relaxed: a look only; the compare-and-swap carries the acquire. */
    if (tl_atomic_load_u32(&l->held, tl_relaxed) != 0)
        return false;
    /* acquire: the winner must see the previous owner's critical section. */
    uint32_t expected = 0;
    return tl_atomic_cas_u32(&l->held, &expected, 1, tl_acquire, tl_relaxed);
}

/* After a lost take: wait a period, look once, double the period. The
 * look reads before it swaps, so a look at a held lock leaves the owner
 * a shared copy of the line instead of taking it away. Out of line
 * (TL_SPIN_SLOW), so lock()'s fast path stays a leaf. */
TL_SPIN_SLOW static void ttas_eb_wait(tl_spin_ttas_eb_t *l)
{
    /* Read once: the bench turns the yields off between measurements. */
    unsigned long yield_after = (unsigned long)tl__spin_yield_after * TL_SPIN_TURNS_PER_PAUSE;
    unsigned long period = TTAS_EB_MIN, turned = 0; /* turns since the last yield */
    do {
        /* The period, cut where the yields fall. */
        for (unsigned long left = period; left > 0;) {
            unsigned long n = yield_after - turned < left ? yield_after - turned : left;
            ttas_eb_turns(n);
            left -= n;
            turned += n;
            if (turned >= yield_after) {
                turned = 0;
                sched_yield();
            }
        }
        if (period < TTAS_EB_MAX)
            period <<= 1;
    } while (!tl_spin_ttas_eb_trylock(l));
}

TL_BARE void tl_spin_ttas_eb_lock(tl_spin_ttas_eb_t *l)
{
    /* acquire on the swap, as in trylock. */
    uint32_t expected = 0;
    if (!tl_atomic_cas_u32(&l->held, &expected, 1, tl_acquire, tl_relaxed))
        ttas_eb_wait(l);
}

TL_BARE void tl_spin_ttas_eb_unlock(tl_spin_ttas_eb_t *l)
{
    /* release: publishes the critical section to the next winner. */
    tl_atomic_store_u32(&l->held, 0, tl_release);
}

/* --- the kind ------------------------------------------------------------- */
TL_LOCK_KIND_ADAPT(ttas_eb_kind, tl_spin_ttas_eb_t, tl_spin_ttas_eb)
static void ttas_eb_kind_wait(void *s, uint32_t seen)
{
    (void)seen;
    ttas_eb_wait(s);
}
const tl_lock_kind tl_kind_ttas_eb = {
    .name = "ttas-eb",
    .summary = "test-and-test-and-set, exponential backoff between looks; throughput, unfair",
    .flags = TL_KIND_HANDBUILT,
    TL_LOCK_KIND_OPS(ttas_eb_kind, tl_spin_ttas_eb_t),
    .rmws = 1,
    /* The generic layer runs the fast path above inline, as tas's. */
    .word = {.free = 0, .held = 1, .take = TL_WORD_CAS, .release = TL_WORD_STORE,
             .lock_wait = ttas_eb_kind_wait},
};
_Static_assert(offsetof(tl_spin_ttas_eb_t, held) == 0, "the inline path's word comes first");
