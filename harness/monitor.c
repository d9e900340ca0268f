/* SPDX-License-Identifier: MIT */
/* The monitor's classification (see monitor.h for the rules). */
#include <string.h>
#include "monitor.h"
#include "monitor_coro.h"
#include "monitor_pool.h"

const char *tl_mon_kind_name(tl_mon_kind k)
{
    static const char *const names[] = {"none", "deadlock", "hang", "livelock", "starvation"};
    if (k == TL_MON_FORK_DEADLOCK)
        return "fork-deadlock";
    if (k == TL_MON_POOL_DEADLOCK)
        return "pool-deadlock";
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "none";
}

const char *tl_track_state_name(uint32_t state)
{
    static const char *const names[] = {"unused", "running", "waiting for lock",
                                        "waiting on semaphore", "waiting on condition",
                                        "joining", "exited"};
    if (tl_mon_coro_state(state))
        return tl_mon_coro_state_name(state);
    if (state == TL_TS_WAIT_TASK)
        return "waiting for task";
    return state < sizeof names / sizeof names[0] ? names[state] : "?";
}

/* acquire loads around the copy: a reader that sees the same even count
 * before and after copied a slot no writer touched in between. */
static bool copy_slot(const tl_atomic_u32 *seq_c, void *to, const void *from, size_t size)
{
    tl_atomic_u32 *seq = (tl_atomic_u32 *)seq_c; /* loads only */
    for (int attempt = 0; attempt < 64; attempt++) {
        uint32_t before = tl_atomic_load_u32(seq, tl_acquire);
        if (before & 1)
            continue;
        memcpy(to, from, size);
        tl_atomic_fence(tl_acquire); /* the copy happens before the re-check */
        if (tl_atomic_load_u32(seq, tl_relaxed) == before)
            return true;
    }
    return false;
}

void tl_monitor_snapshot(const tl_track_table *shared, tl_mon_snapshot *snap, uint64_t now_ns)
{
    tl_atomic_u32 *nt = (tl_atomic_u32 *)&shared->nthreads, *no = (tl_atomic_u32 *)&shared->nobjects;
    /* acquire: slots handed out before these counts are the ones to read. */
    uint32_t nthreads = tl_atomic_load_u32(nt, tl_acquire);
    uint32_t nobjects = tl_atomic_load_u32(no, tl_acquire);
    uint32_t nfiles = tl_atomic_load_u32((tl_atomic_u32 *)&shared->nfiles, tl_acquire);
    snap->nfiles = nfiles < TL_TRACK_FILES ? nfiles : TL_TRACK_FILES;
    for (uint32_t i = 0; i < snap->nfiles; i++)
        if (!copy_slot(&shared->file[i].seq, &snap->file[i], &shared->file[i],
                       sizeof snap->file[i]))
            snap->file[i].name[0] = '\0';
    snap->taken_ns = now_ns;
    snap->nthreads = nthreads < TL_TRACK_THREADS ? nthreads : TL_TRACK_THREADS;
    snap->nobjects = nobjects < TL_TRACK_OBJECTS ? nobjects : TL_TRACK_OBJECTS;
    for (uint32_t i = 0; i < snap->nthreads; i++)
        snap->torn[i] = !copy_slot(&shared->thread[i].seq, &snap->thread[i], &shared->thread[i],
                                   sizeof snap->thread[i]);
    for (uint32_t i = 0; i < snap->nobjects; i++)
        if (!copy_slot(&shared->object[i].seq, &snap->object[i], &shared->object[i],
                       sizeof snap->object[i]))
            snap->object[i].type = 0; /* unknown this time round */
    snap->has_cpu = false; /* CPU times come from the caller, if at all */
}

void tl_monitor_init(tl_monitor *m, bool judge_progress, uint64_t window_ns, uint64_t now_ns)
{
    memset(m, 0, sizeof *m);
    m->judge_progress = judge_progress;
    m->window_ns = window_ns;
    m->started_ns = now_ns;
    m->any_progress_ns = now_ns;
    for (int i = 0; i < TL_TRACK_THREADS; i++)
        m->progress_moved_ns[i] = now_ns;
}

