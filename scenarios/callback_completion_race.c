/* SPDX-License-Identifier: MIT */
/* callback.completion_race: a completion callback, delivered on another
 * thread, and the caller both update the caller's request unsynchronised. */
#include <stdlib.h>
#include "tl_scenario.h"

enum { PENDING, DONE_OK, TIMED_OUT };

/* Caller-owned state: the caller allocates the request and frees it after
 * joining the I/O thread, so lifetime is not the problem here -
 * unsynchronised sharing is. (On the heap rather than in the caller's frame:
 * clang's TSan leaves some accesses to locals uninstrumented, measured with
 * clang 14, and the race must show under every compiler.) */
typedef struct {
    int state;    /* PENDING, then DONE_OK or TIMED_OUT: exactly one of them */
    int status;   /* 200 when the reply came */
    int finishes; /* how many parties thought they finished the request */
} request;

static tl_lock_t request_lock;
static tl_turns_t turns = TL_TURNS_INIT;

/* Buggy completion: runs on the I/O thread and writes the caller's request
 * as if it owned it. */
static void on_reply_buggy(request *req)
{
    if (req->state == PENDING) {
        req->status = 200;
        req->state = DONE_OK;
        req->finishes++;
    }
}

/* Buggy timeout, on the caller's thread: check, then act, on the same state.
 * The forced interleaving puts the whole completion between the two. */
static void on_timeout_buggy(request *req)
{
    if (req->state == PENDING) {
        tl_turn_pass(&turns);    /* step 1: the caller has seen PENDING */
        tl_turn_wait(&turns, 2); /* the reply is delivered meanwhile */
        req->state = TIMED_OUT;
        req->finishes++;
    }
}

/* Fixed: both parties decide under the request's lock, so exactly one of
 * them moves it out of PENDING and the other sees that it lost. */
static void on_reply_fixed(request *req)
{
    tl_lock_lock(&request_lock);
    if (req->state == PENDING) {
        req->status = 200;
        req->state = DONE_OK;
        req->finishes++;
    }
    tl_lock_unlock(&request_lock);
}

static void on_timeout_fixed(request *req)
{
    tl_lock_lock(&request_lock);
    bool pending = req->state == PENDING;
    tl_lock_unlock(&request_lock);
    if (!pending)
        return;
    tl_turn_pass(&turns);    /* the same window as the buggy variant ... */
    tl_turn_wait(&turns, 2);
    tl_lock_lock(&request_lock);
    if (req->state == PENDING) { /* ... but the decision is taken again, under the lock */
        req->state = TIMED_OUT;
        req->finishes++;
    }
    tl_lock_unlock(&request_lock);
}

typedef struct {
    request *req;
    void (*on_reply)(request *req);
} io_arg;

/* The I/O thread: the reply arrives and the completion callback runs here. */
static void *io_thread(void *p)
{
    io_arg *a = p;
    tl_turn_wait(&turns, 1); /* forced: the reply comes just as the caller times out */
    a->on_reply(a->req);
    tl_turn_pass(&turns);
    return NULL;
}

static void run(tl_ctx *ctx, void (*on_reply)(request *), void (*on_timeout)(request *))
{
    request *req = calloc(1, sizeof *req);
    if (!req)
        abort();
    req->state = PENDING;
    tl_ctx_lock_init(ctx, &request_lock, "request_lock");
    io_arg a = {req, on_reply};
    tl_thread_t t;
    tl_thread_start(&t, "io", io_thread, &a);
    on_timeout(req);
    tl_thread_join(&t);
    request done = *req;
    free(req);
    tl_oracle(ctx, "request finished exactly once", done.finishes == 1,
              "finished %d times (state %s, status %d)", done.finishes,
              done.state == DONE_OK ? "done" : done.state == TIMED_OUT ? "timed out" : "pending",
              done.status);
    tl_oracle(ctx, "a timed-out request has no reply",
              done.state != TIMED_OUT || done.status == 0,
              "state timed out but status %d: the reply was recorded and then overwritten",
              done.status);
    tl_lock_destroy(&request_lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, on_reply_buggy, on_timeout_buggy); }
static void fixed(tl_ctx *ctx) { run(ctx, on_reply_fixed, on_timeout_fixed); }

TL_SCENARIO(callback_completion_race) = {
    .name = "callback.completion_race",
    .category = "callback",
    .summary = "a completion callback on another thread and its caller race on the request",
    .concept = "an asynchronous completion runs in parallel with its caller",
    .teaching =
        "An asynchronous call returns at once and delivers its result later through a "
        "completion callback - often on the library's own I/O thread. From then on the "
        "caller and the callback run in parallel, and any caller-owned state the callback "
        "writes is shared between two threads. Here the caller gives up on a request "
        "(a timeout) at the moment the reply arrives: both check that the request is still "
        "pending and both finish it, so the request ends 'timed out' with a reply recorded, "
        "finished twice. The buggy variant forces the reply between the caller's check and "
        "its update. The fix makes the decision one step: both parties take the request's "
        "lock, check and change the state together, and whoever comes second sees that the "
        "request is already finished.",
    .detector_note = "TSan reports the completion's and the caller's unsynchronised accesses "
                     "to the request (Location is heap block); the oracle sees it "
                     "finished twice.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "the completion and the timeout each check-then-act on the request without "
                  "a lock"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "both decide under request_lock: exactly one of them finishes the request"},
    },
};
