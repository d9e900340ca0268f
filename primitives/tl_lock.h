/* SPDX-License-Identifier: MIT */
/* The generic lock interface: one API over every lock kind, chosen at run
 * time by name, so a scenario, the validator and the benchmark run against
 * any primitive and against libc as a baseline.
 *
 * Each kind describes itself in one descriptor (tl_lock_kind, below), defined
 * in the kind's own file next to its algorithm; lock_kinds.c lists them, one
 * row each. Nothing outside the lookup by name knows a kind by its name.
 *
 * In the TSan build the hand-built correct kinds carry the __tsan_mutex_*
 * annotations (TSan then sees lock order, double locks, bad unlocks on them);
 * in the plain build, with <valgrind/helgrind.h>, the Helgrind ones. The
 * broken teaching kinds are never annotated. The bare primitives
 * (tl_mutex.h, tl_spin.h, ...) stay free of all this for benchmarks. */
#ifndef TL_LOCK_H
#define TL_LOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tl_clh_fast.h"
#include "tl_track.h"
/* The bare primitives' own headers: code written against earlier versions
 * reached them through this one (the broken-tas window hook, for one). */
#include "tl_broken.h"
#include "tl_mutex.h"
#include "tl_rwlock.h"
#include "tl_spin.h"

/* The coherence unit of the machines the lab runs on (x86-64, most arm64). */
#define TL_CACHE_LINE 64
/* Bytes a kind's own words may take inside tl_lock_t, on a line of their own. */
#define TL_LOCK_STORAGE 64
/* Longest kind name: the tables' column. */
#define TL_LOCK_KIND_NAME_MAX 14

typedef struct tl_lock tl_lock_t;

enum tl_lock_kind_flags {
    TL_KIND_HANDBUILT = 1u << 0, /* ours, not libc: annotated for detectors */
    TL_KIND_BROKEN = 1u << 1,    /* a teaching kind that violates its contract */
    TL_KIND_FIFO = 1u << 2,      /* hands the lock out in arrival order */
    TL_KIND_SLEEPS = 1u << 3,    /* waiters sleep in the kernel rather than spin */
    TL_KIND_SHARED = 1u << 4,    /* has a shared (reader) mode: tl_lock_rdlock */
    TL_KIND_WRITER_PREF = 1u << 5, /* shared mode: a waiting writer blocks new readers */
};

/* A kind's operations work on its storage (tl_lock_t's `storage`), never on
 * the generic lock: the kind knows nothing of names, monitors or detectors. */
typedef void tl_lock_op(void *storage);
typedef bool tl_lock_try_op(void *storage);

/* Shared (reader) mode, for kinds with TL_KIND_SHARED. */
typedef struct {
    tl_lock_op *rdlock;
    tl_lock_try_op *tryrdlock;
    tl_lock_op *rdunlock;
} tl_lock_shared_ops;

/* A lock word the generic layer can work inline: for kinds whose storage
 * starts with a 32-bit word whose fast paths are one atomic operation each.
 * The inline path is then the kind's own fast path, and only a thread that
 * finds the lock taken, or someone to wake, calls into the kind. */
typedef enum {
    TL_WORD_NONE = 0,  /* no inline path: the generic layer calls the kind */
    TL_WORD_STORE,     /* release: store `free` (nobody ever sleeps on the word) */
    TL_WORD_EXCHANGE,  /* take: exchange in `held`, taken if `free` comes back;
                        * release: exchange in `free`, anything but `held` back
                        * means someone to wake (the word is free already) */
    TL_WORD_CAS,       /* take: swap free -> held; release: swap held -> free
                        * (on failure the word is untouched: the kind releases) */
} tl_lock_word_op;

typedef struct {
    uint32_t free, held;
    tl_lock_word_op take, release; /* take: EXCHANGE or CAS */
    /* The take failed, having seen `seen`: wait for the lock (the kind's
     * slow path) and return holding it. */
    void (*lock_wait)(void *storage, uint32_t seen);
    /* The release saw `seen`, which says someone waits: finish the unlock
     * and wake them (after EXCHANGE the word is free; after CAS it is not). */
    void (*unlock_wake)(void *storage, uint32_t seen);
} tl_lock_word;