static bool live(const tl_mon_snapshot *s, uint32_t t)
{
    return t < s->nthreads && !s->torn[t] && s->thread[t].state != TL_TS_UNUSED &&
           s->thread[t].state != TL_TS_EXITED;
}

static bool waiting(const tl_track_thread *t)
{
    return (t->state >= TL_TS_WAIT_LOCK && t->state <= TL_TS_JOINING) ||
           tl_mon_coro_state(t->state); /* suspended, or running a coroutine */
}

/* In the same wait in both snapshots: the wait began before the first and
 * had not ended by the second. */
static bool stable_wait(const tl_mon_snapshot *prev, const tl_mon_snapshot *now, uint32_t t)
{
    if (!live(now, t) || t >= prev->nthreads || prev->torn[t])
        return false;
    const tl_track_thread *a = &prev->thread[t], *b = &now->thread[t];
    return waiting(a) && waiting(b) && a->wait_serial == b->wait_serial;
}

const char *tl_mon_file(const tl_mon_snapshot *s, uint32_t index)
{
    if (index >= s->nfiles || !s->file[index].name[0])
        return "?";
    /* Paths are as the compiler saw them; from the project root is enough. */
    const char *name = s->file[index].name;
    static const char *const roots[] = {"scenarios/", "tests/", "harness/"};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        const char *p = strstr(name, roots[i]);
        if (p)
            return p;
    }
    return name;
}

static bool lock_object(const tl_mon_snapshot *s, uint32_t obj)
{
    return obj < s->nobjects && (s->object[obj].flags & TL_OBJ_EXCLUSIVE);
}

/* Held lists are published when a thread starts to wait and when it exits,
 * so only those lists are current; a running thread is never part of what is
 * stuck, and an owner that runs ends a wait-for chain anyway. An exited
 * holder is a lock never released. A thread holding a lock twice (a reader
 * that read-locked again) is listed once, shared only if both holds are. */
unsigned tl_monitor_holders(const tl_mon_snapshot *s, uint32_t obj, uint32_t *threads,
                            bool *shared, unsigned max)
{
    unsigned n = 0;
    if (!lock_object(s, obj))
        return 0;
    for (uint32_t t = 0; t < s->nthreads && n < max; t++) {
        const tl_track_thread *th = &s->thread[t];
        if (s->torn[t] || !(waiting(th) || th->state == TL_TS_EXITED))
            continue;
        bool holds = false, only_shared = true;
        for (uint32_t h = 0; h < th->nheld && h < TL_TRACK_HELD; h++)
            if (th->held[h] == obj) {
                holds = true;
                only_shared &= (th->held_shared >> h) & 1;
            }
        if (!holds)
            continue;
        threads[n] = t;
        if (shared)
            shared[n] = only_shared;
        n++;
    }
    return n;
}

uint32_t tl_monitor_owner(const tl_mon_snapshot *s, uint32_t obj)
{
    uint32_t who[TL_TRACK_THREADS];
    bool shared[TL_TRACK_THREADS];
    unsigned n = tl_monitor_holders(s, obj, who, shared, TL_TRACK_THREADS);
    for (unsigned i = 0; i < n; i++)
        if (!shared[i])
            return who[i];
    return n ? who[0] : TL_TRACK_NONE;
}

/* Lock waits only: the threads a wait for obj in this mode waits for,
 * whether alive or not. */
