/* SPDX-License-Identifier: MIT */
/* signal.unsafe_call: a signal handler calls a function that takes a lock. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tl_scenario.h"

enum { LOG_MAX = 128 };

/* The program's logger: what printf and malloc are on the inside - a
 * formatted allocation and a lock around shared state. glibc hides its
 * locks; this one is a lab lock, so the monitor can show what happens. */
static tl_lock_t log_lock;
static char log_text[LOG_MAX]; /* guarded by log_lock */

/* How a variant gets the signal delivered in the middle of log_event, with
 * log_lock held: the worst instruction for it to arrive at. A real signal
 * (a timer, SIGCHLD, a user's ^C) can land on any instruction; raise() or
 * pthread_kill() here only chooses which one, every run. */
static void (*deliver_signal)(void);

static void log_event(const char *what)
{
    char *line = malloc(LOG_MAX); /* as printf does for a long format */
    if (!line)
        abort();
    snprintf(line, LOG_MAX, "%s", what);
    tl_lock_lock(&log_lock);
    if (deliver_signal && strcmp(what, "work") == 0)
        deliver_signal();
    if (log_text[0])
        strncat(log_text, " ", LOG_MAX - strlen(log_text) - 1);
    strncat(log_text, line, LOG_MAX - strlen(log_text) - 1);
    tl_lock_unlock(&log_lock);
    free(line);
}

/* --- buggy: the handler logs ------------------------------------------------- */
static void logging_handler(int sig)
{
    (void)sig;
    /* Neither malloc nor the lock is async-signal-safe: this thread may have
     * been interrupted inside either, holding the very lock asked for here. */
    log_event("signal");
}

static void raise_here(void)
{
    raise(SIGUSR1); /* to this thread; runs the handler before returning */
}

/* --- fixed: the handler only sets a flag ---------------------------------------- */
static volatile sig_atomic_t signal_pending; /* written by the handler, read by its thread */

static void flag_handler(int sig)
{
    (void)sig;
    signal_pending = 1; /* the only thing a handler may safely do to shared state */
}

/* --- fixed: the handler writes one byte to a pipe (the self-pipe trick) --------- */
static int wake_pipe[2] = {-1, -1};

static void pipe_handler(int sig)
{
    (void)sig;
    int saved = errno; /* write may fail and set it: leave the interrupted code's alone */
    ssize_t n = write(wake_pipe[1], "s", 1); /* async-signal-safe */
    (void)n;
    errno = saved;
}

/* An ordinary thread that sleeps in read() until the handler's byte comes. */
static void *pipe_reader(void *arg)
{
    (void)arg;
    char byte;
    if (read(wake_pipe[0], &byte, 1) == 1)
        log_event("signal");
    return NULL;
}

/* --- fixed: a dedicated thread takes the signal with sigwait --------------------- */
static pthread_t signal_thread_handle;

static void send_to_signal_thread(void)
{
    pthread_kill(signal_thread_handle, SIGUSR1); /* blocked there: stays pending */
}

static void *signal_thread(void *arg)
{
    (void)arg;
    sigset_t set;
    int sig = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    /* An ordinary thread, not a handler: it may call anything, and waits for
     * log_lock like any other caller. */
    if (sigwait(&set, &sig) == 0 && sig == SIGUSR1)
        log_event("signal");
    return NULL;
}

static void *worker(void *arg)
{
    (void)arg;
    log_event("start");
    log_event("work"); /* the signal arrives in here, log_lock held */
    if (signal_pending) { /* fixed-flag: the deferred work, in normal context */
        signal_pending = 0;
        log_event("signal");
    }
    log_event("end");
    return NULL;
}

typedef enum { HANDLER_LOGS, HANDLER_SETS_FLAG, SIGWAIT_THREAD, SELF_PIPE } design;

