/* SPDX-License-Identifier: MIT */
/* memory.store_buffering: the SB litmus test (the heart of Dekker's and
 * Peterson's algorithms). Each thread stores to its own flag, then loads
 * the other's. Sequential consistency forbids both loads missing both
 * stores; x86's store buffer allows it with anything weaker than seq_cst. */
#include <stdlib.h>
#include "tl_litmus.h"
#include "tl_scenario.h"

/* How long the trials may go on (see tl_litmus_init), well inside the
 * default 10 s deadline. */
#define LITMUS_BUDGET_NS (5 * 1000 * 1000 * 1000ull)

/* Why Helgrind and DRD cannot show the bug (see the buggy variant's .differs). */
#define VALGRIND_SERIALISES                                                                \
    "Valgrind runs one thread at a time, so no store is ever still in a store buffer "     \
    "when the other thread loads: the forbidden outcome never appears (measured: 0 in "    \
    "every run). What it reports instead is the relaxed stores and loads themselves, "     \
    "plain moves in machine code, as a data race, which C11 atomics cannot be; the "       \
    "seq_cst fix (locked exchanges) is clean."

/* Each flag on its own cache line, away from the meeting's words. */
typedef struct {
    _Alignas(64) tl_atomic_u32 word;
} line_u32;

static line_u32 flag[2];  /* thread i stores trial number t to flag[i] */
static tl_litmus_t meeting;
static uint32_t *seen[2];  /* seen[i][t]: what thread i loaded from the other flag */
static tl_atomic_u32 pinned; /* threads pinned to a CPU of their own */
static uint32_t done[2];     /* trials each thread did (the same: they stop together) */
/* miss_mark[t % 2]: the last trial in which a thread missed the other's
 * store; the second thread to miss in trial t finds t already there. Two
 * slots: the threads are never more than one trial apart. */
static line_u32 miss_mark[2];

typedef struct {
    tl_ctx *ctx;
    unsigned me;
    bool seq_cst; /* the order of the store and the load under test */
} tester;

static void *run_trials(void *arg)
{
    tester *x = arg;
    if (tl_litmus_pin(x->me))
        tl_atomic_fetch_add_u32(&pinned, 1, tl_relaxed); /* relaxed: read after the joins */
    uint32_t t;
    for (t = 1; tl_litmus_meet(&meeting, t); t++) {
        /* The test: store mine, load the other's. With relaxed (or release
         * and acquire) the store may wait in this core's store buffer while
         * the load already reads memory; seq_cst makes the store a locked
         * exchange, which drains the buffer before the load. */
        tl_litmus_store_u32(&flag[x->me].word, t, x->seq_cst);
        uint32_t got = tl_litmus_load_u32(&flag[1 - x->me].word, x->seq_cst);
        seen[x->me][t] = got;
        /* After the test (the exchange is a full barrier, so not before):
         * tell the meeting when both threads missed, so a buggy run can stop
         * once it has shown the outcome. relaxed: bookkeeping only. */
        if (got < t && tl_atomic_exchange_u32(&miss_mark[t % 2].word, t, tl_relaxed) == t)
            tl_litmus_report(&meeting);
    }
    done[x->me] = t - 1;
    return NULL;
}

/* A buggy run goes on past --iterations trials until the outcome shows,
 * within the budget and up to this many. */
static uint32_t max_trials(uint32_t trials)
{
    return trials <= 200000 ? 64 * trials : trials;
}