static unsigned lock_wait_targets(const tl_mon_snapshot *s, uint32_t t, uint32_t *out,
                                  unsigned max)
{
    const tl_track_thread *th = &s->thread[t];
    uint32_t obj = th->wait_obj;
    uint32_t who[TL_TRACK_THREADS];
    bool shared[TL_TRACK_THREADS];
    unsigned nh = tl_monitor_holders(s, obj, who, shared, TL_TRACK_THREADS), n = 0;
    /* A shared wait conflicts with a writer only; an exclusive one with all. */
    /* Only threads of the waiter's own process: after a fork a lock's index
     * names one copy per process (tl__monitor_same_process). */
    for (unsigned i = 0; i < nh && n < max; i++)
        if ((!th->wait_shared || !shared[i]) && tl__monitor_same_process(s, t, who[i]))
            out[n++] = who[i];
    if (th->wait_shared && lock_object(s, obj) &&
        (s->object[obj].flags & TL_OBJ_WRITER_PREF))
        for (uint32_t w = 0; w < s->nthreads && n < max; w++)
            if (w != t && !s->torn[w] && s->thread[w].state == TL_TS_WAIT_LOCK &&
                s->thread[w].wait_obj == obj && !s->thread[w].wait_shared &&
                tl__monitor_same_process(s, t, w))
                out[n++] = w;
    return n;
}

unsigned tl_monitor_waits_for(const tl_mon_snapshot *s, uint32_t t, uint32_t *out, unsigned max)
{
    const tl_track_thread *th = &s->thread[t];
    if (th->state == TL_TS_WAIT_LOCK)
        return lock_wait_targets(s, t, out, max);
    if (th->state == TL_TS_JOINING && max > 0) {
        out[0] = th->wait_obj;
        return 1;
    }
    if (tl_mon_coro_state(th->state))
        return tl_mon_coro_waits_for(s, t, out, max);
    return 0;
}

/* Depth-first from every thread, along edges to threads in a stable wait
 * (an exited holder ends its branch): a thread met again on the current
 * path closes a cycle. Threads whose every branch was explored are not
 * explored again, so the search is linear in the edges. */
static bool find_cycle(const tl_monitor *m, const tl_mon_snapshot *now, tl_mon_verdict *v)
{
    enum { NEW, ON_PATH, DONE };
    unsigned char mark[TL_TRACK_THREADS] = {0};
    for (uint32_t start = 0; start < now->nthreads; start++) {
        if (mark[start] != NEW || !stable_wait(&m->prev, now, start))
            continue;
        uint32_t path[TL_TRACK_THREADS], next[TL_TRACK_THREADS][TL_TRACK_THREADS];
        unsigned nnext[TL_TRACK_THREADS], tried[TL_TRACK_THREADS];
        int depth = 0;
        path[0] = start;
        mark[start] = ON_PATH;
        nnext[0] = tl_monitor_waits_for(now, start, next[0], TL_TRACK_THREADS);
        tried[0] = 0;
        while (depth >= 0) {
            if (tried[depth] == nnext[depth]) {
                mark[path[depth]] = DONE;
                depth--;
                continue;
            }
            uint32_t t = next[depth][tried[depth]++];
            if (t >= now->nthreads || !stable_wait(&m->prev, now, t))
                continue;
            if (mark[t] == ON_PATH) {
                int k = depth;
                while (path[k] != t)
                    k--;
                /* path[k..depth] is the cycle. */
                v->ncycle = 0;
                v->since_ns = 0;
                for (int c = k; c <= depth; c++) {
                    v->cycle[v->ncycle++] = path[c];
                    if (now->thread[path[c]].wait_since_ns > v->since_ns)
                        v->since_ns = now->thread[path[c]].wait_since_ns;
                }
                return true;
            }
            if (mark[t] == DONE)
                continue;
            depth++;
            path[depth] = t;
            mark[t] = ON_PATH;
            nnext[depth] = tl_monitor_waits_for(now, t, next[depth], TL_TRACK_THREADS);
            tried[depth] = 0;
        }
    }
    return false;
}

/* A recorded wait is an intention: the thread may be about to get what it
 * waits for and merely not be scheduled yet (on a busy machine, for tens of
 * milliseconds). It is blocked only if what it waits for cannot come by
 * itself: a lock someone holds, a semaphore with no posts left, a condition
 * not signalled since the wait began, a thread still alive. */
