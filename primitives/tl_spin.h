/* SPDX-License-Identifier: MIT */
/* The hand-built spinlocks. Each algorithm lives in its own file
 * (spin_tas.c, spin_ttas.c, spin_ttas_eb.c, spin_ticket.c, spin_mcs.c) with
 * its protocol. */
#ifndef TL_SPIN_H
#define TL_SPIN_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include "tl_atomic.h"

/* How long a waiter spins before it gives its core away. A spinning waiter
 * only helps while the thread it waits for is running: the holder (every
 * kind) or, for the FIFO kinds, the next owner in line, which alone may take
 * the lock. When that thread is descheduled - more runnable threads than
 * cores, a busy machine - every further pause burns the rest of the waiter's
 * time slice, and with a FIFO lock each hand-off to a descheduled successor
 * then costs a whole slice (200 000 hand-offs took over 10 s instead of
 * 0.24 s on a loaded 2-core machine). So after TL_SPIN_YIELD_AFTER pauses
 * the waiter calls sched_yield(): the scheduler can run the thread everyone
 * waits for on this core. Not much sooner: a yield beside a CPU hog gives
 * the core away for a tick or more, so a waiter must not yield while the
 * thread it waits for is merely slow (a TSan-instrumented hand-off takes
 * microseconds). 2048 pauses is ~54 us here (26.5 ns per pause, AMD EPYC):
 * race.counter fixed, 200 000 ticket/mcs acquisitions under TSan beside
 * `stress-ng --cpu 2`, took 0.6-4.8 s with 2048, 1.4-9.1 s with 8192 and
 * 9.8-22.9 s with 256. The fast paths never reach this loop, so uncontended
 * costs are unchanged. */
enum { TL_SPIN_YIELD_AFTER = 2048 };
/* A waiter that backs off in turns of an empty loop instead of pauses
 * (ttas-eb, spin_ttas_eb.c says why) counts TL_SPIN_TURNS_PER_PAUSE turns
 * for one pause: a pause is 26-70 ns here and a turn about 0.3 ns, so 64 is
 * on the short side, and such a waiter yields after 2^17 turns (about
 * 40 us, where 2048 pauses are 54-140 us) - or after 64 under Valgrind. */
enum { TL_SPIN_TURNS_PER_PAUSE = 64 };
/* The pauses a waiter actually spins before it yields: TL_SPIN_YIELD_AFTER,
 * or 1 under Valgrind (set before main, lock.c). Valgrind runs one thread at
 * a time, so the thread a waiter waits for cannot run while it spins: every
 * pause is wasted, and a FIFO hand-off cost up to one of Valgrind's time
 * slices (measured: race.counter fixed with --lock ticket took 57 s under
 * Helgrind, 84 s under DRD). */
extern unsigned tl__spin_yield_after;
/* The waiting loops live in functions of their own, out of line: a loop
 * that may call sched_yield() makes its function save registers, and inlined
 * into lock() that would cost every uncontended acquisition a few pushes and
 * pops (measured: the bare ticket lock went from a leaf to push x3 + pop x3). */
#define TL_SPIN_SLOW __attribute__((noinline, cold))
static inline void tl_spin_wait_step(unsigned *spins)
{
    if (++*spins < tl__spin_yield_after) {
        tl_cpu_relax();
    } else {
        *spins = 0;
        sched_yield();
    }
}

/* Test-and-set: one word, 0 free, 1 held. Unfair. */
typedef struct { tl_atomic_u32 held; } tl_spin_tas_t;
void tl_spin_tas_init(tl_spin_tas_t *l);
void tl_spin_tas_lock(tl_spin_tas_t *l);
bool tl_spin_tas_trylock(tl_spin_tas_t *l);
void tl_spin_tas_unlock(tl_spin_tas_t *l);

/* Test-and-test-and-set with bounded exponential backoff. Unfair. */
typedef struct { tl_atomic_u32 held; } tl_spin_ttas_t;
void tl_spin_ttas_init(tl_spin_ttas_t *l);
void tl_spin_ttas_lock(tl_spin_ttas_t *l);
bool tl_spin_ttas_trylock(tl_spin_ttas_t *l);
void tl_spin_ttas_unlock(tl_spin_ttas_t *l);

/* Test-and-test-and-set with exponential backoff between looks (a waiter
 * looks at the word once per doubling period instead of spinning on it):
 * throughput under contention, at the price of rare hand-overs. Unfair. */
typedef struct { tl_atomic_u32 held; } tl_spin_ttas_eb_t;
void tl_spin_ttas_eb_init(tl_spin_ttas_eb_t *l);
void tl_spin_ttas_eb_lock(tl_spin_ttas_eb_t *l);
bool tl_spin_ttas_eb_trylock(tl_spin_ttas_eb_t *l);
void tl_spin_ttas_eb_unlock(tl_spin_ttas_eb_t *l);

