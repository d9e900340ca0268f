/* SPDX-License-Identifier: MIT */
/* The runner's side of the live monitor: the shared table of each run, the
 * look every few milliseconds. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runner_slot.h"

/* What the runner keeps per run beside the monitor's own state: an open
 * /proc file per thread for its CPU time, and when the run last showed
 * progress (for deadlines scaled to progress). */
enum { CPU_NONE = -1, CPU_GONE = -2 }; /* no file yet; the thread is gone */
struct tl__mon_extra {
    int fd[TL_TRACK_THREADS];
    int32_t tid[TL_TRACK_THREADS];
    bool from_stat[TL_TRACK_THREADS]; /* fd is .../stat (ticks), not schedstat (ns) */
    uint64_t cpu_ns[TL_TRACK_THREADS]; /* the last value read */
    uint64_t work_seen[TL_TRACK_THREADS]; /* acquisitions + progress at the last look */
    double work_moved_s;                  /* when any of them last moved (0: never) */
};

/* Opens the thread's CPU-time file: schedstat (its first field is the time
 * on a CPU in ns, kept by the scheduler), else stat (utime + stime in clock
 * ticks) on kernels without schedstat. Kept open: a read from offset 0
 * regenerates the text, so each look costs one pread, not open+read+close. */
static void cpu_open(struct tl__mon_extra *x, pid_t pid, uint32_t t, int32_t tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
    x->fd[t] = open(path, O_RDONLY | O_CLOEXEC);
    x->from_stat[t] = false;
    if (x->fd[t] < 0) {
        snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
        x->fd[t] = open(path, O_RDONLY | O_CLOEXEC);
        x->from_stat[t] = true;
    }
    x->tid[t] = tid;
    if (x->fd[t] < 0)
        x->fd[t] = CPU_GONE;
}

/* The CPU time in one read of the file; false when it cannot be read (the
 * thread has exited). */
static bool cpu_read(const struct tl__mon_extra *x, uint32_t t, uint64_t *ns)
{
    char buf[512];
    ssize_t n = pread(x->fd[t], buf, sizeof buf - 1, 0);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    if (!x->from_stat[t]) {
        char *end;
        unsigned long long v = strtoull(buf, &end, 10);
        if (end == buf)
            return false;
        *ns = v;
        return true;
    }
    /* stat: "tid (comm) state ppid ..."; comm may hold spaces and parens,
     * so fields are counted from the last ')'. utime and stime are fields
     * 14 and 15, the 12th and 13th after it. */
    char *p = strrchr(buf, ')');
    if (!p)
        return false;
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
               &stime) != 2)
        return false;
    static long tick_ns;
    if (!tick_ns) {
        long hz = sysconf(_SC_CLK_TCK);
        tick_ns = 1000000000L / (hz > 0 ? hz : 100);
    }
    *ns = (utime + stime) * (uint64_t)tick_ns;
    return true;
}

/* Fills snap->cpu_ns for every thread the host has registered. A value that
 * cannot be read this time keeps the last one: a thread's clock may stand
 * still, never go back. */
static void cpu_fill(struct tl__mon_extra *x, pid_t pid, tl_mon_snapshot *snap)
{
    for (uint32_t t = 0; t < snap->nthreads; t++) {
        const tl_track_thread *th = &snap->thread[t];
        bool running = !snap->torn[t] && th->state != TL_TS_UNUSED && th->state != TL_TS_EXITED;
        if (running && th->tid > 0 && x->fd[t] == CPU_NONE)
            cpu_open(x, th->pid > 0 ? th->pid : pid, t, th->tid); /* a forked child: its pid */
        uint64_t ns;
        if (x->fd[t] >= 0 && th->state != TL_TS_EXITED) {
            if (!cpu_read(x, t, &ns)) { /* the task is gone: it has exited */
                close(x->fd[t]);
                x->fd[t] = CPU_GONE;
            } else if (ns > x->cpu_ns[t]) {
                x->cpu_ns[t] = ns;
            }
        }
        snap->cpu_ns[t] = x->cpu_ns[t];
    }
    snap->has_cpu = true;
}

/* Notes when the run's acquisitions or progress counters last moved. */
static void note_work(struct tl__mon_extra *x, const tl_mon_snapshot *snap, double now)
{
    for (uint32_t t = 0; t < snap->nthreads; t++) {
        if (snap->torn[t])
            continue; /* unknown this time; compared again at the next look */
        uint64_t work = snap->thread[t].acquisitions + snap->thread[t].progress;
        if (work != x->work_seen[t]) {
            x->work_seen[t] = work;
            x->work_moved_s = now;
        }
    }
}

bool tl__monitor_progressing(slot_t *s, double now)
{
    return s->extra && s->extra->work_moved_s > 0 &&
           now - s->extra->work_moved_s <= TL_RUN_PROGRESS_RECENT_S;
}

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
    s->extra = calloc(1, sizeof *s->extra);
    if (!s->mon || !s->snap || !s->extra)
        return false;
    for (int t = 0; t < TL_TRACK_THREADS; t++)
        s->extra->fd[t] = CPU_NONE;
    return true;
}

void tl__monitor_teardown(slot_t *s)
{
    if (s->table)
        munmap(s->table, sizeof(tl_track_table));
    if (s->memfd >= 0)
        close(s->memfd);
    free(s->mon);
    free(s->snap);
    if (s->extra) {
        for (int t = 0; t < TL_TRACK_THREADS; t++)
            if (s->extra->fd[t] >= 0)
                close(s->extra->fd[t]);
        free(s->extra);
    }
    s->extra = NULL;
    tl_run *r = s->run;
    if (r && r->deadline_extended_s > 0 && r->nnotes < TL_RUN_MAX_NOTES)
        snprintf(r->notes[r->nnotes++], sizeof r->notes[0],
                 "deadline extended by %.1f s past the %.1f s timeout: the run's threads "
                 "were still progressing (a busy machine, not a hang; hard limit %.0f s)",
                 r->deadline_extended_s, r->timeout_s, tl_run_hard_deadline_s(r->timeout_s));
    s->table = NULL;
    s->memfd = -1;
    s->mon = NULL;
    s->snap = NULL;
}

/* A forked child ends with _exit, past every hook, so its slot is never
 * marked exited by the child itself: once its process is gone (reaped by
 * the host), the look marks it exited, so that it no longer counts as a
 * running thread. One kill(pid, 0) per forked slot still running. */
static void forked_gone(tl_mon_snapshot *snap)
{
    for (uint32_t t = 0; t < snap->nthreads; t++) {
        tl_track_thread *th = &snap->thread[t];
        if (!snap->torn[t] && th->forked && th->pid > 0 && th->state != TL_TS_EXITED &&
            kill(th->pid, 0) != 0 && errno == ESRCH)
            th->state = TL_TS_EXITED;
    }
}

/* One look at the table; true when the monitor reached a verdict. */
bool tl__monitor_look(slot_t *s, double now)
{
    tl_mon_verdict v;
    tl_monitor_snapshot(s->table, s->snap, (uint64_t)(now * 1e9));
    forked_gone(s->snap);
    /* CPU times only where the livelock and starvation rules need them: a
     * look comes every 2 ms, and each costs one pread per thread. */
    if (s->mon->judge_progress)
        cpu_fill(s->extra, s->run->pid, s->snap);
    note_work(s->extra, s->snap, now);
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