/* Kinds that are libc's own locks: the header calls libc directly (as a
 * caller of the bare lock would), with no call into the kind between. */
typedef enum { TL_LIBC_NONE = 0, TL_LIBC_PTHREAD_MUTEX, TL_LIBC_PTHREAD_SPIN } tl_lock_libc;

/* The bench's critical section, the same on both of its sides (a kind's
 * raw hook, and the generic calls): it increments a count the lock under
 * test protects, and counts this thread's hand-overs - acquisitions that
 * find the count moved since the thread's last one, so another thread was
 * inside in between. An unfair lock's throughput follows how often it
 * changes hands (a hand-over moves the lock's line and the count's between
 * cores; a thread that takes it again finds both in its cache), so the
 * bench prints both sides' rates beside a contended comparison. */
typedef struct {
    unsigned long *count;    /* shared: the lock under test orders it */
    bool handovers_counted;  /* false: the count's increment alone */
    unsigned long seen;      /* this thread's: the count as its last acquisition left it */
    unsigned long handovers; /* this thread's */
} tl_lock_bench_body;

/* `rounds` rounds of LOCK, the body, UNLOCK. Counting hand-overs, the
 * thread's fields stay in registers, so the body is one load, one store and
 * a compare; the count alone has a loop of its own, for the uncontended
 * figures (nobody else takes the lock), which then stay as they were. */
#define TL_LOCK_BENCH_ROUNDS(body, rounds, LOCK, UNLOCK)                                    \
    do {                                                                                    \
        unsigned long *count_ = (body)->count;                                              \
        if (!(body)->handovers_counted) {                                                   \
            for (unsigned long i_ = 0; i_ < (rounds); i_++) {                               \
                LOCK;                                                                       \
                (*count_)++;                                                                \
                UNLOCK;                                                                     \
            }                                                                               \
            break;                                                                          \
        }                                                                                   \
        unsigned long seen_ = (body)->seen, handovers_ = (body)->handovers;                 \
        for (unsigned long i_ = 0; i_ < (rounds); i_++) {                                   \
            LOCK;                                                                           \
            unsigned long c_ = *count_;                                                     \
            handovers_ += c_ != seen_;                                                      \
            *count_ = seen_ = c_ + 1;                                                       \
            UNLOCK;                                                                         \
        }                                                                                   \
        (body)->seen = seen_;                                                               \
        (body)->handovers = handovers_;                                                     \
    } while (0)

typedef struct tl_lock_kind {
    const char *name;    /* --lock NAME; at most TL_LOCK_KIND_NAME_MAX characters */
    const char *summary; /* one line, for lists and tables */
    unsigned flags;      /* TL_KIND_*: fairness, sleeping or spinning, broken, ... */
    /* The storage its words need: at most TL_LOCK_STORAGE bytes, aligned to
     * at most TL_CACHE_LINE (the storage is aligned to a line). */
    size_t size, align;
    /* Bytes of per-thread queue node each acquisition uses (MCS, CLH), one
     * of the calling thread's nodes (tl_lock_node.h); 0: none. */
    size_t node_size;
    /* Atomic read-modify-writes in one uncontended lock+unlock pair: what
     * the bench holds its raw figure against (one exchange is the floor). */
    unsigned rmws;
    tl_lock_op *init;
    tl_lock_op *lock;       /* exclusive; a shared kind's writer lock */
    tl_lock_try_op *trylock;
    tl_lock_op *unlock;
    tl_lock_op *destroy;    /* NULL: nothing to release */
    /* Optional hooks, NULL when the kind has none. */
    unsigned (*waiters)(void *storage); /* threads known to wait behind the holder(s) */
    /* Kinds that number arrivals (ticket): lock and trylock that also give
     * the ticket drawn. */
    uint32_t (*lock_ticket)(void *storage);
    bool (*trylock_ticket)(void *storage, uint32_t *ticket);
    const tl_lock_shared_ops *shared; /* non-NULL exactly with TL_KIND_SHARED */
    /* For the bench: `rounds` rounds of lock, the body, unlock through the
     * primitive's own calls, with no generic layer in between
     * (TL_LOCK_BENCH_ROUNDS). */
    void (*raw)(void *storage, unsigned long rounds, tl_lock_bench_body *body);
    /* Optional: the kind's fast path on its lock word, which the generic
     * layer runs inline (below); see tl_lock_word. */
    tl_lock_word word;
    tl_lock_libc libc; /* the storage is that libc lock (TL_LIBC_NONE: it is not) */
    /* Optional, for kinds whose storage is a bare CLH lock (tl_spin_clh_t)
     * and whose calls keep the fast slot as tl_clh_fast.h does: the generic
     * layer then runs that fast path inline, and calls this only to wait. */
    tl_clh_fast_wait_fn *clh_wait;
    /* Optional: what the generic calls do beyond the raw ones, where that is
     * more than the layer's dispatch - the bench prints it beside a missed
     * interface target, so a reader sees the cost and its cause together. */
    const char *iface_cost;
} tl_lock_kind;

