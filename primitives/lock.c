/* SPDX-License-Identifier: MIT */
/* The generic lock layer's slow paths: detector annotations for the
 * hand-built correct kinds (see tl_annotate.h for why only those) and
 * recording for the live monitor. The fast path - straight to the kind -
 * is inline in tl_lock.h. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

/* What every call reads fits the first line; the kind's words start the second. */
_Static_assert(offsetof(tl_lock_t, storage) == TL_CACHE_LINE, "tl_lock_t's metadata is one line");

void tl_lock_init(tl_lock_t *l, const tl_lock_kind *kind, const char *name)
{
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->lock_op = kind->lock;
    l->trylock_op = kind->trylock;
    l->unlock_op = kind->unlock;
    l->name = name ? name : "lock";
    l->word_take = (uint8_t)kind->word.take;
    l->word_release = (uint8_t)kind->word.release;
    l->word_free = kind->word.free;
    l->word_held = kind->word.held;
    /* Decided once per lock: hand-built, not broken, and a detector present. */
    l->annotate = (kind->flags & (TL_KIND_HANDBUILT | TL_KIND_BROKEN)) == TL_KIND_HANDBUILT &&
                  TL__ANN_ACTIVE();
    l->path = l->annotate || tl_track_enabled()       ? TL__PATH_SLOW
              : kind->word.take != TL_WORD_NONE        ? TL__PATH_WORD
              : kind->libc == TL_LIBC_PTHREAD_MUTEX    ? TL__PATH_PTHREAD_MUTEX
              : kind->libc == TL_LIBC_PTHREAD_SPIN     ? TL__PATH_PTHREAD_SPIN
                                                        : TL__PATH_CALL;
    l->clh_inline = l->path == TL__PATH_CALL && kind->clh_wait;
    kind->init(l->storage);
    if (l->annotate)
        TL__ANN_CREATE(l, l->storage, kind->size);
    unsigned flags = (kind->flags & TL_KIND_BROKEN) ? TL_OBJ_BROKEN : TL_OBJ_EXCLUSIVE;
    flags |= (kind->flags & TL_KIND_SLEEPS) ? 0 : TL_OBJ_SPINS;
    flags |= (kind->flags & TL_KIND_FIFO) ? TL_OBJ_FIFO : 0;
    flags |= (kind->flags & TL_KIND_SHARED) ? TL_OBJ_SHARED : 0;
    flags |= (kind->flags & TL_KIND_WRITER_PREF) ? TL_OBJ_WRITER_PREF : 0;
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
 * judges waits that persist across two of its looks.
 * With `ticket` (kinds that number arrivals), the same through the kind's
 * ticket-returning calls; the branches on it fold away where it is NULL. */
static inline void acquire(tl_lock_t *l, uint32_t *ticket, const char *file, int line)
{
    const tl_lock_kind *k = l->kind;
    if (!tl_track_enabled()) {
        if (ticket)
            *ticket = k->lock_ticket(l->storage);
        else
            k->lock(l->storage);
        return;
    }
    bool fast = (k->flags & TL_KIND_HANDBUILT) &&
                (ticket ? k->trylock_ticket(l->storage, ticket) : k->trylock(l->storage));
    if (!fast) {
        tl_track_wait_lock(l->track_id, false, file, line);
        if (ticket)
            *ticket = k->lock_ticket(l->storage);
        else
            k->lock(l->storage);
    }
    tl_track_acquired(l->track_id, file, line);
}

void tl__lock_lock_slow(tl_lock_t *l, const char *file, int line)
{
    if (l->annotate) {
        TL__ANN_PRE_LOCK(l);
        acquire(l, NULL, file, line);
        TL__ANN_POST_LOCK(l);
    } else {
        acquire(l, NULL, file, line);
    }
}

uint32_t tl_lock_lock_ticket_at(tl_lock_t *l, const char *file, int line)
{
    uint32_t ticket = 0;
    if (l->annotate) {
        TL__ANN_PRE_LOCK(l);
        acquire(l, &ticket, file, line);
        TL__ANN_POST_LOCK(l);
    } else {
        acquire(l, &ticket, file, line);
    }
    return ticket;
}

bool tl__lock_trylock_slow(tl_lock_t *l, const char *file, int line)
{
    bool ok;
    if (!l->annotate) {
        ok = l->kind->trylock(l->storage);
    } else {
        TL__ANN_PRE_TRYLOCK(l);
        ok = l->kind->trylock(l->storage);
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

void tl__lock_unlock_slow(tl_lock_t *l)
{
    if (tl_track_enabled())
        tl_track_released(l->track_id); /* before: a waiter may win at once */
    if (l->annotate) {
        TL__ANN_PRE_UNLOCK(l);
        l->kind->unlock(l->storage);
        TL__ANN_POST_UNLOCK(l);
    } else {
        l->kind->unlock(l->storage);
    }
}

/* The functions behind the macros of the same name, for function pointers. */
void(tl_lock_lock)(tl_lock_t *l)
{
    tl_lock_lock_at(l, NULL, 0);
}

bool(tl_lock_trylock)(tl_lock_t *l)
{
    return tl_lock_trylock_at(l, NULL, 0);
}

void tl_lock_destroy(tl_lock_t *l)
{
    if (l->annotate)
        TL__ANN_DESTROY(l);
    if (l->kind->destroy)
        l->kind->destroy(l->storage);
}

unsigned tl_lock_waiters(tl_lock_t *l)
{
    return l->kind->waiters ? l->kind->waiters(l->storage) : 0;
}

/* --- shared mode ------------------------------------------------------------
 * The same shape as the exclusive paths, with the detectors told it is a
 * read lock (TSan then orders a reader after earlier writers only, never
 * after other readers, and reports a read lock of a write-locked mutex as
 * such) and the monitor told the hold is shared (several readers may hold
 * the lock; a writer waits for all of them). Not inline: no benchmark
 * target rests on it. */
static const tl_lock_shared_ops *shared_ops(const tl_lock_t *l, const char *call)
{
    if (!tl_lock_has_shared(l)) {
        fprintf(stderr,
                "threadlab: %s on lock '%s' of kind '%s', which has no shared mode (kinds "
                "with one: %s)\n",
                call, l->name, l->kind->name, tl_lock_kind_shared_names());
        abort();
    }
    return l->kind->shared;
}

static void rd_acquire(tl_lock_t *l, const tl_lock_shared_ops *ops, const char *file, int line)
{
    if (!tl_track_enabled()) {
        ops->rdlock(l->storage);
        return;
    }
    if (!ops->tryrdlock(l->storage)) {
        tl_track_wait_lock(l->track_id, true, file, line);
        ops->rdlock(l->storage);
    }
    tl_track_acquired_shared(l->track_id, file, line);
}

void tl_lock_rdlock_at(tl_lock_t *l, const char *file, int line)
{
    const tl_lock_shared_ops *ops = shared_ops(l, "tl_lock_rdlock");
    if (l->annotate) {
        TL__ANN_PRE_RDLOCK(l);
        rd_acquire(l, ops, file, line);
        TL__ANN_POST_RDLOCK(l);
    } else {
        rd_acquire(l, ops, file, line);
    }
}

bool tl_lock_tryrdlock_at(tl_lock_t *l, const char *file, int line)
{
    const tl_lock_shared_ops *ops = shared_ops(l, "tl_lock_tryrdlock");
    bool ok;
    if (l->annotate) {
        TL__ANN_PRE_TRYRDLOCK(l);
        ok = ops->tryrdlock(l->storage);
        TL__ANN_POST_TRYRDLOCK(l, ok);
    } else {
        ok = ops->tryrdlock(l->storage);
    }
    if (tl_track_enabled()) {
        if (ok)
            tl_track_acquired_shared(l->track_id, file, line);
        else
            tl_track_retry();
    }
    return ok;
}

void tl_lock_rdunlock(tl_lock_t *l)
{
    const tl_lock_shared_ops *ops = shared_ops(l, "tl_lock_rdunlock");
    if (tl_track_enabled())
        tl_track_released(l->track_id);
    if (l->annotate) {
        TL__ANN_PRE_RDUNLOCK(l);
        ops->rdunlock(l->storage);
        TL__ANN_POST_RDUNLOCK(l);
    } else {
        ops->rdunlock(l->storage);
    }
}

const char *tl_lock_annotations(void)
{
    if (strcmp(TL__ANNOTATIONS, "helgrind") == 0 && !TL__ANN_ACTIVE())
        return "helgrind (off: not running under Valgrind)";
    return TL__ANNOTATIONS;
}
