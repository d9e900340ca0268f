/* SPDX-License-Identifier: MIT */
/* livelock.polite: two threads keep stepping aside for each other. */
#include <stdlib.h>
#include <time.h>
#include "tl_scenario.h"

static tl_lock_t lock[2];
static tl_lockstep_t rhythm;
static unsigned long completed[2];

typedef struct {
    tl_ctx *ctx;
    unsigned me;
} walker;

/* Takes my lock, tries the other's; on failure gives mine back. Returns
 * true when both were held and the work was done. */
static bool attempt(walker *w)
{
    tl_lock_t *mine = &lock[w->me], *theirs = &lock[1 - w->me];
    tl_lock_lock(mine);
    /* The rounds spin without yielding (busy): real livelocked threads run
     * all the time, and the monitor judges a livelock by the threads' own
     * CPU time, so on a busy machine they must still be seen running. */
    if (w->ctx->variant->role == TL_ROLE_BUGGY)
        tl_lockstep_wait_busy(&rhythm); /* both hold their own lock now */
    bool done = tl_lock_trylock(theirs); /* a failure counts as a retry */
    if (w->ctx->variant->role == TL_ROLE_BUGGY)
        tl_lockstep_wait_busy(&rhythm); /* both have tried before either lets go */
    if (done) {
        completed[w->me]++;
        tl_progress(w->ctx);
        tl_lock_unlock(theirs);
    }
    tl_lock_unlock(mine);
    return done;
}

/* Buggy: both back off for the same fixed time and come back in step, so
 * each finds the other's lock taken, every round, for ever. The lockstep
 * round stands for the symmetric timing real livelocks need (same code,
 * same delays, separate cores); it makes the demonstration certain. */
static void *polite(void *arg)
{
    walker *w = arg;
    for (;;) {
        attempt(w);
        struct timespec same_pause = {0, 10000};
        nanosleep(&same_pause, NULL);
    }
    return NULL;
}

/* Fixed: after a failure, wait a random time that doubles with every
 * failure in a row (capped). Sooner or later one walker comes back while the
 * other is still away, and gets both locks. */
static void *randomised(void *arg)
{
    walker *w = arg;
    unsigned seed = (unsigned)time(NULL) ^ (w->me * 2654435761u);
    long limit_ns = 1000;
    for (unsigned long i = 0; i < w->ctx->iterations;) {
        if (attempt(w)) {
            i++;
            limit_ns = 1000;
            continue;
        }
        struct timespec pause = {0, rand_r(&seed) % limit_ns};
        nanosleep(&pause, NULL);
        if (limit_ns < 1000000)
            limit_ns *= 2;
    }
    return NULL;
}

static void run(tl_ctx *ctx, void *(*how)(void *))
{
    tl_thread_t t[2];
    walker w[2] = {{ctx, 0}, {ctx, 1}};
    tl_ctx_lock_init(ctx, &lock[0], "left_lock");
    tl_ctx_lock_init(ctx, &lock[1], "right_lock");
    tl_lockstep_init(&rhythm, 2);
    tl_thread_start(&t[0], "walker-left", how, &w[0]);
    tl_thread_start(&t[1], "walker-right", how, &w[1]);
    tl_thread_join(&t[0]);
    tl_thread_join(&t[1]);
    tl_oracle_expect_u64(ctx, "completed rounds", 2 * ctx->iterations, completed[0] + completed[1]);
}

static void buggy(tl_ctx *ctx) { run(ctx, polite); }
static void fixed(tl_ctx *ctx) { run(ctx, randomised); }

TL_SCENARIO(livelock_polite) = {
    .name = "livelock.polite",
    .category = "livelock",
    .summary = "two threads keep releasing their lock for each other, in step",
    .concept = "livelock: busy, blocked by nothing, making no progress",
    .teaching =
        "Each walker needs both locks. It takes its own, tries the other's with trylock, "
        "and if that fails it politely gives its own back and tries again after a pause. "
        "Nobody ever blocks, so this is no deadlock - but when both pause for the same time "
        "they come back in step and collide again, round after round: both threads are "
        "busy and neither gets anywhere. The buggy variant forces the symmetric timing "
        "(a lockstep round each attempt), which stands for what real livelocks rely on: "
        "the same code and the same fixed delays on separate cores. The live monitor sees "
        "retries rising while progress stays flat. The fix randomises the back-off and "
        "doubles its range after each failure: the walkers fall out of step, one finds "
        "both locks free, and every round completes.",
    .detector_note = "TSan has nothing to report: the locks work, and trylock acquisitions "
                     "are not in its lock-order graph. The live monitor gives the verdict "
                     "(retries rising, progress flat for its window).",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 200, .max_iterations = 1000000,
    .takes_lock = true,
    .judge_progress = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:livelock",
         .about = "fixed, equal back-off; the walkers stay in step (forced)"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "randomised exponential back-off: the walkers fall out of step",
         .differs = {{.detector = "helgrind", .expect = "lock-order-inversion",
                      .why = "Each walker holds its own lock and takes the other's by trylock, "
                             "so over the run both orders are taken; Helgrind enters trylock "
                             "acquisitions into its lock-order graph like blocking ones and "
                             "reports an inversion that cannot deadlock (a failed trylock "
                             "backs off). Measured: one lock-order report per run."}}},
    },
};
