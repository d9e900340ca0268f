/* SPDX-License-Identifier: MIT */
/* race.check_then_act: lazy initialisation without synchronisation. */
#include <pthread.h>
#include <stdlib.h>
#include "tl_scenario.h"

typedef struct {
    int port;
} config;

static config *shared_config;            /* buggy: plain pointer */
static tl_atomic_ptr published_config;   /* fixed-cas */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static tl_turns_t turns = TL_TURNS_INIT;
static tl_atomic_u32 made;               /* objects constructed */

static config *make_config(void)
{
    config *c = malloc(sizeof *c);
    if (!c)
        abort();
    c->port = 8080;
    /* relaxed: a count read after every thread has been joined. */
    tl_atomic_fetch_add_u32(&made, 1, tl_relaxed);
    return c;
}

/* Buggy: check, then act - two steps another thread can come between. */
static config *get_config_buggy(unsigned me)
{
    if (me == 0) {
        bool missing = shared_config == NULL; /* check ... */
        tl_turn_pass(&turns);                 /* (forced: the other checks and acts) */
        tl_turn_wait(&turns, 2);
        if (missing)
            shared_config = make_config();    /* ... act on a stale check */
        return shared_config;
    }
    tl_turn_wait(&turns, 1);
    if (shared_config == NULL)
        shared_config = make_config();
    config *mine = shared_config;
    tl_turn_pass(&turns);
    return mine;
}

static void init_once(void)
{
    shared_config = make_config();
}

/* Fixed: pthread_once runs the initialiser exactly once, and everyone who
 * returns from it sees what it wrote. */
static config *get_config_once(unsigned me)
{
    (void)me;
    pthread_once(&config_once, init_once);
    return shared_config;
}

/* Fixed differently: build a candidate, publish it with one compare-and-
 * swap; the loser frees its candidate and uses the winner's. */
static config *get_config_cas(unsigned me)
{
    (void)me;
    /* acquire: pairs with the winner's release, so its fields are visible. */
    config *c = tl_atomic_load_ptr(&published_config, tl_acquire);
    if (c)
        return c;
    config *candidate = make_config();
    void *expected = NULL;
    /* acq_rel: release publishes the candidate's fields; acquire (on
     * failure, see below) reads the winner's. */
    if (tl_atomic_cas_ptr(&published_config, &expected, candidate, tl_acq_rel, tl_acquire))
        return candidate;
    free(candidate);
    return expected;
}

typedef struct {
    config *(*get)(unsigned);
    unsigned me;
    config *got;
} user;

static void *user_main(void *arg)
{
    user *u = arg;
    u->got = u->get(u->me);
    return NULL;
}

static void run(tl_ctx *ctx, config *(*get)(unsigned))
{
    tl_thread_t t[2];
    user u[2] = {{get, 0, NULL}, {get, 1, NULL}};
    tl_thread_start(&t[0], "user-0", user_main, &u[0]);
    tl_thread_start(&t[1], "user-1", user_main, &u[1]);
    tl_thread_join(&t[0]);
    tl_thread_join(&t[1]);
    tl_oracle(ctx, "one shared config", u[0].got == u[1].got,
              "user-0 and user-1 got %s config objects",
              u[0].got == u[1].got ? "the same" : "different");
    if (u[0].got != u[1].got)
        free(u[1].got);
    free(u[0].got);
}

static void buggy(tl_ctx *ctx)
{
    run(ctx, get_config_buggy);
    tl_note(ctx, "make_config ran %u times", tl_atomic_load_u32(&made, tl_relaxed));
}
static void fixed(tl_ctx *ctx) { run(ctx, get_config_once); }
static void fixed_cas(tl_ctx *ctx) { run(ctx, get_config_cas); }

TL_SCENARIO(race_check_then_act) = {
    .name = "race.check_then_act",
    .category = "race",
    .summary = "lazy initialisation: if (!p) p = make(); from two threads",
    .concept = "check-then-act on shared state (heap object behind a global pointer)",
    .teaching =
        "Lazy initialisation checks whether the object exists and creates it if not. The "
        "check and the act are two steps: two threads can both see NULL, both create an "
        "object, and each walk away with a different one (one of them lost, its updates "
        "invisible to the other). The buggy variant forces exactly that interleaving. Fix "
        "1 uses pthread_once, which runs the initialiser exactly once and makes every "
        "caller wait for it and see its writes. Fix 2 publishes with a single "
        "compare-and-swap: several threads may build a candidate, but only one is "
        "installed, the others free theirs and use the winner's (release on publish, "
        "acquire on read, so the fields are visible).",
    .detector_note = "TSan reports the unsynchronised read and write of the global pointer "
                     "shared_config.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fixes use pthread_once and a compare-and-swap",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "plain check then create; both threads forced through the gap"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "pthread_once: exactly one initialisation, visible to all",
         .differs = {{.detector = "helgrind", .expect = "data-race",
                      .why = "Helgrind does not model pthread_once: glibc's fast path is an "
                             "acquire load of the once flag, a plain load in machine code, so "
                             "Helgrind sees no order between the initialiser's write of "
                             "shared_config and the other thread's read. Measured: that race, "
                             "every run (DRD is clean)."}}},
        {.name = "fixed-cas", .role = TL_ROLE_FIXED, .entry = fixed_cas, .expect = "",
         .about = "publish with one compare-and-swap; the loser frees its candidate"},
    },
};
