/* SPDX-License-Identifier: MIT */
/* deadlock.self: a thread relocks a lock it already holds. */
#include "tl_scenario.h"

static tl_lock_t account_lock;
static long balance;

/* Buggy: deposit() takes the lock, and so does the helper it calls. The
 * helper's lock() waits for the lock to be free - but its holder is the very
 * thread that is waiting. */
static void add_interest_buggy(tl_ctx *ctx)
{
    if (ctx->mode == TL_MODE_POTENTIAL) {
        /* Ask without waiting: a failed trylock by the holder proves that
         * lock() here would wait for ever. */
        bool got = tl_lock_trylock(&account_lock);
        tl_oracle(ctx, "relock by the owner", got,
                  got ? "trylock succeeded: this lock kind is not exclusive"
                      : "the thread holding account_lock tried to take it again: trylock "
                        "failed, so lock() would block for ever");
        if (got)
            tl_lock_unlock(&account_lock);
        return;
    }
    tl_lock_lock(&account_lock); /* actual mode: waits for itself */
    balance += balance / 100;
    tl_lock_unlock(&account_lock);
}

static void deposit_buggy(tl_ctx *ctx, long amount)
{
    tl_lock_lock(&account_lock);
    balance += amount;
    add_interest_buggy(ctx);
    tl_lock_unlock(&account_lock);
}

/* Fixed: the convention of a "_locked" helper - it requires the caller to
 * hold the lock and never takes it itself; the public function takes it
 * exactly once. */
static void add_interest_locked(void)
{
    balance += balance / 100;
}

static void deposit_fixed(long amount)
{
    tl_lock_lock(&account_lock);
    balance += amount;
    add_interest_locked();
    tl_lock_unlock(&account_lock);
}

static void *buggy_worker(void *arg)
{
    deposit_buggy(arg, 100);
    return NULL;
}

static void *fixed_worker(void *arg)
{
    (void)arg;
    deposit_fixed(100);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*worker)(void *))
{
    tl_thread_t t;
    tl_ctx_lock_init(ctx, &account_lock, "account_lock");
    tl_thread_start(&t, "depositor", worker, ctx);
    tl_thread_join(&t);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_worker); }

static void fixed(tl_ctx *ctx)
{
    run(ctx, fixed_worker);
    tl_oracle(ctx, "balance", balance == 101, "expected 101, got %ld", balance);
}

TL_SCENARIO(deadlock_self) = {
    .name = "deadlock.self",
    .category = "deadlock",
    .summary = "a function holding a lock calls a helper that takes it again",
    .concept = "non-recursive locks; the _locked helper convention",
    .teaching =
        "A non-recursive lock does not know who holds it, only that it is held, so a "
        "thread that already holds it and asks again waits - for itself, for ever. It "
        "happens when a public function takes a lock and calls a helper that takes the "
        "same lock. It is the smallest deadlock: a cycle of one. The potential mode asks "
        "with trylock instead of lock(); the holder's own trylock fails, which proves that "
        "lock() would never return. The actual mode calls lock() and blocks. The fix is "
        "the _locked convention: helpers that expect the lock to be held never take it, "
        "and the public entry point takes it exactly once. A recursive lock would also "
        "'fix' it, but hides the design question of who owns the lock.",
    .coffman =
        "Mutual exclusion: account_lock has one holder. Hold and wait: the depositor holds "
        "it while waiting for it. No preemption: nothing takes it back and lock() has no "
        "timeout. Circular wait: a cycle of one - the depositor waits for the holder of "
        "account_lock, which is itself.",
    .detector_note = "TSan cannot see this by design: it reports nothing for a thread "
                     "relocking a lock it already holds (measured with clang 14 and gcc 12); "
                     "its 'double lock' report is for a lock taken while TSan believes "
                     "another thread owns it. The oracle (potential) and the live monitor "
                     "(actual: a self-cycle) show it.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .has_modes = true,
    /* Without the monitor (--no-monitor) a stuck run ends only at its
     * deadline: 4 s instead of the lab's 10. */
    .timeout_s = 4,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .expect_actual = "monitor:deadlock",
         .about = "deposit() holds account_lock and calls a helper that locks it again"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the helper is add_interest_locked(): it expects the lock held and does "
                  "not take it", .breaks = "circular wait (no request for a lock one holds)"},
    },
};
