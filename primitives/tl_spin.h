/* SPDX-License-Identifier: MIT */
/* The hand-built spinlocks. Each algorithm lives in its own file
 * (spin_tas.c, spin_ttas.c, spin_ticket.c, spin_mcs.c) with its protocol. */
#ifndef TL_SPIN_H
#define TL_SPIN_H

#include <stdbool.h>
#include <stddef.h>
#include "tl_atomic.h"

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

/* Ticket lock: FIFO. */
typedef struct {
    tl_atomic_u32 next;    /* the ticket the next arrival draws */
    tl_atomic_u32 serving; /* the ticket that owns the lock */
} tl_spin_ticket_t;
void tl_spin_ticket_init(tl_spin_ticket_t *l);
void tl_spin_ticket_lock(tl_spin_ticket_t *l);
bool tl_spin_ticket_trylock(tl_spin_ticket_t *l);
void tl_spin_ticket_unlock(tl_spin_ticket_t *l);
/* Threads queued behind the owner (0 when free or uncontended). */
unsigned tl_spin_ticket_waiters(tl_spin_ticket_t *l);

/* MCS queue lock: FIFO, each waiter spins on its own node. The caller provides
 * the node and must pass the same node to unlock; it must stay alive and
 * unused by any other acquisition until then. */
typedef struct tl_mcs_node {
    tl_atomic_ptr next;   /* successor in the queue, set by the successor */
    tl_atomic_u32 locked; /* 1 while this node's thread must wait */
} tl_mcs_node_t;
typedef struct { tl_atomic_ptr tail; } tl_spin_mcs_t;
void tl_spin_mcs_init(tl_spin_mcs_t *l);
void tl_spin_mcs_lock(tl_spin_mcs_t *l, tl_mcs_node_t *me);
bool tl_spin_mcs_trylock(tl_spin_mcs_t *l, tl_mcs_node_t *me);
void tl_spin_mcs_unlock(tl_spin_mcs_t *l, tl_mcs_node_t *me);
/* Threads linked behind the owner's node (the owner's node is `owner`). */
unsigned tl_spin_mcs_waiters(tl_mcs_node_t *owner);

#endif
