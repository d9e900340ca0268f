/* SPDX-License-Identifier: MIT */
/* race.shared_library_global: two threads update a shared library's global
 * through its functions. */
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tl_scenario.h"

/* The library (scenarios/lib/tally.c) is built once per host, because TSan
 * sees only the code it instrumented; each host loads its own copy from the
 * folder it runs from (the build tree, or pkglibexecdir once installed). */
#if TL_TSAN && defined(__clang__)
#define TALLY_LIB "libtl-tally-tsan.so"
#elif TL_TSAN
#define TALLY_LIB "libtl-tally-tsan-gcc.so"
#else
#define TALLY_LIB "libtl-tally.so"
#endif

static struct {
    long (*add)(long);
    long (*add_locked)(long);
    long (*total_locked)(void);
    void (*add_mine)(long);
    long (*mine)(void);
    long (*total)(void);
    void (*set_between_hook)(void (*)(void));
} tally;

static tl_turns_t turns = TL_TURNS_INIT;
static _Thread_local bool hook_armed;

static void *symbol(void *lib, const char *name)
{
    void *p = dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "threadlab-host: race.shared_library_global: %s has no %s: %s\n",
                TALLY_LIB, name, dlerror());
        exit(3);
    }
    return p;
}

/* dlopen()s the library from the host's own folder. A missing library is a
 * build problem, not a scenario outcome: one line and exit 3. */
static void load_tally(void)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    char *slash = n > 0 ? (path[n] = '\0', strrchr(path, '/')) : NULL;
    if (!slash || (size_t)(slash - path) + sizeof "/" TALLY_LIB > sizeof path) {
        fprintf(stderr, "threadlab-host: race.shared_library_global: cannot find the "
                        "host's own folder to load %s from\n", TALLY_LIB);
        exit(3);
    }
    strcpy(slash + 1, TALLY_LIB);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "threadlab-host: race.shared_library_global: cannot load %s: %s "
                        "(make builds it beside the hosts)\n", path, dlerror());
        exit(3);
    }
    /* Kept loaded until the host exits: the threads have called into it. */
    *(void **)&tally.add = symbol(lib, "tally_add");
    *(void **)&tally.add_locked = symbol(lib, "tally_add_locked");
    *(void **)&tally.total_locked = symbol(lib, "tally_total_locked");
    *(void **)&tally.add_mine = symbol(lib, "tally_add_mine");
    *(void **)&tally.mine = symbol(lib, "tally_mine");
    *(void **)&tally.total = symbol(lib, "tally_total");
    *(void **)&tally.set_between_hook = symbol(lib, "tally_set_between_hook");
}

/* Runs inside tally_add, between its read and its write of the library's
 * global: for caller 0's first call, the place where caller 1 does a whole
 * update. */
static void between_read_and_write(void)
{
    if (!hook_armed)
        return;
    hook_armed = false;
    tl_turn_pass(&turns);    /* step 1: caller 0 has read the total */
    tl_turn_wait(&turns, 2); /* caller 1 adds meanwhile */
}

typedef struct {
    tl_ctx *ctx;
    unsigned index;
} caller_arg;

static void *caller_unsafe(void *p)
{
    caller_arg *c = p;
    if (c->index == 0) {
        hook_armed = true;
        tally.add(1); /* its write puts back a stale total */
    } else {
        tl_turn_wait(&turns, 1);
        tally.add(1);
        tl_turn_pass(&turns);
    }
    for (unsigned long i = 1; i < c->ctx->iterations; i++)
        tally.add(1);
    return NULL;
}

static void *caller_locked(void *p)
{
    caller_arg *c = p;
    for (unsigned long i = 0; i < c->ctx->iterations; i++)
        tally.add_locked(1);
    return NULL;
}

/* Each thread adds to its own copy inside the library and returns it by
 * value through the join. */
static void *caller_per_thread(void *p)
{
    caller_arg *c = p;
    for (unsigned long i = 0; i < c->ctx->iterations; i++)
        tally.add_mine(1);
    return (void *)(intptr_t)tally.mine();
}

static long run(tl_ctx *ctx, void *(*caller)(void *))
{
    tl_thread_t t[2];
    caller_arg args[2];
    long returned = 0;
    for (unsigned i = 0; i < 2; i++) {
        args[i] = (caller_arg){ctx, i};
        tl_thread_start(&t[i], i == 0 ? "caller-0" : "caller-1", caller, &args[i]);
    }
    for (unsigned i = 0; i < 2; i++)
        returned += (long)(intptr_t)tl_thread_join(&t[i]);
    return returned;
}

static void buggy(tl_ctx *ctx)
{
    load_tally();
    tally.set_between_hook(between_read_and_write);
    run(ctx, caller_unsafe);
    tl_oracle_expect_u64(ctx, "the library's total", 2 * ctx->iterations,
                         (uint64_t)tally.total());
}

static void fixed(tl_ctx *ctx)
{
    load_tally();
    run(ctx, caller_locked);
    tl_oracle_expect_u64(ctx, "the library's total", 2 * ctx->iterations,
                         (uint64_t)tally.total_locked());
}

static void fixed_per_thread(tl_ctx *ctx)
{
    load_tally();
    long sum = run(ctx, caller_per_thread);
    tl_oracle_expect_u64(ctx, "the per-thread totals' sum", 2 * ctx->iterations,
                         (uint64_t)sum);
}

TL_SCENARIO(race_shared_library_global) = {
    .name = "race.shared_library_global",
    .category = "race",
    .summary = "two threads update a shared library's global through its functions",
    .concept = "shared libraries: one copy of their code and data per process",
    .teaching =
        "A shared library is mapped once into the process: its code is shared like the "
        "program's own, and so is its data segment - a global inside the library is one "
        "variable for every thread, although the calling code never names it. Calling a "
        "library function from two threads is safe only if the library says so. Here "
        "libtl-tally (scenarios/lib/tally.c, loaded with dlopen) keeps a running total in "
        "a global, and tally_add() reads it, adds and writes it back - a race condition "
        "hidden behind a function call. The buggy variant forces one lost update inside "
        "the library (caller 0 reads the total, caller 1 does a whole update, caller 0 "
        "writes its stale sum) and then both race freely. Fix 1 is the library's "
        "thread-safe entry point, which takes the library's own lock around the update: "
        "serialising non-thread-safe code behind a lock. Fix 2 keeps no shared state at "
        "all: each thread adds to its own thread-local copy inside the library and returns "
        "it by value through the join, where the caller adds them up.",
    .detector_note = "TSan reports the race inside the library (scenarios/lib/tally.c, "
                     "'Location is global running_total' of libtl-tally-tsan.so): the host "
                     "loads a copy of the library built with TSan, because TSan sees only "
                     "instrumented code - an uninstrumented library's globals would race "
                     "unseen. Helgrind and DRD run the plain host and its plain copy: "
                     "Valgrind sees machine code, so they need no special build.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 20000, .max_iterations = 10000000,
    .own_locking = "the library takes its own pthread mutex, or keeps per-thread state",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "tally_add(): read, add, write of the library's global; one lost update "
                  "forced"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "tally_add_locked(): the library takes its own lock around the update"},
        {.name = "fixed-per-thread", .role = TL_ROLE_FIXED, .entry = fixed_per_thread,
         .expect = "",
         .about = "tally_add_mine(): a thread-local total inside the library, summed by the "
                  "caller after the joins"},
    },
};
