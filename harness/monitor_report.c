/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "monitor_pool.h"
#include "monitor_report.h"
#include "monitor_coro.h"

/* Appends to a fixed buffer, silently cutting at its end. */
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

static const char *obj_name(const tl_mon_snapshot *s, uint32_t o)
{
    return o < s->nobjects && s->object[o].name[0] ? s->object[o].name : "?";
}

double tl_monitor_share(const tl_mon_snapshot *s, uint32_t t)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < s->nthreads; i++)
        total += s->thread[i].acquisitions;
    return total ? 100.0 * (double)s->thread[t].acquisitions / (double)total : 0.0;
}

/* ", held by 'a'" or ", held by 'a' (shared), 'b' (shared)" or ", no owner". */
static void describe_holders(const tl_mon_snapshot *s, uint32_t obj, char *buf, size_t size)
{
    uint32_t who[TL_TRACK_THREADS];
    bool shared[TL_TRACK_THREADS];
    unsigned n = tl_monitor_holders(s, obj, who, shared, TL_TRACK_THREADS);
    if (n == 0)
        add(buf, size, ", no owner");
    for (unsigned i = 0; i < n; i++)
        add(buf, size, "%s'%s'%s", i ? ", " : ", held by ", s->thread[who[i]].name,
            shared[i] ? " (shared)" : "");
}

/* What thread t waits for, in words: "lock fork-1 (held by 'philo-1')". */
static void describe_wait(const tl_mon_snapshot *s, uint32_t t, char *buf, size_t size)
{
    const tl_track_thread *th = &s->thread[t];
    buf[0] = '\0';
    if (th->state == TL_TS_JOINING) {
        add(buf, size, "joins thread '%s'",
            th->wait_obj < s->nthreads ? s->thread[th->wait_obj].name : "?");
    } else if (th->state == TL_TS_WAIT_LOCK) {
        const tl_track_object *o = th->wait_obj < s->nobjects ? &s->object[th->wait_obj] : NULL;
        bool rw = o && (o->flags & TL_OBJ_SHARED);
        add(buf, size, "waits %s lock %s (%s",
            !rw ? "for" : th->wait_shared ? "to read" : "to write", obj_name(s, th->wait_obj),
            o ? o->kind : "?");
        describe_holders(s, th->wait_obj, buf, size);
        /* With writer preference a reader also waits behind waiting writers. */
        if (rw && th->wait_shared && (o->flags & TL_OBJ_WRITER_PREF))
            for (uint32_t w = 0; w < s->nthreads; w++)
                if (w != t && s->thread[w].state == TL_TS_WAIT_LOCK &&
                    s->thread[w].wait_obj == th->wait_obj && !s->thread[w].wait_shared)
                    add(buf, size, ", behind writer '%s' waiting first", s->thread[w].name);
        add(buf, size, ")");
    } else if (th->state == TL_TS_WAIT_SEM) {
        add(buf, size, "waits on semaphore %s (no owner: any thread may post it)",
            obj_name(s, th->wait_obj));
    } else if (th->state == TL_TS_WAIT_TASK) {
        tl_monitor_describe_task_wait(s, t, buf, size);
    } else if (th->state == TL_TS_WAIT_COND) {
        add(buf, size, "waits on condition %s (no owner: any thread may signal it)",
            obj_name(s, th->wait_obj));
    } else if (tl_mon_coro_state(th->state)) {
        tl_mon_coro_describe_wait(s, t, buf, size);
    } else {
        add(buf, size, "%s", tl_track_state_name(th->state));
    }
    if (th->wait_file != TL_TRACK_NONE && th->wait_line)
        add(buf, size, " at %s:%u", tl_mon_file(s, th->wait_file), th->wait_line);
}