static void run(tl_ctx *ctx, design how)
{
    struct sigaction sa, old;
    sigset_t usr1, old_mask;
    tl_thread_t w, s;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = how == HANDLER_LOGS  ? logging_handler
                    : how == SELF_PIPE ? pipe_handler
                                       : flag_handler;
    tl_ctx_lock_init(ctx, &log_lock, "log_lock");
    log_text[0] = '\0';
    signal_pending = 0;
    sigaction(SIGUSR1, &sa, &old);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (how == SIGWAIT_THREAD) {
        /* Blocked before the threads start, so both inherit the mask: the
         * signal can only ever be taken by sigwait, never by a handler. */
        pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);
        deliver_signal = send_to_signal_thread;
        tl_thread_start(&s, "signal-thread", signal_thread, NULL);
        signal_thread_handle = s.handle;
    } else {
        deliver_signal = raise_here;
    }
    if (how == SELF_PIPE) {
        if (pipe2(wake_pipe, O_CLOEXEC) != 0)
            abort();
        tl_thread_start(&s, "pipe-reader", pipe_reader, NULL);
    }
    tl_thread_start(&w, "worker", worker, NULL);
    tl_thread_join(&w);
    if (how == SIGWAIT_THREAD) {
        tl_thread_join(&s);
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    }
    if (how == SELF_PIPE) {
        tl_thread_join(&s);
        close(wake_pipe[0]);
        close(wake_pipe[1]);
    }
    sigaction(SIGUSR1, &old, NULL);
    deliver_signal = NULL;
    /* The sigwait or pipe thread may log "signal" at any point after "work". */
    bool ok = strcmp(log_text, "start work signal end") == 0 ||
              ((how == SIGWAIT_THREAD || how == SELF_PIPE) &&
               strcmp(log_text, "start work end signal") == 0);
    tl_oracle(ctx, "the log", ok, "got '%s'", log_text);
}

static void buggy(tl_ctx *ctx) { run(ctx, HANDLER_LOGS); }
static void fixed_flag(tl_ctx *ctx) { run(ctx, HANDLER_SETS_FLAG); }
static void fixed_sigwait(tl_ctx *ctx) { run(ctx, SIGWAIT_THREAD); }
static void fixed_pipe(tl_ctx *ctx) { run(ctx, SELF_PIPE); }

TL_SCENARIO(signal_unsafe_call) = {
    .name = "signal.unsafe_call",
    .category = "signal",
    .summary = "a signal handler calls malloc and takes a lock the interrupted code holds",
    .concept = "async-signal safety: reentrancy against your own thread",
    .teaching =
        "A signal handler runs on top of whatever its thread was doing, at any instruction - "
        "including in the middle of malloc or printf, which hold a lock inside the C library "
        "while they work. A handler that calls them asks for a lock its own thread already "
        "holds and can never get it: the thread waits for itself. A lock cannot help here; it "
        "is the problem. That is why POSIX lists the few async-signal-safe functions (write, "
        "_exit, sem_post, ... - reentrant, or with the signal blocked inside) and malloc, "
        "printf and pthread_mutex_lock are not among them. Thread-safe is not enough: a "
        "thread-safe function is safe against other threads, an async-signal-safe one against "
        "its own thread. The buggy worker's log_event allocates and takes log_lock, as printf "
        "does; the signal is delivered (raise) while it holds the lock, the handler calls "
        "log_event, and the worker deadlocks on itself. Fix 1: the handler only sets a "
        "volatile sig_atomic_t flag and the worker does the logging after log_event returns, "
        "in normal context. Fix 2: the signal is blocked in every thread and one dedicated "
        "thread takes it with sigwait, as an ordinary thread that may call anything. Fix 3, "
        "the self-pipe trick: the handler only write()s one byte to a pipe (write is "
        "async-signal-safe; the handler saves and restores errno around it) and a thread "
        "sleeping in read() on the other end does the logging.",
    .detector_note =
        "TSan intercepts malloc and knows it is running a signal handler, so it reports the "
        "call ('signal-unsafe call inside of a signal'), whether or not this run deadlocks. It "
        "reports nothing for the lock: a thread relocking a lock it holds is not a report of "
        "TSan's. Valgrind's tools check no signal safety at all; the live monitor sees the "
        "worker wait for log_lock, which it holds itself: a cycle of one.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .timeout_s = 4,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "signal-unsafe-call monitor:deadlock",
         .about = "the handler calls log_event (malloc, log_lock); the signal comes while "
                  "log_lock is held"},
        {.name = "fixed-flag", .role = TL_ROLE_FIXED, .entry = fixed_flag, .expect = "",
         .about = "the handler only sets a volatile sig_atomic_t; the worker logs afterwards"},
        {.name = "fixed-sigwait", .role = TL_ROLE_FIXED, .entry = fixed_sigwait, .expect = "",
         .about = "SIGUSR1 blocked everywhere; a dedicated thread takes it with sigwait and "
                  "logs as an ordinary thread"},
        {.name = "fixed-pipe", .role = TL_ROLE_FIXED, .entry = fixed_pipe, .expect = "",
         .about = "the handler writes one byte to a pipe; a thread blocked in read() on it "
                  "logs"},
    },
};
