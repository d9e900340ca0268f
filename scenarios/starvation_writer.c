/* SPDX-License-Identifier: MIT */
/* starvation.writer: overlapping readers keep a reader-preferring lock
 * busy, so a writer never finds it free. */
#include "tl_scenario.h"

static tl_lock_t table_lock;
static tl_turns_t relay = TL_TURNS_INIT;
static unsigned long version;              /* written by the writer, read by readers */
static unsigned long reads[2], writes;     /* reads[i]: reader i's own */

typedef struct {
    tl_ctx *ctx;
    unsigned me;
} reader;

/* Buggy readers: a relay. Reader 0 takes the read lock first; from then on
 * a reader lets go only once the other is inside, and comes straight back
 * in while the other stays (it waits for my next pass before it lets go).
 * So from the first read lock on, some reader is always inside: the lock is
 * never free for a single instant. Each read lock succeeds at once on
 * rwlock-rp, which lets a reader in whenever no writer *holds* the lock. */
static void read_once(reader *r)
{
    TL_KEEP(version);
    reads[r->me]++;
    tl_progress(r->ctx);
}

static void *relay_reader(void *arg)
{
    reader *r = arg;
    unsigned step;
    if (r->me == 0) {
        tl_lock_rdlock(&table_lock);
        read_once(r);
        tl_turn_pass(&relay);    /* 1: reader 0 is inside */
        step = 2;
    } else {
        tl_turn_wait(&relay, 1);
        tl_lock_rdlock(&table_lock);
        read_once(r);
        tl_turn_pass(&relay);    /* 2: reader 1 is inside */
        step = 3;
    }
    for (;; step += 2) {
        tl_turn_wait(&relay, step); /* the other reader is inside (and stays) */
        tl_lock_rdunlock(&table_lock);
        tl_lock_rdlock(&table_lock);
        read_once(r);
        tl_turn_pass(&relay);       /* I am inside again: the other may leave */
    }
    return NULL;
}

/* The buggy writer asks with trylock, again and again, as a writer that
 * must not block would: each failure is a retry the monitor counts. Every
 * attempt finds a reader inside (the relay keeps one there), so it never
 * gets in while the readers progress - starvation. */
static void *polling_writer(void *arg)
{
    tl_ctx *ctx = arg;
    tl_turn_wait(&relay, 1); /* the relay has started */
    for (;;) {
        if (tl_lock_trylock(&table_lock)) {
            version++;
            writes++;
            tl_progress(ctx);
            tl_lock_unlock(&table_lock);
        }
        tl_cpu_relax();
    }
    return NULL;
}

/* Fixed readers: read, let go, come back - as many as they like, with no
 * relay; the lock's policy has to protect the writer. */
static void *plain_reader(void *arg)
{
    reader *r = arg;
    for (unsigned long i = 0; i < r->ctx->iterations; i++) {
        tl_lock_rdlock(&table_lock);
        TL_KEEP(version);
        reads[r->me]++;
        tl_progress(r->ctx);
        tl_lock_rdunlock(&table_lock);
    }
    return NULL;
}

/* The fixed writer waits in the lock (lock(), not trylock): on rwlock-wp a
 * waiting writer is registered in the lock word and bars new readers, so
 * the readers inside drain out and it gets in next, whatever they do. */
static void *waiting_writer(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long i = 0; i < ctx->iterations / 10 + 1; i++) {
        tl_lock_lock(&table_lock);
        version++;
        writes++;
        tl_progress(ctx);
        tl_lock_unlock(&table_lock);
    }
    return NULL;
}

static void run(tl_ctx *ctx, const char *kind, void *(*rd)(void *), void *(*wr)(void *))
{
    tl_thread_t r0, r1, w;
    reader rs[2] = {{ctx, 0}, {ctx, 1}};
    tl_lock_init_by_name(&table_lock, kind, "table_lock");
    tl_thread_start(&r0, "reader-0", rd, &rs[0]);
    tl_thread_start(&r1, "reader-1", rd, &rs[1]);
    tl_thread_start(&w, "writer", wr, ctx);
    tl_thread_join(&r0); /* buggy: never returns, the monitor ends the run */
    tl_thread_join(&r1);
    tl_thread_join(&w);
    tl_oracle_expect_u64(ctx, "writes", ctx->iterations / 10 + 1, writes);
    tl_oracle_expect_u64(ctx, "reads", 2 * ctx->iterations, reads[0] + reads[1]);
}

static void buggy(tl_ctx *ctx) { run(ctx, "rwlock-rp", relay_reader, polling_writer); }
static void fixed(tl_ctx *ctx) { run(ctx, "rwlock-wp", plain_reader, waiting_writer); }

TL_SCENARIO(starvation_writer) = {
    .name = "starvation.writer",
    .category = "starvation",
    .summary = "overlapping readers keep a reader-preferring lock from ever being free",
    .concept = "reader preference versus writer preference in reader-writer locks",
    .teaching =
        "A reader-writer lock with reader preference (rwlock-rp) lets a reader in whenever "
        "no writer holds the lock, even while a writer is waiting. A writer needs the lock "
        "free of readers for one instant. If readers overlap - a new one comes in before "
        "the last one leaves - that instant never comes: the readers make progress all "
        "the time, the writer none. Nothing is blocked for good and nobody is stuck in a "
        "cycle; one thread is simply always passed over: starvation. The buggy variant "
        "forces the overlap as a relay of two readers (each read-locks before the other "
        "lets go) and has the writer try again and again with trylock, so the monitor sees "
        "its retries rise while it runs without progress and the readers progress. The fix "
        "is writer preference (rwlock-wp) with a writer that waits in the lock: a waiting "
        "writer is registered in the lock and bars new readers, the readers inside drain "
        "out, and the writer is next - a bounded wait, whatever the readers do. (The cost "
        "moves to the readers: a stream of writers can starve them.)",
    .detector_note = "TSan has nothing to report: the lock works, it is only unfair to the "
                     "writer. The live monitor gives the verdict: the writer wants the lock "
                     "(its failed trylocks are retries) for a window of its own CPU time "
                     "without progress while the readers progress. --lock does not apply: "
                     "the point is rwlock-rp against rwlock-wp.",
    .threads = 3, .min_threads = 3, .max_threads = 3,
    .iterations = 5000, .max_iterations = 10000000,
    .own_locking = "it compares two fixed kinds, rwlock-rp and rwlock-wp",
    .judge_progress = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:starvation",
         .about = "rwlock-rp; readers relay the read lock so one is always inside; the "
                  "writer polls with trylock"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "rwlock-wp and a writer that waits in lock(): a waiting writer bars new "
                  "readers, so it is next once the readers inside leave"},
    },
};