static void explain_deadlock(const tl_mon_verdict *v, tl_mon_explanation *e)
{
    const tl_mon_snapshot *s = &v->at;
    char wait[256];
    add(e->summary, sizeof e->summary, "deadlock: a cycle of %d thread%s in the wait-for graph: ",
        v->ncycle, v->ncycle == 1 ? "" : "s");
    for (int i = 0; i < v->ncycle; i++) {
        uint32_t t = v->cycle[i];
        describe_wait(s, t, wait, sizeof wait);
        add(e->circular_wait, sizeof e->circular_wait, "%s'%s' %s", i ? " -> " : "",
            s->thread[t].name, wait);
        add(e->summary, sizeof e->summary, "%s'%s'", i ? " -> " : "", s->thread[t].name);
    }
    add(e->circular_wait, sizeof e->circular_wait, " -> back to '%s'%s.",
        s->thread[v->cycle[0]].name, v->ncycle == 1 ? " (it waits for itself)" : "");
    add(e->summary, sizeof e->summary, " -> '%s'.", s->thread[v->cycle[0]].name);

    bool any_lock = false, any_join = false, timed = false;
    for (int i = 0; i < v->ncycle; i++) {
        const tl_track_thread *th = &s->thread[v->cycle[i]];
        timed |= th->wait_timed;
        if (th->state == TL_TS_JOINING) {
            any_join = true;
            continue;
        }
        if (tl_mon_coro_state(th->state))
            continue; /* waits for a thread or a coroutine: tl_mon_coro_explain */
        any_lock = true;
        const tl_track_object *o = &s->object[th->wait_obj];
        if (o->flags & TL_OBJ_SHARED)
            add(e->mutual_exclusion, sizeof e->mutual_exclusion,
                "%s%s is a %s reader-writer lock (a writer excludes every other holder, a "
                "reader excludes writers%s), which '%s' asks to %s",
                e->mutual_exclusion[0] ? "; " : "", o->name, o->kind,
                (o->flags & TL_OBJ_WRITER_PREF) ? ", and a waiting writer bars new readers"
                                                : "",
                th->name, th->wait_shared ? "read" : "write");
        else
            add(e->mutual_exclusion, sizeof e->mutual_exclusion,
                "%s%s is a %s lock (exclusive: one holder at a time)",
                e->mutual_exclusion[0] ? "; " : "", o->name, o->kind);
        describe_holders(s, th->wait_obj, e->mutual_exclusion, sizeof e->mutual_exclusion);
        add(e->no_preemption, sizeof e->no_preemption, "%s%s: %s, waited for with an untimed "
            "lock() that cannot be cancelled or take the lock away from its holder",
            e->no_preemption[0] ? "; " : "", o->name,
            (o->flags & TL_OBJ_SPINS) ? "a spinlock (waiters spin)" : "a sleeping lock");
    }
    if (any_join) {
        add(e->mutual_exclusion, sizeof e->mutual_exclusion,
            "%sa thread can be joined only by waiting for it to end",
            e->mutual_exclusion[0] ? "; " : "");
        add(e->no_preemption, sizeof e->no_preemption,
            "%spthread_join has no timeout and cannot force the other thread to end",
            e->no_preemption[0] ? "; " : "");
    }
    if (timed)
        add(e->no_preemption, sizeof e->no_preemption, " (a wait in the cycle is timed)");
    (void)any_lock;
    for (int i = 0; i < v->ncycle; i++) {
        const tl_track_thread *th = &s->thread[v->cycle[i]];
        add(e->hold_and_wait, sizeof e->hold_and_wait, "%s'%s' holds ",
            i ? "; " : "", th->name);
        if (th->nheld == 0)
            add(e->hold_and_wait, sizeof e->hold_and_wait, "nothing");
        for (uint32_t h = 0; h < th->nheld; h++)
            add(e->hold_and_wait, sizeof e->hold_and_wait, "%s%s%s (taken at %s:%u)",
                h ? ", " : "", obj_name(s, th->held[h]),
                (th->held_shared >> h) & 1 ? " shared" : "", tl_mon_file(s, th->held_file[h]),
                th->held_line[h]);
        describe_wait(s, v->cycle[i], wait, sizeof wait);
        add(e->hold_and_wait, sizeof e->hold_and_wait, " while it %s", wait);
    }
    tl_mon_coro_explain(v, e);
}

