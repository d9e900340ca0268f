/* SPDX-License-Identifier: MIT */
/* The host's last resort. The runner ends a run at its deadline, but a runner
 * that is stopped (SIGSTOP, a debugger, a suspended laptop) or gone must not
 * leave a host blocked or spinning for ever; the kernel's parent-death signal
 * covers a dead runner, this covers every other case.
 *
 * Why a thread and not alarm()/SIGALRM: the scenario's threads may all be
 * blocked in a futex or spinning without a single libc call, and under TSan
 * an asynchronous signal is only delivered to its handler at TSan's own safe
 * points (interceptors, blocking calls), which a spinning thread never
 * reaches; the handler might never run. A thread of our own that sleeps until
 * the deadline and then sends SIGKILL (which no runtime can defer or catch)
 * works in every case.
 *
 * The watchdog is invisible to the scenario: it is not registered in the
 * monitor's track table (the monitor judges only the scenario's threads), it
 * reads nothing but its own deadline, handed over before it starts (so TSan
 * sees a happens-before and nothing shared), and it blocks every signal so a
 * scenario's signal handler can never run on it. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_deadline.h"

typedef struct {
    struct timespec due; /* CLOCK_MONOTONIC */
    double seconds;
} deadline_t;

/* Written once by tl_host_arm_deadline before the thread starts; read only by
 * the watchdog afterwards. */
static deadline_t the_deadline;

static void *watchdog(void *arg)
{
    const deadline_t *d = arg;
    /* Absolute time: an interruption cannot stretch the wait. */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d->due, NULL) == EINTR)
        ;
    char note[200];
    int n = snprintf(note, sizeof note,
                     "threadlab-host: still running at its last-resort deadline (%.1f s): "
                     "the runner is gone or stopped; killing its process group\n",
                     d->seconds);
    if (n > 0) {
        /* A dead runner's pipe gives EPIPE here, not SIGPIPE: signals are
         * blocked on this thread. */
        ssize_t ignored = write(2, note, (size_t)n < sizeof note ? (size_t)n : sizeof note - 1);
        (void)ignored;
    }
    /* The whole group when we lead it (the runner makes every host the leader
     * of its own group), so anything the scenario started goes too; a host
     * started by hand inside someone else's group kills only itself. */
    kill(getpgrp() == getpid() ? 0 : getpid(), SIGKILL);
    return NULL;
}

bool tl_host_arm_deadline(double seconds)
{
    clock_gettime(CLOCK_MONOTONIC, &the_deadline.due);
    double whole = (double)(time_t)seconds;
    the_deadline.due.tv_sec += (time_t)seconds;
    the_deadline.due.tv_nsec += (long)((seconds - whole) * 1e9);
    if (the_deadline.due.tv_nsec >= 1000000000L) {
        the_deadline.due.tv_sec++;
        the_deadline.due.tv_nsec -= 1000000000L;
    }
    the_deadline.seconds = seconds;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* The new thread inherits the creator's signal mask: block everything
     * for the creation only. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int e = pthread_create(&t, &attr, watchdog, &the_deadline);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (e != 0) {
        fprintf(stderr, "threadlab-host: cannot start the deadline's watchdog: %s\n",
                strerror(e));
        return false;
    }
    return true;
}
