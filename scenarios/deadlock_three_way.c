/* SPDX-License-Identifier: MIT */
/* deadlock.three_way: three threads, three locks, each holding one and
 * wanting the next: a cycle no pair of threads shows on its own. */
#include <stdio.h>
#include "tl_scenario.h"

enum { PARTIES = 3 };
static tl_lock_t account[PARTIES];
static const char *const account_name[PARTIES] = {"account_0", "account_1", "account_2"};
static tl_turns_t turns = TL_TURNS_INIT;
static tl_lockstep_t all_hold_one;
static unsigned long transfers; /* done under both locks of a transfer */

typedef struct {
    tl_ctx *ctx;
    unsigned me; /* transfers from account me to account me+1 (mod 3) */
} teller;

static void transfer(unsigned first, unsigned second)
{
    tl_lock_lock(&account[first]);
    tl_lock_lock(&account[second]);
    transfers++;
    tl_lock_unlock(&account[second]);
    tl_lock_unlock(&account[first]);
}

/* Buggy: each teller locks its source account, then its destination. Any
 * two tellers alone take their locks in a consistent order (0 -> 1 and
 * 1 -> 2 share no reversed pair); only all three close the ring
 * 0 -> 1 -> 2 -> 0. Potential mode: one teller after the other (forced),
 * so nothing hangs but TSan's lock-order graph holds the ring. Actual mode:
 * everyone holds the source first (a lockstep round), then asks for the
 * destination, which the next teller holds. */
static void *ring_teller(void *arg)
{
    teller *t = arg;
    unsigned source = t->me, destination = (t->me + 1) % PARTIES;
    if (t->ctx->mode == TL_MODE_POTENTIAL) {
        tl_turn_wait(&turns, t->me);
        transfer(source, destination);
        tl_turn_pass(&turns);
        return NULL;
    }
    tl_lock_lock(&account[source]);
    tl_lockstep_wait(&all_hold_one);         /* every source account is held */
    tl_lock_lock(&account[destination]);     /* waits for ever */
    transfers++;
    tl_lock_unlock(&account[destination]);
    tl_lock_unlock(&account[source]);
    return NULL;
}

/* Fixed: locks are taken in one global order, lower account number first,
 * whichever way the money goes. Teller 2 (2 -> 0) now takes 0 before 2, so
 * a thread holding the highest lock it needs never waits for a lower one,
 * and no chain of waits can come back to where it started. */
static void *ordered_teller(void *arg)
{
    teller *t = arg;
    unsigned a = t->me, b = (t->me + 1) % PARTIES;
    for (unsigned long i = 0; i < t->ctx->iterations; i++)
        transfer(a < b ? a : b, a < b ? b : a);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*who)(void *), unsigned long each)
{
    tl_thread_t t[PARTIES];
    teller tel[PARTIES];
    char name[16];
    tl_lockstep_init(&all_hold_one, PARTIES);
    for (unsigned i = 0; i < PARTIES; i++)
        tl_ctx_lock_init(ctx, &account[i], account_name[i]);
    for (unsigned i = 0; i < PARTIES; i++) {
        tel[i] = (teller){ctx, i};
        snprintf(name, sizeof name, "teller-%u", i);
        tl_thread_start(&t[i], name, who, &tel[i]);
    }
    for (unsigned i = 0; i < PARTIES; i++)
        tl_thread_join(&t[i]);
    tl_oracle_expect_u64(ctx, "transfers", PARTIES * each, transfers);
}

static void buggy(tl_ctx *ctx) { run(ctx, ring_teller, 1); }
static void fixed(tl_ctx *ctx) { run(ctx, ordered_teller, ctx->iterations); }

TL_SCENARIO(deadlock_three_way) = {
    .name = "deadlock.three_way",
    .category = "deadlock",
    .summary = "three tellers each lock their source account, then the next one's",
    .concept = "circular wait through three threads; a global lock order",
    .teaching =
        "Three tellers move money around a ring of accounts: teller 0 from account 0 to 1, "
        "teller 1 from 1 to 2, teller 2 from 2 to 0, each locking the source account and "
        "then the destination. No two tellers take any pair of locks in opposite orders, "
        "so a review that looks at threads two at a time finds nothing - yet when all "
        "three hold their source at once, each waits for the lock the next one holds and "
        "the wait-for graph is a ring of three. The potential mode runs the tellers one "
        "after the other: nothing hangs, but the lock-order graph now has the cycle "
        "0 -> 1 -> 2 -> 0, which TSan reports. The actual mode forces everyone to hold "
        "the source first, and the monitor shows the three-thread cycle. The fix gives the "
        "locks one global order (lower account number first, whatever the direction of "
        "the transfer): teller 2 then takes account 0 before account 2, and a ring of "
        "waits can never close, which breaks circular wait.",
    .coffman =
        "Mutual exclusion: each account lock has one holder. Hold and wait: each teller "
        "holds its source account while waiting for the destination. No preemption: no "
        "one takes an account lock away, and lock() has no timeout. Circular wait: teller "
        "0 waits for account 1 (teller 1), teller 1 for account 2 (teller 2), teller 2 "
        "for account 0 (teller 0).",
    .detector_note = "TSan reports lock-order-inversion in the potential mode: its graph "
                     "finds cycles of any length, here through three mutexes. In the actual "
                     "mode it is silent (a deadlock that happens is no report) and the live "
                     "monitor names the three-thread cycle. Helgrind reports the cycle too; "
                     "DRD keeps no lock-order graph.",
    .threads = PARTIES, .min_threads = PARTIES, .max_threads = PARTIES,
    .iterations = 1000, .max_iterations = 10000000,
    .takes_lock = true,
    .has_modes = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "lock-order-inversion", .expect_actual = "monitor:deadlock",
         .about = "source account, then destination, around a ring of three"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "lower-numbered account first, whatever the direction: one global order",
         .breaks = "circular wait"},
    },
};
