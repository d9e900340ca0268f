/* SPDX-License-Identifier: MIT */
/* The pool-deadlock verdict, its words and its picture (monitor_pool.h). */
#include <stdarg.h>
#include <string.h>

#include "monitor_pool.h"
#include "tl_track_pool.h"

static void add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

static bool is_type(const tl_mon_snapshot *s, uint32_t obj, uint32_t type)
{
    return obj < s->nobjects && s->object[obj].type == type;
}

/* Where a task is (tl_track_pool.h); 0 when the object is not a task. */
static uint32_t where(const tl_mon_snapshot *s, uint32_t task)
{
    return is_type(s, task, TL_OBJ_TASK) ? s->object[task].count.raw : 0;
}

static bool in_task_wait(const tl_mon_snapshot *s, uint32_t t)
{
    return t < s->nthreads && !s->torn[t] && s->thread[t].state == TL_TS_WAIT_TASK;
}

/* The same task wait in both snapshots, on a task in the same place,
 * still queued or running. */
static bool stable_task_wait(const tl_mon_snapshot *prev, const tl_mon_snapshot *now, uint32_t t)
{
    if (!in_task_wait(now, t) || !in_task_wait(prev, t))
        return false;
    const tl_track_thread *a = &prev->thread[t], *b = &now->thread[t];
    uint32_t w = where(now, b->wait_obj), kind = w & TL_TASK_WHERE_MASK;
    return a->wait_serial == b->wait_serial && a->wait_obj == b->wait_obj &&
           where(prev, a->wait_obj) == w && (kind == TL_TASK_QUEUED || kind == TL_TASK_RUNNING);
}

static bool holds(const tl_track_thread *th, uint32_t obj)
{
    for (uint32_t h = 0; h < th->nheld && h < TL_TRACK_HELD; h++)
        if (th->held[h] == obj)
            return true;
    return false;
}

/* Workers of `pool` among the threads marked in `in`: those holding it. */
static uint32_t busy_in(const tl_mon_snapshot *s, const bool *in, uint32_t pool)
{
    uint32_t n = 0;
    for (uint32_t u = 0; u < s->nthreads; u++)
        n += in[u] && holds(&s->thread[u], pool);
    return n;
}

/* The workers a pool has, from its object; 0 when unknown. */
static uint32_t workers_of(const tl_mon_snapshot *s, uint32_t pool)
{
    return is_type(s, pool, TL_OBJ_POOL) ? s->object[pool].count.raw : 0;
}

/* Could thread t's task still start or finish, given that only the threads
 * in `in` are stuck? */
static bool could_move(const tl_mon_snapshot *s, const bool *in, uint32_t t)
{
    uint32_t w = where(s, s->thread[t].wait_obj), index = w & TL_TASK_INDEX_MASK;
    if ((w & TL_TASK_WHERE_MASK) == TL_TASK_RUNNING)
        return index >= s->nthreads || !in[index];
    uint32_t n = workers_of(s, index);
    return n == 0 || busy_in(s, in, index) < n;
}

/* The stuck set (monitor_pool.h): the greatest set of stable task waiters
 * none of whom could move. */
static bool stuck_set(const tl_mon_snapshot *prev, const tl_mon_snapshot *now, bool *in)
{
    bool any = false;
    for (uint32_t t = 0; t < TL_TRACK_THREADS; t++)
        any |= in[t] = t < now->nthreads && stable_task_wait(prev, now, t);
    for (bool changed = any; changed;) {
        changed = false;
        for (uint32_t t = 0; t < now->nthreads; t++)
            if (in[t] && could_move(now, in, t)) {
                in[t] = false;
                changed = true;
            }
    }
    for (uint32_t t = 0; t < now->nthreads; t++)
        if (in[t])
            return true;
    return false;
}

/* A worker: it holds a pool (runs one of its tasks). */
static bool is_worker(const tl_mon_snapshot *s, uint32_t t)
{
    const tl_track_thread *th = &s->thread[t];
    for (uint32_t h = 0; h < th->nheld && h < TL_TRACK_HELD; h++)
        if (is_type(s, th->held[h], TL_OBJ_POOL))
            return true;
    return false;
}

bool tl_monitor_pool_deadlock(const tl_mon_snapshot *prev, const tl_mon_snapshot *now,
                              tl_mon_verdict *v)
{
    bool in[TL_TRACK_THREADS];
    if (!stuck_set(prev, now, in))
        return false;
    v->ncycle = 0;
    v->since_ns = 0;
    for (uint32_t t = 0; t < now->nthreads; t++)
        if (in[t] && is_worker(now, t)) {
            v->cycle[v->ncycle++] = t;
            if (now->thread[t].wait_since_ns > v->since_ns)
                v->since_ns = now->thread[t].wait_since_ns;
        }
    /* A set with no worker cannot be stuck: nothing it waits for is queued
     * behind a busy worker. Kept as a guard all the same. */
    return v->ncycle > 0;
}

