/* SPDX-License-Identifier: MIT */
/* FIFO mutex: a ticket lock whose waiters sleep. The lock is handed over.
 *
 * Words: `next` is the ticket the next arrival draws, `serving` the ticket
 * that owns the lock; free exactly when next == serving. Waiters sleep on
 * `serving` (a futex) until it reaches their ticket.
 *
 * This is the "fair" sleeping lock, and the lab keeps it to show what its
 * fairness costs. The unlock gives the lock to the next ticket at once,
 * whether or not that thread is running: usually it is asleep, so the lock
 * sits owned and idle until the scheduler has woken it, and the releasing
 * thread, if it asks again, queues behind every waiter and must sleep too.
 * Under steady contention every acquisition then costs a wake-up: the lock
 * convoy (starvation.lock_convoy). The three-state mutex (mutex.c) lets a
 * running thread take a free lock instead, and has no convoy.
 *
 * Waiters do not spin first, on purpose: a spin phase would hide the
 * hand-over cost whenever the next ticket's thread happens to be running,
 * and this kind exists to show it plainly.
 *
 * Sleeping without a lost wake-up. The unlocker advances serving and then
 * looks at next; a waiter draws from next and then looks at serving. Both
 * are seq_cst (a store then a load of the other word on each side, the
 * store-buffering pattern), so in the single order of the four accesses at
 * least one side sees the other: either the unlocker sees the waiter's
 * ticket and wakes, or the waiter sees its turn and never sleeps. A waiter
 * that read an old serving sleeps only while serving still holds it (the
 * futex compares atomically), so an advance after its look fails its sleep.
 * The unlock wakes every sleeper: one word, so it cannot pick the next
 * ticket's thread; the others look and sleep again. */
#include <limits.h>
#include "tl_futex.h"
#include "tl_mutex.h"
#include "tl_lock_kind.h"

void tl_fifo_mutex_init(tl_fifo_mutex_t *m)
{
    tl_atomic_store_u32(&m->next, 0, tl_relaxed);    /* not yet shared */
    tl_atomic_store_u32(&m->serving, 0, tl_relaxed); /* not yet shared */
}

/* Waits for ticket `mine`, asleep. seq_cst load: pairs with the unlock's
 * seq_cst advance (above) and is an acquire of the previous owner's
 * section. Out of line and cold, so that lock()'s fast path - the draw and
 * one look - saves no registers and stays a leaf. */
__attribute__((noinline, cold)) static uint32_t fifo_wait(tl_fifo_mutex_t *m, uint32_t mine)
{
    for (;;) {
        uint32_t s = tl_atomic_load_u32(&m->serving, tl_seq_cst);
        if (s == mine)
            return mine;
        tl__futex_wait(&m->serving, s, 0);
    }
}

static inline uint32_t fifo_lock(tl_fifo_mutex_t *m)
{
    /* seq_cst: the draw is the waiter's store in the argument above, and
     * the look that follows its load. */
    uint32_t mine = tl_atomic_fetch_add_u32(&m->next, 1, tl_seq_cst);
    if (__builtin_expect(tl_atomic_load_u32(&m->serving, tl_seq_cst) == mine, 1))
        return mine;
    return fifo_wait(m, mine);
}

static inline bool fifo_trylock(tl_fifo_mutex_t *m, uint32_t *ticket)
{
    /* As the ticket spinlock's: drawing ticket s succeeds only if next == s,
     * and then serving == s (serving <= next, never goes back). acquire:
     * this load is the previous owner's release of serving = s. */
    uint32_t s = tl_atomic_load_u32(&m->serving, tl_acquire);
    uint32_t expected = s;
    *ticket = s;
    return tl_atomic_cas_u32(&m->next, &expected, s + 1, tl_relaxed, tl_relaxed);
}

static inline void fifo_unlock(tl_fifo_mutex_t *m)
{
    /* seq_cst: a release of the critical section to the next ticket, and
     * the unlocker's store in the no-lost-wake-up argument above. */
    uint32_t s = tl_atomic_fetch_add_u32(&m->serving, 1, tl_seq_cst);
    if (tl_atomic_load_u32(&m->next, tl_seq_cst) != s + 1)
        tl__futex_wake(&m->serving, INT_MAX); /* somebody drew a later ticket */
}

TL_BARE void tl_fifo_mutex_lock(tl_fifo_mutex_t *m) { (void)fifo_lock(m); }
TL_BARE bool tl_fifo_mutex_trylock(tl_fifo_mutex_t *m)
{
    uint32_t ignored;
    return fifo_trylock(m, &ignored);
}
TL_BARE void tl_fifo_mutex_unlock(tl_fifo_mutex_t *m) { fifo_unlock(m); }

unsigned tl_fifo_mutex_waiters(tl_fifo_mutex_t *m)
{
    /* relaxed: a diagnostic snapshot, never used to synchronise. */
    uint32_t n = tl_atomic_load_u32(&m->next, tl_relaxed);
    uint32_t s = tl_atomic_load_u32(&m->serving, tl_relaxed);
    return n - s > 1 ? n - s - 1 : 0;
}

/* --- the kind -------------------------------------------------------------
 * The adaptors inline the bodies (the bare calls above are TL_BARE), as the
 * ticket spinlock's: a generic lock() is one call deep, as a bare one
 * (calling the bare function from the adaptor cost +1.16 ns a pair over
 * the raw calls, against +0.83 for ticket; `threadlab bench --lock
 * ticket,fifo-mutex`). */
TL_LOCK_KIND_FITS(tl_fifo_mutex_t);
static void fifo_mutex_kind_init(void *s) { tl_fifo_mutex_init(s); }
static void fifo_mutex_kind_lock(void *s) { (void)fifo_lock(s); }
static bool fifo_mutex_kind_trylock(void *s)
{
    uint32_t ignored;
    return fifo_trylock(s, &ignored);
}
static void fifo_mutex_kind_unlock(void *s) { fifo_unlock(s); }
static void fifo_mutex_kind_raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    TL_LOCK_BENCH_ROUNDS(body, rounds, tl_fifo_mutex_lock(s), tl_fifo_mutex_unlock(s));
}
static unsigned fifo_mutex_kind_waiters(void *s) { return tl_fifo_mutex_waiters(s); }
static uint32_t fifo_mutex_kind_lock_ticket(void *s) { return fifo_lock(s); }
static bool fifo_mutex_kind_trylock_ticket(void *s, uint32_t *ticket)
{
    return fifo_trylock(s, ticket);
}
const tl_lock_kind tl_kind_fifo_mutex = {
    .name = "fifo-mutex",
    .summary = "ticket-ordered futex mutex; FIFO, sleeps, hands the lock over",
    .flags = TL_KIND_HANDBUILT | TL_KIND_FIFO | TL_KIND_SLEEPS,
    .rmws = 2, /* the draw, the advance */
    TL_LOCK_KIND_OPS(fifo_mutex_kind, tl_fifo_mutex_t),
    .waiters = fifo_mutex_kind_waiters,
    .lock_ticket = fifo_mutex_kind_lock_ticket,
    .trylock_ticket = fifo_mutex_kind_trylock_ticket,
};