/* The layout: under contention the lock word's cache line moves between
 * cores on every hand-off, and anything else on it moves with it. So what
 * the generic layer reads on each call - the operations, whether to annotate
 * - sits on a line of its own that nobody writes after tl_lock_init, where
 * every core keeps a shared copy; the kind's words come alone on the next
 * line. (With both on one line, every lock() after a hand-off missed on the
 * metadata too: under contention the generic mutex, tas and ttas took
 * 1.08x - 1.44x their raw calls' time, and 0.77x - 1.01x since; README.md,
 * Benchmarks.) */
struct tl_lock {
    /* line 0: read-only after tl_lock_init */
    _Alignas(TL_CACHE_LINE) tl_lock_op *lock_op; /* copies of the kind's, one load nearer */
    tl_lock_try_op *trylock_op;
    tl_lock_op *unlock_op;
    const tl_lock_kind *kind;
    const char *name;  /* for reports; "lock" unless set */
    uint32_t track_id; /* its object in the monitor table, or TL_TRACK_NONE */
    bool annotate;     /* carries detector annotations (see lock.c) */
    uint8_t path;      /* TL__PATH_*: how every call goes, decided by tl_lock_init */
    /* On the CALL path: the kind is a CLH lock whose fast path the header
     * runs inline (tl_clh_fast.h). A flag, not a path of its own: with
     * a fifth path to tell apart, clang turned the tests into a jump
     * table, an indirect jump more for every kind that calls (MCS: +0.75
     * -> +0.98 - 1.07 ns over its raw calls, in four runs); and the flag is
     * hinted rare (without the hint, MCS +1.20 - 1.24 ns). */
    bool clh_inline;
    uint8_t word_take, word_release; /* the kind's inline word path, copied */
    uint32_t word_free, word_held;
    /* line 1: the kind's words, alone */
    _Alignas(TL_CACHE_LINE) unsigned char storage[TL_LOCK_STORAGE];
};

/* The kinds, in listing order. */
size_t tl_lock_kind_count(void);
const tl_lock_kind *tl_lock_kind_at(size_t i);
/* NULL when no kind has that name. */
const tl_lock_kind *tl_lock_kind_find(const char *name);
/* "mutex, tas, ..., broken-tas (BROKEN), ..." for error messages and help. */
const char *tl_lock_kind_names(void);
/* The kinds with a shared mode, "rwlock-rp, rwlock-wp", for messages. */
const char *tl_lock_kind_shared_names(void);
static inline bool tl_lock_kind_is_broken(const tl_lock_kind *k)
{
    return (k->flags & TL_KIND_BROKEN) != 0;
}
static inline bool tl_lock_kind_has_shared(const tl_lock_kind *k)
{
    return (k->flags & TL_KIND_SHARED) != 0;
}
/* Checks one descriptor against the rules above (storage and node sizes,
 * name length, operations present, shared ops exactly with the flag, ...).
 * Returns NULL when it keeps them, else what it breaks, in words. */
const char *tl_lock_kind_check(const tl_lock_kind *k);

