/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tl_futex.h"

int tl__futex_wait(tl_atomic_u32 *word, uint32_t expected, uint64_t timeout_ns)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ns) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
        ts.tv_nsec = (long)(timeout_ns % 1000000000u);
        tsp = &ts;
    }
    /* Private futexes skip the kernel's cross-process hashing: every lock in
     * the lab lives in one process's memory. */
    long r = syscall(SYS_futex, &word->raw, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
    return r == 0 ? 0 : -errno;
}

int tl__futex_wake(tl_atomic_u32 *word, int n)
{
    long r = syscall(SYS_futex, &word->raw, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
    return r < 0 ? -errno : (int)r;
}
