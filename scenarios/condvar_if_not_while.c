/* SPDX-License-Identifier: MIT */
/* condvar.if_not_while: `if` around a condition wait; a woken consumer finds the queue empty. */
#include <stdio.h>
#include "tl_scenario.h"

enum { CAPACITY = 4, NEVER_PUT = 0 };

/* A bounded FIFO of job numbers (1, 2, ...), guarded by queue_lock. A slot
 * never filled holds NEVER_PUT. */
static tl_lock_t queue_lock;
static tl_cond_t not_empty;
static unsigned slots[CAPACITY];
static unsigned head, tail; /* taken so far, put so far */

static tl_turns_t turns = TL_TURNS_INIT;

static void put(unsigned job) { slots[tail++ % CAPACITY] = job; }
static unsigned take(void) { return slots[head++ % CAPACITY]; }

typedef struct {
    unsigned job; /* what this consumer took */
} consumer;

/* Buggy: tests the condition once. Returning from the wait only means
 * "somebody signalled, or nobody did": the queue may be empty again by the
 * time this thread has the lock back. Forced: both consumers are waiting
 * (each passes its turn with the lock still held, so it is registered as a
 * waiter before the producer can take the lock), then one job and a
 * broadcast wake both; whichever gets the lock second takes from an empty
 * queue. */
static void *buggy_consumer(void *arg)
{
    consumer *c = arg;
    tl_lock_lock(&queue_lock);
    if (head == tail) {
        tl_turn_pass(&turns); /* I am about to wait (the lock still held) */
        tl_cond_wait(&not_empty, &queue_lock);
    }
    c->job = take();
    tl_lock_unlock(&queue_lock);
    tl_turn_pass(&turns); /* I have taken "my" job */
    return NULL;
}

static void *buggy_producer(void *arg)
{
    (void)arg;
    tl_turn_wait(&turns, 2); /* both consumers hold-and-wait: taking the lock proves they wait */
    tl_lock_lock(&queue_lock);
    put(1);
    tl_cond_broadcast(&not_empty); /* "the queue changed": every waiter looks again */
    tl_lock_unlock(&queue_lock);
    tl_turn_wait(&turns, 4); /* both have taken something */
    tl_lock_lock(&queue_lock);
    put(2);
    tl_cond_broadcast(&not_empty);
    tl_lock_unlock(&queue_lock);
    return NULL;
}

/* Fixed: the wait sits in a loop on the condition itself. Whatever woke the
 * thread - this broadcast, a signal meant for another, a spurious wakeup -
 * it takes a job only once it has seen one, with the lock held. */
static void *fixed_consumer(void *arg)
{
    consumer *c = arg;
    tl_lock_lock(&queue_lock);
    while (head == tail)
        tl_cond_wait(&not_empty, &queue_lock);
    c->job = take();
    tl_lock_unlock(&queue_lock);
    return NULL;
}

static void *fixed_producer(void *arg)
{
    (void)arg;
    for (unsigned job = 1; job <= 2; job++) {
        tl_lock_lock(&queue_lock);
        put(job);
        tl_cond_broadcast(&not_empty);
        tl_lock_unlock(&queue_lock);
    }
    return NULL;
}

static void run(tl_ctx *ctx, void *(*cons)(void *), void *(*prod)(void *))
{
    consumer c[2] = {{NEVER_PUT}, {NEVER_PUT}};
    tl_thread_t ct[2], pt;
    tl_ctx_lock_init(ctx, &queue_lock, "queue_lock");
    tl_cond_init(&not_empty, "not_empty");
    head = tail = 0;
    for (unsigned i = 0; i < CAPACITY; i++)
        slots[i] = NEVER_PUT;
    tl_thread_start(&ct[0], "consumer-a", cons, &c[0]);
    if (cons == buggy_consumer)
        tl_turn_wait(&turns, 1); /* a waits first, then b: their turns stay apart */
    tl_thread_start(&ct[1], "consumer-b", cons, &c[1]);
    tl_thread_start(&pt, "producer", prod, NULL);
    tl_thread_join(&pt);
    tl_thread_join(&ct[0]);
    tl_thread_join(&ct[1]);
    unsigned lo = c[0].job < c[1].job ? c[0].job : c[1].job;
    unsigned hi = c[0].job < c[1].job ? c[1].job : c[0].job;
    tl_oracle(ctx, "each consumer took a job that was put", lo == 1 && hi == 2,
              "expected jobs 1 and 2, got %u and %u%s", c[0].job, c[1].job,
              lo == NEVER_PUT ? " (job 0: a slot never filled - taken from an empty queue)" : "");
    tl_lock_lock(&queue_lock);
    tl_oracle(ctx, "queue ends empty", head == tail, "put %u, taken %u", tail, head);
    tl_lock_unlock(&queue_lock);
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_consumer, buggy_producer); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_consumer, fixed_producer); }

TL_SCENARIO(condvar_if_not_while) = {
    .name = "condvar.if_not_while",
    .category = "condvar",
    .summary = "`if` around a condition wait: a woken consumer takes from an empty queue",
    .concept = "a wakeup is a hint: re-check the predicate under the lock",
    .teaching =
        "A condition variable carries no state: returning from a wait says only that it is "
        "worth looking again, not that the condition holds. Between the signal and the moment "
        "the woken thread has the lock back, another thread may have taken the lock and "
        "changed the state; a broadcast wakes every waiter for one event; a signal may wake "
        "more than one; and POSIX allows spurious wakeups. The buggy consumer tests `if "
        "(empty)` once and then takes a job. Forced: both consumers wait on an empty queue, "
        "the producer puts one job and broadcasts; both wake, the first takes job 1, the "
        "second takes from the empty queue - a slot that was never filled - and the queue's "
        "count goes wrong (job 2 is then lost behind it). The fix is `while (empty) wait`: "
        "the wait is in a loop on the predicate, so a thread leaves it only when it has seen, "
        "with the lock held, that there is a job.",
    .detector_note =
        "TSan is silent by design: every access to the queue is made under queue_lock, so "
        "there is no data race - the bug is a wrong decision taken on stale knowledge, an "
        "atomicity violation between the wakeup and the take. The oracle sees it.",
    .threads = 3, .min_threads = 3, .max_threads = 3,
    .iterations = 1, .max_iterations = 1,
    .takes_lock = true,
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "`if (empty) wait`; one job and a broadcast wake both consumers"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "`while (empty) wait`: the predicate is re-checked after every wakeup"},
    },
};