/* Ticket lock: FIFO. */
typedef struct {
    tl_atomic_u32 next;    /* the ticket the next arrival draws */
    tl_atomic_u32 serving; /* the ticket that owns the lock */
} tl_spin_ticket_t;
void tl_spin_ticket_init(tl_spin_ticket_t *l);
void tl_spin_ticket_lock(tl_spin_ticket_t *l);
bool tl_spin_ticket_trylock(tl_spin_ticket_t *l);
/* The same, also giving the ticket drawn: the caller's place in the arrival
 * order (consecutive numbers, modulo 2^32), so a test can check that the
 * lock was handed out in that order. The plain calls above do not pay for it. */
uint32_t tl_spin_ticket_lock_ticket(tl_spin_ticket_t *l);
bool tl_spin_ticket_trylock_ticket(tl_spin_ticket_t *l, uint32_t *ticket);
void tl_spin_ticket_unlock(tl_spin_ticket_t *l);
/* Threads queued behind the owner (0 when free or uncontended). */
unsigned tl_spin_ticket_waiters(tl_spin_ticket_t *l);

/* MCS queue lock: FIFO, each waiter spins on its own node. The caller provides
 * the node and must pass the same node to unlock; it must stay alive and
 * unused by any other acquisition until then. A node starts zeroed
 * (`tl_mcs_node_t n = {0}`, static, calloc): its `locked` must read 0
 * before its first use, as every acquisition leaves it (spin_mcs.c). */
typedef struct tl_mcs_node {
    tl_atomic_ptr next;   /* successor in the queue, set by the successor */
    tl_atomic_u32 locked; /* 1 until the predecessor hands the lock over */
    tl_atomic_ptr pred;   /* the node it queued behind (NULL: none); for waiters() */
} tl_mcs_node_t;
typedef struct { tl_atomic_ptr tail; } tl_spin_mcs_t;
void tl_spin_mcs_init(tl_spin_mcs_t *l);
void tl_spin_mcs_lock(tl_spin_mcs_t *l, tl_mcs_node_t *me);
bool tl_spin_mcs_trylock(tl_spin_mcs_t *l, tl_mcs_node_t *me);
void tl_spin_mcs_unlock(tl_spin_mcs_t *l, tl_mcs_node_t *me);
/* Threads queued behind the holder (0 when free or uncontended). */
unsigned tl_spin_mcs_waiters(tl_spin_mcs_t *l);

/* CLH queue lock: FIFO, each waiter spins on its predecessor's node, and
 * nodes are recycled: unlock hands the caller's node to its successor and
 * gives the caller its predecessor's (spin_clh.c has the ownership rules).
 *   tl_clh_node_t *n = a node of yours;
 *   tl_spin_clh_lock(&l, n, take);  ...  tl_spin_clh_unlock(&n);
 * `take` is called with any further node the caller comes to own (nodes a
 * giving-up trylock left in the queue, see spin_clh.c); it may be NULL only
 * where no trylock is ever used on the lock. Nodes must never be returned to
 * malloc while any lock may still reach them: a trylock reads the node in
 * tail without owning it (the pools of tl_lock_node.h keep them for ever). */
typedef struct tl_clh_node {
    /* The node its thread waits behind, with the node's TL_CLH_* state in
     * the low two bits: one word (spin_clh.c says why). */
    tl_atomic_ptr link;
} tl_clh_node_t;
enum { TL_CLH_BUSY = 0, TL_CLH_RELEASED = 1, TL_CLH_ABANDONED = 2 };
typedef struct { tl_atomic_ptr tail; } tl_spin_clh_t;
typedef void tl_clh_take_fn(tl_clh_node_t *node);
/* `first` becomes the lock's: the node in tail while nobody has come yet. */
void tl_spin_clh_init(tl_spin_clh_t *l, tl_clh_node_t *first);
void tl_spin_clh_lock(tl_spin_clh_t *l, tl_clh_node_t *me, tl_clh_take_fn *take);
/* True: locked with *me. False: not locked; *me is still the caller's, or
 * NULL when it had to stay in the queue (the caller then needs a new one). */
bool tl_spin_clh_trylock(tl_spin_clh_t *l, tl_clh_node_t **me, tl_clh_take_fn *take);
/* Releases the lock held with *mine, and sets *mine to the node the caller
 * owns from now on, for its next acquisition (the predecessor's). In and
 * out through one pointer, as trylock's and CK's: a caller keeping its node
 * in memory (a context, a thread's slot) can reach this with one jump, where
 * returning the node made every such caller a frame of its own to store it
 * (uncontended against ck_spinlock_clh, called alike by the bench: 1.039x,
 * 1.041x before; 1.030x - 1.037x in three runs after). */
void tl_spin_clh_unlock(tl_clh_node_t **mine);
/* The lock must be free; every node it still holds goes to `take`. */
void tl_spin_clh_destroy(tl_spin_clh_t *l, tl_clh_take_fn *take);
/* Threads queued behind the holder (0 when free or uncontended). */
unsigned tl_spin_clh_waiters(tl_spin_clh_t *l);
/* Called, when set, inside trylock between its look at the tail and its
 * compare-and-swap: tests take the lock twice there to force the ABA race
 * the abandoned state exists for, every time. */
extern void (*tl_spin_clh_try_window_hook)(void);

#endif