void tl_lock_init(tl_lock_t *l, const tl_lock_kind *kind, const char *name);
/* Returns -1 (and initialises nothing) when kind_name is unknown. */
int tl_lock_init_by_name(tl_lock_t *l, const char *kind_name, const char *name);

/* The slow paths (lock.c): annotations for a detector, recording for the
 * live monitor. */
void tl__lock_lock_slow(tl_lock_t *l, const char *file, int line);
bool tl__lock_trylock_slow(tl_lock_t *l, const char *file, int line);
void tl__lock_unlock_slow(tl_lock_t *l);

/* How a lock's calls go, decided once by tl_lock_init, so the fast path
 * reads one byte on a line nobody writes:
 *   WORD  the kind's inline word path (below), into the kind only to wait or wake
 *   CALL  one call to the kind
 *   PTHREAD_MUTEX, PTHREAD_SPIN  libc's call, directly
 *   SLOW  through lock.c: detector annotations, or a monitor listening (it is
 *         attached before a scenario starts, before its locks are made; a
 *         lock made earlier has no object in its table anyway). */
enum { TL__PATH_CALL, TL__PATH_WORD, TL__PATH_PTHREAD_MUTEX, TL__PATH_PTHREAD_SPIN, TL__PATH_SLOW };

/* The kind's lock word, for its inline path (tl_lock_word). */
static inline tl_atomic_u32 *tl__lock_word(tl_lock_t *l)
{
    return (tl_atomic_u32 *)(void *)l->storage;
}

/* The inline take; `seen` is what the word held. acquire: the critical
 * section must see what the previous holder wrote (as the kind's own). */
static inline bool tl__lock_word_take(tl_lock_t *l, uint32_t *seen)
{
    if (l->word_take == TL_WORD_EXCHANGE) {
        *seen = tl_atomic_exchange_u32(tl__lock_word(l), l->word_held, tl_acquire);
        return *seen == l->word_free;
    }
    *seen = l->word_free;
    return tl_atomic_cas_u32(tl__lock_word(l), seen, l->word_held, tl_acquire, tl_relaxed);
}

/* lock and trylock are macros that pass the caller's source line to the live
 * monitor (tl_track.h); the functions of the same name exist too, for
 * function pointers. All three are inline: the kind's fast path on its lock
 * word if it has one (calling into the kind only to wait or to wake), else
 * one call to the kind. */
/* Branches rather than a switch: a switch becomes a jump table, one more
 * load and an indirect jump on every call. */
static inline void tl_lock_lock_at(tl_lock_t *l, const char *file, int line)
{
    uint32_t seen;
    if (__builtin_expect(l->path == TL__PATH_WORD, 1)) {
        if (__builtin_expect(!tl__lock_word_take(l, &seen), 0))
            l->kind->word.lock_wait(l->storage, seen);
    } else if (__builtin_expect(l->path == TL__PATH_CALL, 1)) {
        if (__builtin_expect(!l->clh_inline, 1) || !tl__clh_fast_lock(l->storage, l->kind->clh_wait))
            l->lock_op(l->storage);
    } else if (l->path == TL__PATH_PTHREAD_MUTEX) {
        pthread_mutex_lock((pthread_mutex_t *)(void *)l->storage);
    } else if (l->path == TL__PATH_PTHREAD_SPIN) {
        pthread_spin_lock((pthread_spinlock_t *)(void *)l->storage);
    } else {
        tl__lock_lock_slow(l, file, line);
    }
}

static inline bool tl_lock_trylock_at(tl_lock_t *l, const char *file, int line)
{
    uint32_t seen;
    if (__builtin_expect(l->path == TL__PATH_WORD, 1))
        /* An exchange that failed saw the lock held; a swap may have failed
         * on other bits of the word only (an rwlock's waiting writers): ask
         * the kind. */
        return tl__lock_word_take(l, &seen) ||
               (l->word_take == TL_WORD_CAS && l->trylock_op(l->storage));
    if (__builtin_expect(l->path == TL__PATH_CALL, 1))
        return l->trylock_op(l->storage);
    if (l->path == TL__PATH_PTHREAD_MUTEX)
        return pthread_mutex_trylock((pthread_mutex_t *)(void *)l->storage) == 0;
    if (l->path == TL__PATH_PTHREAD_SPIN)
        return pthread_spin_trylock((pthread_spinlock_t *)(void *)l->storage) == 0;
    return tl__lock_trylock_slow(l, file, line);
}