static void explain_hang(const tl_mon_verdict *v, tl_mon_explanation *e)
{
    const tl_mon_snapshot *s = &v->at;
    char wait[256];
    add(e->summary, sizeof e->summary,
        "hang: every live thread is blocked and no cycle explains it (nobody is left to "
        "post, signal or unlock): ");
    bool first = true;
    for (uint32_t t = 0; t < s->nthreads; t++) {
        if (s->thread[t].state == TL_TS_UNUSED || s->thread[t].state == TL_TS_EXITED)
            continue;
        describe_wait(s, t, wait, sizeof wait);
        add(e->summary, sizeof e->summary, "%s'%s' %s", first ? "" : "; ", s->thread[t].name,
            wait);
        first = false;
    }
    add(e->summary, sizeof e->summary, ".");
}

static void explain_counters(const tl_mon_verdict *v, tl_mon_explanation *e)
{
    const tl_mon_snapshot *s = &v->at;
    double window = (double)(v->verdict_ns - v->since_ns) / 1e6;
    if (v->kind == TL_MON_LIVELOCK)
        add(e->summary, sizeof e->summary,
            "livelock: no thread blocked, retries rising, and no progress for %.0f ms%s: ",
            window, s->has_cpu ? ", every thread running (CPU time below)" : "");
    else
        add(e->summary, sizeof e->summary,
            "starvation: '%s' wanted the lock for %.0f ms without progress while others "
            "progressed%s: ", s->thread[v->starved].name, window,
            s->has_cpu ? ", running for a window of its own CPU time" : "");
    for (uint32_t t = 0; t < s->nthreads; t++) {
        const tl_track_thread *th = &s->thread[t];
        if (th->state == TL_TS_UNUSED)
            continue;
        add(e->summary, sizeof e->summary,
            "%s'%s' progress %llu, retries %llu, acquisitions %llu (%.0f%%)", t ? "; " : "",
            th->name, (unsigned long long)th->progress, (unsigned long long)th->retries,
            (unsigned long long)th->acquisitions, tl_monitor_share(s, t));
        if (s->has_cpu) /* the windows are counted in it: show it */
            add(e->summary, sizeof e->summary, ", CPU %.0f ms",
                (double)s->cpu_ns[t] / 1e6);
    }
    add(e->summary, sizeof e->summary, ".");
}

void tl_monitor_explain(const tl_mon_verdict *v, tl_mon_explanation *e)
{
    memset(e, 0, sizeof *e);
    switch (v->kind) {
    case TL_MON_DEADLOCK: explain_deadlock(v, e); break;
    case TL_MON_HANG: explain_hang(v, e); break;
    case TL_MON_LIVELOCK:
    case TL_MON_STARVATION: explain_counters(v, e); break;
    case TL_MON_FORK_DEADLOCK: tl__monitor_explain_fork(v, e); break;
    case TL_MON_POOL_DEADLOCK:
        tl_monitor_explain_pool(v, e->summary, e->mutual_exclusion, e->hold_and_wait,
                                e->no_preemption, e->circular_wait, TL_MON_TEXT);
        break;
    default: break;
    }
}

static bool in_cycle(const tl_mon_verdict *v, uint32_t t)
{
    for (int i = 0; i < v->ncycle; i++)
        if (v->cycle[i] == t)
            return true;
    return false;
}

