/* SPDX-License-Identifier: MIT */
/* race.realloc_shared: a pointer into a growable array outlives its block. */
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

/* A growable array of readings on the heap, shared by a writer that appends
 * and a reader that looks at one reading. Both take vec_lock for every
 * access to the array; the buggy reader keeps a pointer into the items past
 * the unlock. */
typedef struct {
    int *items;
    size_t len, cap;
} vec;

enum { WATCHED = 4, INITIAL_CAP = 8 };

static vec readings;
static tl_lock_t vec_lock;
static tl_turns_t turns = TL_TURNS_INIT;
/* The oracle's bookkeeping, atomic so that it adds no race of its own: how
 * often grow() has moved the items (a pointer taken before a move points
 * into a freed block), and whether the reader read through such a pointer. */
static tl_atomic_u32 moves;
static tl_atomic_u32 read_freed;
static unsigned long wrong_reads;
static int last_seen;

static int reading_value(size_t i) { return (int)(i * 10); }

/* Grows the array the way realloc() does when the block cannot grow where
 * it is: a new block, the items copied, the old block freed. realloc moves
 * or not as the heap happens to lie; this one always moves, so that the
 * stale pointer is shown on every run (the pointer is just as wrong when
 * realloc happens to grow in place: nothing promised it). */
static void grow(vec *v)
{
    size_t cap = v->cap * 2;
    int *items = malloc(cap * sizeof *items);
    if (!items)
        abort();
    memcpy(items, v->items, v->len * sizeof *items);
    tl_atomic_fetch_add_u32(&moves, 1, tl_relaxed);
    free(v->items);
    v->items = items;
    v->cap = cap;
}

/* Called with vec_lock held. */
static void append(vec *v, int value)
{
    if (v->len == v->cap)
        grow(v);
    v->items[v->len++] = value;
}

static void setup(tl_ctx *ctx)
{
    tl_ctx_lock_init(ctx, &vec_lock, "vec_lock");
    tl_oracle_words(&moves, sizeof moves);
    tl_oracle_words(&read_freed, sizeof read_freed);
    readings.cap = INITIAL_CAP;
    readings.items = malloc(readings.cap * sizeof *readings.items);
    if (!readings.items)
        abort();
    for (size_t i = 0; i < INITIAL_CAP; i++) /* full: the next append grows */
        append(&readings, reading_value(i));
}

/* The number of moves so far: taken with the pointer, compared at the read. */
static uint32_t moves_now(void) { return tl_atomic_load_u32(&moves, tl_relaxed); }

static void note_read(uint32_t moves_when_taken, int value)
{
    if (moves_now() != moves_when_taken)
        tl_atomic_store_u32(&read_freed, 1, tl_relaxed);
    if (value != reading_value(WATCHED))
        wrong_reads++;
    last_seen = value;
}

/* Buggy reader: finds the reading under the lock, keeps the pointer, lets go
 * of the lock and reads through the pointer later. The lock protected the
 * array while it was held; the pointer is into whichever block held the
 * items then. */
static void *reader_keeps_pointer(void *arg)
{
    (void)arg;
    tl_lock_lock(&vec_lock);
    const int *watched = &readings.items[WATCHED];
    uint32_t taken = moves_now();
    tl_lock_unlock(&vec_lock);
    tl_turn_pass(&turns);    /* step 1: the pointer is taken */
    tl_turn_wait(&turns, 2); /* forced: the writer appends and the array moves */
    int value = *watched;    /* a read of the freed old block */
    note_read(taken, value);
    return NULL;
}

/* Fix 1: the lock held over finding the reading and using it. */
static void *reader_locked(void *arg)
{
    tl_ctx *ctx = arg;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&vec_lock);
        const int *watched = &readings.items[WATCHED];
        uint32_t taken = moves_now();
        int value = *watched; /* the array cannot move while we hold the lock */
        note_read(taken, value);
        tl_lock_unlock(&vec_lock);
    }
    return NULL;
}

