/* SPDX-License-Identifier: MIT */
/* coroutine.yield_holding_lock: a coroutine yields while holding a lock; the
 * next coroutine on the same thread asks for it. */
#include "tl_coro.h"
#include "tl_scenario.h"

static tl_lock_t lock;
static unsigned long sections; /* critical sections done; one thread runs them all */

typedef struct {
    tl_ctx *ctx;
    tl_coro_sched *sched;
} run_args;

/* Buggy, first in the run queue: takes the lock and yields with it held
 * (think: an RPC started inside the critical section, awaited by yielding).
 * The one-thread round robin runs `second` next: forced by construction,
 * no handshake needed - between two yields nothing else runs. */
static void *first_holds(void *arg)
{
    (void)arg;
    tl_lock_lock(&lock);
    sections++;
    tl_coro_yield(NULL); /* suspended, holding the lock */
    tl_lock_unlock(&lock);
    return NULL;
}

static void *second_asks(void *arg)
{
    tl_ctx *ctx = arg;
    if (ctx->mode == TL_MODE_ACTUAL) {
        /* Blocks the thread: `first`, the only one that can unlock, can
         * only run on this thread, which now waits for ever. */
        tl_lock_lock(&lock);
        sections++;
        tl_lock_unlock(&lock);
        return NULL;
    }
    /* Potential mode: ask without blocking. The lock is taken, and its
     * holder is suspended on this very thread: a lock() here could never
     * return. Record that, then let `first` finish. */
    bool free_now = tl_lock_trylock(&lock);
    tl_oracle(ctx, "lock free when the second coroutine asks", free_now,
              "trylock failed: 'first' holds the lock, suspended at its yield on this thread, "
              "which only this thread can resume - lock() here would wait for ever");
    if (!free_now) {
        tl_coro_yield(NULL);
        tl_lock_lock(&lock); /* `first` has released it by now */
    }
    sections++;
    tl_lock_unlock(&lock);
    return NULL;
}

/* Fix 1: release before yielding. A suspended coroutine holds no lock, so
 * no one can ever wait for a coroutine that is waiting for the thread. */
static void *release_then_yield(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&lock);
        sections++;
        tl_lock_unlock(&lock);
        tl_coro_yield(NULL);
    }
    return NULL;
}

/* Fix 2: a coroutine-aware lock. Whoever cannot get the lock yields instead
 * of blocking, so the thread goes back to the scheduler and the holder gets
 * its turn to finish and unlock. Holding the lock across a yield is then
 * allowed (the critical section below does). */
static void coro_lock(tl_lock_t *l)
{
    while (!tl_lock_trylock(l))
        tl_coro_yield(NULL);
}

static void *yielding_waiter(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        coro_lock(&lock);
        sections++;
        tl_coro_yield(NULL); /* suspended holding it: the other one yields, not blocks */
        tl_lock_unlock(&lock);
        tl_coro_yield(NULL); /* its turn: round robin, not a race to relock */
    }
    return NULL;
}

static void *one_thread(void *arg)
{
    run_args *r = arg;
    tl_coro_sched_run(r->sched, 1);
    return NULL;
}

/* Two coroutines on one named thread; main waits for it. */
static void run(tl_ctx *ctx, tl_coro_fn first, tl_coro_fn second, unsigned long expected)
{
    tl_ctx_lock_init(ctx, &lock, "lock");
    tl_coro_sched *sched = tl_coro_sched_new(2);
    tl_coro *a = tl_coro_create("first", first, 0), *b = tl_coro_create("second", second, 0);
    if (!sched || !a || !b) {
        tl_note(ctx, "cannot create coroutines (out of memory)");
        return;
    }
    tl_coro_sched_add(sched, a, ctx);
    tl_coro_sched_add(sched, b, ctx);
    run_args r = {ctx, sched};
    tl_thread_t t;
    tl_thread_start(&t, "coro-thread", one_thread, &r);
    tl_thread_join(&t);
    tl_oracle_expect_u64(ctx, "critical sections", expected, sections);
    tl_coro_destroy(a);
    tl_coro_destroy(b);
    tl_coro_sched_free(sched);
    tl_lock_destroy(&lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, first_holds, second_asks, 2); }
