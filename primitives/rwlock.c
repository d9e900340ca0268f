/* SPDX-License-Identifier: MIT */
/* The reader-writer lock (tl_rwlock.h).
 *
 * Lock word:
 *   bits  0-15  R   readers inside
 *   bits 16-29  WW  writers registered as waiting
 *   bit  30     W   a writer inside
 *   bit  31     RS  readers may be asleep on rgate
 * A reader may enter when W is clear and, with writer preference, WW is 0
 * too; a writer when R is 0 and W is clear. Each entry and exit is one
 * read-modify-write of the word, so every decision is made on the whole
 * state at once: a writer registering (WW + 1) and a reader entering (R + 1)
 * cannot both think they came first.
 *
 * Sleeping: readers sleep on rgate, writers on wgate, each a counter that a
 * waker bumps before it calls futex_wake. A sleeper reads the gate first,
 * then the word; it sleeps only if the gate still holds what it read, so a
 * wake that came between its look and its sleep is never lost: the bump
 * makes futex_wait return at once. (Had the bump come before the gate was
 * read, the acquire on the gate would make the waker's change of the word
 * visible to the look, and the sleeper would not have decided to sleep.)
 * Invariant: every change of the word that can let a sleeper in wakes it:
 *   - a writer leaving with RS set, when readers may now enter (always with
 *     reader preference; with writer preference only if WW is 0), clears
 *     RS and wakes every reader (they re-check; those still barred set RS
 *     again before sleeping again);
 *   - a writer leaving, or the last reader leaving, with WW > 0 wakes one
 *     writer; whoever that writer finds inside wakes one again on leaving,
 *     so a registered writer is never left asleep on a free lock.
 * A reader sets RS in the same compare-and-swap that confirms it must wait,
 * and a writer registers before it looks, so any later change sees them.
 * Futexes give TSan no happens-before: all ordering is on the word (acquire
 * to enter, release to leave). */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include "tl_futex.h"
#include "rwlock_kind.h"

#define READER 1u
#define READERS_MAX 0xffffu
#define WRITER_WAITING (1u << 16)
#define WRITERS_WAITING_MAX 0x3fffu
#define WRITER TL_RWLOCK_WRITER_BIT
_Static_assert(offsetof(tl_rwlock_t, word) == 0, "the inline path's word comes first");
#define READERS_ASLEEP (1u << 31)

static inline uint32_t readers(uint32_t w) { return w & READERS_MAX; }
static inline uint32_t writers_waiting(uint32_t w) { return (w >> 16) & WRITERS_WAITING_MAX; }

void tl_rwlock_init(tl_rwlock_t *rw, tl_rwlock_policy policy)
{
    /* relaxed: not yet shared. */
    tl_atomic_store_u32(&rw->word, 0, tl_relaxed);
    tl_atomic_store_u32(&rw->rgate, 0, tl_relaxed);
    tl_atomic_store_u32(&rw->wgate, 0, tl_relaxed);
    rw->prefer_writers = policy == TL_RWLOCK_PREFER_WRITERS;
}

static bool reader_may_enter(const tl_rwlock_t *rw, uint32_t w)
{
    return !(w & WRITER) && !(rw->prefer_writers && writers_waiting(w) != 0);
}

static void too_many(const char *what)
{
    fprintf(stderr, "threadlab: rwlock: more than %u %s at once\n",
            what[0] == 'r' ? READERS_MAX : WRITERS_WAITING_MAX, what);
    abort();
}

/* One attempt to enter as a reader from the word `w` just read: true when
 * in; false when barred (w unchanged) or the word moved on (w updated). */
static inline bool reader_enter(tl_rwlock_t *rw, uint32_t *w, bool *barred)
{
    *barred = !reader_may_enter(rw, *w);
    if (*barred)
        return false;
    if (readers(*w) == READERS_MAX)
        too_many("readers");
    /* acquire: the reader must see what the last writer wrote. */
    return tl_atomic_cas_u32(&rw->word, w, *w + READER, tl_acquire, tl_relaxed);
}

TL_BARE bool tl_rwlock_tryrdlock(tl_rwlock_t *rw)
{
    /* relaxed: the CAS below carries the acquire. */
    uint32_t w = tl_atomic_load_u32(&rw->word, tl_relaxed);
    bool barred;
    /* A CAS lost to another reader coming or going is no reason to fail. */
    while (!reader_enter(rw, &w, &barred))
        if (barred)
            return false;
    return true;
}

/* Out of line: the wait saves registers the fast path does not need. */
__attribute__((noinline)) static void rdlock_wait(tl_rwlock_t *rw)
{
    for (;;) {
        /* acquire: a bump we read orders the waker's change of the word
         * before our look at it (see the header). */
        uint32_t gate = tl_atomic_load_u32(&rw->rgate, tl_acquire);
        uint32_t w = tl_atomic_load_u32(&rw->word, tl_relaxed);
        bool barred;
        if (reader_enter(rw, &w, &barred))
            return;
        if (!barred)
            continue; /* the word moved: look again */
        /* relaxed: the flag only has to be in the word the waker changes;
         * a failed CAS means the word moved: look again. */
        if (!(w & READERS_ASLEEP) &&
            !tl_atomic_cas_u32(&rw->word, &w, w | READERS_ASLEEP, tl_relaxed, tl_relaxed))
            continue;
        tl__futex_wait(&rw->rgate, gate, 0);
    }
}

TL_BARE void tl_rwlock_rdlock(tl_rwlock_t *rw)
{
    if (!tl_rwlock_tryrdlock(rw))
        rdlock_wait(rw);
}

