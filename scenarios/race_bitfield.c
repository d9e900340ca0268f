/* SPDX-License-Identifier: MIT */
/* race.bitfield: neighbouring bit-fields, each under its own lock. */
#include "tl_scenario.h"

/* Two counters packed as bit-fields. Adjacent bit-fields are ONE memory
 * location in C11 (5.1.2.4 and 3.14): the compiler updates one by loading the
 * bytes it shares with its neighbour, changing its bits and storing the bytes
 * back. 12-bit fields share a byte whatever access width a compiler picks. */
typedef struct {
    unsigned reads : 12;  /* "guarded by" reads_lock */
    unsigned writes : 12; /* "guarded by" writes_lock */
} stats_packed;

/* The fix: a zero-width bit-field ends the allocation unit, so `writes`
 * starts a new memory location and neither update touches the other's
 * bytes (separate plain fields would do the same). */
typedef struct {
    unsigned reads : 12;
    unsigned : 0;
    unsigned writes : 12;
} stats_split;

static stats_packed packed;
static stats_split split;
static tl_lock_t reads_lock, writes_lock;
static tl_turns_t turns = TL_TURNS_INIT;
/* packed.writes just after the forced store (1 had it kept its update). */
static unsigned writes_after_forced_store;

enum { READS, WRITES };

typedef struct {
    tl_ctx *ctx;
    unsigned which;
} counter_arg;

/* Buggy, forced once: `packed.reads++` spelled out as the load, change and
 * store of the shared bytes the compiler emits for it, with the writes
 * counter's whole update between the load and the store. Each thread holds
 * "its" lock; the locks are different, so neither excludes the other. */
static void forced_lost_update(unsigned which)
{
    if (which == READS) {
        tl_lock_lock(&reads_lock);
        stats_packed word = packed;  /* load the unit: both counters */
        tl_turn_pass(&turns);        /* step 1 */
        tl_turn_wait(&turns, 2);     /* the writes counter is updated meanwhile */
        word.reads++;
        packed = word;               /* store the unit: the old `writes` goes back */
        /* Seen here, before the other thread goes on (step 3): later
         * unordered updates of both counters could lose one of each, and
         * two such losses can leave the totals looking right (seen once in
         * 10080 runs on a busy machine). */
        writes_after_forced_store = packed.writes;
        tl_lock_unlock(&reads_lock);
        tl_turn_pass(&turns);        /* step 3 */
    } else {
        tl_turn_wait(&turns, 1);
        tl_lock_lock(&writes_lock);
        packed.writes++;
        tl_lock_unlock(&writes_lock);
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 3);     /* the reads thread has stored and looked */
    }
}

static void *counter_packed_two_locks(void *p)
{
    counter_arg *c = p;
    forced_lost_update(c->which);
    for (unsigned long i = 0; i < c->ctx->iterations; i++) {
        if (c->which == READS) {
            tl_lock_lock(&reads_lock);
            packed.reads++;
            tl_lock_unlock(&reads_lock);
        } else {
            tl_lock_lock(&writes_lock);
            packed.writes++;
            tl_lock_unlock(&writes_lock);
        }
    }
    return NULL;
}

/* Fix 1: separate memory locations, each under its own lock. */
static void *counter_split(void *p)
{
    counter_arg *c = p;
    for (unsigned long i = 0; i < c->ctx->iterations; i++) {
        if (c->which == READS) {
            tl_lock_lock(&reads_lock);
            split.reads++;
            tl_lock_unlock(&reads_lock);
        } else {
            tl_lock_lock(&writes_lock);
            split.writes++;
            tl_lock_unlock(&writes_lock);
        }
    }
    return NULL;
}

/* Fix 2: the packed struct kept, and one lock for the memory location - both
 * fields - instead of one per field. */
static void *counter_packed_one_lock(void *p)
{
    counter_arg *c = p;
    for (unsigned long i = 0; i < c->ctx->iterations; i++) {
        tl_lock_lock(&reads_lock);
        if (c->which == READS)
            packed.reads++;
        else
            packed.writes++;
        tl_lock_unlock(&reads_lock);
    }
    return NULL;
}

static void run(tl_ctx *ctx, void *(*counter)(void *))
{
    tl_ctx_lock_init(ctx, &reads_lock, "reads_lock");
    tl_ctx_lock_init(ctx, &writes_lock, "writes_lock");
    tl_thread_t t[2];
    counter_arg args[2] = {{ctx, READS}, {ctx, WRITES}};
    tl_thread_start(&t[0], "count-reads", counter, &args[0]);
    tl_thread_start(&t[1], "count-writes", counter, &args[1]);
    tl_thread_join(&t[0]);
    tl_thread_join(&t[1]);
    tl_lock_destroy(&reads_lock);
    tl_lock_destroy(&writes_lock);
}

static void check(tl_ctx *ctx, unsigned long reads, unsigned long writes, unsigned long extra)
{
    unsigned long expected = ctx->iterations + extra;
    tl_oracle(ctx, "both counters complete", reads == expected && writes == expected,
              "reads %lu, writes %lu (expected %lu each)", reads, writes, expected);
}

static void buggy(tl_ctx *ctx)
{
    run(ctx, counter_packed_two_locks);
    tl_oracle(ctx, "the writes counter kept its update", writes_after_forced_store == 1,
              "packed.writes was %u just after the reads counter's store, not 1: the store "
              "of the shared bytes put the old value back", writes_after_forced_store);
    check(ctx, packed.reads, packed.writes, 1); /* +1: the forced updates */
}

static void fixed(tl_ctx *ctx)
{
    run(ctx, counter_split);
    check(ctx, split.reads, split.writes, 0);
}

static void fixed_one_lock(tl_ctx *ctx)
{
    run(ctx, counter_packed_one_lock);
    check(ctx, packed.reads, packed.writes, 0);
}

TL_SCENARIO(race_bitfield) = {
    .name = "race.bitfield",
    .category = "race",
    .summary = "neighbouring bit-fields under different locks lose each other's updates",
    .concept = "shared data: a lock guards a memory location, not a field name",
    .teaching =
        "Two counters of a shared struct are packed as bit-fields, and each has its own "
        "lock: one thread counts reads under reads_lock, another writes under writes_lock. "
        "It looks like two variables with two locks, but C11 says adjacent bit-fields are "
        "one memory location: the machine cannot store 12 bits, so `reads++` loads the "
        "bytes it shares with `writes`, changes its bits and stores all of them back. The "
        "two locks exclude nothing from each other, so a store of `reads` can put back an "
        "old `writes`. The buggy variant forces that once (the reads thread loads the "
        "shared bytes, the writes thread increments, the reads thread stores), then both "
        "count freely. The rule to take away: a lock protects memory locations, and two "
        "locks must never guard parts of one location. Fix 1 gives each counter its own "
        "memory location (a zero-width bit-field starts a new unit; two plain fields would "
        "do too), keeping a lock each. Fix 2 keeps the packing and guards the whole "
        "location with one lock.",
    .detector_note = "TSan reports the two counters' updates as a data race on the shared "
                     "bytes, although each thread holds a lock: the locks differ, so TSan "
                     "sees no order between the accesses.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = 4000, /* 12-bit counters: 4001 < 4096 */
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "two adjacent bit-fields, a lock each; one lost update forced"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "a zero-width bit-field between them: two memory locations, a lock each"},
        {.name = "fixed-one-lock", .role = TL_ROLE_FIXED, .entry = fixed_one_lock, .expect = "",
         .about = "the packed struct kept, one lock for the one memory location"},
    },
};
