/* SPDX-License-Identifier: MIT */
/* deadlock.semaphore_order: taking the mutex before waiting on the semaphore. */
#include <sched.h>
#include "tl_scenario.h"

enum { SLOTS = 4 };
static tl_lock_t buffer_lock;
static tl_tsem_t items;
static unsigned long buffer[SLOTS], head, tail, consumed_sum;
static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    tl_ctx *ctx;
    bool buggy;
} role_arg;

static void *consumer(void *p)
{
    role_arg *a = p;
    for (unsigned long i = 0; i < a->ctx->iterations; i++) {
        if (a->buggy) {
            tl_lock_lock(&buffer_lock); /* holds the buffer ... */
            if (i == 0)
                tl_turn_pass(&turns);   /* forced: the producer comes now */
            tl_tsem_wait(&items);       /* ... while waiting for an item */
        } else {
            tl_tsem_wait(&items);       /* wait first, holding nothing */
            tl_lock_lock(&buffer_lock);
        }
        consumed_sum += buffer[tail++ % SLOTS];
        tl_lock_unlock(&buffer_lock);
    }
    return NULL;
}

static void *producer(void *p)
{
    role_arg *a = p;
    if (a->buggy)
        tl_turn_wait(&turns, 1); /* the consumer holds the buffer lock */
    for (unsigned long i = 0; i < a->ctx->iterations; i++) {
        tl_lock_lock(&buffer_lock); /* blocks: the consumer holds it */
        buffer[head++ % SLOTS] = i + 1;
        tl_lock_unlock(&buffer_lock);
        tl_tsem_post(&items);
        /* The buffer has SLOTS places: keep at most that many ahead. */
        while (1) {
            tl_lock_lock(&buffer_lock);
            bool room = head - tail < SLOTS;
            tl_lock_unlock(&buffer_lock);
            if (room)
                break;
            sched_yield();
        }
    }
    return NULL;
}

static void run(tl_ctx *ctx, bool buggy)
{
    tl_thread_t c, p;
    role_arg arg = {ctx, buggy};
    tl_ctx_lock_init(ctx, &buffer_lock, "buffer_lock");
    tl_tsem_init(&items, 0, "items");
    tl_thread_start(&c, "consumer", consumer, &arg);
    tl_thread_start(&p, "producer", producer, &arg);
    tl_thread_join(&p);
    tl_thread_join(&c);
    unsigned long n = ctx->iterations;
    tl_oracle_expect_u64(ctx, "sum of consumed items", n * (n + 1) / 2, consumed_sum);
}

static void buggy(tl_ctx *ctx) { run(ctx, true); }
static void fixed(tl_ctx *ctx) { run(ctx, false); }

TL_SCENARIO(deadlock_semaphore_order) = {
    .name = "deadlock.semaphore_order",
    .category = "deadlock",
    .summary = "a consumer waits on the semaphore while holding the buffer lock",
    .concept = "resources without an owner: semaphores",
    .teaching =
        "A bounded buffer uses a semaphore to count items and a lock to guard the buffer. "
        "The buggy consumer takes the lock first and then waits for an item; the producer "
        "needs that same lock to put an item in. The consumer waits for the producer, which "
        "waits for the consumer's lock. Unlike a lock, a semaphore has no owner - any "
        "thread may post it - so there is no lock cycle to point at: the monitor sees every "
        "thread blocked (a hang) and the Coffman reading is by role: only the producer can "
        "post. The fix waits on the semaphore before taking the lock, so no thread holds the "
        "buffer while it waits for an item.",
    .coffman =
        "Mutual exclusion: the buffer lock has one holder (the consumer). Hold and wait: the "
        "consumer holds the buffer lock while it waits on the items semaphore. No "
        "preemption: nothing takes the lock from the consumer and neither wait can time "
        "out. Circular wait: the consumer waits for an item only the producer can post, "
        "and the producer waits for the lock the consumer holds.",
    .detector_note = "TSan reports nothing: the buffer is properly locked and a blocked "
                     "program is not a report. The live monitor sees both threads (and main, "
                     "joining) blocked; with no owner on a semaphore the verdict is hang.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1000, .max_iterations = 1000000,
    .takes_lock = true,
    .has_modes = false,
    /* Without the monitor (--no-monitor) a stuck run ends only at its
     * deadline: 4 s instead of the lab's 10. */
    .timeout_s = 4,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "monitor:hang",
         .about = "lock, then wait on the semaphore (forced: the producer arrives while the "
                  "consumer holds the lock)"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "wait on the semaphore first, then lock", .breaks = "hold and wait"},
    },
};
