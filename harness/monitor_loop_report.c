/* SPDX-License-Identifier: MIT */
/* A stalled-loop verdict in words and in the wait-for graph: which
 * callback holds which loop, since when, from which source line, and what
 * waits for the loop meanwhile. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "monitor_report.h"

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

static const char *cb_kind_words(uint32_t kind)
{
    switch (kind) {
    case TL_LOOP_CB_FD: return "the fd callback watched";
    case TL_LOOP_CB_TIMER: return "the timer armed";
    case TL_LOOP_CB_POST: return "the work posted";
    default: return "the callback registered";
    }
}

static double ms(uint64_t later, uint64_t earlier)
{
    return later > earlier ? (double)(later - earlier) / 1e6 : 0.0;
}

static const char *loop_name(const tl_mon_snapshot *s, const tl_track_loop *l)
{
    return l->object < s->nobjects && s->object[l->object].name[0] ? s->object[l->object].name
                                                                   : "loop";
}

/* "3 posts not yet run (the oldest posted 31 ms ago), a timer 28 ms past its
 * deadline"; "" when nothing waits. */
static void describe_waiting(const tl_track_loop *l, uint64_t now, char *buf, size_t size)
{
    buf[0] = '\0';
    if (l->posts_waiting.raw > 0)
        add(buf, size, "%u posted item%s not yet run (the oldest posted %.0f ms before)",
            l->posts_waiting.raw, l->posts_waiting.raw == 1 ? "" : "s",
            ms(now, l->posts_since_ns));
    if (l->timer_due_ns > 0 && l->timer_due_ns <= now)
        add(buf, size, "%sa timer %.0f ms past its deadline", buf[0] ? ", " : "",
            ms(now, l->timer_due_ns));
}

void tl__monitor_explain_loop(const tl_mon_verdict *v, char *summary, size_t size)
{
    const tl_mon_snapshot *s = &v->at;
    if (v->loop >= s->nloops)
        return;
    const tl_track_loop *l = &s->loop[v->loop];
    uint64_t now = v->verdict_ns;
    char waiting[256];
    describe_waiting(l, now, waiting, sizeof waiting);
    add(summary, size,
        "stalled loop: callback '%s' (%s at %s:%u) has held event loop '%s' for %.0f ms "
        "(its bound: %.0f ms)",
        l->cb_name, cb_kind_words(l->cb_kind), tl_mon_file(s, l->cb_file), l->cb_line,
        loop_name(s, l), ms(now, l->cb_since_ns), (double)l->stall_bound_ns / 1e6);
    if (l->thread < s->nthreads)
        add(summary, size, " on thread '%s'", s->thread[l->thread].name);
    add(summary, size,
        " while %s waited. A loop runs one callback at a time: until this one returns, no "
        "other connection, timer or posted work on it is served.",
        waiting[0] ? waiting : "work");
}

void tl__monitor_dot_loop(const tl_mon_verdict *v, FILE *f)
{
    const tl_mon_snapshot *s = &v->at;
    if (v->kind != TL_MON_STALLED_LOOP || v->loop >= s->nloops)
        return;
    const tl_track_loop *l = &s->loop[v->loop];
    char waiting[256];
    describe_waiting(l, v->verdict_ns, waiting, sizeof waiting);
    fprintf(f, "  loop%u [shape=ellipse, color=red, label=\"%s\\n(event loop)\"];\n", v->loop,
            loop_name(s, l));
    if (l->thread < s->nthreads)
        fprintf(f, "  t%u -> loop%u [label=\"runs %s\\n%s:%u\\nfor %.0f ms\", color=red];\n",
                l->thread, v->loop, l->cb_name, tl_mon_file(s, l->cb_file), l->cb_line,
                ms(v->verdict_ns, l->cb_since_ns));
    fprintf(f, "  waiting%u [shape=note, label=\"%s\"];\n  waiting%u -> loop%u "
               "[label=\"waits for\", style=dashed, color=red];\n",
            v->loop, waiting[0] ? waiting : "work", v->loop, v->loop);
}
