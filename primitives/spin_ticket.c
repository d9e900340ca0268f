/* SPDX-License-Identifier: MIT */
/* Ticket spinlock: first come, first served.
 *
 * Words: `next` is the ticket the next arrival draws, `serving` the ticket
 * that owns the lock. Free exactly when next == serving.
 * Invariant: serving <= next (mod 2^32), only the owner advances serving, and
 * each ticket is drawn by exactly one fetch-add, so tickets hand the lock out
 * in arrival order. Every hand-off is a write every waiter must re-read: one
 * cache-line round trip per acquisition under contention. */
#include "tl_spin.h"
#include "tl_lock_kind.h"

void tl_spin_ticket_init(tl_spin_ticket_t *l)
{
    tl_atomic_store_u32(&l->next, 0, tl_relaxed);    /* not yet shared */
    tl_atomic_store_u32(&l->serving, 0, tl_relaxed); /* not yet shared */
}

/* The wait for our turn, out of line (TL_SPIN_SLOW). acquire: pairs with
 * the previous owner's release of serving. It yields after a while
 * (tl_spin_wait_step): only the holder of ticket serving can move it, and if
 * that thread is descheduled spinning on is useless. */
TL_SPIN_SLOW static void ticket_wait(tl_spin_ticket_t *l, uint32_t mine)
{
    unsigned spins = 0;
    while (tl_atomic_load_u32(&l->serving, tl_acquire) != mine)
        tl_spin_wait_step(&spins);
}

/* Both lock() entry points share this body; inlined into each, so the plain
 * lock() is the same code as before the ticket-returning one existed. */
static inline uint32_t ticket_lock(tl_spin_ticket_t *l)
{
    /* relaxed: drawing a ticket orders nothing; the acquire is on serving. */
    uint32_t mine = tl_atomic_fetch_add_u32(&l->next, 1, tl_relaxed);
    /* acquire: as in ticket_wait. */
    if (tl_atomic_load_u32(&l->serving, tl_acquire) != mine)
        ticket_wait(l, mine);
    return mine;
}

static inline bool ticket_trylock(tl_spin_ticket_t *l, uint32_t *ticket)
{
    /* acquire: if we win, this read of s is the previous owner's release of
     * serving = s, which orders its critical section before ours. */
    uint32_t s = tl_atomic_load_u32(&l->serving, tl_acquire);
    uint32_t expected = s;
    *ticket = s;
    /* Drawing ticket s succeeds only if next == s; since serving <= next and
     * serving never goes back, serving == s at that moment: the lock is ours.
     * relaxed: the load above already carries the acquire. */
    return tl_atomic_cas_u32(&l->next, &expected, s + 1, tl_relaxed, tl_relaxed);
}

TL_BARE void tl_spin_ticket_lock(tl_spin_ticket_t *l)
{
    (void)ticket_lock(l);
}

TL_BARE uint32_t tl_spin_ticket_lock_ticket(tl_spin_ticket_t *l)
{
    return ticket_lock(l);
}

TL_BARE bool tl_spin_ticket_trylock(tl_spin_ticket_t *l)
{
    uint32_t ignored;
    return ticket_trylock(l, &ignored);
}

TL_BARE bool tl_spin_ticket_trylock_ticket(tl_spin_ticket_t *l, uint32_t *ticket)
{
    return ticket_trylock(l, ticket);
}

