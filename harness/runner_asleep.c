/* SPDX-License-Identifier: MIT */
/* The runner reads whether each thread in a condition wait is asleep in the
 * kernel, for the monitor's passed-over rule (monitor_cond.c). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"

/* /proc/TID/stat, not /proc/PID/task/TID: a thread of a forked child is
 * not a task of the host's process, and /proc/TID names any thread.
 * "tid (comm) S ...": the state is the first field after the last ')'
 * (comm may hold spaces and parentheses). S (interruptible sleep) and D
 * (uninterruptible) are asleep; R is running or runnable - a thread woken
 * but not yet scheduled is R. A file that cannot be read (the thread has
 * exited) is not asleep. */
static bool thread_asleep(int tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
}

void tl__mon_fill_asleep(tl_mon_snapshot *snap)
{
    for (uint32_t t = 0; t < snap->nthreads; t++) {
        const tl_track_thread *th = &snap->thread[t];
        snap->asleep[t] = !snap->torn[t] && th->state == TL_TS_WAIT_COND && th->tid > 0 &&
                          thread_asleep(th->tid);
    }
    snap->has_asleep = true;
}