static void run(tl_ctx *ctx, bool seq_cst)
{
    uint32_t trials = (uint32_t)ctx->iterations, most = max_trials(trials);
    tl_thread_t a, b;
    tester x[2] = {{ctx, 0, seq_cst}, {ctx, 1, seq_cst}};
    tl_litmus_init(&meeting, LITMUS_BUDGET_NS, trials, most,
                   ctx->variant->role == TL_ROLE_BUGGY);
    tl_oracle_words(&miss_mark, sizeof miss_mark);
    for (unsigned i = 0; i < 2; i++) {
        seen[i] = calloc(most + 1, sizeof *seen[i]);
        if (!seen[i])
            abort();
    }
    tl_thread_start(&a, "storer-0", run_trials, &x[0]);
    tl_thread_start(&b, "storer-1", run_trials, &x[1]);
    tl_thread_join(&a);
    tl_thread_join(&b);
    /* Trial t's forbidden outcome: both loads saw an older trial's value,
     * i.e. each missed the other's store of t. In any single order of the
     * four accesses the later load comes after both stores, so sequential
     * consistency allows at most one miss per trial. */
    uint32_t both_missed = 0;
    trials = done[0] < done[1] ? done[0] : done[1];
    for (uint32_t t = 1; t <= trials; t++)
        both_missed += seen[0][t] < t && seen[1][t] < t;
    tl_note(ctx, "both loads missed both stores in %u of %u trials (%.3f%%); %u of 2 threads "
            "pinned to a CPU of their own", both_missed, trials, 100.0 * both_missed / trials,
            tl_atomic_load_u32(&pinned, tl_relaxed));
    tl_oracle(ctx, "sequentially consistent outcomes only", both_missed == 0,
              "r0 = r1 = 'old' (each thread missed the other's store) in %u of %u trials",
              both_missed, trials);
    free(seen[0]);
    free(seen[1]);
}

static void buggy(tl_ctx *ctx) { run(ctx, false); }
static void fixed(tl_ctx *ctx) { run(ctx, true); }

TL_SCENARIO(memory_store_buffering) = {
    .name = "memory.store_buffering",
    .category = "memory",
    .summary = "store my flag, load yours: with relaxed atomics both threads can miss",
    .concept = "store buffers; only seq_cst orders a store before a later load",
    .teaching =
        "Thread 0 stores x = 1 and loads y; thread 1 stores y = 1 and loads x. In any "
        "interleaving of the four steps, whichever load runs last comes after both stores, "
        "so at least one thread must see the other's 1. Real CPUs break this: an x86 core "
        "puts a store into its store buffer and lets a later load read memory before the "
        "store reaches it, so both loads can read 0. C11 allows exactly that for relaxed, "
        "and even for a release store followed by an acquire load (release and acquire "
        "order earlier accesses before a store and later ones after a load, never a store "
        "before a later load). Only seq_cst forbids it; on x86 the compiler then makes "
        "the store a locked exchange, which drains the store buffer. This is the core of "
        "Dekker's and Peterson's mutual exclusion, which break the same way. A litmus "
        "outcome cannot be forced by a handshake (the handshake's own fences would hide "
        "it), so each run does many trials and counts the forbidden outcome: the two "
        "threads are pinned to CPUs of their own (on one CPU they would only take turns) "
        "and meet before each trial to start it at the same moment (tl_litmus.h). A fixed "
        "run does --iterations trials; a buggy run, a demonstration, goes on past them "
        "until the outcome has shown (within a 5 s budget). The note gives the rate.",
    .detector_note = "TSan is silent here by design: every access is atomic, so there is no "
                     "data race, and TSan does not model store buffers (it cannot tell "
                     "relaxed from seq_cst outcomes). Only the oracle, counting forbidden "
                     "outcomes, shows the bug. A release store followed by an acquire load "
                     "is just as wrong in C11 and shows without a detector, but never under "
                     "TSan: its runtime takes a lock of its own for every release store, and "
                     "that locked instruction drains the store buffer (measured: 0 of 50000 "
                     "trials), so the buggy variant is relaxed. Under TSan its relaxed store "
                     "and load are the plain moves the compiler emits without TSan (invisible "
                     "to it): through TSan's runtime calls the outcome fell to about 1 in "
                     "25000 trials under gcc's, and to none on one CI machine (tl_litmus.h).",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 20000, .max_iterations = 20000000,
    .own_locking = "its subject is atomics and their memory order",
    .solo = true, /* its two threads pin themselves to the first two CPUs */
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "relaxed store, relaxed load",
         .differs = {{.detector = "helgrind", .expect = "data-race", .why = VALGRIND_SERIALISES},
                     {.detector = "drd", .expect = "data-race", .why = VALGRIND_SERIALISES}}},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "seq_cst store and load: one total order of all four"},
    },
};