/* Fix 2: keep an index, not a pointer, and turn it into an address only
 * under the lock, afresh each time: an index stays right when the items move. */
static void *reader_index(void *arg)
{
    tl_ctx *ctx = arg;
    size_t watched = WATCHED;
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&vec_lock);
        uint32_t taken = moves_now();
        int value = readings.items[watched];
        note_read(taken, value);
        tl_lock_unlock(&vec_lock);
    }
    return NULL;
}

static void append_all(tl_ctx *ctx)
{
    for (unsigned long i = 0; i < ctx->iterations; i++) {
        tl_lock_lock(&vec_lock);
        append(&readings, reading_value(readings.len));
        tl_lock_unlock(&vec_lock);
    }
}

static void check(tl_ctx *ctx, unsigned long reads)
{
    bool freed = tl_atomic_load_u32(&read_freed, tl_relaxed) != 0;
    tl_oracle(ctx, "the reader reads the live array", !freed && wrong_reads == 0,
              "%s; %lu of %lu reads wrong (last saw %d, reading %d is %d)",
              freed ? "the reader read through a pointer into the block grow() had freed"
                    : "no read of a freed block",
              wrong_reads, reads, last_seen, WATCHED, reading_value(WATCHED));
    free(readings.items);
    tl_lock_destroy(&vec_lock);
}

static void buggy(tl_ctx *ctx)
{
    setup(ctx);
    tl_thread_t t;
    tl_thread_start(&t, "reader", reader_keeps_pointer, NULL);
    tl_turn_wait(&turns, 1);
    append_all(ctx); /* the first append grows: the items move */
    tl_turn_pass(&turns);
    tl_thread_join(&t);
    check(ctx, 1);
}

static void run_fixed(tl_ctx *ctx, void *(*reader)(void *))
{
    setup(ctx);
    tl_thread_t t;
    tl_thread_start(&t, "reader", reader, ctx);
    append_all(ctx);
    tl_thread_join(&t);
    check(ctx, ctx->iterations);
}

static void fixed(tl_ctx *ctx) { run_fixed(ctx, reader_locked); }
static void fixed_index(tl_ctx *ctx) { run_fixed(ctx, reader_index); }

TL_SCENARIO(race_realloc_shared) = {
    .name = "race.realloc_shared",
    .category = "race",
    .summary = "a pointer into a shared growable array is used after the array moved",
    .concept = "heap: a pointer into a block lives only as long as the block",
    .teaching =
        "A growable array lives in one heap block; when it is full, appending moves the "
        "items to a bigger block and frees the old one - that is what realloc() does "
        "whenever it cannot grow the block where it is. The writer and the reader share the "
        "array and both take its lock, yet the reader is wrong: it finds its reading under "
        "the lock, keeps a pointer to it, and lets go of the lock. The lock guarded the "
        "array while it was held; the pointer is into the block that held the items then. "
        "The buggy variant forces the order: the reader takes the pointer, the writer "
        "appends and the array moves, the reader reads through its pointer - into freed "
        "memory. Fix 1 holds the lock over both finding the reading and using it, so the "
        "array cannot move in between. Fix 2 keeps an index instead of a pointer and turns "
        "it into an address afresh under the lock each time: an index stays right when the "
        "items move, an address does not.",
    .detector_note = "TSan reports the read through the stale pointer as a "
                     "heap-use-after-free of the block grow() freed. The oracle records "
                     "the read of a freed block itself. Helgrind and DRD do not look for "
                     "use after free (Memcheck's job): under them the oracle shows it.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 64, .max_iterations = 100000,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "heap-use-after-free oracle:violated",
         .about = "the reader keeps a pointer into the items after the unlock; an append "
                  "moves them"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the lock held over finding the reading and reading it: the array cannot "
                  "move in between"},
        {.name = "fixed-index", .role = TL_ROLE_FIXED, .entry = fixed_index, .expect = "",
         .about = "the reader keeps an index and makes it an address under the lock, afresh "
                  "each time"},
    },
};
