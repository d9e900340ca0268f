/* SPDX-License-Identifier: MIT */
/* Deliberately broken teaching locks. They are never annotated as mutexes,
 * so detectors see their real memory behaviour (an annotation would make TSan
 * trust them and hide exactly the bug they exist to show). */
#ifndef TL_BROKEN_H
#define TL_BROKEN_H

#include <stdbool.h>
#include "tl_atomic.h"

typedef struct { tl_atomic_u32 held; } tl_broken_tas_t;
void tl_broken_tas_init(tl_broken_tas_t *l);
void tl_broken_tas_lock(tl_broken_tas_t *l);
bool tl_broken_tas_trylock(tl_broken_tas_t *l);
void tl_broken_tas_unlock(tl_broken_tas_t *l);
/* Called, when set, between the test and the set of broken-tas: scenarios
 * and tests park a thread there to force two owners, every time. */
extern void (*tl_broken_tas_window_hook)(void);

typedef struct { tl_atomic_u32 held; } tl_relaxed_tas_t;
void tl_relaxed_tas_init(tl_relaxed_tas_t *l);
void tl_relaxed_tas_lock(tl_relaxed_tas_t *l);
bool tl_relaxed_tas_trylock(tl_relaxed_tas_t *l);
void tl_relaxed_tas_unlock(tl_relaxed_tas_t *l);

#endif