static bool in_cycle(const tl_mon_verdict *v, uint32_t t)
{
    for (int i = 0; i < v->ncycle; i++)
        if (v->cycle[i] == t)
            return true;
    return false;
}

unsigned tl_monitor_pool_bystanders(const tl_mon_verdict *v, uint32_t *out, unsigned max)
{
    const tl_mon_snapshot *s = &v->at;
    unsigned n = 0;
    for (uint32_t t = 0; t < s->nthreads && n < max; t++) {
        if (in_cycle(v, t) || !in_task_wait(s, t))
            continue;
        /* Behind the cycle: its task runs on a cycle worker, or is queued in
         * a pool whose workers are all in the cycle. */
        uint32_t w = where(s, s->thread[t].wait_obj), index = w & TL_TASK_INDEX_MASK;
        bool behind = (w & TL_TASK_WHERE_MASK) == TL_TASK_RUNNING ? in_cycle(v, index) : false;
        if ((w & TL_TASK_WHERE_MASK) == TL_TASK_QUEUED) {
            uint32_t busy = 0;
            for (int i = 0; i < v->ncycle; i++)
                busy += holds(&s->thread[v->cycle[i]], index);
            behind = workers_of(s, index) > 0 && busy >= workers_of(s, index);
        }
        if (behind)
            out[n++] = t;
    }
    return n;
}

static const char *name_of(const tl_mon_snapshot *s, uint32_t obj)
{
    return obj < s->nobjects && s->object[obj].name[0] ? s->object[obj].name : "?";
}

void tl_monitor_describe_task_wait(const tl_mon_snapshot *s, uint32_t t, char *buf, size_t size)
{
    uint32_t task = s->thread[t].wait_obj, w = where(s, task);
    uint32_t index = w & TL_TASK_INDEX_MASK;
    add(buf, size, "waits for task '%s' (", name_of(s, task));
    switch (w & TL_TASK_WHERE_MASK) {
    case TL_TASK_QUEUED: {
        uint32_t n = workers_of(s, index), busy = 0;
        for (uint32_t u = 0; u < s->nthreads; u++)
            busy += in_task_wait(s, u) && holds(&s->thread[u], index);
        add(buf, size, "queued in pool '%s', not started: %u worker%s, %u of them waiting for "
                       "tasks", name_of(s, index), n, n == 1 ? "" : "s", busy);
        break;
    }
    case TL_TASK_RUNNING:
        add(buf, size, "running on '%s'", index < s->nthreads ? s->thread[index].name : "?");
        break;
    case TL_TASK_DONE: add(buf, size, "finished"); break;
    default: add(buf, size, "not recorded"); break;
    }
    add(buf, size, ")");
}

/* The pools the cycle's workers hold, each once. */
static unsigned cycle_pools(const tl_mon_verdict *v, uint32_t *pools, unsigned max)
{
    const tl_mon_snapshot *s = &v->at;
    unsigned n = 0;
    for (int i = 0; i < v->ncycle; i++) {
        const tl_track_thread *th = &s->thread[v->cycle[i]];
        for (uint32_t h = 0; h < th->nheld && h < TL_TRACK_HELD; h++) {
            uint32_t o = th->held[h];
            bool seen = !is_type(s, o, TL_OBJ_POOL);
            for (unsigned k = 0; k < n && !seen; k++)
                seen = pools[k] == o;
            if (!seen && n < max)
                pools[n++] = o;
        }
    }
    return n;
}

static void where_waits(const tl_mon_snapshot *s, uint32_t t, char *buf, size_t size)
{
    const tl_track_thread *th = &s->thread[t];
    tl_monitor_describe_task_wait(s, t, buf, size);
    if (th->wait_file != TL_TRACK_NONE && th->wait_line)
        add(buf, size, " at %s:%u", tl_mon_file(s, th->wait_file), th->wait_line);
}