static void fixed(tl_ctx *ctx)
{
    run(ctx, release_then_yield, release_then_yield, 2 * ctx->iterations);
}
static void fixed_yielding_lock(tl_ctx *ctx)
{
    run(ctx, yielding_waiter, yielding_waiter, 2 * ctx->iterations);
}

TL_SCENARIO(coroutine_yield_holding_lock) = {
    .name = "coroutine.yield_holding_lock",
    .category = "coroutine",
    .summary = "a coroutine yields holding a lock; the next coroutine on its thread asks for it",
    .concept = "a deadlock inside one thread: coroutines are scheduled by their thread",
    .teaching =
        "A coroutine stops only where it yields, and its thread runs one coroutine at a "
        "time: the OS schedules the thread, the thread schedules its coroutines. Here "
        "coroutine 'first' takes a lock and yields with it held (as a handler does when it "
        "starts an RPC inside a critical section and waits for the reply by yielding). The "
        "round-robin scheduler runs 'second' on the same thread, and 'second' asks for the "
        "lock. An ordinary lock() blocks the whole thread - and the only code that can "
        "unlock is 'first', which can only run on that thread once 'second' yields. So one "
        "thread deadlocks with itself, though no thread ever locked twice: 'second' waits "
        "for the lock, the lock's holder 'first' waits for the thread, and the thread is "
        "stuck in 'second'. The potential mode asks with trylock and records that the "
        "lock's holder is suspended on this very thread; the actual mode blocks, and the "
        "live monitor, which gives each coroutine a slot of its own, names the cycle "
        "second -> lock -> first -> coro-thread -> second. Fix 1 releases the lock before "
        "yielding, which breaks hold and wait: a suspended coroutine holds no lock. Fix 2 "
        "uses a coroutine-aware lock that yields instead of blocking when the lock is "
        "taken, which breaks no preemption: the thread, the resource the waiter holds, is "
        "taken back from it at the failed request, and the holder runs and unlocks.",
    .coffman =
        "Mutual exclusion: the lock has one holder, and the thread runs one coroutine at a "
        "time. Hold and wait: 'first' holds the lock while it waits (suspended) for the "
        "thread; 'second' holds the thread (it is running on it) while it waits for the "
        "lock. No preemption: lock() cannot be cancelled, and coroutines are cooperative - "
        "nothing takes the thread back from 'second' (no timer interrupt in user space). "
        "Circular wait: second -> lock -> first -> coro-thread -> second.",
    .detector_note = "TSan has nothing to report: a coroutine-switching program is one "
                     "thread with fibers, no access races and one lock is never taken in "
                     "two orders; in the actual mode a blocked thread is not a report. The "
                     "oracle (potential: trylock finds the lock held by a suspended "
                     "coroutine of the same thread) and the live monitor (actual: the cycle "
                     "through the suspended coroutine and its thread) show it, under every "
                     "detector, Helgrind and DRD included.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1000, .max_iterations = 100000, /* TSan: ~10 us a switch, 2 a round */
    .takes_lock = true,
    .has_modes = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .expect_actual = "monitor:deadlock",
         .about = "'first' takes the lock and yields with it held; 'second', next on the same "
                  "thread, asks for it (potential: trylock; actual: lock)"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "each coroutine unlocks before it yields",
         .breaks = "hold and wait (a suspended coroutine holds no lock)"},
        {.name = "fixed-yielding-lock", .role = TL_ROLE_FIXED, .entry = fixed_yielding_lock,
         .expect = "",
         .about = "a coroutine-aware lock: a coroutine that cannot get the lock yields "
                  "instead of blocking the thread, even while another holds it across a "
                  "yield",
         .breaks = "no preemption (a waiter gives its thread back at the failed request)"},
    },
};
