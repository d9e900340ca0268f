/* SPDX-License-Identifier: MIT */
/* coroutine.one_thread_vs_pool: coroutines share a counter without a lock;
 * safe on one thread, a race once a pool runs them on several. */
#include "tl_coro.h"
#include "tl_scenario.h"

enum { COROUTINES = 2 };

static unsigned long counter; /* shared by every coroutine, no atomics */
static tl_lock_t lock;
static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    tl_ctx *ctx;
    unsigned id;
    bool locked; /* take `lock` around the update */
    bool force;  /* pool, buggy: force the two updates of round 0 to overlap */
} bumper;

/* Round 0 of the buggy pool variant only: coroutine 0 reads, coroutine 1
 * (on the other worker) does its whole update, then coroutine 0 writes back
 * its stale value - a lost update on every run. The handshake is invisible
 * to TSan (tl_turn_*), so the two updates stay unordered in its eyes. It is
 * never armed on one thread: there the other coroutine cannot run between a
 * read and a write with no yield between them, so the wait could never end
 * - which is exactly the point of the scenario. */
static void before_read(bumper *b, unsigned long round)
{
    if (b->force && round == 0 && b->id == 1)
        tl_turn_wait(&turns, 1);
}

static void after_read(bumper *b, unsigned long round)
{
    if (b->force && round == 0 && b->id == 0) {
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2);
    }
}

static void after_write(bumper *b, unsigned long round)
{
    if (b->force && round == 0 && b->id == 1)
        tl_turn_pass(&turns);
}

/* The same code in every variant: read, compute, write, then yield. */
static void *bump(void *arg)
{
    bumper *b = arg;
    for (unsigned long i = 0; i < b->ctx->iterations; i++) {
        if (b->locked)
            tl_lock_lock(&lock);
        before_read(b, i);
        unsigned long seen = counter;
        after_read(b, i);
        counter = seen + 1; /* no yield between the read and this write */
        after_write(b, i);
        if (b->locked)
            tl_lock_unlock(&lock);
        tl_coro_yield(NULL);
    }
    return NULL;
}

static void run(tl_ctx *ctx, unsigned threads, bool locked, bool force)
{
    if (locked)
        tl_ctx_lock_init(ctx, &lock, "counter_lock");
    tl_coro_sched *sched = tl_coro_sched_new(COROUTINES);
    tl_coro *co[COROUTINES];
    bumper b[COROUTINES];
    for (unsigned i = 0; i < COROUTINES; i++) {
        b[i] = (bumper){ctx, i, locked, force};
        co[i] = tl_coro_create(i == 0 ? "bump-0" : "bump-1", bump, 0);
        if (!sched || !co[i]) {
            tl_note(ctx, "cannot create coroutines (out of memory)");
            return;
        }
        tl_coro_sched_add(sched, co[i], &b[i]);
    }
    /* The calling thread (one thread) or that many workers (a pool). */
    tl_coro_sched_run(sched, threads);
    tl_oracle_expect_u64(ctx, "counter", (unsigned long)COROUTINES * ctx->iterations, counter);
    for (unsigned i = 0; i < COROUTINES; i++)
        tl_coro_destroy(co[i]);
    tl_coro_sched_free(sched);
    if (locked)
        tl_lock_destroy(&lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, ctx->threads, false, true); }
static void fixed_one_thread(tl_ctx *ctx) { run(ctx, 1, false, false); }
static void fixed_lock(tl_ctx *ctx) { run(ctx, ctx->threads, true, false); }

TL_SCENARIO(coroutine_one_thread_vs_pool) = {
    .name = "coroutine.one_thread_vs_pool",
    .category = "coroutine",
    .summary = "coroutines share a counter without a lock: safe on one thread, a race on a pool",
    .concept = "cooperative scheduling: a switch happens only at a yield",
    .teaching =
        "Two coroutines each add 1 to a shared counter, as read, compute, write, then "
        "yield. On one thread this needs no lock and is correct under any schedule: a "
        "coroutine gives up the CPU only where it yields, and there is no yield between "
        "the read and the write, so no other coroutine can run in between - user space "
        "has no timer interrupt to preempt it. The critical section is everything between "
        "two yields. Schedule the very same coroutines on a pool of threads (--threads "
        "workers sharing one run queue) and they run at the same time on different "
        "cores: the read-modify-write is no longer indivisible and updates are lost, as "
        "with threads (forced once in the buggy variant: one coroutine reads, the other "
        "updates, the first writes back its stale value). Code written for one thread "
        "silently relied on that. The fixes: keep the coroutines on one thread, or, once "
        "they may run in parallel, protect the shared data as threads must - here a lock "
        "around the update (no yield inside it, so the lock is never held across a "
        "switch; see coroutine.yield_holding_lock).",
    .detector_note = "TSan follows each coroutine as a fiber: a switch on one thread orders "
                     "what came before it, so the one-thread variant is clean; on the pool "
                     "the two coroutines' accesses run on two threads with nothing ordering "
                     "them, and TSan reports the data race. The oracle sees the lost update "
                     "under every detector.",
    .threads = 2, .min_threads = 2, .max_threads = 8,
    .iterations = 1000, .max_iterations = 100000, /* TSan: ~10 us a switch, 2 a round */
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "across threads: the coroutines run on --threads workers sharing the run "
                  "queue, and update the counter with no lock"},
        {.name = "fixed-one-thread", .role = TL_ROLE_FIXED, .entry = fixed_one_thread,
         .expect = "",
         .about = "one thread runs both coroutines: no yield between read and write, so the "
                  "update is never interleaved"},
        {.name = "fixed-lock", .role = TL_ROLE_FIXED, .entry = fixed_lock, .expect = "",
         .about = "across threads, with the lock (--lock) around the update; it is released "
                  "before every yield"},
    },
};
