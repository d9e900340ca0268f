/* SPDX-License-Identifier: MIT */
/* race.double_checked_locking: lazy initialisation with an unlocked plain
 * first check. */
#include <stdlib.h>
#include "tl_scenario.h"

typedef struct {
    int port;
    int workers;
} config;

static tl_lock_t init_lock;
static config *cfg;                /* buggy: a plain pointer */
static tl_atomic_ptr cfg_atomic;   /* fix 1: release/acquire */
static config *cfg_once;           /* fix 2: written once, under pthread_once */
static pthread_once_t cfg_once_control = PTHREAD_ONCE_INIT;
static tl_turns_t turns = TL_TURNS_INIT;
static int seen_port[2], seen_workers[2];

static config *make_config(void)
{
    config *c = malloc(sizeof *c);
    if (!c)
        abort();
    c->port = 8080;
    c->workers = 4;
    return c;
}

/* Buggy: the fast path reads the pointer without the lock, as a plain load.
 * Nothing orders the initialiser's stores as another thread sees them: the
 * compiler or a weakly ordered CPU may make the pointer visible before the
 * fields, and then the fast path returns an object not yet filled in. The
 * forced run produces exactly that outcome: the initialiser publishes the
 * pointer, the reader takes the fast path and reads the fields, and only then
 * are they written. */
static config *get_config_buggy(void)
{
    if (cfg == NULL) { /* first check: no lock, plain load */
        tl_lock_lock(&init_lock);
        if (cfg == NULL) { /* second check, under the lock */
            config *c = calloc(1, sizeof *c);
            if (!c)
                abort();
            cfg = c;                 /* the pointer visible first ... */
            tl_turn_pass(&turns);    /* step 1: the reader looks now */
            tl_turn_wait(&turns, 2);
            c->port = 8080;          /* ... the fields after */
            c->workers = 4;
        }
        tl_lock_unlock(&init_lock);
    }
    return cfg;
}

/* Fix 1: the pointer is an atomic. The fast path loads it with acquire; the
 * initialiser fills the object and then stores the pointer with release, so
 * a reader whose acquire load sees the pointer also sees the fields. Under
 * the lock a relaxed load is enough: the lock orders it after any earlier
 * initialiser. */
static config *get_config_acquire(void)
{
    config *c = tl_atomic_load_ptr(&cfg_atomic, tl_acquire);
    if (c == NULL) {
        tl_lock_lock(&init_lock);
        c = tl_atomic_load_ptr(&cfg_atomic, tl_relaxed);
        if (c == NULL) {
            c = make_config();
            tl_atomic_store_ptr(&cfg_atomic, c, tl_release);
        }
        tl_lock_unlock(&init_lock);
    }
    return c;
}

/* Fix 2: pthread_once does the double-checked locking correctly inside libc:
 * the initialiser runs once, and every caller returns after it and sees its
 * writes. */
static void init_config_once(void) { cfg_once = make_config(); }

static config *get_config_once(void)
{
    pthread_once(&cfg_once_control, init_config_once);
    return cfg_once;
}

typedef struct {
    config *(*get)(void);
    unsigned index;
    bool buggy;
} caller_arg;

/* Caller 0 arrives first and initialises; caller 1 arrives while (buggy) or
 * after (fixes) the object is published, so that it takes the fast path -
 * the path the double check is there for. */
static void *caller(void *p)
{
    caller_arg *a = p;
    if (a->index == 1)
        tl_turn_wait(&turns, 1);
    config *c = a->get();
    seen_port[a->index] = c->port;
    seen_workers[a->index] = c->workers;
    if (a->index == 1 || !a->buggy)
        tl_turn_pass(&turns); /* buggy: step 2, the initialiser goes on; fixed: step 1 */
    return NULL;
}