static inline void tl_lock_unlock(tl_lock_t *l)
{
    if (__builtin_expect(l->path != TL__PATH_WORD, 0)) {
        if (__builtin_expect(l->path == TL__PATH_CALL, 1)) {
            if (__builtin_expect(!l->clh_inline, 1) || !tl__clh_fast_unlock(l->storage))
                l->unlock_op(l->storage);
        } else if (l->path == TL__PATH_PTHREAD_MUTEX)
            pthread_mutex_unlock((pthread_mutex_t *)(void *)l->storage);
        else if (l->path == TL__PATH_PTHREAD_SPIN)
            pthread_spin_unlock((pthread_spinlock_t *)(void *)l->storage);
        else
            tl__lock_unlock_slow(l);
        return;
    }
    /* release: publishes the critical section, as the kind's own unlock. */
    uint32_t seen = l->word_held;
    switch (l->word_release) {
    case TL_WORD_STORE:
        tl_atomic_store_u32(tl__lock_word(l), l->word_free, tl_release);
        return;
    case TL_WORD_EXCHANGE:
        seen = tl_atomic_exchange_u32(tl__lock_word(l), l->word_free, tl_release);
        break;
    default: /* TL_WORD_CAS */
        if (tl_atomic_cas_u32(tl__lock_word(l), &seen, l->word_free, tl_release, tl_relaxed))
            return;
        break;
    }
    if (__builtin_expect(seen != l->word_held, 0))
        l->kind->word.unlock_wake(l->storage, seen);
}

void(tl_lock_lock)(tl_lock_t *l);
bool(tl_lock_trylock)(tl_lock_t *l);
#define tl_lock_lock(l) tl_lock_lock_at((l), __FILE__, __LINE__)
#define tl_lock_trylock(l) tl_lock_trylock_at((l), __FILE__, __LINE__)
void tl_lock_destroy(tl_lock_t *l);

/* Kinds that number their arrivals (ticket) hand the lock out in ticket
 * order; tl_lock_lock_ticket locks like tl_lock_lock and returns the ticket
 * the caller drew on arriving, so a scenario can check that order itself
 * (see tl_overtakes.h). Only for kinds where tl_lock_has_tickets is true. */
static inline bool tl_lock_has_tickets(const tl_lock_t *l)
{
    return l->kind->lock_ticket != NULL;
}
uint32_t tl_lock_lock_ticket_at(tl_lock_t *l, const char *file, int line);
#define tl_lock_lock_ticket(l) tl_lock_lock_ticket_at((l), __FILE__, __LINE__)
/* Threads known to wait behind the holder(s): FIFO kinds count their queue,
 * reader-writer kinds their waiting writers; 0 for the others. */
unsigned tl_lock_waiters(tl_lock_t *l);

/* Shared (reader) mode, for kinds with one (tl_lock_has_shared): any number
 * of threads may hold the lock shared at once, none while a thread holds it
 * exclusively (tl_lock_lock). Unlock a shared hold with tl_lock_rdunlock.
 * On a kind without a shared mode these abort with a message naming the
 * lock and its kind: a scenario that takes --lock checks first. */
static inline bool tl_lock_has_shared(const tl_lock_t *l)
{
    return tl_lock_kind_has_shared(l->kind);
}
void tl_lock_rdlock_at(tl_lock_t *l, const char *file, int line);
bool tl_lock_tryrdlock_at(tl_lock_t *l, const char *file, int line);
void tl_lock_rdunlock(tl_lock_t *l);
#define tl_lock_rdlock(l) tl_lock_rdlock_at((l), __FILE__, __LINE__)
#define tl_lock_tryrdlock(l) tl_lock_tryrdlock_at((l), __FILE__, __LINE__)

/* True when this build annotates hand-built locks for a detector. */
const char *tl_lock_annotations(void);

#endif