static void wake_one_writer(tl_rwlock_t *rw)
{
    /* release: the bump orders our change of the word before the woken
     * writer's look at it. */
    tl_atomic_fetch_add_u32(&rw->wgate, 1, tl_release);
    tl__futex_wake(&rw->wgate, 1);
}

static void wake_readers(tl_rwlock_t *rw)
{
    /* release: as in wake_one_writer. */
    tl_atomic_fetch_add_u32(&rw->rgate, 1, tl_release);
    tl__futex_wake(&rw->rgate, INT_MAX);
}

TL_BARE void tl_rwlock_rdunlock(tl_rwlock_t *rw)
{
    /* release: our reads are done before a writer that comes next. */
    uint32_t w = tl_atomic_fetch_add_u32(&rw->word, (uint32_t)-READER, tl_release) - READER;
    if (readers(w) == 0 && writers_waiting(w) != 0)
        wake_one_writer(rw);
}

TL_BARE bool tl_rwlock_trywrlock(tl_rwlock_t *rw)
{
    /* relaxed: the CAS carries the acquire. */
    uint32_t w = tl_atomic_load_u32(&rw->word, tl_relaxed);
    do {
        if (readers(w) != 0 || (w & WRITER))
            return false;
        /* acquire: the writer must see what earlier holders wrote. Other
         * bits (waiting writers, sleeping readers) are kept. */
    } while (!tl_atomic_cas_u32(&rw->word, &w, w | WRITER, tl_acquire, tl_relaxed));
    return true;
}

__attribute__((noinline)) static void wrlock_wait(tl_rwlock_t *rw)
{
    /* Registered before the first look: with writer preference that alone
     * bars new readers, and every waker from now on sees WW > 0. relaxed:
     * a count, not an entry; the CAS below carries the acquire. */
    uint32_t w = tl_atomic_fetch_add_u32(&rw->word, WRITER_WAITING, tl_relaxed);
    if (writers_waiting(w) == WRITERS_WAITING_MAX)
        too_many("waiting writers");
    for (;;) {
        /* acquire: as in rdlock_wait. */
        uint32_t gate = tl_atomic_load_u32(&rw->wgate, tl_acquire);
        w = tl_atomic_load_u32(&rw->word, tl_relaxed);
        while (readers(w) == 0 && !(w & WRITER)) {
            /* acquire: entering. Enter and unregister in one step. */
            if (tl_atomic_cas_u32(&rw->word, &w, (w - WRITER_WAITING) | WRITER, tl_acquire,
                                  tl_relaxed))
                return;
        }
        tl__futex_wait(&rw->wgate, gate, 0);
    }
}

TL_BARE void tl_rwlock_wrlock(tl_rwlock_t *rw)
{
    uint32_t free = 0;
    /* acquire: as in trywrlock. The fast path takes only a word with
     * nothing at all in it. */
    if (!tl_atomic_cas_u32(&rw->word, &free, WRITER, tl_acquire, tl_relaxed))
        wrlock_wait(rw);
}

/* Someone waits: decide who to wake on the whole word, in one CAS. */
__attribute__((noinline)) static void wrunlock_wake(tl_rwlock_t *rw, uint32_t w)
{
    uint32_t next;
    bool readers_go;
    do {
        next = w & ~WRITER;
        readers_go = (w & READERS_ASLEEP) &&
                     !(rw->prefer_writers && writers_waiting(w) != 0);
        if (readers_go)
            next &= ~READERS_ASLEEP;
        /* release: publishes the critical section to the next holder. */
    } while (!tl_atomic_cas_u32(&rw->word, &w, next, tl_release, tl_relaxed));
    if (readers_go)
        wake_readers(rw);
    if (writers_waiting(next) != 0)
        wake_one_writer(rw);
}

TL_BARE void tl_rwlock_wrunlock(tl_rwlock_t *rw)
{
    uint32_t w = WRITER;
    /* release: publishes the critical section. The fast path: the word
     * holds our writer bit and nothing else, so nobody is to be woken. */
    if (!tl_atomic_cas_u32(&rw->word, &w, 0, tl_release, tl_relaxed))
        wrunlock_wake(rw, w);
}

unsigned tl_rwlock_writers_waiting(tl_rwlock_t *rw)
{
    /* relaxed: a diagnostic snapshot. */
    return writers_waiting(tl_atomic_load_u32(&rw->word, tl_relaxed));
}

/* --- the adaptors both kinds share (rwlock_rp.c, rwlock_wp.c) ------------- */
TL_LOCK_KIND_FITS(tl_rwlock_t);

void tl__rwlock_kind_lock(void *s) { tl_rwlock_wrlock(s); }
void tl__rwlock_kind_wait(void *s, uint32_t seen) { (void)seen; wrlock_wait(s); }
void tl__rwlock_kind_wake(void *s, uint32_t seen) { wrunlock_wake(s, seen); }
bool tl__rwlock_kind_trylock(void *s) { return tl_rwlock_trywrlock(s); }
void tl__rwlock_kind_unlock(void *s) { tl_rwlock_wrunlock(s); }
unsigned tl__rwlock_kind_waiters(void *s) { return tl_rwlock_writers_waiting(s); }
static void rdlock(void *s) { tl_rwlock_rdlock(s); }
static bool tryrdlock(void *s) { return tl_rwlock_tryrdlock(s); }
static void rdunlock(void *s) { tl_rwlock_rdunlock(s); }
const tl_lock_shared_ops tl__rwlock_shared_ops = {rdlock, tryrdlock, rdunlock};

/* Exclusive rounds, as the generic lock() takes it. */
void tl__rwlock_kind_raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    tl_rwlock_t *rw = s;
    TL_LOCK_BENCH_ROUNDS(body, rounds, tl_rwlock_wrlock(rw), tl_rwlock_wrunlock(rw));
}
