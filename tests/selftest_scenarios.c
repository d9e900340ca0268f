/* SPDX-License-Identifier: MIT */
/* Scenarios that exist to prove the checker can fail (libuv's fail_always):
 * a wrong expectation, a hang, a crash. They are in category "selftest",
 * which --all and `threadlab list` leave out; tests/check_cli.c runs them. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

static unsigned long value;

/* Clean work: one thread, no sharing. */
static void clean(tl_ctx *ctx)
{
    for (unsigned long i = 0; i < ctx->iterations; i++)
        value += i;
    tl_oracle_expect_u64(ctx, "sum", ctx->iterations * (ctx->iterations - 1) / 2, value);
}

/* Blocks forever: waits for a turn nobody passes. */
static void block_forever(tl_ctx *ctx)
{
    (void)ctx;
    static tl_turns_t never = TL_TURNS_INIT;
    tl_turn_wait(&never, 1);
}

static void crash(tl_ctx *ctx)
{
    (void)ctx;
    abort(); /* SIGABRT: TSan leaves it alone (handle_abort=0) in both runtimes */
}

TL_SCENARIO(selftest_checker) = {
    .name = "selftest.checker",
    .category = "selftest",
    .summary = "variants whose outcome the checker must judge correctly",
    .concept = "the harness itself",
    .teaching = "Each variant gives the harness a known outcome: clean work wrongly expected "
                "to race (must be 'not met'), a hang (must be seen as 'hang (deadline)'), and "
                "a crash (must be seen as its signal).",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1000, .max_iterations = 1000000,
    .own_locking = "a self-test of the checker; it takes no lock",
    .variants = {
        {.name = "wrong", .role = TL_ROLE_BUGGY, .entry = clean, .expect = "data-race",
         .about = "clean, but expects a data race: the verdict must be 'not met'"},
        {.name = "hang", .role = TL_ROLE_BUGGY, .entry = block_forever, .expect = "hang",
         .about = "never finishes: the runner's deadline must end it"},
        {.name = "crash", .role = TL_ROLE_BUGGY, .entry = crash, .expect = "signal:SIGABRT",
         .about = "aborts: the verdict must name the signal"},
        {.name = "clean", .role = TL_ROLE_FIXED, .entry = clean, .expect = "",
         .about = "clean and expected clean: 'met'"},
    },
};

/* --- the live monitor's verdicts, each forced ------------------------------ */
static tl_lock_t lock_a, lock_b;
static tl_turns_t abba_turns = TL_TURNS_INIT;

static void *take_a_then_b(void *arg)
{
    (void)arg;
    tl_lock_lock(&lock_a);
    tl_turn_pass(&abba_turns);
    tl_turn_wait(&abba_turns, 2); /* the other thread holds b now */
    tl_lock_lock(&lock_b);        /* blocks for ever */
    return NULL;
}

static void *take_b_then_a(void *arg)
{
    (void)arg;
    tl_turn_wait(&abba_turns, 1);
    tl_lock_lock(&lock_b);
    tl_turn_pass(&abba_turns);
    tl_lock_lock(&lock_a);        /* blocks for ever */
    return NULL;
}

static void monitor_deadlock(tl_ctx *ctx)
{
    tl_thread_t a, b;
    tl_ctx_lock_init(ctx, &lock_a, "lock_a");
    tl_ctx_lock_init(ctx, &lock_b, "lock_b");
    tl_thread_start(&a, "a-then-b", take_a_then_b, NULL);
    tl_thread_start(&b, "b-then-a", take_b_then_a, NULL);
    tl_thread_join(&a);
    tl_thread_join(&b);
}

static tl_cond_t never_signalled;
static tl_lock_t cond_lock;

static void monitor_hang(tl_ctx *ctx)
{
    tl_ctx_lock_init(ctx, &cond_lock, "cond_lock");
    tl_cond_init(&never_signalled, "never_signalled");
    tl_lock_lock(&cond_lock);
    tl_cond_wait(&never_signalled, &cond_lock); /* no one will signal */
    tl_lock_unlock(&cond_lock);
}

static void monitor_livelock(tl_ctx *ctx)
{
    tl_lock_t held;
    tl_ctx_lock_init(ctx, &held, "held");
    tl_lock_lock(&held);
    /* Retries that never succeed, and no progress: the monitor's livelock. */
    for (;;)
        if (tl_lock_trylock(&held))
            tl_progress(ctx);
}

TL_SCENARIO(selftest_monitor) = {
    .name = "selftest.monitor",
    .category = "selftest",
    .summary = "forced deadlock, hang and livelock for the live monitor",
    .concept = "the harness itself",
    .teaching = "Each variant is stuck in a known way, so the monitor's verdict can be checked: "
                "a two-lock cycle (deadlock), a wait on a condition nobody signals (hang), "
                "and a trylock that fails for ever without progress (livelock).",
    .threads = 2, .min_threads = 1, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .judge_progress = true,
    .variants = {
        {.name = "deadlock", .role = TL_ROLE_BUGGY, .entry = monitor_deadlock,
         .expect = "monitor:deadlock", .about = "a forced ABBA cycle"},
        {.name = "hang", .role = TL_ROLE_BUGGY, .entry = monitor_hang,
         .expect = "monitor:hang", .about = "waits on a condition nobody signals"},
        {.name = "livelock", .role = TL_ROLE_BUGGY, .entry = monitor_livelock,
         .expect = "monitor:livelock", .about = "retries for ever without progress"},
        {.name = "clean", .role = TL_ROLE_FIXED, .entry = clean, .expect = "",
         .about = "finishes"},
    },
};

/* --- bounded capture ------------------------------------------------------- */
/* Writes 4 MiB to stdout and to stderr: the runner must keep 1 MiB of each,
 * say it cut them, and not grow its memory. */
static void flood(tl_ctx *ctx)
{
    static char line[4096];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 2] = '\n';
    for (int i = 0; i < 1024; i++) {
        fputs(line, stdout);
        fputs(line, stderr);
    }
    fflush(stdout);
    tl_oracle(ctx, "flood written", true, "4 MiB to each of stdout and stderr");
}

TL_SCENARIO(selftest_flood) = {
    .name = "selftest.flood",
    .category = "selftest",
    .summary = "floods stdout and stderr",
    .concept = "the harness itself",
    .teaching = "A run that prints without end must not exhaust the harness's memory or disk: "
                "each stream is kept up to its documented size and marked truncated.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "a self-test of the checker; it takes no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = flood, .expect = "",
         .about = "4 MiB on each stream"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = flood, .expect = "",
         .about = "the same (both variants only exercise the capture)"},
    },
};
