/* SPDX-License-Identifier: MIT */
/* tls.escape: the address of a thread-local variable handed to another thread. */
#include "tl_scenario.h"

static _Thread_local long balance; /* each thread's own */
static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    long *target;    /* buggy: the owner's TLS variable */
    long bonus;      /* fixed: the helper's result, returned by value */
} request;

static void *helper(void *arg)
{
    request *r = arg;
    tl_turn_wait(&turns, 1);  /* forced: the owner has written its balance */
    *r->target += 10;         /* writes into another thread's TLS */
    tl_turn_pass(&turns);
    return NULL;
}

static void *fixed_helper(void *arg)
{
    request *r = arg;
    r->bonus = 10; /* works on its own data; the owner applies it */
    return NULL;
}

static void *owner(void *arg)
{
    tl_ctx *ctx = arg;
    tl_thread_t h;
    request r = {.target = &balance};
    bool buggy = ctx->variant->role == TL_ROLE_BUGGY;
    tl_thread_start(&h, "helper", buggy ? helper : fixed_helper, &r);
    balance = 100;
    if (buggy) {
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2);
    }
    long seen = balance; /* buggy: read while "private" data was changed from outside */
    tl_thread_join(&h);
    if (!buggy)
        balance += r.bonus;
    tl_oracle(ctx, "owner's thread-local balance untouched by others", seen == 100,
              "owner set 100 and then read %ld", seen);
    return NULL;
}

static void run(tl_ctx *ctx)
{
    tl_thread_t o;
    tl_thread_start(&o, "owner", owner, ctx);
    tl_thread_join(&o);
}

TL_SCENARIO(tls_escape) = {
    .name = "tls.escape",
    .category = "tls",
    .summary = "a pointer to a thread-local variable escapes to another thread",
    .concept = "thread-local storage is private only while its address stays home",
    .teaching =
        "_Thread_local gives each thread its own copy of a variable, and code tends to "
        "treat such variables as private: no locks. But a copy is still ordinary memory "
        "in the owning thread's TLS block, and its address can be passed around like any "
        "other. Here the owner hands &balance to a helper thread, which writes through it "
        "while the owner uses it: the 'private' variable is shared after all, with none of "
        "the synchronisation shared data needs. The buggy variant forces the helper's "
        "write between the owner's write and read. The fix keeps the TLS variable at home: "
        "the helper computes its part on its own data and returns it by value, and the "
        "owner applies it after joining.",
    .detector_note = "TSan reports the race and locates it in thread-local storage "
                     "('Location is TLS of thread T1').",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fix returns the result by value; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = run,
         .expect = "data-race oracle:violated",
         .about = "the helper writes through a pointer to the owner's TLS balance",
         .differs = {{.detector = "helgrind", .expect = "oracle:violated", .why = "Helgrind reports no race on a thread's _Thread_local variable written by another thread through a pointer when the owner is not the main thread (glibc puts a new thread's TLS block in its stack mapping); the same race on the main thread's TLS is reported. Measured here and with a 10-line program. Only the oracle shows the bug."},
                     {.detector = "drd", .expect = "oracle:violated", .why = "DRD reports no race on a thread's _Thread_local variable written by another thread through a pointer when the owner is not the main thread (glibc puts a new thread's TLS block in its stack mapping); the same race on the main thread's TLS is reported. Measured here and with a 10-line program. Only the oracle shows the bug."}}},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = run, .expect = "",
         .about = "the helper returns its result by value; only the owner touches balance"},
    },
};
