/* SPDX-License-Identifier: MIT */
/* The three-state futex mutex.
 *
 * Lock word:
 *   0  free
 *   1  locked, and no thread sleeps on the word
 *   2  locked, and some thread may sleep on the word (the unlocker must wake)
 *
 * Invariant: a thread only sleeps after it has itself written 2, so any
 * sleeper is covered by a 2 that the owner's unlock will see, and the unlock
 * of an uncontended lock (1 -> 0) needs no syscall. A woken thread takes the
 * lock with 2, not 1, because it cannot know whether others still sleep:
 * pessimistic, costs at most one spurious wake, never loses one. */
#include <stddef.h>
#include "tl_futex.h"
#include "tl_mutex.h"
#include "tl_lock_kind.h"

void tl_mutex_init(tl_mutex_t *m)
{
    tl_atomic_store_u32(&m->word, 0, tl_relaxed); /* not yet shared */
}

TL_BARE bool tl_mutex_trylock(tl_mutex_t *m)
{
    uint32_t expected = 0;
    /* acquire: the critical section must see the previous owner's writes. */
    return tl_atomic_cas_u32(&m->word, &expected, 1, tl_acquire, tl_relaxed);
}

/* Contended: announce a sleeper with 2 before sleeping (see invariant).
 * acquire: if the exchange finds 0 we own the lock from here. Out of line
 * and cold: inlined, its loop made the fast path save a register. */
__attribute__((noinline, cold)) static void mutex_wait(tl_mutex_t *m, uint32_t c)
{
    if (c != 2)
        c = tl_atomic_exchange_u32(&m->word, 2, tl_acquire);
    while (c != 0) {
        tl__futex_wait(&m->word, 2, 0);
        c = tl_atomic_exchange_u32(&m->word, 2, tl_acquire);
    }
}

TL_BARE void tl_mutex_lock(tl_mutex_t *m)
{
    uint32_t c = 0;
    /* Fast path 0 -> 1, no syscall; acquire pairs with the unlock's release. */
    if (!tl_atomic_cas_u32(&m->word, &c, 1, tl_acquire, tl_relaxed))
        mutex_wait(m, c);
}

TL_BARE void tl_mutex_unlock(tl_mutex_t *m)
{
    /* release: publishes the critical section to the next owner. An exchange,
     * not a store, because we must learn whether a sleeper announced itself. */
    if (tl_atomic_exchange_u32(&m->word, 0, tl_release) == 2)
        tl__futex_wake(&m->word, 1);
}

/* --- the kind ------------------------------------------------------------- */
TL_LOCK_KIND_ADAPT(mutex_kind, tl_mutex_t, tl_mutex)
static void mutex_kind_wait(void *s, uint32_t seen)
{
    mutex_wait(s, seen);
}
/* The word is 0 already (the exchange); `seen` was 2: wake one sleeper. */
static void mutex_kind_wake(void *s, uint32_t seen)
{
    (void)seen;
    tl__futex_wake(&((tl_mutex_t *)s)->word, 1);
}
const tl_lock_kind tl_kind_mutex = {
    .name = "mutex",
    .summary = "3-state futex mutex (0 free, 1 locked, 2 contended); sleeps",
    .flags = TL_KIND_HANDBUILT | TL_KIND_SLEEPS,
    TL_LOCK_KIND_OPS(mutex_kind, tl_mutex_t),
    .rmws = 2, /* a swap in, an exchange out */
    /* The generic layer runs the fast paths above inline: a swap 0 -> 1 to
     * take, an exchange in 0 to release; a 2 coming back means a sleeper. */
    .word = {.free = 0, .held = 1, .take = TL_WORD_CAS, .release = TL_WORD_EXCHANGE,
             .lock_wait = mutex_kind_wait, .unlock_wake = mutex_kind_wake},
};
_Static_assert(offsetof(tl_mutex_t, word) == 0, "the inline path's word comes first");
