/* SPDX-License-Identifier: MIT */
/* coroutine.tls_migration: a coroutine keeps its state in thread-local
 * storage, yields, and is resumed on another thread. */
#include "tl_coro.h"
#include "tl_scenario.h"

enum { REQUEST = 7 };

/* Each worker thread's "current request", as a server keeps it in TLS so
 * that deep calls can find it without passing it down (errno works so). */
static _Thread_local volatile long current_request;

/* Through a call the compiler cannot see into: the address of a TLS
 * variable is the running thread's, read afresh at each call. Inlined, a
 * compiler may compute that address once per function and keep it across
 * the yield - the coroutine would then use the first thread's copy from the
 * second thread, a worse bug that depends on the optimiser. */
__attribute__((noinline)) static volatile long *request_slot(void)
{
    return &current_request;
}

typedef struct {
    tl_ctx *ctx;
    long request;      /* the fixed variant's state: in the coroutine's own context */
    long seen_after;   /* what the handler read after it was resumed */
} handler_ctx;

/* Buggy: the handler notes its request in TLS, waits for I/O (yields), and
 * reads it back to reply - on whatever thread resumed it. */
static void *handler_tls(void *arg)
{
    handler_ctx *h = arg;
    *request_slot() = REQUEST;
    tl_coro_yield(NULL); /* waiting for a reply; resumed later, elsewhere */
    h->seen_after = *request_slot();
    return NULL;
}

/* Fixed: the state travels with the coroutine (its argument; a local would
 * do as well, since the coroutine's stack moves with it). */
static void *handler_own(void *arg)
{
    handler_ctx *h = arg;
    h->request = REQUEST;
    tl_coro_yield(NULL);
    h->seen_after = h->request;
    return NULL;
}

typedef struct {
    tl_coro *co;
    long job; /* this worker's own current request */
    void *in;
} worker_arg;

/* A worker of a pool: it serves its own request, then resumes whatever
 * coroutine the scheduler hands it. */
static void *worker(void *arg)
{
    worker_arg *w = arg;
    *request_slot() = w->job;
    tl_coro_resume(w->co, w->in);
    return NULL;
}

/* The migration is forced by construction, not by timing: main (the
 * scheduler) hands the coroutine to worker-0, which runs it up to its yield,
 * then - after joining worker-0, which orders everything it did - to
 * worker-1, which resumes it. */
static void run(tl_ctx *ctx, tl_coro_fn fn)
{
    handler_ctx h = {ctx, 0, 0};
    tl_coro *co = tl_coro_create("handler", fn, 0);
    if (!co) {
        tl_note(ctx, "cannot create the coroutine (out of memory)");
        return;
    }
    static const char *const names[2] = {"worker-0", "worker-1"};
    for (int i = 0; i < 2; i++) {
        worker_arg w = {co, 100 * (i + 1), &h};
        tl_thread_t t;
        tl_thread_start(&t, names[i], worker, &w);
        tl_thread_join(&t);
    }
    tl_oracle(ctx, "request id after the yield", h.seen_after == REQUEST,
              "expected %d (the handler's request), got %ld (%s)", REQUEST, h.seen_after,
              h.seen_after == 200 ? "worker-1's own request: the TLS of the thread that resumed "
                                    "the coroutine"
                                  : "another value");
    tl_coro_destroy(co);
}

static void buggy(tl_ctx *ctx) { run(ctx, handler_tls); }
static void fixed(tl_ctx *ctx) { run(ctx, handler_own); }

TL_SCENARIO(coroutine_tls_migration) = {
    .name = "coroutine.tls_migration",
    .category = "coroutine",
    .summary = "a coroutine reads thread-local storage after being resumed on another thread",
    .concept = "TLS belongs to the thread, not to the coroutine",
    .teaching =
        "A coroutine's context switch saves and restores its registers and its stack - "
        "nothing else. Thread-local storage is the thread's: a _Thread_local variable has "
        "one copy per thread, and the copy you get is that of the thread running you now. "
        "Here a request handler, a coroutine, notes its request id (7) in a thread-local "
        "'current request', as servers do to reach it from deep calls, then yields to wait "
        "for I/O. A pool may resume a coroutine on any of its threads; this one is resumed "
        "by worker-1 (forced: the scheduler hands it over after worker-0 is done), whose "
        "own current request is 200 - and that is what the handler reads and would reply "
        "to. Nothing raced: every thread touched only its own TLS, so no detector can see "
        "it; the oracle can. errno, strtok's buffer and any library state kept per thread "
        "have the same trap. The fix keeps the state in the coroutine's own context - its "
        "argument or its locals, which live on its stack and move with it - so it reads 7 "
        "wherever it runs. (Where a coroutine must be pinned to one thread instead, the "
        "scheduler must never move it.)",
    .detector_note = "No detector can see it: each thread reads and writes only its own "
                     "copy of the TLS variable, and the hand-over of the coroutine from "
                     "worker-0 to worker-1 is ordered by the join, so there is no data race "
                     "(TSan follows the coroutine as a fiber). The oracle shows the wrong "
                     "value on every run, under every detector.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its variants take no lock (per-thread vs per-coroutine state)",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "the handler keeps its request id in TLS across a yield; worker-1 resumes "
                  "it and it reads worker-1's value"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the request id lives in the coroutine's own context, which moves with it"},
    },
};
