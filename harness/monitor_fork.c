/* SPDX-License-Identifier: MIT */
/* The monitor's fork rule (monitor.h): a forked child waits for a lock that,
 * at the fork, a thread of its parent held - a thread the child does not
 * have, since fork copies only the calling thread. The lock's memory was
 * copied locked; no thread in the child will ever unlock it. That is
 * certain the moment the wait is seen, so the rule needs no time window, only
 * the wait seen unchanged in two successive looks (as every verdict does, so
 * a wait being recorded or ending is never judged half-written).
 *
 * It is not a cycle: the holder waits for nothing, it simply is not there.
 * Hence its own kind, fork-deadlock, and not deadlock: the four Coffman
 * conditions do not all hold (no circular wait), and a report drawing a
 * cycle would be false.
 *
 * The rule trusts that a lock's memory is private to each process (fork
 * copies it). A lock in memory shared across processes (MAP_SHARED) would be
 * one lock for both, released by the parent: the lab's tracked locks never
 * live there. */
#include "monitor.h"

static bool process_waiting(const tl_track_thread *t)
{
    return t->state >= TL_TS_WAIT_LOCK && t->state <= TL_TS_JOINING;
}

/* Slots of the same process. pid 0: a slot whose thread has not adopted it
 * yet (or a writer that records no pid), taken to be in any process, as
 * every slot was before pids were recorded. */
static bool same_process(const tl_track_thread *a, const tl_track_thread *b)
{
    return a->pid == b->pid || a->pid == 0 || b->pid == 0;
}

bool tl__monitor_same_process(const tl_mon_snapshot *s, uint32_t a, uint32_t b)
{
    return a < s->nthreads && b < s->nthreads && same_process(&s->thread[a], &s->thread[b]);
}

/* Does some thread of t's process hold obj, per the held lists published
 * (waiting or exited threads: tl_monitor_holders's rule)? Then it may still
 * be released there, and the fork rule does not apply. */
static bool held_in_process(const tl_mon_snapshot *s, uint32_t t, uint32_t obj)
{
    uint32_t who[TL_TRACK_THREADS];
    unsigned n = tl_monitor_holders(s, obj, who, NULL, TL_TRACK_THREADS);
    for (unsigned i = 0; i < n; i++)
        if (tl__monitor_same_process(s, who[i], t))
            return true;
    return false;
}

/* The entry of t's fork record by which obj, asked for in this mode, can
 * never be had; -1 if none. */
static int fork_hold(const tl_mon_snapshot *s, uint32_t t)
{
    const tl_track_thread *th = &s->thread[t];
    for (uint32_t i = 0; i < th->fork_nheld && i < TL_TRACK_FORK_HELD; i++) {
        if (th->fork_held[i] != th->wait_obj)
            continue;
        bool held_shared = (th->fork_held_shared >> i) & 1;
        if (!th->wait_shared || !held_shared) /* readers share; anyone else excluded */
            return (int)i;
    }
    return -1;
}

bool tl__monitor_fork_deadlock(const tl_mon_snapshot *prev, const tl_mon_snapshot *now,
                               tl_mon_verdict *v)
{
    for (uint32_t t = 0; t < now->nthreads; t++) {
        const tl_track_thread *th = &now->thread[t];
        if (now->torn[t] || !th->forked || th->state != TL_TS_WAIT_LOCK || th->wait_timed)
            continue;
        /* The same wait in the previous look too. */
        if (t >= prev->nthreads || prev->torn[t] || !process_waiting(&prev->thread[t]) ||
            prev->thread[t].wait_serial != th->wait_serial)
            continue;
        int i = fork_hold(now, t);
        if (i < 0 || held_in_process(now, t, th->wait_obj))
            continue;
        v->fork_child = t;
        v->fork_holder = th->fork_holder[i];
        v->fork_lock = th->wait_obj;
        v->fork_entry = (uint32_t)i;
        v->cycle[0] = t; /* drawn in red, as the stuck thread */
        v->ncycle = 1;
        v->since_ns = th->wait_since_ns;
        return true;
    }
    return false;
}
