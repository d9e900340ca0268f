/* SPDX-License-Identifier: MIT */
/* Coroutines in the wait-for graph, its words and its picture (see
 * monitor_coro.h for the edges and why they are honest). */
#include <stdarg.h>
#include <string.h>
#include "monitor_coro.h"

bool tl_mon_coro_state(uint32_t state)
{
    return state == TL_TS_SUSPENDED || state == TL_TS_RUNS_CORO;
}

const char *tl_mon_coro_state_name(uint32_t state)
{
    return state == TL_TS_SUSPENDED   ? "suspended (coroutine)"
           : state == TL_TS_RUNS_CORO ? "running a coroutine"
                                      : "?";
}

unsigned tl_mon_coro_waits_for(const tl_mon_snapshot *s, uint32_t t, uint32_t *out,
                               unsigned max)
{
    const tl_track_thread *th = &s->thread[t];
    /* Suspended with no pinned thread: any thread may resume it, so it
     * waits for no one in particular - no edge (and never a false cycle). */
    if (!tl_mon_coro_state(th->state) || th->wait_obj >= s->nthreads || max == 0)
        return 0;
    out[0] = th->wait_obj;
    return 1;
}

bool tl_mon_coro_blocked(const tl_mon_snapshot *s, uint32_t t,
                         bool (*blocked)(const tl_mon_snapshot *s, uint32_t t))
{
    if (s->thread[t].state == TL_TS_SUSPENDED)
        return true;
    /* A thread runs a coroutine, which may run a nested one: follow to the
     * one actually running, bounded in case a torn look made a loop. */
    uint32_t c = t;
    for (unsigned steps = 0; c < s->nthreads && s->thread[c].state == TL_TS_RUNS_CORO; steps++) {
        if (steps == TL_TRACK_THREADS)
            return false;
        c = s->thread[c].wait_obj;
    }
    /* Ended out of the table, or at a suspended coroutine (a switch half
     * recorded): not judged blocked. */
    if (c == t || c >= s->nthreads || tl_mon_coro_state(s->thread[c].state))
        return false;
    return blocked(s, c);
}

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

static const char *slot_name(const tl_mon_snapshot *s, uint32_t t)
{
    return t < s->nthreads ? s->thread[t].name : "?";
}

void tl_mon_coro_describe_wait(const tl_mon_snapshot *s, uint32_t t, char *buf, size_t size)
{
    const tl_track_thread *th = &s->thread[t];
    if (th->state == TL_TS_SUSPENDED && th->wait_obj < s->nthreads)
        add(buf, size, "is a coroutine suspended at a yield, which only thread '%s' can resume",
            slot_name(s, th->wait_obj));
    else if (th->state == TL_TS_SUSPENDED)
        add(buf, size, "is a coroutine suspended at a yield (any thread may resume it)");
    else
        add(buf, size, "runs coroutine '%s' and can run nothing else until it yields",
            slot_name(s, th->wait_obj));
}

/* The cycle's threads proper (not coroutines): how many, and the first. */
static unsigned cycle_threads(const tl_mon_verdict *v, uint32_t *first)
{
    unsigned n = 0;
    for (int i = 0; i < v->ncycle; i++)
        if (!v->at.thread[v->cycle[i]].coro && n++ == 0)
            *first = v->cycle[i];
    return n;
}

void tl_mon_coro_explain(const tl_mon_verdict *v, tl_mon_explanation *e)
{
    const tl_mon_snapshot *s = &v->at;
    uint32_t host = TL_TRACK_NONE, runner = TL_TRACK_NONE, waiter = TL_TRACK_NONE;
    bool any = false;
    for (int i = 0; i < v->ncycle; i++) {
        const tl_track_thread *th = &s->thread[v->cycle[i]];
        any |= th->coro != 0;
        if (th->state == TL_TS_RUNS_CORO)
            runner = th->wait_obj;
        if (th->coro && th->state == TL_TS_WAIT_LOCK)
            waiter = v->cycle[i];
    }
    if (!any)
        return;
    unsigned nthreads = cycle_threads(v, &host);
    if (nthreads == 1)
        add(e->summary, sizeof e->summary,
            " A deadlock inside one thread: '%s' runs its coroutines one at a time, a "
            "coroutine suspended holding a lock needs '%s' to resume it, and '%s' is stuck "
            "running a coroutine that waits for that lock.",
            slot_name(s, host), slot_name(s, host), slot_name(s, host));
    else
        add(e->summary, sizeof e->summary,
            " The cycle runs through coroutines and the threads that host them.");
    add(e->mutual_exclusion, sizeof e->mutual_exclusion,
        "%sa thread runs one coroutine at a time: a suspended coroutine waits for its thread "
        "as for a lock with one holder",
        e->mutual_exclusion[0] ? "; " : "");
    if (runner != TL_TRACK_NONE)
        add(e->hold_and_wait, sizeof e->hold_and_wait,
            "; and '%s' holds its thread (it is running on it) while it waits",
            slot_name(s, runner));
    add(e->no_preemption, sizeof e->no_preemption,
        "%scoroutines are cooperative: nothing takes the thread back from %s%s%s (user space "
        "has no timer interrupt), it gives it up only at a yield, and a coroutine blocked "
        "in lock() never reaches one",
        e->no_preemption[0] ? "; " : "", waiter != TL_TRACK_NONE ? "'" : "",
        waiter != TL_TRACK_NONE ? slot_name(s, waiter) : "the running coroutine",
        waiter != TL_TRACK_NONE ? "'" : "");
}

static bool in_cycle(const tl_mon_verdict *v, uint32_t t)
{
    for (int i = 0; i < v->ncycle; i++)
        if (v->cycle[i] == t)
            return true;
    return false;
}

void tl_mon_coro_dot_node(FILE *f, const tl_mon_snapshot *s, uint32_t t)
{
    /* DOT merges attributes given to one node twice. */
    if (s->thread[t].coro)
        fprintf(f, "  t%u [style=rounded, xlabel=\"coroutine\"];\n", t);
}

void tl_mon_coro_dot_edges(FILE *f, const tl_mon_verdict *v, uint32_t t)
{
    const tl_mon_snapshot *s = &v->at;
    const tl_track_thread *th = &s->thread[t];
    if (!tl_mon_coro_state(th->state) || th->wait_obj >= s->nthreads)
        return;
    bool red = in_cycle(v, t) && in_cycle(v, th->wait_obj);
    if (th->state == TL_TS_SUSPENDED)
        fprintf(f, "  t%u -> t%u [label=\"suspended at %s:%u,\\nneeds its thread\", "
                   "style=dotted%s];\n",
                t, th->wait_obj, tl_mon_file(s, th->wait_file), th->wait_line,
                red ? ", color=red" : "");
    else
        fprintf(f, "  t%u -> t%u [label=\"runs\"%s];\n", t, th->wait_obj,
                red ? ", color=red" : "");
}
