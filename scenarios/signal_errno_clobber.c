/* SPDX-License-Identifier: MIT */
/* signal.errno_clobber: a handler's failing call overwrites the errno of the code it interrupted. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "tl_scenario.h"

static tl_turns_t turns = TL_TURNS_INIT;
static tl_atomic_u32 handled;          /* the handler has run (the oracle's bookkeeping) */
static pthread_mutex_t bookkeeping = PTHREAD_MUTEX_INITIALIZER; /* the opener's own */

/* A SIGCHLD-style handler: reap whatever children have finished. When there
 * are none left, waitpid fails - and sets errno to ECHILD. */
static void reaping_handler(int sig)
{
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    tl_atomic_store_u32(&handled, 1, tl_release); /* a lock-free atomic: signal-safe */
}

/* Fixed: the handler saves errno first and puts it back last, so the
 * interrupted code finds errno as it left it. (waitpid is async-signal-safe;
 * being safe does not mean leaving errno alone.) */
static void errno_saving_handler(int sig)
{
    int saved = errno;
    reaping_handler(sig);
    errno = saved;
}

typedef struct {
    int seen; /* the errno the opener read after its failed open */
} opener_result;

static void *opener(void *arg)
{
    opener_result *r = arg;
    int fd = open("/nonexistent/threadlab/config", O_RDONLY); /* fails: ENOENT */
    if (fd >= 0)
        return NULL;
    tl_turn_pass(&turns); /* forced: the signal comes now, after the failure, before errno is read */
    /* Keep running until the handler has been (pthread calls that succeed
     * leave errno alone): the window a real signal can hit at any time. */
    while (!tl_atomic_load_u32(&handled, tl_acquire)) {
        pthread_mutex_lock(&bookkeeping);
        pthread_mutex_unlock(&bookkeeping);
    }
    r->seen = errno; /* "why did open fail?" */
    return NULL;
}

static void *signaller(void *arg)
{
    pthread_t target = *(pthread_t *)arg;
    tl_turn_wait(&turns, 1);
    pthread_kill(target, SIGUSR1);
    return NULL;
}

static void run(tl_ctx *ctx, void (*handler)(int))
{
    struct sigaction sa, old;
    opener_result r = {.seen = 0};
    tl_thread_t o, s;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = handler;
    tl_oracle_words(&handled, sizeof handled);
    tl_atomic_store_u32(&handled, 0, tl_relaxed);
    sigaction(SIGUSR1, &sa, &old);
    tl_thread_start(&o, "opener", opener, &r);
    tl_thread_start(&s, "signaller", signaller, &o.handle);
    tl_thread_join(&s);
    tl_thread_join(&o);
    sigaction(SIGUSR1, &old, NULL);
    tl_oracle(ctx, "errno after the failed open", r.seen == ENOENT,
              "expected ENOENT (%s), got %s (%s)", strerror(ENOENT),
              r.seen == ECHILD ? "ECHILD" : "another value", strerror(r.seen));
}

static void buggy(tl_ctx *ctx) { run(ctx, reaping_handler); }
static void fixed(tl_ctx *ctx) { run(ctx, errno_saving_handler); }

TL_SCENARIO(signal_errno_clobber) = {
    .name = "signal.errno_clobber",
    .category = "signal",
    .summary = "a signal handler's failing call overwrites errno under the interrupted code",
    .concept = "errno is per thread, and a handler runs on its thread",
    .teaching =
        "errno is thread-local: each thread has its own, so another thread's failing call "
        "never changes it. A signal handler, though, runs on the interrupted thread, with that "
        "thread's errno. The opener's open() fails with ENOENT; before it reads errno, a signal "
        "arrives (forced into exactly that window) and a SIGCHLD-style handler reaps children "
        "with waitpid, which fails with ECHILD when none are left and writes errno. The opener "
        "then reports 'No child processes' for a missing file. waitpid is async-signal-safe, "
        "so the handler breaks no rule of which functions it may call: the rule it breaks is "
        "that a handler must leave the interrupted code's state as it found it, errno "
        "included. The fix saves errno on entry and restores it on exit; a handler that only "
        "sets a flag does not need to.",
    .detector_note =
        "TSan runs every handler with errno set aside and puts the interrupted code's value "
        "back afterwards, so under TSan the opener reads ENOENT and the oracle holds; instead "
        "it checks that the handler left errno as it found it and reports 'signal handler "
        "spoils errno' (only for a signal from another thread: a raise() to oneself is handled "
        "synchronously and not checked). Valgrind's tools check no such thing; there the "
        "oracle shows the wrong errno.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "a signal handler cannot take a lock; the fix saves and restores errno",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "signal-spoils-errno oracle:violated",
         .about = "the handler's waitpid fails with ECHILD between open's failure and the "
                  "read of errno",
         .differs = {
             {.detector = "tsan", .expect = "signal-spoils-errno",
              .why = "TSan saves errno before it runs a handler and restores it afterwards "
                     "(it checks the handler against that value instead), so the opener "
                     "reads ENOENT under TSan and the oracle holds: measured with clang 14."},
             {.detector = "tsan-gcc", .expect = "signal-spoils-errno",
              .why = "gcc's TSan runtime saves and restores errno around a handler as "
                     "clang's does, so the opener reads ENOENT and the oracle holds: "
                     "measured with gcc 12."},
         }},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the handler saves errno on entry and restores it before it returns"},
    },
};
