/* SPDX-License-Identifier: MIT */
/* tl_wait_asleep_on: wait until another thread really sleeps in the kernel
 * on a given futex word (tl_scenario.h). */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tl_scenario.h"

/* /proc/self/task/TID/syscall reads "NR ARG1 ARG2 ..." (in hex after NR)
 * while the thread is blocked in a system call, "running" or "-1 ..."
 * otherwise. A futex wait on `word` is NR == SYS_futex with ARG1 == word.
 * Under Valgrind a guest thread's blocking call is made by that thread's own
 * kernel task, so the same file tells; a thread waiting for Valgrind's own
 * scheduler lock shows another call. */
static bool asleep_on(int tid, const void *word)
{
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "threadlab-host: cannot open %s: the forced interleaving needs it\n",
                path);
        exit(3);
    }
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return false;
    text[n] = '\0';
    long nr = 0;
    unsigned long arg1 = 0;
    if (sscanf(text, "%ld %lx", &nr, &arg1) != 2)
        return false;
    return nr == SYS_futex && arg1 == (unsigned long)(uintptr_t)word;
}

void tl_wait_asleep_on(int tid, const void *word)
{
    while (!asleep_on(tid, word))
        sched_yield();
}
