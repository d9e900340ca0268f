/* SPDX-License-Identifier: MIT */
/* Futex-based counting semaphore.
 *
 * Words: `value` is the count (never negative: a waiter only decrements with
 * a CAS from a positive value); `waiters` counts threads that may sleep.
 * Invariant: a post never misses a sleeper. The waiter publishes itself in
 * `waiters` and then sleeps only while value == 0 (the kernel re-checks that
 * atomically); the poster raises `value` and then reads `waiters`. Both pairs
 * are a store followed by a load of the other word (the store-buffering
 * shape), which only seq_cst orders: with anything weaker both could read the
 * stale word, the poster skip the wake and the waiter sleep forever. */
#include <errno.h>
#include <time.h>
#include "tl_annotate.h"
#include "tl_futex.h"
#include "tl_sem.h"

void tl_sem_init(tl_sem_t *s, uint32_t value)
{
    tl_atomic_store_u32(&s->value, value, tl_relaxed);  /* not yet shared */
    tl_atomic_store_u32(&s->waiters, 0, tl_relaxed);    /* not yet shared */
    /* Valgrind: the words are the semaphore's business, not races; the
     * ordering they give is the edge annotated in post and trywait. */
    if (TL__ANN_ACTIVE())
        TL__ANN_PRIVATE(s, sizeof *s);
}

bool tl_sem_trywait(tl_sem_t *s)
{
    /* relaxed: a first guess; the CAS re-checks it. */
    uint32_t v = tl_atomic_load_u32(&s->value, tl_relaxed);
    while (v > 0) {
        /* acquire: pairs with the post's release so the consumer sees what
         * the producer wrote before posting. seq_cst on failure is not needed:
         * a failed CAS just reloads v and tries again. */
        if (tl_atomic_cas_u32(&s->value, &v, v - 1, tl_acquire, tl_relaxed)) {
            if (TL__ANN_ACTIVE())
                TL__ANN_HAPPENS_AFTER(s); /* the acquire, for Valgrind */
            return true;
        }
    }
    return false;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* deadline 0 = wait forever. */
static bool sem_wait_until(tl_sem_t *s, uint64_t deadline)
{
    if (tl_sem_trywait(s))
        return true;
    /* seq_cst: store-buffering pair with the post (see the invariant). */
    tl_atomic_fetch_add_u32(&s->waiters, 1, tl_seq_cst);
    bool got = false;
    for (;;) {
        if (tl_sem_trywait(s)) {
            got = true;
            break;
        }
        uint64_t left = 0;
        if (deadline) {
            uint64_t now = now_ns();
            if (now >= deadline)
                break;
            left = deadline - now;
        }
        tl__futex_wait(&s->value, 0, left);
    }
    /* relaxed: leaving only lowers the chance of a needless wake. */
    tl_atomic_fetch_add_u32(&s->waiters, (uint32_t)-1, tl_relaxed);
    return got;
}

void tl_sem_wait(tl_sem_t *s)
{
    sem_wait_until(s, 0);
}

bool tl_sem_timedwait(tl_sem_t *s, uint64_t timeout_ns)
{
    return sem_wait_until(s, now_ns() + (timeout_ns ? timeout_ns : 1));
}

void tl_sem_post(tl_sem_t *s)
{
    /* seq_cst: release for the consumer, and the store-buffering pair with
     * the waiter's registration (see the invariant). */
    if (TL__ANN_ACTIVE())
        TL__ANN_HAPPENS_BEFORE(s); /* the release, for Valgrind */
    tl_atomic_fetch_add_u32(&s->value, 1, tl_seq_cst);
    if (tl_atomic_load_u32(&s->waiters, tl_seq_cst) > 0)
        tl__futex_wake(&s->value, 1);
}

uint32_t tl_sem_value(tl_sem_t *s)
{
    /* relaxed: a snapshot for reports and tests. */
    return tl_atomic_load_u32(&s->value, tl_relaxed);
}