static bool blocked(const tl_mon_snapshot *s, uint32_t t)
{
    const tl_track_thread *th = &s->thread[t];
    const tl_track_object *o = th->wait_obj < s->nobjects ? &s->object[th->wait_obj] : NULL;
    switch (th->state) {
    case TL_TS_WAIT_LOCK: {
        uint32_t who[TL_TRACK_THREADS];
        return lock_wait_targets(s, t, who, TL_TRACK_THREADS) > 0;
    }
    case TL_TS_WAIT_SEM: return o && (int32_t)o->count.raw <= 0;
    case TL_TS_WAIT_COND: return o && o->count.raw == th->wait_arg;
    case TL_TS_JOINING: return live(s, th->wait_obj);
    default: return tl_mon_coro_blocked(s, t, blocked); /* coroutine states, else false */
    }
}

static bool all_blocked(const tl_monitor *m, const tl_mon_snapshot *now, tl_mon_verdict *v)
{
    uint32_t nlive = 0;
    uint64_t youngest = 0;
    for (uint32_t t = 0; t < now->nthreads; t++) {
        if (now->torn[t])
            return false; /* changing too fast to copy: busy, not blocked */
        if (!live(now, t))
            continue;
        nlive++;
        const tl_track_thread *th = &now->thread[t];
        if (!stable_wait(&m->prev, now, t) || th->wait_timed || !blocked(now, t))
            return false;
        if (now->thread[t].wait_since_ns > youngest)
            youngest = now->thread[t].wait_since_ns;
    }
    if (nlive == 0 || now->taken_ns < youngest + TL_MON_HANG_MIN_NS)
        return false;
    v->since_ns = youngest;
    return true;
}

/* A thread's own clock: its CPU time when the snapshot has it, else the
 * wall clock. Only this clock fills a livelock or starvation window. */
static uint64_t clock_of(const tl_mon_snapshot *s, uint32_t t)
{
    return s->has_cpu ? s->cpu_ns[t] : s->taken_ns;
}

/* Clock time from `since` to `now`; 0 if the clock seems to have gone back
 * (a CPU time that could not be read this once), never a wrapped huge one. */
static uint64_t elapsed(uint64_t now, uint64_t since)
{
    return now > since ? now - since : 0;
}

/* Updates the progress history; then livelock or starvation if the windows
 * say so. */
