/* SPDX-License-Identifier: MIT */
/* hang.lost_wakeup: a signal sent before anyone waits is lost. */
#include "tl_scenario.h"

static tl_lock_t lock;
static tl_cond_t ready_cond;
static bool ready; /* the predicate: guarded by lock */
static tl_turns_t turns = TL_TURNS_INIT;

/* Buggy: waits for "the signal", not for a condition. A condition variable
 * has no memory: a signal with no waiter wakes nobody and is gone. */
static void *buggy_consumer(void *arg)
{
    (void)arg;
    tl_turn_wait(&turns, 1); /* forced: the producer has already signalled */
    tl_lock_lock(&lock);
    tl_cond_wait(&ready_cond, &lock); /* waits for a signal that already came */
    tl_lock_unlock(&lock);
    return NULL;
}

static void *buggy_producer(void *arg)
{
    (void)arg;
    tl_lock_lock(&lock);
    tl_cond_signal(&ready_cond); /* nobody waits yet: lost */
    tl_lock_unlock(&lock);
    tl_turn_pass(&turns);
    return NULL;
}

/* Fixed: the state lives in `ready`, under the lock; the signal only says
 * "look again". A consumer arriving late sees ready == true and never
 * sleeps; one arriving early sleeps until the signal, and re-checks in a
 * while loop because wakeups may be spurious. */
static void *fixed_consumer(void *arg)
{
    (void)arg;
    tl_lock_lock(&lock);
    while (!ready)
        tl_cond_wait(&ready_cond, &lock);
    tl_lock_unlock(&lock);
    return NULL;
}

static void *fixed_producer(void *arg)
{
    (void)arg;
    tl_lock_lock(&lock);
    ready = true;
    tl_cond_signal(&ready_cond);
    tl_lock_unlock(&lock);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*consumer)(void *), void *(*producer)(void *))
{
    tl_thread_t c, p;
    tl_ctx_lock_init(ctx, &lock, "lock");
    tl_cond_init(&ready_cond, "ready_cond");
    tl_thread_start(&c, "consumer", consumer, NULL);
    tl_thread_start(&p, "producer", producer, NULL);
    tl_thread_join(&p);
    tl_thread_join(&c);
    tl_lock_lock(&lock);
    tl_oracle(ctx, "consumer woke", ready, "ready = %d", ready);
    tl_lock_unlock(&lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_consumer, buggy_producer); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_consumer, fixed_producer); }

TL_SCENARIO(hang_lost_wakeup) = {
    .name = "hang.lost_wakeup",
    .category = "hang",
    .summary = "a condition-variable signal sent before the wait is lost",
    .concept = "condition variables have no memory",
    .teaching =
        "A condition variable is not a flag: signalling it wakes whoever is waiting at that "
        "moment, and if nobody is, the signal is simply gone. The buggy consumer waits for "
        "'the signal' instead of for a condition, and the producer (forced to run first) "
        "signals before the consumer waits. The consumer then sleeps for ever, and main, "
        "joining it, sleeps too: every thread is blocked, yet there is no cycle of locks - "
        "a hang, not a deadlock. The fix keeps the state in a predicate (ready) guarded by "
        "the lock and waits in `while (!ready)`: a late consumer sees ready and never "
        "sleeps, an early one is woken by the signal, and a spurious wakeup just loops.",
    .detector_note = "TSan reports nothing: no data race, no lock misuse, and it never "
                     "reports threads that block for ever. The live monitor sees every "
                     "thread blocked with nobody left to signal.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    /* Without the monitor (--no-monitor) a stuck run ends only at its
     * deadline: 4 s instead of the lab's 10. */
    .timeout_s = 4,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:hang",
         .about = "waits without a predicate; the signal is forced to come first"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "a predicate under the lock and a while loop around the wait: the state "
                  "outlives the signal"},
    },
};
