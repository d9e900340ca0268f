/* SPDX-License-Identifier: MIT */
/* race.publish: data, then a plain "ready" flag. */
#include "tl_scenario.h"

typedef struct {
    long price;
    long quantity;
} order;

static order the_order;            /* published data */
static int ready;                  /* buggy: a plain flag */
static tl_atomic_u32 ready_atomic; /* fixed: release/acquire */
static tl_turns_t turns = TL_TURNS_INIT;
static long seen_price, seen_quantity;
static bool seen_ready;

/* Buggy. Program order says "fill the order, then set ready", but with
 * plain variables neither the compiler nor the CPU has to keep that order
 * for another thread: the stores may become visible flag first. The
 * handshake makes the consumer look exactly in that window. */
static void *buggy_producer(void *arg)
{
    (void)arg;
    ready = 1;               /* the flag, visible first (as a reordering would) */
    tl_turn_pass(&turns);    /* the consumer looks now */
    tl_turn_wait(&turns, 2);
    the_order.price = 42;
    the_order.quantity = 3;
    return NULL;
}

static void *buggy_consumer(void *arg)
{
    (void)arg;
    tl_turn_wait(&turns, 1);
    seen_ready = ready;
    if (seen_ready) {
        seen_price = the_order.price;
        seen_quantity = the_order.quantity;
    }
    tl_turn_pass(&turns);
    return NULL;
}

static void *fixed_producer(void *arg)
{
    (void)arg;
    the_order.price = 42;
    the_order.quantity = 3;
    /* release: everything written above is visible to whoever acquires 1. */
    tl_atomic_store_u32(&ready_atomic, 1, tl_release);
    return NULL;
}

static void *fixed_consumer(void *arg)
{
    (void)arg;
    /* acquire: pairs with the producer's release store. */
    while (tl_atomic_load_u32(&ready_atomic, tl_acquire) == 0)
        tl_cpu_relax();
    seen_ready = true;
    seen_price = the_order.price;
    seen_quantity = the_order.quantity;
    return NULL;
}

static void run(tl_ctx *ctx, void *(*producer)(void *), void *(*consumer)(void *))
{
    tl_thread_t p, c;
    tl_thread_start(&c, "consumer", consumer, NULL);
    tl_thread_start(&p, "producer", producer, NULL);
    tl_thread_join(&p);
    tl_thread_join(&c);
    tl_oracle(ctx, "order seen after ready", seen_ready && seen_price == 42 && seen_quantity == 3,
              "ready=%d, price %ld (expected 42), quantity %ld (expected 3)", seen_ready,
              seen_price, seen_quantity);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_producer, buggy_consumer); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_producer, fixed_consumer); }

TL_SCENARIO(race_publish) = {
    .name = "race.publish",
    .category = "race",
    .summary = "data published with a plain flag is read stale",
    .concept = "publication: release/acquire ordering",
    .teaching =
        "The producer fills in an order and then sets ready; the consumer waits for ready "
        "and reads the order. With plain variables this is a data race, and nothing keeps "
        "the two stores in program order as seen from another thread: the compiler may "
        "reorder them, and weakly ordered CPUs do. The buggy variant forces the outcome such "
        "a reordering produces - the flag visible before the data - so the consumer reads "
        "ready = 1 and an empty order. The fix stores ready with release and loads it with "
        "acquire: everything the producer wrote before the release is visible to a consumer "
        "whose acquire reads it, on any compiler and any CPU.",
    .detector_note = "TSan reports the races on the plain flag and on the order's fields "
                     "(it does not need the reordering to happen: the accesses are "
                     "unordered).",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its variants use atomics: a release/acquire flag",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "plain flag; the consumer is forced to look when the flag is visible but "
                  "the data is not"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "release store of the flag, acquire load by the consumer",
         .differs = {{.detector = "helgrind", .expect = "data-race",
                      .why = "The fix is a C11 release store and acquire load of the flag. On x86-64 both are plain moves, and Valgrind sees machine code, not C11 orders: Helgrind finds no synchronisation and reports the flag and the order's fields as races. Measured: those races, every run."},
                     {.detector = "drd", .expect = "data-race",
                      .why = "The fix is a C11 release store and acquire load of the flag. On x86-64 both are plain moves, and Valgrind sees machine code, not C11 orders: DRD finds no synchronisation and reports the flag and the order's fields as races. Measured: those races, every run."}}},
    },
};
