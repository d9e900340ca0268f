/* SPDX-License-Identifier: MIT */
/* reentrancy.rand: rand()'s one generator state, shared by every thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

enum { DRAWS = 3, SEED = 42 };

static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    unsigned order; /* 0 or 1: its place in the forced interleaving */
    long got[DRAWS];
} simulation;

/* Buggy: each simulation seeds "its" generator with SEED and expects the
 * sequence that seed gives - a reproducible run. But srand and rand work on
 * one state in the C library for the whole process. glibc takes a lock in
 * every call, so each single call is atomic (the state is never torn, no
 * number is handed out twice); the sequence a thread sees is still cut up
 * by the other thread's calls. Forced: a seeds and draws, b seeds again
 * (restarting the shared sequence) and draws, then they alternate. */
static void *buggy_main(void *arg)
{
    simulation *s = arg;
    unsigned me = s->order;
    if (me == 1)
        tl_turn_wait(&turns, 1); /* a has seeded and drawn once */
    srand(SEED);
    for (unsigned i = 0; i < DRAWS; i++) {
        tl_turn_wait(&turns, 2 * i + me); /* draws alternate: a, b, a, b, ... */
        s->got[i] = rand();
        tl_turn_pass(&turns);
    }
    return NULL;
}

/* Fixed 1: rand_r keeps the state in the caller's `seed`, one per thread -
 * reentrant, and each thread's sequence depends on nothing else. */
static void *fixed_rand_r_main(void *arg)
{
    simulation *s = arg;
    unsigned seed = SEED;
    for (unsigned i = 0; i < DRAWS; i++)
        s->got[i] = rand_r(&seed);
    return NULL;
}

/* Fixed 2: nrand48, the same idea with a 48-bit state the caller owns (and
 * a better generator than rand_r's single unsigned). */
static void *fixed_nrand48_main(void *arg)
{
    simulation *s = arg;
    unsigned short state[3] = {SEED, 0, 0};
    for (unsigned i = 0; i < DRAWS; i++)
        s->got[i] = nrand48(state);
    return NULL;
}

/* The sequence one simulation alone gets from SEED, computed before any
 * thread starts. */
static void reference(int how, long out[DRAWS])
{
    unsigned seed = SEED;
    unsigned short state[3] = {SEED, 0, 0};
    if (how == 0)
        srand(SEED);
    for (unsigned i = 0; i < DRAWS; i++)
        out[i] = how == 0 ? rand() : how == 1 ? rand_r(&seed) : nrand48(state);
}

static void format(char *buf, size_t size, const long v[DRAWS])
{
    snprintf(buf, size, "%ld %ld %ld", v[0], v[1], v[2]);
}

static void run(tl_ctx *ctx, int how, void *(*fn)(void *))
{
    simulation s[2] = {{.order = 0}, {.order = 1}};
    tl_thread_t th[2];
    long want[DRAWS];
    char want_text[64];
    reference(how, want);
    format(want_text, sizeof want_text, want);
    tl_thread_start(&th[0], "simulation-a", fn, &s[0]);
    tl_thread_start(&th[1], "simulation-b", fn, &s[1]);
    tl_thread_join(&th[0]);
    tl_thread_join(&th[1]);
    for (int i = 0; i < 2; i++) {
        char got_text[64], what[40];
        format(got_text, sizeof got_text, s[i].got);
        snprintf(what, sizeof what, "simulation-%c's sequence from seed %d", 'a' + i, SEED);
        tl_oracle(ctx, what, memcmp(want, s[i].got, sizeof want) == 0,
                  "expected '%s', got '%s'", want_text, got_text);
    }
}

static void buggy(tl_ctx *ctx) { run(ctx, 0, buggy_main); }
static void fixed_rand_r(tl_ctx *ctx) { run(ctx, 1, fixed_rand_r_main); }
static void fixed_nrand48(tl_ctx *ctx) { run(ctx, 2, fixed_nrand48_main); }

TL_SCENARIO(reentrancy_rand) = {
    .name = "reentrancy.rand",
    .category = "reentrancy",
    .summary = "two simulations seed rand() alike and expect the same sequence; they share one",
    .concept = "hidden shared state: a thread-safe call is not a reentrant one",
    .teaching =
        "rand() keeps its generator state between calls in the C library: one state for the "
        "whole process, which srand() resets. Two simulations that each call srand(42) to get a "
        "reproducible run share that state, so each sees the numbers the other did not take. "
        "The buggy variant forces simulation-b to seed between a's first and second draw: a gets "
        "'r1 r2 r4', b 'r1 r3 r5' instead of 'r1 r2 r3' each. glibc's rand takes an internal "
        "lock, so it is thread-safe in the narrow sense - the state is never corrupted, no draw "
        "is lost or handed out twice - but the lock makes one call atomic, not a thread's "
        "sequence of calls: the state still belongs to everybody. Thread-safe is not the same "
        "as reentrant. The fixes make the state explicit and per caller: rand_r(&seed) (POSIX; "
        "a weak generator, obsolescent) and nrand48(state) each keep it in a variable the "
        "thread owns, so the sequence depends on the seed alone.",
    .detector_note =
        "TSan is silent by design: the generator state is inside the C library, which is not "
        "instrumented, and glibc's own lock makes each call atomic, so there is no data race "
        "to find even in principle. The bug is a wrong sequence, which only the oracle sees.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fixes give each thread its own generator state; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "srand(42) and rand() in both threads; b seeds between a's draws"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed_rand_r, .expect = "",
         .about = "rand_r(&seed): the state is the caller's seed, one per thread"},
        {.name = "fixed-nrand48", .role = TL_ROLE_FIXED, .entry = fixed_nrand48, .expect = "",
         .about = "nrand48(state): a 48-bit state array the caller owns"},
    },
};
