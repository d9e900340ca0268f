/* SPDX-License-Identifier: MIT */
/* callback.blocking: a blocking callback holds up the thread that must stay
 * responsive; the non-blocking version hands the slow work to a worker. */
#include <time.h>
#include "tl_scenario.h"

/* How long the slow step (a disk or network wait) takes. */
#define SLOW_STEP_MS 20

static tl_turns_t turns = TL_TURNS_INIT;
/* Set (release) when the slow step is done; the order of the two events,
 * not their timing, is what the oracle judges. */
static tl_atomic_u32 work_done;
static tl_atomic_u32 work_done_before_return;
static long result;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The slow step: it waits, as a read from a disk does. */
static void slow_step(void)
{
    struct timespec pause = {0, SLOW_STEP_MS * 1000000L};
    nanosleep(&pause, NULL);
    result = 42;
    tl_atomic_store_u32(&work_done, 1, tl_release);
}

/* Buggy: a synchronous, blocking API: it runs the callback on the caller's
 * thread and returns when it is done. */
static void fetch_blocking(void (*on_data)(void))
{
    on_data();
}

/* Fixed: a non-blocking API: it hands the callback to a worker and returns
 * at once. The forced step makes the proof independent of timing: the
 * worker starts the slow step only after the caller has got control back. */
static void *worker_main(void *p)
{
    void (*on_data)(void) = (void (*)(void))(uintptr_t)p;
    tl_turn_wait(&turns, 1);
    on_data();
    return NULL;
}

static tl_thread_t worker;

static void fetch_non_blocking(void (*on_data)(void))
{
    tl_thread_start(&worker, "worker", worker_main, (void *)(uintptr_t)on_data);
}

static void run(tl_ctx *ctx, bool blocking)
{
    tl_oracle_words(&work_done, sizeof work_done);
    tl_oracle_words(&work_done_before_return, sizeof work_done_before_return);
    double t0 = now_ms();
    if (blocking)
        fetch_blocking(slow_step);
    else
        fetch_non_blocking(slow_step);
    double held_ms = now_ms() - t0;
    /* The caller has control again: was the slow step already done? */
    tl_atomic_store_u32(&work_done_before_return, tl_atomic_load_u32(&work_done, tl_acquire),
                        tl_relaxed);
    if (!blocking) {
        tl_turn_pass(&turns); /* now the worker may do the slow step */
        tl_thread_join(&worker);
    }
    bool held = tl_atomic_load_u32(&work_done_before_return, tl_relaxed) != 0;
    tl_note(ctx, "the caller's thread was held up %.3f ms by the fetch (slow step: %d ms)",
            held_ms, SLOW_STEP_MS);
    tl_oracle(ctx, "the caller's thread is not held up by the callback", !held,
              held ? "fetch() returned only after the callback's slow step had finished: the "
                     "caller's thread waited for it"
                   : "fetch() returned before the slow step ran");
    tl_oracle(ctx, "the data arrived", result == 42, "expected 42, got %ld", result);
}

static void buggy(tl_ctx *ctx) { run(ctx, true); }
static void fixed(tl_ctx *ctx) { run(ctx, false); }

TL_SCENARIO(callback_blocking) = {
    .name = "callback.blocking",
    .category = "callback",
    .summary = "a blocking callback holds up the thread that called it",
    .concept = "blocking vs non-blocking: does the caller's thread wait for the work?",
    .teaching =
        "Blocking and non-blocking describe the caller's thread: does it wait while the "
        "work is done? Synchronous and asynchronous describe the completion: is the work "
        "finished when the call returns? A synchronous API that runs a slow callback (a "
        "disk or network wait) on the caller's thread blocks that thread for the whole "
        "wait - harmless in a batch job, fatal on a thread that must stay responsive, such "
        "as an event loop serving other connections or a UI thread. The buggy variant "
        "calls fetch(), whose callback sleeps 20 ms as a slow read would, and finds "
        "the work already done when fetch returns: the caller waited. The fix is a "
        "non-blocking API: fetch hands the callback to a worker thread and returns at "
        "once; the result arrives later, and the caller joins (or is called back) when it "
        "needs it. The oracle judges the order of the two events, not their timing; the "
        "time the caller was held up is measured and noted.",
    .detector_note = "No detector sees this: nothing is unsynchronised. It is a design bug "
                     "in who waits; the oracle shows it, with the measured time in the notes.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "it takes no lock: the fix hands the work to a worker thread",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "fetch() runs the slow callback on the caller's thread"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "fetch() hands the callback to a worker and returns at once"},
    },
};
