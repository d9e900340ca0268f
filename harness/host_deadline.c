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
 * Why it can be called off: TSan sleeps a whole second (atexit_sleep_ms) at
 * exit while any other thread still runs, so a watchdog left sleeping would
 * add a second to every clean run. When the variant returns, the host closes
 * the watchdog's pipe and joins it; the watchdog therefore waits in poll() on
 * that pipe, with a timeout recomputed from the absolute deadline.
 *
 * The watchdog is invisible to the scenario: it is not registered in the
 * monitor's track table (the monitor judges only the scenario's threads), it
 * reads nothing but its own deadline, handed over before it starts (so TSan
 * sees a happens-before and nothing shared), and it blocks every signal so a
 * scenario's signal handler can never run on it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host_deadline.h"

typedef struct {
    double due;     /* CLOCK_MONOTONIC seconds */
    double seconds; /* as given, for the note */
    int wake_fd;    /* read end: end of file means "called off" */
} deadline_t;

/* Written by tl_host_arm_deadline before the thread starts, then read only by
 * the watchdog (pthread_create orders the two). */
static deadline_t the_deadline;
static pthread_t the_watchdog;
static int the_wake_write = -1;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *watchdog(void *arg)
{
    const deadline_t *d = arg;
    for (;;) {
        double left = d->due - now_s();
        if (left <= 0)
            break;
        /* Rounded up, so the wait never ends early; capped to fit an int. */
        int ms = left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
        struct pollfd p = {.fd = d->wake_fd, .events = POLLIN};
        if (poll(&p, 1, ms) > 0)
            return NULL; /* the variant returned: called off */
    }
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
    int wake[2];
    if (pipe2(wake, O_CLOEXEC) != 0) {
        fprintf(stderr, "threadlab-host: cannot arm the deadline: %s\n", strerror(errno));
        return false;
    }
    the_deadline = (deadline_t){.due = now_s() + seconds, .seconds = seconds,
                                .wake_fd = wake[0]};
    /* The new thread inherits the creator's signal mask: block everything
     * for the creation only. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&the_watchdog, NULL, watchdog, &the_deadline);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        close(wake[0]);
        close(wake[1]);
        fprintf(stderr, "threadlab-host: cannot start the deadline's watchdog: %s\n",
                strerror(e));
        return false;
    }
    the_wake_write = wake[1];
    return true;
}

void tl_host_disarm_deadline(void)
{
    if (the_wake_write < 0)
        return;
    close(the_wake_write); /* the watchdog's poll sees end of file */
    the_wake_write = -1;
    pthread_join(the_watchdog, NULL);
    close(the_deadline.wake_fd);
}