/* Unlock: a plain store when nobody waits, a locked add when somebody does.
 * Both write serving = s + 1 (only the owner writes serving); the branch
 * only changes how the line moves.
 *
 * Why two ways. A plain store waits in the store buffer, and the owner's
 * next lock() (a locked fetch-add on `next`, same line) drains it: the
 * release and the owner's next ticket reach the line together, so the waiter
 * always finds the owner queued behind it and the lock changes hands on
 * every acquisition, one cache-line round trip each. A locked add publishes
 * the release on its own; the waiter can take the lock before the old owner
 * has drawn again, and then often runs several acquisitions in a row while
 * the old owner's draw is still on its way (FIFO still holds: nobody who has
 * drawn a ticket is ever passed). But a locked add costs a second locked
 * instruction on every uncontended pair, which the plain store does not.
 * Measured against Concurrency Kit's ck_spinlock_ticket (one 32-bit word,
 * unlock a locked 16-bit increment) in one run of the bench's peer body
 * (raw calls, 2 threads pinned, the two locks taking turns in 20 ms slices),
 * on a 2-core VM busy with other builds (load 8-10), ratio ours / CK, median
 * of 15 paired repetitions (min-max):
 *                              uncontended        contended, 2 threads
 *   plain store (as before)    0.49 (0.19-1.13)   3.55 (0.20-85)
 *   locked add, two words      0.98 (0.84-1.14)   1.16 (0.24-8.7)
 *   one 64-bit word, CK's way  0.99 (0.46-1.35)   1.39 (0.09-557)
 *   this: store or add         0.54 (0.44-0.68)   0.73 (0.00-6.3)
 * Earlier runs put them in the same order. In windows where the lock
 * changed hands on every acquisition, all five cost the same round trip
 * (medians 257-319 ns here): the difference is how often it must change
 * hands. The one-word layout would also need 64-bit atomics and a guard
 * against the serving half carrying into `next` when it wraps, for nothing
 * over the two-word locked add. Against the plain store directly, in three
 * more runs: 1.10-1.36x the throughput. The price is that a window's shares
 * may be less even (acquisitions in a row, 2-3 on average instead of 1);
 * on this busy machine Jain's index over 0.2 s ran 0.73-1.0 for this and
 * 0.78-1.0 for the plain store (and 0.77-1.0 for CK's), so the scheduler
 * still decides shares more than the unlock does. */
static inline void ticket_unlock(tl_spin_ticket_t *l)
{
    /* relaxed: only the owner writes serving, so it reads its own value;
     * `next` is a hint only (a draw after this look just takes its turn). */
    uint32_t s = tl_atomic_load_u32(&l->serving, tl_relaxed);
    uint32_t n = tl_atomic_load_u32(&l->next, tl_relaxed);
    if (n == s + 1)
        /* release: publishes the critical section to the holder of ticket s+1. */
        tl_atomic_store_u32(&l->serving, s + 1, tl_release);
    else
        /* release, as the store's; a locked instruction (see above). */
        tl_atomic_fetch_add_u32(&l->serving, 1, tl_release);
}

TL_BARE void tl_spin_ticket_unlock(tl_spin_ticket_t *l)
{
    ticket_unlock(l);
}

unsigned tl_spin_ticket_waiters(tl_spin_ticket_t *l)
{
    /* relaxed: a diagnostic snapshot, never used to synchronise. */
    uint32_t n = tl_atomic_load_u32(&l->next, tl_relaxed);
    uint32_t s = tl_atomic_load_u32(&l->serving, tl_relaxed);
    return n - s > 1 ? n - s - 1 : 0;
}

/* --- the kind ------------------------------------------------------------- */
/* The adaptors inline the bodies (the bare calls above are TL_BARE): a
 * generic lock() is one call deep, as a bare one. */
TL_LOCK_KIND_FITS(tl_spin_ticket_t);
static void ticket_kind_init(void *s) { tl_spin_ticket_init(s); }
static void ticket_kind_lock(void *s) { (void)ticket_lock(s); }
static bool ticket_kind_trylock(void *s)
{
    uint32_t ignored;
    return ticket_trylock(s, &ignored);
}
static void ticket_kind_unlock(void *s) { ticket_unlock(s); }
static void ticket_kind_raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    TL_LOCK_BENCH_ROUNDS(body, rounds, tl_spin_ticket_lock(s), tl_spin_ticket_unlock(s));
}
static unsigned ticket_kind_waiters(void *s) { return tl_spin_ticket_waiters(s); }
static uint32_t ticket_kind_lock_ticket(void *s) { return tl_spin_ticket_lock_ticket(s); }
static bool ticket_kind_trylock_ticket(void *s, uint32_t *ticket)
{
    return tl_spin_ticket_trylock_ticket(s, ticket);
}
const tl_lock_kind tl_kind_ticket = {
    .name = "ticket",
    .summary = "ticket spinlock; FIFO",
    .flags = TL_KIND_HANDBUILT | TL_KIND_FIFO,
    .rmws = 1, /* the draw; nobody waiting, the release is a store */
    TL_LOCK_KIND_OPS(ticket_kind, tl_spin_ticket_t),
    .waiters = ticket_kind_waiters,
    .lock_ticket = ticket_kind_lock_ticket,
    .trylock_ticket = ticket_kind_trylock_ticket,
};
