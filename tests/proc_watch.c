/* SPDX-License-Identifier: MIT */
/* Watching processes from a test (see proc_watch.h). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc_watch.h"

void tl_test_become_subreaper(void)
{
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

/* Reads a process's parent and command name from /proc/PID/stat, whose
 * command name is in parentheses and may itself hold spaces or ')'. */
static bool read_stat(pid_t pid, pid_t *ppid, char *comm, size_t size)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *open = strchr(text, '('), *close = strrchr(text, ')');
    if (!open || !close || close < open)
        return false;
    snprintf(comm, size, "%.*s", (int)(close - open - 1), open + 1);
    char state;
    int pp;
    if (sscanf(close + 1, " %c %d", &state, &pp) != 2)
        return false;
    *ppid = (pid_t)pp;
    return true;
}

size_t tl_test_children(pid_t parent, const char *comm_prefix, pid_t *out, size_t max)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        pid_t pp;
        char comm[64];
        if (!read_stat((pid_t)pid, &pp, comm, sizeof comm) || pp != parent)
            continue;
        if (comm_prefix && strncmp(comm, comm_prefix, strlen(comm_prefix)) != 0)
            continue;
        if (n < max)
            out[n] = (pid_t)pid;
        n++;
    }
    closedir(d);
    return n < max ? n : max;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

bool tl_test_reap_within(pid_t pid, double bound_s, int *status)
{
    double until = now_s() + bound_s;
    do {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got == pid)
            return true;
        /* ECHILD: not (yet) ours; an orphan is handed to us as its parent
         * exits, so keep looking until the bound. */
        pause_ms(20);
    } while (now_s() < until);
    return false;
}

size_t tl_test_reap_children(double bound_s)
{
    double until = now_s() + bound_s;
    pid_t left[64];
    size_t n;
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        n = tl_test_children(getpid(), NULL, left, 64);
        if (n == 0 || now_s() >= until)
            break;
        pause_ms(20);
    }
    for (size_t i = 0; i < n; i++) {
        kill(left[i], SIGKILL);
        waitpid(left[i], NULL, 0);
    }
    return n;
}

int tl_test_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}
