/* SPDX-License-Identifier: MIT */
/* callback.freed_context: a callback runs after its context was freed. */
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

/* A subscriber's context: what the callback is given back. The counter sits
 * past the first 16 bytes, which glibc's free() reuses for its own list
 * pointers: the buggy write lands in a freed block without wrecking the
 * allocator, so the run goes on to show the bug instead of crashing. */
typedef struct {
    char name[16];
    long events_seen;
} listener;

typedef void (*event_fn)(listener *l);

/* The notifier's registry: one subscription, guarded by registry_lock. */
static tl_lock_t registry_lock;
static event_fn sub_fn;
static listener *sub_ctx;
/* Callbacks the notifier has taken from the registry and not yet finished
 * (the fix's unsubscribe waits for zero). */
static tl_atomic_u32 in_flight;

static tl_turns_t turns = TL_TURNS_INIT;
/* The oracle's bookkeeping, atomic so that it adds no race of its own:
 * which context was freed, and whether a callback then ran on it. */
static tl_atomic_ptr freed_ctx;
static tl_atomic_u32 ran_on_freed;

static void on_event(listener *l)
{
    if (tl_atomic_load_ptr(&freed_ctx, tl_relaxed) == l)
        tl_atomic_store_u32(&ran_on_freed, 1, tl_relaxed);
    l->events_seen++; /* buggy: a read and a write of freed memory */
}

static void subscribe(event_fn fn, listener *l)
{
    tl_lock_lock(&registry_lock);
    sub_fn = fn;
    sub_ctx = l;
    tl_lock_unlock(&registry_lock);
}

/* Buggy: removes the subscription, but a callback the notifier already took
 * from the registry may still be about to run. */
static void unsubscribe_buggy(void)
{
    tl_lock_lock(&registry_lock);
    sub_fn = NULL;
    sub_ctx = NULL;
    tl_lock_unlock(&registry_lock);
}

/* Fixed: removes the subscription, then waits until no callback taken before
 * the removal is still running. The notifier counts itself in under
 * registry_lock, so once we hold the lock and have removed the entry, every
 * callback that can still run is counted; the acquire load pairs with the
 * notifier's release decrement, so its last access to the context happens
 * before our free. */
static void unsubscribe_and_wait(void)
{
    unsubscribe_buggy();
    while (tl_atomic_load_u32(&in_flight, tl_acquire) != 0)
        tl_cpu_relax();
}

/* The notifier thread: delivers one event to the current subscriber, the
 * way a library calls back from its own thread. The callback runs outside
 * registry_lock (never call out under your own lock: see
 * callback.reentry). */
static void *notifier(void *unused)
{
    (void)unused;
    tl_lock_lock(&registry_lock);
    event_fn fn = sub_fn;
    listener *ctx = sub_ctx;
    if (fn)
        tl_atomic_fetch_add_u32(&in_flight, 1, tl_relaxed); /* ordered by the lock */
    tl_lock_unlock(&registry_lock);
    tl_turn_pass(&turns);        /* step 1: the event is taken */
    tl_turn_wait(&turns, 2);     /* forced: the subscriber unsubscribes meanwhile */
    if (fn) {
        fn(ctx);
        tl_atomic_fetch_add_u32(&in_flight, (uint32_t)-1, tl_release);
    }
    return NULL;
}

static void run(tl_ctx *ctx, bool wait_for_callbacks)
{
    tl_ctx_lock_init(ctx, &registry_lock, "registry_lock");
    tl_oracle_words(&freed_ctx, sizeof freed_ctx);
    tl_oracle_words(&ran_on_freed, sizeof ran_on_freed);
    listener *l = calloc(1, sizeof *l);
    if (!l)
        abort();
    strcpy(l->name, "dashboard");
    subscribe(on_event, l);

    tl_thread_t t;
    tl_thread_start(&t, "notifier", notifier, NULL);
    tl_turn_wait(&turns, 1); /* the notifier has taken the event */
    if (wait_for_callbacks) {
        tl_turn_pass(&turns); /* let the callback run: we wait for it below */
        unsubscribe_and_wait();
        tl_atomic_store_ptr(&freed_ctx, l, tl_relaxed);
        free(l);
    } else {
        unsubscribe_buggy();
        tl_atomic_store_ptr(&freed_ctx, l, tl_relaxed);
        free(l); /* the callback taken in step 1 has not run yet */
        tl_turn_pass(&turns);
    }
    tl_thread_join(&t);
    bool ran = tl_atomic_load_u32(&ran_on_freed, tl_relaxed) != 0;
    tl_oracle(ctx, "no callback after its context was freed", !ran,
              ran ? "on_event ran on the listener after unsubscribe() had freed it"
                  : "none");
    tl_lock_destroy(&registry_lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, false); }
static void fixed(tl_ctx *ctx) { run(ctx, true); }

TL_SCENARIO(callback_freed_context) = {
    .name = "callback.freed_context",
    .category = "callback",
    .summary = "a callback runs on a context its owner has already freed",
    .concept = "a registered callback's context must outlive every call in flight",
    .teaching =
        "Registering a callback hands a library two things: a function and a context "
        "pointer it will pass back. Unsubscribing stops new calls, but a library that calls "
        "back from its own thread may already have taken the subscription out of its "
        "registry and be about to call it. If the subscriber frees its context as soon as "
        "unsubscribe() returns, that call runs on freed memory. The buggy variant forces "
        "exactly that window: the notifier takes the event, the subscriber unsubscribes and "
        "frees, then the callback runs. The fix makes unsubscribe() wait for calls in "
        "flight: the notifier counts itself in under the registry lock before it lets go "
        "of the lock, and unsubscribe() removes the entry and then waits for the count to "
        "reach zero, so after it returns no call can still use the context.",
    .detector_note = "TSan reports the callback's access to the freed block as a "
                     "heap-use-after-free racing with free(); the oracle records that a "
                     "callback ran on a freed context (it does not depend on the allocator).",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "heap-use-after-free oracle:violated",
         .about = "unsubscribe() removes the entry and the owner frees at once, while a "
                  "callback already taken still runs"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "unsubscribe() waits until no callback taken before it is still running"},
    },
};
