/* SPDX-License-Identifier: MIT */
/* The runner's side of the live monitor: the shared table of each run, the
 * look every few milliseconds, and the wait-for graph of a verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "monitor_report.h"
#include "runner_slot.h"

/* Shared memory for the monitor table: a memfd the host inherits as
 * MONITOR_FD and maps; we map it too and only read. */
bool tl__monitor_setup(slot_t *s)
{
    s->memfd = memfd_create("threadlab-monitor", MFD_CLOEXEC);
    if (s->memfd < 0 || ftruncate(s->memfd, sizeof(tl_track_table)) != 0)
        return false;
    void *p = mmap(NULL, sizeof(tl_track_table), PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
    if (p == MAP_FAILED)
        return false;
    s->table = p;
    s->mon = malloc(sizeof *s->mon);
    s->snap = malloc(sizeof *s->snap);
    return s->mon && s->snap;
}

void tl__monitor_teardown(slot_t *s)
{
    if (s->table)
        munmap(s->table, sizeof(tl_track_table));
    if (s->memfd >= 0)
        close(s->memfd);
    free(s->mon);
    free(s->snap);
    s->table = NULL;
    s->memfd = -1;
    s->mon = NULL;
    s->snap = NULL;
}

/* The wait-for graph of a deadlock or hang, as DOT and (with Graphviz) SVG. */
void tl__monitor_write_graph(tl_run *r)
{
    if (r->monitor->kind != TL_MON_DEADLOCK && r->monitor->kind != TL_MON_HANG)
        return;
    char dot[PATH_MAX + 16], svg[PATH_MAX + 16];
    snprintf(dot, sizeof dot, "%s/waitfor.dot", r->dir);
    snprintf(svg, sizeof svg, "%s/waitfor.svg", r->dir);
    r->graph_dot = tl_monitor_write_dot(r->monitor, dot);
    r->graph_svg = r->graph_dot && tl_monitor_render_svg(dot, svg);
}

/* One look at the table; true when the monitor reached a verdict. */
bool tl__monitor_look(slot_t *s, double now)
{
    tl_mon_verdict v;
    tl_monitor_snapshot(s->table, s->snap, (uint64_t)(now * 1e9));
    if (!tl_monitor_observe(s->mon, s->snap, &v))
        return false;
    tl_run *r = s->run;
    r->monitor = malloc(sizeof *r->monitor);
    if (!r->monitor)
        return false;
    *r->monitor = v;
    r->monitor_at_s = (double)v.verdict_ns / 1e9 - s->t0;
    r->monitor_ttv_ms = (double)(v.verdict_ns - v.since_ns) / 1e6;
    return true;
}
