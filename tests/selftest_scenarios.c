/* SPDX-License-Identifier: MIT */
/* Scenarios that exist to prove the checker can fail (libuv's fail_always):
 * a wrong expectation, a hang, a crash. They are in category "selftest",
 * which --all and `threadlab list` leave out; tests/check_cli.c runs them. */
#include <signal.h>
#include <stdlib.h>
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
    .variants = {
        {.name = "wrong", .role = TL_ROLE_BUGGY, .entry = clean, .expect = "tsan:data-race",
         .about = "clean, but expects a data race: the verdict must be 'not met'"},
        {.name = "hang", .role = TL_ROLE_BUGGY, .entry = block_forever, .expect = "hang",
         .about = "never finishes: the runner's deadline must end it"},
        {.name = "crash", .role = TL_ROLE_BUGGY, .entry = crash, .expect = "signal:SIGABRT",
         .about = "aborts: the verdict must name the signal"},
        {.name = "clean", .role = TL_ROLE_FIXED, .entry = clean, .expect = "",
         .about = "clean and expected clean: 'met'"},
    },
};
