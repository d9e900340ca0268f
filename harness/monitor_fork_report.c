/* SPDX-License-Identifier: MIT */
/* A fork-deadlock verdict in words and in the wait-for graph (the rule is in
 * monitor_fork.c). */
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

static const char *thread_name(const tl_mon_snapshot *s, uint32_t t)
{
    return t < s->nthreads && s->thread[t].name[0] ? s->thread[t].name : "?";
}

void tl__monitor_explain_fork(const tl_mon_verdict *v, tl_mon_explanation *e)
{
    const tl_mon_snapshot *s = &v->at;
    const tl_track_thread *child = &s->thread[v->fork_child];
    const tl_track_object *o = v->fork_lock < s->nobjects ? &s->object[v->fork_lock] : NULL;
    uint32_t i = v->fork_entry < TL_TRACK_FORK_HELD ? v->fork_entry : 0;
    uint32_t holder = v->fork_holder;
    add(e->summary, sizeof e->summary,
        "fork-deadlock: '%s' (pid %d), the only thread of a child forked by '%s', waits for "
        "lock %s (%s) at %s:%u; at the fork that lock was held by '%s' (pid %d, taken at "
        "%s:%u), a thread the child does not have: fork() copies only the calling thread. "
        "The child's copy of the lock stays locked and no thread in the child can ever "
        "unlock it. Not a cycle: the holder waits for nothing, it is simply not there.",
        child->name, (int)child->pid, thread_name(s, child->fork_parent), o ? o->name : "?",
        o ? o->kind : "?", tl_mon_file(s, child->wait_file), child->wait_line,
        thread_name(s, holder), holder < s->nthreads ? (int)s->thread[holder].pid : 0,
        tl_mon_file(s, child->fork_held_file[i]), child->fork_held_line[i]);
}

void tl__monitor_fork_dot(const tl_mon_verdict *v, FILE *f)
{
    if (v->kind != TL_MON_FORK_DEADLOCK)
        return;
    const tl_mon_snapshot *s = &v->at;
    const tl_track_thread *child = &s->thread[v->fork_child];
    uint32_t i = v->fork_entry < TL_TRACK_FORK_HELD ? v->fork_entry : 0;
    /* The lock's node exists: the child's wait drew it. The holder's box is
     * in the parent's process; in the child it is absent. */
    fprintf(f, "  o%u -> t%u [label=\"held at the fork by\\n%s:%u\\n(absent in the child)\", "
               "style=dashed, color=red];\n",
            v->fork_lock, v->fork_holder, tl_mon_file(s, child->fork_held_file[i]),
            child->fork_held_line[i]);
    if (child->fork_parent < s->nthreads)
        fprintf(f, "  t%u -> t%u [label=\"fork()\\nchild pid %d\", style=dotted];\n",
                child->fork_parent, v->fork_child, (int)child->pid);
}
