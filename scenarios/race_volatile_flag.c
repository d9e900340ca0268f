/* SPDX-License-Identifier: MIT */
/* race.volatile_flag: `volatile` used as synchronisation. */
#include "tl_scenario.h"

typedef struct {
    long id;
    long amount;
} message;

static message msg;                  /* the data handed over */
static volatile int ready;           /* buggy: a volatile flag */
static tl_atomic_u32 ready_atomic;   /* fix 1: release/acquire */
static int ready_locked;             /* fix 2: under msg_lock */
static tl_lock_t msg_lock;
static tl_cond_t msg_ready;
static tl_turns_t turns = TL_TURNS_INIT;
static long got_id, got_amount;

/* Buggy. volatile makes every access to `ready` really happen, in program
 * order with the other volatile accesses - and that is all. The plain loads
 * of the message are not ordered against the volatile load of the flag: the
 * compiler may load the message first (and a CPU may too), and the C11
 * memory model calls the flag's unsynchronised accesses a data race anyway.
 * The consumer is forced into exactly that reordered outcome: it loads the
 * message, then the producer fills it and raises the flag, then the
 * consumer's volatile loop sees the flag and uses what it loaded. */
static void *buggy_consumer(void *arg)
{
    (void)arg;
    long id = msg.id;        /* the message loads, hoisted above the flag's */
    long amount = msg.amount;
    tl_turn_pass(&turns);    /* step 1: the producer runs now */
    tl_turn_wait(&turns, 2);
    while (!ready)           /* a volatile load, every time round */
        tl_cpu_relax();
    got_id = id;
    got_amount = amount;
    return NULL;
}

static void *buggy_producer(void *arg)
{
    (void)arg;
    tl_turn_wait(&turns, 1);
    msg.id = 7;
    msg.amount = 250;
    ready = 1;               /* volatile: a store that happens - not a release */
    tl_turn_pass(&turns);
    return NULL;
}

/* Fix 1: a C11 atomic flag. The release store orders the message's stores
 * before it; the acquire load orders the message's loads after it; a consumer
 * whose acquire load reads 1 sees the whole message. */
static void *atomic_consumer(void *arg)
{
    (void)arg;
    while (tl_atomic_load_u32(&ready_atomic, tl_acquire) == 0)
        tl_cpu_relax();
    got_id = msg.id;
    got_amount = msg.amount;
    return NULL;
}

static void *atomic_producer(void *arg)
{
    (void)arg;
    msg.id = 7;
    msg.amount = 250;
    tl_atomic_store_u32(&ready_atomic, 1, tl_release);
    return NULL;
}

/* Fix 2: the flag and the message under one lock, and a condition variable
 * to wait on instead of spinning: the unlock/lock pair orders everything. */
static void *locked_consumer(void *arg)
{
    (void)arg;
    tl_lock_lock(&msg_lock);
    while (!ready_locked)
        tl_cond_wait(&msg_ready, &msg_lock);
    got_id = msg.id;
    got_amount = msg.amount;
    tl_lock_unlock(&msg_lock);
    return NULL;
}

static void *locked_producer(void *arg)
{
    (void)arg;
    tl_lock_lock(&msg_lock);
    msg.id = 7;
    msg.amount = 250;
    ready_locked = 1;
    tl_cond_signal(&msg_ready);
    tl_lock_unlock(&msg_lock);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*producer)(void *), void *(*consumer)(void *))
{
    tl_thread_t p, c;
    tl_thread_start(&c, "consumer", consumer, NULL);
    tl_thread_start(&p, "producer", producer, NULL);
    tl_thread_join(&p);
    tl_thread_join(&c);
    tl_oracle(ctx, "the consumer sees the message", got_id == 7 && got_amount == 250,
              "id %ld, amount %ld (expected 7, 250)", got_id, got_amount);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_producer, buggy_consumer); }
static void fixed(tl_ctx *ctx) { run(ctx, atomic_producer, atomic_consumer); }

static void fixed_lock(tl_ctx *ctx)
{
    tl_ctx_lock_init(ctx, &msg_lock, "msg_lock");
    tl_cond_init(&msg_ready, "msg_ready");
    run(ctx, locked_producer, locked_consumer);
    tl_lock_destroy(&msg_lock);
}

TL_SCENARIO(race_volatile_flag) = {
    .name = "race.volatile_flag",
    .category = "race",
    .summary = "a volatile flag does not publish the data written before it",
    .concept = "shared data: volatile is not synchronisation",
    .teaching =
        "A producer fills a message and raises a `volatile int ready`; the consumer spins "
        "until it sees the flag and reads the message. volatile only promises that each "
        "access to the flag really happens, in order with other volatile accesses. It "
        "orders nothing else: the plain accesses to the message may move across the flag's "
        "(the compiler may load the message before the flag, or store the flag before the "
        "message; a weakly ordered CPU may do the same), and to C11 the unsynchronised "
        "flag is a data race like any plain variable. The buggy variant forces the outcome "
        "of such a reordering on the consumer's side: it loads the message, the producer "
        "fills it and raises the flag, the consumer sees the flag and uses the stale "
        "message. Fix 1 makes the flag a C11 atomic: a release store after the message, an "
        "acquire load before reading it, so whoever sees the flag sees the message. Fix 2 "
        "puts flag and message under one lock and waits on a condition variable instead "
        "of spinning.",
    .detector_note = "TSan reports the races on the message's fields: the consumer's loads "
                     "against the producer's stores. It does not need the reordering to "
                     "happen: the accesses are unordered, and volatile orders nothing. "
                     "Measured here: gcc's TSan also reports the flag's own race (the "
                     "volatile load against the volatile store); clang 14's reports only "
                     "the message's fields. Either way TSan never takes a volatile access "
                     "for synchronisation.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "a volatile flag; the consumer is forced to have loaded the message before "
                  "it was written"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "a C11 atomic flag: release store, acquire load",
         .differs = {{.detector = "helgrind", .expect = "data-race",
                      .why = "The fix is a C11 release store and acquire load of the flag. On "
                             "x86-64 both are plain moves, and Valgrind sees machine code, "
                             "not C11 orders: Helgrind finds no synchronisation and reports "
                             "the flag and the message's fields as races. Measured: those "
                             "races, every run."},
                     {.detector = "drd", .expect = "data-race",
                      .why = "The fix is a C11 release store and acquire load of the flag. On "
                             "x86-64 both are plain moves, and Valgrind sees machine code, "
                             "not C11 orders: DRD finds no synchronisation and reports the "
                             "flag and the message's fields as races. Measured: those races, "
                             "every run."}}},
        {.name = "fixed-lock", .role = TL_ROLE_FIXED, .entry = fixed_lock, .expect = "",
         .about = "flag and message under the run's lock (--lock), a condition variable to "
                  "wait on"},
    },
};
