/* SPDX-License-Identifier: MIT */
/* The generic lock layer: dispatch to the kind, plus detector annotations for
 * the hand-built correct kinds (see tl_annotate.h for why only those). */
#include <string.h>
#include "tl_annotate.h"
#include "tl_lock.h"
#include "tl_spin.h"
#include "tl_track.h"

unsigned tl__spin_yield_after = TL_SPIN_YIELD_AFTER;

#if defined(HAVE_VALGRIND_HELGRIND_H) && !TL_TSAN
int tl__ann_on_valgrind;

/* Before main, hence before any thread: see TL__ANN_ACTIVE, and
 * tl__spin_yield_after in tl_spin.h. */
__attribute__((constructor)) static void ask_valgrind(void)
{
    tl__ann_on_valgrind = RUNNING_ON_VALGRIND != 0;
    if (tl__ann_on_valgrind)
        tl__spin_yield_after = 1;
}
#endif

static bool annotated(const tl_lock_t *l)
{
    return l->annotate;
}

void tl_lock_init(tl_lock_t *l, const tl_lock_kind *kind, const char *name)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->name = name ? name : "lock";
    /* Decided once per lock: hand-built, not broken, and a detector present. */
    l->annotate = (kind->flags & (TL_KIND_HANDBUILT | TL_KIND_BROKEN)) == TL_KIND_HANDBUILT &&
                  TL__ANN_ACTIVE();
    kind->init(l);
    if (annotated(l))
        TL__ANN_CREATE(l, &l->u, sizeof l->u);
    unsigned flags = (kind->flags & TL_KIND_BROKEN) ? TL_OBJ_BROKEN : TL_OBJ_EXCLUSIVE;
    flags |= (kind->flags & TL_KIND_SLEEPS) ? 0 : TL_OBJ_SPINS;
    flags |= (kind->flags & TL_KIND_FIFO) ? TL_OBJ_FIFO : 0;
    l->track_id = tl_track_object_new(TL_OBJ_LOCK, flags, l->name, kind->name);
}

int tl_lock_init_by_name(tl_lock_t *l, const char *kind_name, const char *name)
{
    const tl_lock_kind *k = tl_lock_kind_find(kind_name);
    if (!k)
        return -1;
    tl_lock_init(l, k, name);
    return 0;
}

/* With the monitor on, a lock() that has to wait is recorded as a wait. The
 * hand-built kinds first try their fast path (inside the TSan annotation of a
 * plain lock, so TSan still sees a lock, with its lock order): only a thread
 * that really has to wait pays for recording it. The libc kinds cannot: TSan
 * would see pthread_mutex_trylock, and trylocks are left out of its
 * lock-order graph. A brief wait is harmless either way: the monitor only
 * judges waits that persist across two of its looks. */
/* With `ticket` (kinds that number arrivals), the same through the kind's
 * ticket-returning calls; the branches on it fold away in tl_lock_lock_at,
 * which passes NULL. */
static inline void lock_kind(tl_lock_t *l, uint32_t *ticket, const char *file, int line)
{
    if (!tl_track_enabled()) {
        if (ticket)
            *ticket = l->kind->lock_ticket(l);
        else
            l->kind->lock(l);
        return;
    }
    bool fast = (l->kind->flags & TL_KIND_HANDBUILT) &&
                (ticket ? l->kind->trylock_ticket(l, ticket) : l->kind->trylock(l));
    if (!fast) {
        tl_track_wait(TL_TS_WAIT_LOCK, l->track_id, false, file, line);
        if (ticket)
            *ticket = l->kind->lock_ticket(l);
        else
            l->kind->lock(l);
    }
    tl_track_acquired(l->track_id, file, line);
}

/* Both entry points keep the annotated and plain paths apart, as one
 * body each: merged, the plain path lost its tail call and the generic
 * lock() got measurably slower (a test and a jump after the kind's lock). */
void tl_lock_lock_at(tl_lock_t *l, const char *file, int line)
{
    if (annotated(l)) {
        TL__ANN_PRE_LOCK(l);
        lock_kind(l, NULL, file, line);
        TL__ANN_POST_LOCK(l);
    } else {
        lock_kind(l, NULL, file, line);
    }
}

uint32_t tl_lock_lock_ticket_at(tl_lock_t *l, const char *file, int line)
{
    uint32_t ticket = 0;
    if (annotated(l)) {
        TL__ANN_PRE_LOCK(l);
        lock_kind(l, &ticket, file, line);
        TL__ANN_POST_LOCK(l);
    } else {
        lock_kind(l, &ticket, file, line);
    }
    return ticket;
}

bool tl_lock_trylock_at(tl_lock_t *l, const char *file, int line)
{
    bool ok;
    if (!annotated(l)) {
        ok = l->kind->trylock(l);
    } else {
        TL__ANN_PRE_TRYLOCK(l);
        ok = l->kind->trylock(l);
        TL__ANN_POST_TRYLOCK(l, ok);
    }
    if (tl_track_enabled()) {
        if (ok)
            tl_track_acquired(l->track_id, file, line);
        else
            tl_track_retry(); /* a failed attempt is a retry, automatically */
    }
    return ok;
}

void(tl_lock_lock)(tl_lock_t *l)
{
    tl_lock_lock_at(l, NULL, 0);
}

bool(tl_lock_trylock)(tl_lock_t *l)
{
    return tl_lock_trylock_at(l, NULL, 0);
}

void tl_lock_unlock(tl_lock_t *l)
{
    if (tl_track_enabled())
        tl_track_released(l->track_id); /* before: a waiter may win at once */
    if (annotated(l)) {
        TL__ANN_PRE_UNLOCK(l);
        l->kind->unlock(l);
        TL__ANN_POST_UNLOCK(l);
    } else {
        l->kind->unlock(l);
    }
}

void tl_lock_destroy(tl_lock_t *l)
{
    if (annotated(l))
        TL__ANN_DESTROY(l);
    if (l->kind->destroy)
        l->kind->destroy(l);
}

unsigned tl_lock_waiters(tl_lock_t *l)
{
    return l->kind->waiters ? l->kind->waiters(l) : 0;
}

const char *tl_lock_annotations(void)
{
    if (strcmp(TL__ANNOTATIONS, "helgrind") == 0 && !TL__ANN_ACTIVE())
        return "helgrind (off: not running under Valgrind)";
    return TL__ANNOTATIONS;
}