bool tl_monitor_write_dot(const tl_mon_verdict *v, const char *path)
{
    const tl_mon_snapshot *s = &v->at;
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "digraph waitfor {\n  label=\"threadlab: %s (wait-for graph)\";\n"
               "  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", "
               "fontsize=10];\n",
            tl_mon_kind_name(v->kind));
    /* A cycle of three or more reads best as a ring (circo) than as the
     * layered left-to-right picture, where its closing edge runs back
     * across the whole graph. */
    if (v->ncycle >= 3)
        fputs("  layout=circo;\n", f);
    bool used[TL_TRACK_OBJECTS] = {false};
    for (uint32_t t = 0; t < s->nthreads; t++) {
        const tl_track_thread *th = &s->thread[t];
        if (th->state == TL_TS_UNUSED)
            continue;
        fprintf(f, "  t%u [shape=box, label=\"%s\\n%s\"%s];\n", t, th->name,
                tl_track_state_name(th->state), in_cycle(v, t) ? ", color=red" : "");
        tl_mon_coro_dot_node(f, s, t);
        bool blocked = (th->state >= TL_TS_WAIT_LOCK && th->state <= TL_TS_JOINING) ||
                       tl_mon_coro_state(th->state);
        for (uint32_t h = 0; blocked && h < th->nheld; h++)
            if (th->held[h] < s->nobjects)
                used[th->held[h]] = true;
        if ((th->state == TL_TS_WAIT_LOCK || th->state == TL_TS_WAIT_SEM ||
             th->state == TL_TS_WAIT_COND) && th->wait_obj < s->nobjects)
            used[th->wait_obj] = true;
    }
    /* A lock a thread of the cycle waits for is in the cycle too. */
    bool cycle_obj[TL_TRACK_OBJECTS] = {false};
    for (int i = 0; i < v->ncycle; i++) {
        const tl_track_thread *th = &s->thread[v->cycle[i]];
        if (th->state == TL_TS_WAIT_LOCK && th->wait_obj < s->nobjects)
            cycle_obj[th->wait_obj] = true;
    }
    for (uint32_t o = 0; o < s->nobjects; o++)
        if (used[o])
            fprintf(f, "  o%u [shape=ellipse, label=\"%s\\n(%s)\"%s];\n", o, s->object[o].name,
                    s->object[o].kind, cycle_obj[o] ? ", color=red" : "");
    for (uint32_t t = 0; t < s->nthreads; t++) {
        const tl_track_thread *th = &s->thread[t];
        if (th->state == TL_TS_UNUSED || th->state == TL_TS_EXITED)
            continue;
        bool red = in_cycle(v, t);
        if (th->state == TL_TS_JOINING)
            fprintf(f, "  t%u -> t%u [label=\"joins\\n%s:%u\"%s];\n", t, th->wait_obj,
                    tl_mon_file(s, th->wait_file), th->wait_line, red ? ", color=red" : "");
        else if (th->state >= TL_TS_WAIT_LOCK && th->state <= TL_TS_WAIT_COND)
            fprintf(f, "  t%u -> o%u [label=\"waits %s\\n%s:%u\"%s];\n", t, th->wait_obj,
                    th->state != TL_TS_WAIT_LOCK ? "for"
                    : th->wait_shared            ? "to read"
                                                 : "for",
                    tl_mon_file(s, th->wait_file), th->wait_line, red ? ", color=red" : "");
        /* A reader on a writer-preferring lock also waits behind its
         * waiting writers: the edge the cycle may run through. */
        if (th->state == TL_TS_WAIT_LOCK && th->wait_shared && th->wait_obj < s->nobjects &&
            (s->object[th->wait_obj].flags & TL_OBJ_WRITER_PREF))
            for (uint32_t w = 0; w < s->nthreads; w++)
                if (w != t && s->thread[w].state == TL_TS_WAIT_LOCK &&
                    s->thread[w].wait_obj == th->wait_obj && !s->thread[w].wait_shared)
                    fprintf(f, "  t%u -> t%u [label=\"behind waiting writer\", style=dotted%s];\n",
                            t, w, red && in_cycle(v, w) ? ", color=red" : "");
        tl_mon_coro_dot_edges(f, v, t);
        /* Held lists are current only for waiting threads (tl_track.h). */
        bool blocked = (th->state >= TL_TS_WAIT_LOCK && th->state <= TL_TS_JOINING) ||
                       tl_mon_coro_state(th->state);
        for (uint32_t h = 0; blocked && h < th->nheld; h++) {
            /* A held-by edge is in the cycle when a cycle thread waits for it. */
            bool cyc = false;
            for (int i = 0; i < v->ncycle; i++)
                cyc |= s->thread[v->cycle[i]].state == TL_TS_WAIT_LOCK &&
                       s->thread[v->cycle[i]].wait_obj == th->held[h];
            fprintf(f, "  o%u -> t%u [label=\"held%s by\\n%s:%u\", style=dashed%s];\n",
                    th->held[h], t, (th->held_shared >> h) & 1 ? " shared" : "",
                    tl_mon_file(s, th->held_file[h]), th->held_line[h],
                    cyc && red ? ", color=red" : "");
        }
    }
    tl__monitor_fork_dot(v, f);
    tl_monitor_pool_dot(v, f); /* task waits: task -> queue -> workers */
    fputs("}\n", f);
    return fclose(f) == 0;
}
