/* SPDX-License-Identifier: MIT */
/* hang.missing_unlock: an early return leaves the lock held; the next caller waits for ever. */
#include "tl_scenario.h"

static tl_lock_t account_lock;
static long balance; /* guarded by account_lock */
static tl_turns_t turns = TL_TURNS_INIT;

/* Buggy: the error path returns from the middle of the critical section,
 * past the unlock at the bottom. */
static int withdraw_buggy(long amount)
{
    tl_lock_lock(&account_lock);
    if (amount > balance)
        return -1; /* insufficient funds - and account_lock still held */
    balance -= amount;
    tl_lock_unlock(&account_lock);
    return 0;
}

/* Fixed: one way out. Every path, the error one included, leaves through
 * the single unlock, so "locked here" and "unlocked there" pair up by the
 * shape of the code. */
static int withdraw_fixed(long amount)
{
    int rc = -1;
    tl_lock_lock(&account_lock);
    if (amount > balance)
        goto out;
    balance -= amount;
    rc = 0;
out:
    tl_lock_unlock(&account_lock);
    return rc;
}

typedef struct {
    int (*withdraw)(long);
    long amount;
    unsigned order; /* 0 goes first, 1 after it */
    int rc;
} customer;

static void *customer_main(void *arg)
{
    customer *c = arg;
    if (c->order == 1)
        tl_turn_wait(&turns, 1); /* forced: the refused withdrawal came first */
    c->rc = c->withdraw(c->amount);
    if (c->order == 0)
        tl_turn_pass(&turns);
    return NULL;
}

static void run(tl_ctx *ctx, int (*withdraw)(long))
{
    customer c[2] = {{withdraw, 500, 0, 0}, {withdraw, 30, 1, 0}};
    tl_thread_t t[2];
    tl_ctx_lock_init(ctx, &account_lock, "account_lock");
    balance = 100;
    tl_thread_start(&t[0], "overdrawer", customer_main, &c[0]);
    tl_thread_start(&t[1], "customer", customer_main, &c[1]);
    tl_thread_join(&t[0]);
    tl_thread_join(&t[1]);
    tl_lock_lock(&account_lock);
    tl_oracle(ctx, "withdrawals", c[0].rc == -1 && c[1].rc == 0 && balance == 70,
              "500 refused (%d), 30 paid (%d), balance %ld (expected -1, 0, 70)", c[0].rc,
              c[1].rc, balance);
    tl_lock_unlock(&account_lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, withdraw_buggy); }
static void fixed(tl_ctx *ctx) { run(ctx, withdraw_fixed); }

TL_SCENARIO(hang_missing_unlock) = {
    .name = "hang.missing_unlock",
    .category = "hang",
    .summary = "an early return leaves the lock held; the next caller waits for ever",
    .concept = "every path out of a critical section must unlock",
    .teaching =
        "A lock is released only by an explicit unlock, and C has no destructor to do it on the "
        "way out. withdraw() locks, and its error path - insufficient funds - returns before the "
        "unlock at the bottom. The overdrawer's refused withdrawal leaves account_lock held, its "
        "thread ends, and the next customer waits for a lock whose owner is gone: nothing can "
        "release it. No cycle, no second lock - a hang, which only shows on the error path, the "
        "one tests run least. The fix gives the function one way out: the error path jumps to "
        "the single unlock (goto out), so every return passes through it. Keeping the critical "
        "section small, checking what can be checked before locking, and wrapping lock, work "
        "and unlock in one helper make the pairing hard to break again.",
    .detector_note =
        "TSan reports nothing: it does not complain when a thread ends holding a lock, and it "
        "never reports a thread that blocks for ever. Helgrind and DRD report the thread that "
        "exited with the lock held (lock-held-at-exit). The live monitor sees the customer wait "
        "for account_lock, held by a thread that has exited.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .timeout_s = 4,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "lock-held-at-exit monitor:hang",
         .about = "the insufficient-funds path returns with account_lock held"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "one exit path: the error case jumps to the single unlock"},
    },
};