void tl_monitor_explain_pool(const tl_mon_verdict *v, char *summary, char *mutual_exclusion,
                             char *hold_and_wait, char *no_preemption, char *circular_wait,
                             size_t size)
{
    const tl_mon_snapshot *s = &v->at;
    uint32_t pools[TL_TRACK_HELD * 4];
    unsigned npools = cycle_pools(v, pools, sizeof pools / sizeof pools[0]);
    char wait[320];
    add(summary, size, "pool-deadlock: every worker of ");
    for (unsigned k = 0; k < npools; k++)
        add(summary, size, "%spool '%s' (%u)", k ? " and " : "", name_of(s, pools[k]),
            workers_of(s, pools[k]));
    add(summary, size, " runs a task that waits for a task no free worker is left to start: ");
    for (int i = 0; i < v->ncycle; i++) {
        uint32_t t = v->cycle[i];
        wait[0] = '\0';
        where_waits(s, t, wait, sizeof wait);
        add(summary, size, "%s'%s' %s", i ? "; " : "", s->thread[t].name, wait);
        add(circular_wait, size, "%s'%s' %s", i ? " -> " : "", s->thread[t].name, wait);
        add(hold_and_wait, size, "%s'%s' holds a worker of pool ", i ? "; " : "",
            s->thread[t].name);
        const tl_track_thread *th = &s->thread[t];
        for (uint32_t h = 0; h < th->nheld && h < TL_TRACK_HELD; h++)
            if (is_type(s, th->held[h], TL_OBJ_POOL))
                add(hold_and_wait, size, "'%s' (since %s:%u)", name_of(s, th->held[h]),
                    tl_mon_file(s, th->held_file[h]), th->held_line[h]);
        wait[0] = '\0';
        tl_monitor_describe_task_wait(s, t, wait, sizeof wait);
        add(hold_and_wait, size, " while it %s", wait);
    }
    add(circular_wait, size, " -> a queued task needs a free worker of its pool, and every one "
                             "is in this list -> back to '%s'.",
        s->thread[v->cycle[0]].name);
    uint32_t by[TL_TRACK_THREADS];
    unsigned nby = tl_monitor_pool_bystanders(v, by, TL_TRACK_THREADS);
    for (unsigned i = 0; i < nby; i++) {
        wait[0] = '\0';
        where_waits(s, by[i], wait, sizeof wait);
        add(summary, size, "%s'%s' %s", i ? "; " : ". Stuck behind them: ", s->thread[by[i]].name,
            wait);
    }
    add(summary, size, ".");
    for (unsigned k = 0; k < npools; k++)
        add(mutual_exclusion, size,
            "%spool '%s' has %u worker%s, each running one task at a time: a task holds its "
            "worker until it returns", k ? "; " : "", name_of(s, pools[k]),
            workers_of(s, pools[k]), workers_of(s, pools[k]) == 1 ? "" : "s");
    add(no_preemption, size, "a running task cannot be taken off its worker, and the wait for "
                             "a task (tl_pool_wait) has no timeout and cannot run the task itself");
}

void tl_monitor_pool_dot(const tl_mon_verdict *v, FILE *f)
{
    const tl_mon_snapshot *s = &v->at;
    bool drawn[TL_TRACK_OBJECTS] = {false}, pool_used[TL_TRACK_OBJECTS] = {false};
    for (uint32_t t = 0; t < s->nthreads; t++) {
        if (!in_task_wait(s, t))
            continue;
        const tl_track_thread *th = &s->thread[t];
        uint32_t task = th->wait_obj, w = where(s, task), index = w & TL_TASK_INDEX_MASK;
        if (!is_type(s, task, TL_OBJ_TASK))
            continue;
        bool red = in_cycle(v, t);
        const char *place = (w & TL_TASK_WHERE_MASK) == TL_TASK_QUEUED    ? "queued"
                            : (w & TL_TASK_WHERE_MASK) == TL_TASK_RUNNING ? "running"
                                                                           : "finished";
        if (!drawn[task]) {
            fprintf(f, "  o%u [shape=note, label=\"task %s\\n(%s)\"];\n", task,
                    name_of(s, task), place);
            drawn[task] = true;
            if ((w & TL_TASK_WHERE_MASK) == TL_TASK_RUNNING && index < s->nthreads)
                fprintf(f, "  o%u -> t%u [label=\"runs on\", style=dashed%s];\n", task, index,
                        red && in_cycle(v, index) ? ", color=red" : "");
            if ((w & TL_TASK_WHERE_MASK) == TL_TASK_QUEUED && is_type(s, index, TL_OBJ_POOL) &&
                (pool_used[index] = true))
                fprintf(f, "  o%u -> o%u [label=\"queued in:\\nneeds a free worker\"%s];\n",
                        task, index, red ? ", color=red" : "");
        }
        fprintf(f, "  t%u -> o%u [label=\"waits for task\\n%s:%u\"%s];\n", t, task,
                tl_mon_file(s, th->wait_file), th->wait_line, red ? ", color=red" : "");
    }
    /* Each pool with its busy workers (those holding it, as published by
     * their waits). */
    for (uint32_t o = 0; o < s->nobjects; o++) {
        if (!is_type(s, o, TL_OBJ_POOL))
            continue;
        bool any = false;
        if (pool_used[o])
            fprintf(f, "  o%u [shape=box3d, label=\"pool %s\\n%u worker%s\"];\n", o,
                    name_of(s, o), workers_of(s, o), workers_of(s, o) == 1 ? "" : "s");
        any = pool_used[o];
        for (uint32_t t = 0; t < s->nthreads; t++) {
            if (!in_task_wait(s, t) || !holds(&s->thread[t], o))
                continue;
            if (!any)
                fprintf(f, "  o%u [shape=box3d, label=\"pool %s\\n%u worker%s\"];\n", o,
                        name_of(s, o), workers_of(s, o), workers_of(s, o) == 1 ? "" : "s");
            any = true;
            fprintf(f, "  o%u -> t%u [label=\"busy worker\", style=dashed%s];\n", o, t,
                    in_cycle(v, t) ? ", color=red" : "");
        }
    }
}
