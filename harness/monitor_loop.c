/* SPDX-License-Identifier: MIT */
/* The monitor's stalled-loop rule (monitor.h has it in words). Pure
 * functions over snapshots, like the rest of the classification. */
#include <string.h>
#include "monitor.h"

/* The same seqlock read as monitor.c's, for the loop slots. */
static bool copy_loop(const tl_track_loop *from, tl_track_loop *to)
{
    tl_atomic_u32 *seq = (tl_atomic_u32 *)&from->seq; /* loads only */
    for (int attempt = 0; attempt < 64; attempt++) {
        uint32_t before = tl_atomic_load_u32(seq, tl_acquire);
        if (before & 1)
            continue;
        memcpy(to, from, sizeof *to);
        tl_atomic_fence(tl_acquire); /* the copy happens before the re-check */
        if (tl_atomic_load_u32(seq, tl_relaxed) == before)
            return true;
    }
    return false;
}

void tl__monitor_snapshot_loops(const tl_track_table *shared, tl_mon_snapshot *snap)
{
    /* acquire: the slots handed out before this count are the ones to read. */
    uint32_t n = tl_atomic_load_u32((tl_atomic_u32 *)&shared->nloops, tl_acquire);
    snap->nloops = n < TL_TRACK_LOOPS ? n : TL_TRACK_LOOPS;
    for (uint32_t l = 0; l < snap->nloops; l++) {
        tl_track_loop *to = &snap->loop[l];
        snap->loop_torn[l] = !copy_loop(&shared->loop[l], to);
        /* The posters' words are outside seq: read them on their own, the
         * count first (tl_track_loop_posts stores the time before a count
         * that makes the queue non-empty). */
        uint64_t *since = (uint64_t *)&shared->loop[l].posts_since_ns;
        uint32_t *waiting = (uint32_t *)&shared->loop[l].posts_waiting.raw;
        to->posts_waiting.raw = __atomic_load_n(waiting, __ATOMIC_ACQUIRE);
        to->posts_since_ns = __atomic_load_n(since, __ATOMIC_ACQUIRE);
    }
    snap->has_runq = false; /* run-queue times come from the caller, if at all */
}

uint32_t tl_monitor_loop_thread(const tl_mon_snapshot *s, uint32_t l)
{
    return l < s->nloops && !s->loop_torn[l] ? s->loop[l].thread : TL_TRACK_NONE;
}

/* What waits for the loop, and since when (0: nothing): the oldest of the
 * posted work not yet taken and the earliest timer past its deadline. */
static uint64_t waiting_since(const tl_track_loop *l, uint64_t now)
{
    uint64_t since = 0;
    if (l->posts_waiting.raw > 0 && l->posts_since_ns > 0 && l->posts_since_ns <= now)
        since = l->posts_since_ns;
    if (l->timer_due_ns > 0 && l->timer_due_ns <= now && (!since || l->timer_due_ns < since))
        since = l->timer_due_ns;
    return since;
}

static uint64_t runq_of(const tl_mon_snapshot *s, uint32_t t)
{
    return s->has_runq && t < TL_TRACK_THREADS ? s->runq_ns[t] : 0;
}

bool tl__monitor_stalled_loop(tl_monitor *m, const tl_mon_snapshot *now, tl_mon_verdict *v)
{
    for (uint32_t i = 0; i < now->nloops; i++) {
        const tl_track_loop *l = &now->loop[i];
        if (now->loop_torn[i])
            continue; /* changing while copied: the loop is busy, not stalled */
        uint64_t runq = runq_of(now, l->thread);
        bool prev_ok = m->loop_runq_prev_ok[i];
        uint64_t prev = m->loop_runq_prev[i];
        m->loop_runq_prev[i] = runq;
        m->loop_runq_prev_ok[i] = now->has_runq && l->thread != TL_TRACK_NONE;
        if (l->cb_since_ns == 0 || l->cb_kind == 0) {
            m->loop_serial_seen[i] = 0; /* idle: no callback to judge */
            continue;
        }
        if (l->cb_serial != m->loop_serial_seen[i]) {
            /* A callback first seen: it began after the previous look, so
             * the run-queue time since then bounds its descheduled time. */
            m->loop_serial_seen[i] = l->cb_serial;
            m->loop_seen_ns[i] = now->taken_ns;
            m->loop_runq_seen[i] = now->has_runq && prev_ok ? prev : runq;
            if (now->has_runq && !prev_ok)
                continue; /* nothing to bound it with: judged from the next look */
        }
        if (now->taken_ns <= l->cb_since_ns)
            continue;
        /* Time the loop thread sat runnable, not running: the machine's. */
        uint64_t descheduled = runq > m->loop_runq_seen[i] ? runq - m->loop_runq_seen[i] : 0;
        uint64_t held = now->taken_ns - l->cb_since_ns;
        held = held > descheduled ? held - descheduled : 0;
        uint64_t bound = l->stall_bound_ns ? l->stall_bound_ns : 20 * 1000 * 1000ull;
        if (held <= bound)
            continue;
        uint64_t waits = waiting_since(l, now->taken_ns);
        if (waits == 0)
            continue; /* a long callback, but nothing waited for it */
        /* The stall formed when the hold passed the bound with something
         * waiting: the later of the two moments. */
        uint64_t formed = l->cb_since_ns + bound + descheduled;
        v->since_ns = waits > formed ? waits : formed;
        if (v->since_ns > now->taken_ns)
            v->since_ns = now->taken_ns;
        v->loop = i;
        return true;
    }
    return false;
}
