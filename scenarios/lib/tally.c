/* SPDX-License-Identifier: MIT */
/* libtl-tally: a tiny shared library with a global of its own, for
 * race.shared_library_global. The scenario dlopen()s it; the build makes one
 * copy per host (plain, clang TSan, gcc TSan: Makefile.am), because TSan only
 * sees the accesses of code it instrumented. A library's code and its data
 * segment are mapped once per process: every thread calls the same
 * functions on the same `running_total`. */
#include <pthread.h>
#include <stddef.h>

/* The library's data segment: one per process, however many threads. */
static long running_total;
static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
/* Per-thread state: one copy for each thread that calls in. */
static _Thread_local long thread_total;

/* A test hook the lab sets in the buggy variant only: it runs between the
 * read and the write of the total, where a preemption could fall, so the
 * scenario can put another thread's whole update there on every run. */
static void (*between_hook)(void);

void tally_set_between_hook(void (*hook)(void)) { between_hook = hook; }

/* Not thread-safe: read, add, write on the library's global. */
long tally_add(long n)
{
    long t = running_total;
    if (between_hook)
        between_hook();
    running_total = t + n;
    return t + n;
}

/* Thread-safe: the library takes its own lock around the update. */
long tally_add_locked(long n)
{
    pthread_mutex_lock(&total_lock);
    long t = running_total + n;
    running_total = t;
    pthread_mutex_unlock(&total_lock);
    return t;
}

long tally_total_locked(void)
{
    pthread_mutex_lock(&total_lock);
    long t = running_total;
    pthread_mutex_unlock(&total_lock);
    return t;
}

/* Thread-safe by keeping no shared state: each thread adds to its own copy
 * and collects it at the end. */
void tally_add_mine(long n) { thread_total += n; }
long tally_mine(void) { return thread_total; }

/* Single-threaded use only (before the threads start, after they are joined). */
long tally_total(void) { return running_total; }
void tally_reset(void) { running_total = 0; }
