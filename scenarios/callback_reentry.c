/* SPDX-License-Identifier: MIT */
/* callback.reentry: a library calls a user callback under its own lock, and
 * the callback calls back into the library. */
#include "tl_scenario.h"

/* A tiny event bus: subscribers and a publish() that calls each of them. */
enum { MAX_SUBSCRIBERS = 4 };
typedef void (*handler_fn)(tl_ctx *ctx, int event);

static tl_lock_t bus_lock;
static handler_fn handlers[MAX_SUBSCRIBERS];
static int nhandlers;
static int published;     /* events published, under bus_lock */
static int audit_events;  /* what the auditing subscriber saw (its own thread) */

static bool subscribe_bus(handler_fn fn)
{
    tl_lock_lock(&bus_lock);
    bool ok = nhandlers < MAX_SUBSCRIBERS;
    if (ok)
        handlers[nhandlers++] = fn;
    tl_lock_unlock(&bus_lock);
    return ok;
}

/* Asks the bus how many events it has published: takes bus_lock, like
 * every entry point of a thread-safe library. In potential mode the
 * question is asked with trylock: the thread that holds bus_lock failing to
 * get it proves that lock() would wait for ever. */
static int bus_published(tl_ctx *ctx, bool *would_block)
{
    *would_block = false;
    if (ctx->mode == TL_MODE_POTENTIAL) {
        if (!tl_lock_trylock(&bus_lock)) {
            *would_block = true;
            return -1;
        }
    } else {
        tl_lock_lock(&bus_lock); /* actual mode, buggy: waits for itself */
    }
    int n = published;
    tl_lock_unlock(&bus_lock);
    return n;
}

static bool reentry_blocked;

/* The user's callback: it re-enters the library, as callbacks often do
 * (subscribe another handler, publish a follow-up, ask for a count). */
static void audit(tl_ctx *ctx, int event)
{
    bool would_block;
    int n = bus_published(ctx, &would_block);
    if (would_block)
        reentry_blocked = true;
    (void)n;
    (void)event;
    audit_events++;
}

/* Buggy: calls every handler while holding bus_lock. */
static void publish_buggy(tl_ctx *ctx, int event)
{
    tl_lock_lock(&bus_lock);
    published++;
    for (int i = 0; i < nhandlers; i++)
        handlers[i](ctx, event);
    tl_lock_unlock(&bus_lock);
}

/* Fixed: copies the handlers under the lock and calls them after letting
 * go of it. A handler may then re-enter the bus freely; one subscribed
 * meanwhile gets the next event, not this one. */
static void publish_fixed(tl_ctx *ctx, int event)
{
    handler_fn copy[MAX_SUBSCRIBERS];
    tl_lock_lock(&bus_lock);
    published++;
    int n = nhandlers;
    for (int i = 0; i < n; i++)
        copy[i] = handlers[i];
    tl_lock_unlock(&bus_lock);
    for (int i = 0; i < n; i++)
        copy[i](ctx, event);
}

typedef struct {
    tl_ctx *ctx;
    void (*publish)(tl_ctx *ctx, int event);
} publisher_arg;

static void *publisher(void *p)
{
    publisher_arg *a = p;
    a->publish(a->ctx, 1);
    return NULL;
}

static void run(tl_ctx *ctx, void (*publish)(tl_ctx *, int))
{
    tl_ctx_lock_init(ctx, &bus_lock, "bus_lock");
    subscribe_bus(audit);
    publisher_arg a = {ctx, publish};
    tl_thread_t t;
    tl_thread_start(&t, "publisher", publisher, &a);
    tl_thread_join(&t);
    tl_oracle(ctx, "callback re-entering the library", !reentry_blocked,
              reentry_blocked ? "audit() asked the bus while publish() held bus_lock on the "
                                "same thread: trylock failed, so lock() would block for ever"
                              : "the callback re-entered without blocking");
    tl_oracle(ctx, "events delivered", audit_events == 1, "expected 1, got %d", audit_events);
}

static void buggy(tl_ctx *ctx) { run(ctx, publish_buggy); }
static void fixed(tl_ctx *ctx) { run(ctx, publish_fixed); }

TL_SCENARIO(callback_reentry) = {
    .name = "callback.reentry",
    .category = "callback",
    .summary = "a library calls back under its own lock and the callback re-enters it",
    .concept = "never call unknown code while holding your lock",
    .teaching =
        "A thread-safe library guards its state with a lock taken by every entry point. If "
        "it calls a user's callback while still holding that lock, it hands control to "
        "code it does not know - and callbacks commonly call the library back: to "
        "subscribe, to publish a follow-up, to ask a question. On the same thread that "
        "call asks for the lock the thread already holds, and a non-recursive lock never "
        "gives it: the thread waits for itself. (On another thread it would be a "
        "lock-order cycle between the library's lock and any lock the callback holds.) "
        "The potential mode asks with trylock and records that it would block; the "
        "actual mode blocks and the monitor names the cycle. The fix: copy what you need "
        "under the lock, release it, then call out - the callback runs with no lock of the "
        "library held.",
    .coffman =
        "Mutual exclusion: bus_lock has one holder. Hold and wait: publish() holds bus_lock "
        "while the callback, on the same thread, waits for it. No preemption: nothing takes "
        "the lock back. Circular wait: a cycle of one through the callback - the publisher "
        "waits for bus_lock, whose holder is the publisher.",
    .detector_note = "TSan reports nothing for a thread relocking a lock it holds (as in "
                     "deadlock.self); the oracle (potential) and the live monitor (actual: a "
                     "self-cycle through the callback) show it.",
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
         .about = "publish() calls the handlers with bus_lock held; the handler asks the bus "
                  "a question"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "publish() copies the handlers under the lock and calls them after "
                  "releasing it",
         .breaks = "hold and wait (no lock of the library is held while the callback runs)"},
    },
};
