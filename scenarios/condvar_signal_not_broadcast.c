/* SPDX-License-Identifier: MIT */
/* condvar.signal_not_broadcast: a state change every waiter needs, announced with one signal. */
#include <stdio.h>
#include <unistd.h>
#include "tl_scenario.h"

enum { MAX_RUNNERS = 8 };

static tl_lock_t gate_lock;
static tl_cond_t gate_opened;
static bool gate_open; /* the predicate: guarded by gate_lock */
static tl_atomic_u32 runner_tid[MAX_RUNNERS]; /* for the forced order only */
static tl_atomic_u32 started;                 /* runners past the gate (the oracle's) */

static tl_turns_t turns = TL_TURNS_INIT;

/* Every runner waits correctly: a predicate under the lock, in a loop. */
static void *runner(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    tl_atomic_store_u32(&runner_tid[me], (uint32_t)gettid(), tl_relaxed);
    tl_lock_lock(&gate_lock);
    tl_turn_pass(&turns); /* lock held: once the starter has it, I am a registered waiter */
    while (!gate_open)
        tl_cond_wait(&gate_opened, &gate_lock);
    tl_lock_unlock(&gate_lock);
    tl_atomic_fetch_add_u32(&started, 1, tl_relaxed);
    return NULL;
}

/* Buggy: the gate opens for everybody, but the starter wakes one waiter.
 * Forced: every runner is asleep on the condition variable before the
 * starter signals (a runner merely on its way to sleep would see the
 * signal's bump and go through, as after a spurious wakeup). */
static void *buggy_starter(void *arg)
{
    unsigned runners = (unsigned)(uintptr_t)arg;
    tl_turn_wait(&turns, runners);
    for (unsigned i = 0; i < runners; i++)
        tl_wait_asleep_on((int)tl_atomic_load_u32(&runner_tid[i], tl_relaxed),
                          &gate_opened.seq);
    tl_lock_lock(&gate_lock);
    gate_open = true;
    tl_cond_signal(&gate_opened); /* wakes one; the rest sleep on an open gate */
    tl_lock_unlock(&gate_lock);
    return NULL;
}

/* Fixed: a change that every waiter must see is announced to all of them. */
static void *fixed_starter(void *arg)
{
    (void)arg;
    tl_lock_lock(&gate_lock);
    gate_open = true;
    tl_cond_broadcast(&gate_opened);
    tl_lock_unlock(&gate_lock);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*starter)(void *))
{
    unsigned runners = ctx->threads - 1;
    tl_thread_t r[MAX_RUNNERS], s;
    tl_ctx_lock_init(ctx, &gate_lock, "gate_lock");
    tl_cond_init(&gate_opened, "gate_opened");
    tl_oracle_words(runner_tid, sizeof runner_tid);
    tl_oracle_words(&started, sizeof started);
    gate_open = false;
    for (unsigned i = 0; i < runners; i++) {
        char name[24]; /* at most "runner-7" with MAX_RUNNERS 8 */
        snprintf(name, sizeof name, "runner-%u", i);
        tl_thread_start(&r[i], name, runner, (void *)(uintptr_t)i);
    }
    tl_thread_start(&s, "starter", starter, (void *)(uintptr_t)runners);
    tl_thread_join(&s);
    for (unsigned i = 0; i < runners; i++)
        tl_thread_join(&r[i]);
    tl_oracle_expect_u64(ctx, "runners past the gate", runners,
                         tl_atomic_load_u32(&started, tl_relaxed));
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_starter); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_starter); }

TL_SCENARIO(condvar_signal_not_broadcast) = {
    .name = "condvar.signal_not_broadcast",
    .category = "condvar",
    .summary = "a gate opens for every waiter, but the opener signals only one",
    .concept = "signal wakes one waiter, broadcast wakes all",
    .teaching =
        "signal wakes (at least) one thread waiting on the condition variable, broadcast wakes "
        "all of them. signal is right when any one waiter can use the change and it does not "
        "matter which - one job put in a queue. When the change concerns every waiter - a "
        "gate that opens, a shutdown flag, a barrier's last arrival, a state several threads "
        "wait for - it must be a broadcast. Here three runners wait, each correctly, in a "
        "`while (!gate_open)` loop under the lock; the buggy starter sets gate_open and "
        "signals once. One runner wakes and goes; the others sleep on an open gate, since "
        "nobody will ever signal again, and main, joining them, sleeps too: every thread "
        "blocked, no cycle of locks - a hang. The waiters' predicate loop cannot save them: a "
        "waiter that is not woken never looks. The fix broadcasts. (A signal per waiter would "
        "also do, but only if the signaller knows how many wait; broadcast needs no count.)",
    .detector_note =
        "TSan reports nothing: no data race, no lock misuse, and it never reports threads "
        "that block for ever. The live monitor sees two runners asleep in the kernel on "
        "gate_opened although it was signalled since they began waiting, and that the one "
        "sleeper the kernel woke for that signal has come back out: no wakeup is on its way "
        "to them, and main joins them - a hang, with nobody left to signal.",
    .threads = 4, .min_threads = 3, .max_threads = MAX_RUNNERS + 1,
    .iterations = 1, .max_iterations = 1,
    .timeout_s = 4,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:hang",
         .about = "one signal for a change every runner waits for; all of them asleep first"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "broadcast: every waiter wakes and sees the open gate"},
    },
};