static tl_mon_kind judge_progress(tl_monitor *m, const tl_mon_snapshot *now, tl_mon_verdict *v)
{
    uint64_t retries = 0;
    bool anyone_blocked = false, moved[TL_TRACK_THREADS] = {false};
    uint32_t nmoved = 0;
    for (uint32_t t = 0; t < now->nthreads; t++) {
        uint64_t clock = clock_of(now, t);
        if (!m->seen[t]) {
            /* A thread's windows start when the monitor first sees it. */
            m->seen[t] = true;
            m->clock_at_move[t] = m->clock_at_any[t] = m->clock_at_others[t] = clock;
            m->clock_at_wait[t] = clock;
        }
        if (now->torn[t])
            continue;
        const tl_track_thread *th = &now->thread[t];
        retries += th->retries;
        if (th->progress != m->progress_seen[t]) {
            m->progress_seen[t] = th->progress;
            m->progress_moved_ns[t] = now->taken_ns;
            m->clock_at_move[t] = clock;
            m->retries_at_move[t] = th->retries;
            m->any_progress_ns = now->taken_ns;
            moved[t] = true;
            nmoved++;
        }
        if (th->state == TL_TS_WAIT_LOCK && th->wait_serial != m->wait_serial_seen[t]) {
            /* A new wait: its CPU time is counted from this look on. */
            m->wait_serial_seen[t] = th->wait_serial;
            m->clock_at_wait[t] = clock;
        }
        /* A joiner waits for the others to finish, not for a resource: it
         * does not make a livelock any less of one. */
        anyone_blocked |= live(now, t) && th->state != TL_TS_JOINING &&
                          stable_wait(&m->prev, now, t);
    }
    if (nmoved) {
        m->retries_at_any = retries; /* the total when progress last moved */
        for (uint32_t t = 0; t < now->nthreads; t++) {
            m->clock_at_any[t] = clock_of(now, t);
            if (nmoved > (moved[t] ? 1u : 0u)) { /* someone other than t moved */
                m->clock_at_others[t] = clock_of(now, t);
                m->others_moved_ns[t] = now->taken_ns;
            }
        }
    }
    if (!m->judge_progress)
        return TL_MON_NONE;
    /* Livelock: nobody blocked, nobody progressing for the window, retries
     * rising, and every thread still in the game (not joining) burned its
     * share of CPU time since progress last moved. "Every", not "together":
     * one thread spinning on a trylock while the holder is descheduled is a
     * busy machine, not a livelock; and threads that were stopped all along
     * burned nothing. */
    if (!anyone_blocked && retries > m->retries_at_any &&
        now->taken_ns - m->any_progress_ns >= m->window_ns) {
        uint32_t players = 0;
        bool all_burned = true;
        for (uint32_t t = 0; t < now->nthreads; t++) {
            if (!live(now, t) || now->thread[t].state == TL_TS_JOINING)
                continue;
            players++;
            all_burned &= elapsed(clock_of(now, t), m->clock_at_any[t]) >=
                          m->window_ns / TL_MON_LIVELOCK_CPU_DIV;
        }
        if (players && all_burned) {
            v->since_ns = m->any_progress_ns;
            return TL_MON_LIVELOCK;
        }
    }
    /* Starvation: this thread ran for a window of its own CPU time without
     * progress, wanting all along (it retried, or sat in one lock wait for
     * that much of its CPU time), while another thread progressed after it
     * last did and recently in its own running time. */
    for (uint32_t t = 0; t < now->nthreads; t++) {
        uint64_t clock = clock_of(now, t);
        if (!live(now, t) || elapsed(clock, m->clock_at_move[t]) < m->window_ns)
            continue;
        const tl_track_thread *th = &now->thread[t];
        bool wanted = th->retries > m->retries_at_move[t] ||
                      (th->state == TL_TS_WAIT_LOCK && stable_wait(&m->prev, now, t) &&
                       elapsed(clock, m->clock_at_wait[t]) >= m->window_ns);
        bool others = m->others_moved_ns[t] > m->progress_moved_ns[t] &&
                      elapsed(clock, m->clock_at_others[t]) < m->window_ns / 4;
        if (wanted && others) {
            v->starved = t;
            v->since_ns = m->progress_moved_ns[t];
            return TL_MON_STARVATION;
        }
    }
    return TL_MON_NONE;
}

bool tl_monitor_observe(tl_monitor *m, const tl_mon_snapshot *now, tl_mon_verdict *v)
{
    tl_mon_kind kind = TL_MON_NONE;
    /* Only a deadlock fills the cycle, only starvation names a thread. */
    v->ncycle = 0;
    v->starved = TL_TRACK_NONE;
    if (m->have_prev) {
        if (tl__monitor_fork_deadlock(&m->prev, now, v))
            kind = TL_MON_FORK_DEADLOCK;
        else if (find_cycle(m, now, v))
            kind = TL_MON_DEADLOCK;
        else if (tl_monitor_pool_deadlock(&m->prev, now, v))
            kind = TL_MON_POOL_DEADLOCK;
        else if (all_blocked(m, now, v))
            kind = TL_MON_HANG;
    }
    tl_mon_kind progress = judge_progress(m, now, v);
    if (kind == TL_MON_NONE && m->have_prev)
        kind = progress;
    m->prev = *now;
    m->have_prev = true;
    if (kind == TL_MON_NONE)
        return false;
    v->kind = kind;
    v->verdict_ns = now->taken_ns;
    v->at = *now;
    return true;
}