static void run(tl_ctx *ctx, config *(*get)(void), bool buggy)
{
    tl_ctx_lock_init(ctx, &init_lock, "init_lock");
    tl_thread_t t[2];
    caller_arg args[2];
    for (unsigned i = 0; i < 2; i++) {
        args[i] = (caller_arg){get, i, buggy};
        tl_thread_start(&t[i], i == 0 ? "caller-0" : "caller-1", caller, &args[i]);
    }
    for (unsigned i = 0; i < 2; i++)
        tl_thread_join(&t[i]);
    bool ok = true;
    for (unsigned i = 0; i < 2; i++)
        ok = ok && seen_port[i] == 8080 && seen_workers[i] == 4;
    tl_oracle(ctx, "every caller sees the initialised config", ok,
              "caller 0 saw port %d, workers %d; caller 1 saw port %d, workers %d "
              "(expected 8080, 4)",
              seen_port[0], seen_workers[0], seen_port[1], seen_workers[1]);
    tl_lock_destroy(&init_lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, get_config_buggy, true); }
static void fixed(tl_ctx *ctx) { run(ctx, get_config_acquire, false); }
static void fixed_once(tl_ctx *ctx) { run(ctx, get_config_once, false); }

TL_SCENARIO(race_double_checked_locking) = {
    .name = "race.double_checked_locking",
    .category = "race",
    .summary = "double-checked locking with a plain pointer returns a half-built object",
    .concept = "lazy initialisation of shared data: publication needs ordering",
    .teaching =
        "Double-checked locking makes lazy initialisation cheap: check the pointer without "
        "the lock, and only if it is NULL take the lock, check again and create the object. "
        "The second check makes creation happen once; the first, unlocked one is the "
        "trouble. With a plain pointer it is a data race, and nothing keeps the "
        "initialiser's stores in program order as another thread sees them: the compiler "
        "or a weakly ordered CPU may make the pointer visible before the object's fields, "
        "and a thread on the fast path then uses an object that is not filled in. The "
        "buggy variant forces the outcome such a reordering produces (the pointer first, "
        "the fields after) and the second caller reads port 0. Fix 1 makes the pointer an "
        "atomic: a release store after the fields are written, an acquire load on the fast "
        "path, so whoever sees the pointer sees the fields. Fix 2 leaves the double check "
        "to pthread_once, which does it correctly inside libc. Both fixes run with the "
        "second caller on the fast path, the path the pattern exists for.",
    .detector_note = "TSan reports the unlocked read of the pointer and the reads of the "
                     "fields against the initialiser's writes (it does not need the "
                     "reordering to happen: the accesses are unordered).",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "plain pointer, unlocked first check; the reader is forced in between the "
                  "pointer's store and the fields'"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "an atomic pointer: release store after the fields, acquire load on the "
                  "fast path",
         .differs = {{.detector = "helgrind", .expect = "data-race",
                      .why = "The fix is a C11 release store and acquire load of the pointer. "
                             "On x86-64 both are plain moves, and Valgrind sees machine code, "
                             "not C11 orders: Helgrind finds no synchronisation on the fast "
                             "path and reports the pointer and the config's fields as races. "
                             "Measured: those races, every run."},
                     {.detector = "drd", .expect = "data-race",
                      .why = "The fix is a C11 release store and acquire load of the pointer. "
                             "On x86-64 both are plain moves, and Valgrind sees machine code, "
                             "not C11 orders: DRD finds no synchronisation on the fast path "
                             "and reports the pointer and the config's fields as races. "
                             "Measured: those races, every run."}}},
        {.name = "fixed-once", .role = TL_ROLE_FIXED, .entry = fixed_once, .expect = "",
         .about = "pthread_once: libc's own, correct, double check",
         .differs = {{.detector = "helgrind", .expect = "data-race",
                      .why = "Helgrind does not model pthread_once: glibc's fast path is an "
                             "acquire load of the once flag, a plain load in machine code, so "
                             "Helgrind sees no order between the initialiser's writes and the "
                             "second caller's reads of the pointer and the fields. Measured: "
                             "those races, every run (DRD is clean)."}}},
    },
};
