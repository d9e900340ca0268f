/* SPDX-License-Identifier: MIT */
/* primitive.destroy_locked: a lock is destroyed while a thread holds it. */
#include <stdbool.h>
#include "tl_scenario.h"

typedef struct {
    tl_lock_t lock;
    unsigned long sent; /* protected by lock */
    bool closed;        /* protected by lock */
} connection;

static connection conn;
static tl_turns_t turns = TL_TURNS_INIT;

/* The sender holds the connection's lock while it sends. */
static void *sender(void *arg)
{
    tl_ctx *ctx = arg;
    bool forced = ctx->variant->role == TL_ROLE_BUGGY;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&conn.lock);
        if (!conn.closed)
            conn.sent++;
        if (forced && i == 0) {
            tl_turn_pass(&turns);    /* 1: I hold the lock, mid-send */
            tl_turn_wait(&turns, 2); /* the closer has destroyed it */
        }
        tl_lock_unlock(&conn.lock);
        if (forced)
            break; /* the lock is gone: nothing more can be sent */
    }
    return NULL;
}

/* What an error-checking destroy does (pthread_mutex_destroy may return
 * EBUSY): look whether the lock is held before destroying it. The lab's
 * locks do not check, so the oracle does. */
static void destroy_checked(tl_ctx *ctx)
{
    bool free_now = tl_lock_trylock(&conn.lock);
    if (free_now)
        tl_lock_unlock(&conn.lock);
    tl_oracle(ctx, "lock free when destroyed", free_now,
              free_now ? "nobody held the lock" : "a thread held conn.lock when it was destroyed");
    tl_lock_destroy(&conn.lock);
}

/* Buggy: the closer destroys the connection's lock as soon as it decides
 * to close, while the sender is still inside (forced). The sender's unlock
 * then works on a destroyed lock. */
static void *buggy_closer(void *arg)
{
    tl_ctx *ctx = arg;
    tl_turn_wait(&turns, 1); /* the sender holds the lock */
    destroy_checked(ctx);
    tl_turn_pass(&turns);    /* 2 */
    return NULL;
}

/* Fixed: mark the connection closed under the lock, unlock, and destroy
 * only once no thread can take the lock any more - after the sender has
 * been joined (see run). */
static void *fixed_closer(void *arg)
{
    (void)arg;
    tl_lock_lock(&conn.lock);
    conn.closed = true;
    tl_lock_unlock(&conn.lock);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*closer)(void *), bool destroy_after_join)
{
    tl_thread_t s, c;
    tl_ctx_lock_init(ctx, &conn.lock, "conn.lock");
    tl_thread_start(&s, "sender", sender, ctx);
    tl_thread_start(&c, "closer", closer, ctx);
    tl_thread_join(&s);
    tl_thread_join(&c);
    if (destroy_after_join)
        destroy_checked(ctx); /* nobody left who could hold it */
    TL_KEEP(conn.sent);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_closer, false); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_closer, true); }

TL_SCENARIO(primitive_destroy_locked) = {
    .name = "primitive.destroy_locked",
    .category = "primitive",
    .summary = "a connection's lock is destroyed while the sender still holds it",
    .concept = "a lock's lifetime must enclose every use of it",
    .teaching =
        "Destroying a lock ends its life: whatever it holds (a kernel wait queue, a "
        "queue node, a detector's bookkeeping) is released, and any later lock() or "
        "unlock() on it works on garbage. POSIX makes destroying a locked mutex undefined; "
        "an error-checking one returns EBUSY. The buggy closer destroys the connection's "
        "lock the moment it decides to close, while the sender is in the middle of a send "
        "holding it (forced by a handshake); nothing orders the destroy after the sender's "
        "use of the lock, and the sender's unlock then lands on a destroyed lock. The fix marks the connection closed under the lock, unlocks, and destroys "
        "the lock only after the sender has been joined, when no thread can reach it any "
        "more: the lock's lifetime encloses every use. The oracle does what an "
        "error-checking destroy would: it tries the lock first and reports it held.",
    .detector_note = "TSan knows which thread holds each mutex (the lab's hand-built locks "
                     "carry its annotations; pthread-mutex is intercepted) and reports three "
                     "things, each a real consequence: 'destroy of a locked mutex' at the "
                     "destroy (destroy-locked); a data race between the destroy, which TSan "
                     "counts as a write of the lock's memory, and the sender's lock, a read of "
                     "it with nothing ordering the two; and, at the sender's unlock, 'unlock "
                     "of an unlocked mutex' (bad-unlock), since after the destroy TSan knows "
                     "the lock as a new, unheld one. The oracle sees the held lock under any "
                     "detector.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = 10000000,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "destroy-locked data-race bad-unlock oracle:violated",
         .about = "the closer destroys conn.lock while the sender holds it (forced)",
         .differs = {{.detector = "helgrind", .expect = "destroy-locked bad-unlock oracle:violated",
                      .why = "Helgrind reports the destroy of a held lock and then the sender's "
                             "unlock of a lock it no longer knows as held, but no race between "
                             "the destroy and the sender's lock: it does not count a lock's "
                             "destruction as a write of the lock's memory, as TSan does. "
                             "Measured: those two reports, every run."},
                     {.detector = "drd", .expect = "destroy-locked drd:invalid-mutex oracle:violated",
                      .why = "DRD reports the destroy of a locked mutex, and then the sender's "
                             "unlock as the use of a mutex that no longer exists (invalid "
                             "mutex) rather than an unlock of an unlocked one; like Helgrind it "
                             "sees no race on the lock's memory. Measured: those two reports, "
                             "every run."}}},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "closed is set under the lock; the lock is destroyed after the sender is "
                  "joined"},
    },
};
