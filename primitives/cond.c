/* SPDX-License-Identifier: MIT */
/* The futex condition variable and the monitored semaphore (tl_cond.h). */
#include <errno.h>
#include <limits.h>
#include "tl_annotate.h"
#include "tl_cond.h"
#include "tl_futex.h"
#include "tl_track.h"

void tl_cond_init(tl_cond_t *c, const char *name)
{
    tl_atomic_store_u32(&c->seq, 0, tl_relaxed); /* not yet shared */
    tl_atomic_store_u32(&c->waiters, 0, tl_relaxed);
    /* Valgrind: the words are the condition variable's business; what it
     * protects is ordered by the lock around it. */
    if (TL__ANN_ACTIVE()) {
        TL__ANN_PRIVATE(&c->seq, sizeof c->seq);
        TL__ANN_PRIVATE(&c->waiters, sizeof c->waiters);
    }
    c->name = name ? name : "cond";
    c->track_id = tl_track_object_new(TL_OBJ_COND, 0, c->name, "condvar");
}

static int cond_sleep(tl_cond_t *c, tl_lock_t *m, uint64_t timeout_ns, const char *file,
                      int line)
{
    /* relaxed: read under the mutex; the signaller's bump is what the futex
     * compares against, and the mutex orders the data. */
    uint32_t seen = tl_atomic_load_u32(&c->seq, tl_relaxed);
    /* seq_cst: with the signaller's seq_cst bump and waiters load, this is a
     * store-buffering pair: either it sees us registered and wakes us, or we
     * see its bump in the futex compare and do not sleep. */
    tl_atomic_fetch_add_u32(&c->waiters, 1, tl_seq_cst);
    tl_lock_unlock(m);
    tl_track_wait(TL_TS_WAIT_COND, c->track_id, timeout_ns != 0, file, line);
    int rc = tl__futex_wait(&c->seq, seen, timeout_ns);
    if (rc == 0) /* woken in the kernel (not -EAGAIN: it never slept) */
        tl_track_cond_returned(c->track_id);
    tl_track_wait_end();
    /* relaxed: only a hint for signallers to skip the syscall. */
    tl_atomic_fetch_add_u32(&c->waiters, (uint32_t)-1, tl_relaxed);
    tl_lock_lock_at(m, file, line);
    return rc;
}

void tl_cond_wait_at(tl_cond_t *c, tl_lock_t *m, const char *file, int line)
{
    cond_sleep(c, m, 0, file, line);
}

bool tl_cond_timedwait_at(tl_cond_t *c, tl_lock_t *m, uint64_t timeout_ns, const char *file,
                          int line)
{
    return cond_sleep(c, m, timeout_ns ? timeout_ns : 1, file, line) != -ETIMEDOUT;
}

static void cond_wake(tl_cond_t *c, int n)
{
    tl_track_count_add(c->track_id, 1);
    /* seq_cst: see cond_sleep (the store-buffering pair with waiters). */
    tl_atomic_fetch_add_u32(&c->seq, 1, tl_seq_cst);
    if (tl_atomic_load_u32(&c->waiters, tl_seq_cst) != 0) {
        int woken = tl__futex_wake(&c->seq, n);
        if (woken > 0) /* the monitor: who was really woken, not who was told */
            tl_track_cond_woke(c->track_id, (uint32_t)woken);
    }
}

void tl_cond_signal(tl_cond_t *c)
{
    cond_wake(c, 1);
}

void tl_cond_broadcast(tl_cond_t *c)
{
    cond_wake(c, INT_MAX);
}

void tl_tsem_init(tl_tsem_t *s, uint32_t value, const char *name)
{
    tl_sem_init(&s->sem, value);
    s->track_id = tl_track_object_new(TL_OBJ_SEM, 0, name ? name : "sem", "semaphore");
    tl_track_count_add(s->track_id, (int32_t)value);
}

void tl_tsem_wait_at(tl_tsem_t *s, const char *file, int line)
{
    if (!tl_sem_trywait(&s->sem)) {
        tl_track_wait(TL_TS_WAIT_SEM, s->track_id, false, file, line);
        tl_sem_wait(&s->sem);
        tl_track_wait_end();
    }
    tl_track_count_add(s->track_id, -1);
}

bool tl_tsem_trywait(tl_tsem_t *s)
{
    bool ok = tl_sem_trywait(&s->sem);
    if (ok)
        tl_track_count_add(s->track_id, -1);
    else
        tl_track_retry();
    return ok;
}

void tl_tsem_post(tl_tsem_t *s)
{
    tl_track_count_add(s->track_id, 1); /* before: a woken waiter takes it at once */
    tl_sem_post(&s->sem);
}
