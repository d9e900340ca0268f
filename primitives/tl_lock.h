/* SPDX-License-Identifier: MIT */
/* The generic lock interface: one API over every lock kind, chosen at run
 * time by name, so a scenario, the validator and the benchmark run against
 * any primitive and against libc as a baseline.
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

#include "tl_broken.h"
#include "tl_mutex.h"
#include "tl_spin.h"

typedef struct tl_lock tl_lock_t;

enum tl_lock_kind_flags {
    TL_KIND_HANDBUILT = 1u << 0, /* ours, not libc: annotated for detectors */
    TL_KIND_BROKEN = 1u << 1,    /* a teaching kind that violates its contract */
    TL_KIND_FIFO = 1u << 2,      /* hands the lock out in arrival order */
    TL_KIND_SLEEPS = 1u << 3,    /* waiters sleep in the kernel rather than spin */
};

typedef struct tl_lock_kind {
    const char *name;
    const char *summary;
    unsigned flags;
    void (*init)(tl_lock_t *l);
    void (*lock)(tl_lock_t *l);
    bool (*trylock)(tl_lock_t *l);
    void (*unlock)(tl_lock_t *l);
    void (*destroy)(tl_lock_t *l);
    /* Threads queued behind the owner, for FIFO kinds; NULL elsewhere. */
    unsigned (*waiters)(tl_lock_t *l);
    /* Kinds that number arrivals (ticket): lock and trylock that also give
     * the ticket drawn; NULL elsewhere. */
    uint32_t (*lock_ticket)(tl_lock_t *l);
    bool (*trylock_ticket)(tl_lock_t *l, uint32_t *ticket);
} tl_lock_kind;

struct tl_lock {
    const tl_lock_kind *kind;
    const char *name; /* for reports; "lock" unless set */
    uint32_t track_id; /* its object in the monitor table, or TL_TRACK_NONE */
    bool annotate;     /* carries detector annotations (see lock.c) */
    union {
        tl_mutex_t mutex;
        tl_spin_tas_t tas;
        tl_spin_ttas_t ttas;
        tl_spin_ttas_eb_t ttas_eb;
        tl_spin_ticket_t ticket;
        struct {
            tl_spin_mcs_t queue;
            /* The owner's queue node. Written only by the thread that just
             * acquired the lock, read only by that same thread's unlock, so
             * the lock itself carries the node from lock to unlock and the
             * generic API needs no extra argument. */
            tl_mcs_node_t *owner_node;
        } mcs;
        pthread_mutex_t pthread_mutex;
        pthread_spinlock_t pthread_spin;
        tl_broken_tas_t broken_tas;
        tl_relaxed_tas_t relaxed_tas;
    } u;
};

/* The kinds, in listing order. */
size_t tl_lock_kind_count(void);
const tl_lock_kind *tl_lock_kind_at(size_t i);
/* NULL when no kind has that name. */
const tl_lock_kind *tl_lock_kind_find(const char *name);
/* "mutex, tas, ..., broken-tas (BROKEN), ..." for error messages and help. */
const char *tl_lock_kind_names(void);
static inline bool tl_lock_kind_is_broken(const tl_lock_kind *k)
{
    return (k->flags & TL_KIND_BROKEN) != 0;
}

void tl_lock_init(tl_lock_t *l, const tl_lock_kind *kind, const char *name);
/* Returns -1 (and initialises nothing) when kind_name is unknown. */
int tl_lock_init_by_name(tl_lock_t *l, const char *kind_name, const char *name);
/* lock and trylock are macros that pass the caller's source line to the live
 * monitor (tl_track.h); the functions of the same name exist too, for
 * function pointers. */
void tl_lock_lock_at(tl_lock_t *l, const char *file, int line);
bool tl_lock_trylock_at(tl_lock_t *l, const char *file, int line);
void(tl_lock_lock)(tl_lock_t *l);
bool(tl_lock_trylock)(tl_lock_t *l);
#define tl_lock_lock(l) tl_lock_lock_at((l), __FILE__, __LINE__)
#define tl_lock_trylock(l) tl_lock_trylock_at((l), __FILE__, __LINE__)
void tl_lock_unlock(tl_lock_t *l);
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
/* Waiters behind the owner for FIFO kinds, 0 for the others. */
unsigned tl_lock_waiters(tl_lock_t *l);

/* True when this build annotates hand-built locks for a detector. */
const char *tl_lock_annotations(void);

#endif
