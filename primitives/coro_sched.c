/* SPDX-License-Identifier: MIT */
/* The round-robin scheduler of tl_coro.h. The run queue is a ring of
 * coroutines (and each one's first argument) under one lock, the lab's
 * futex mutex taken through the generic lock layer (tl_lock.h), which tells
 * the detectors it is a lock: TSan and Helgrind then order what one worker
 * did to a coroutine - its saved registers, its stack - before the next
 * worker resumes it. (The bare tl_mutex_t orders it too, but only through
 * C11 atomics, which Helgrind cannot see: it reported the queue as racy.)
 *
 * Invariant, under the lock: every coroutine added and not finished is
 * either in the ring or being run by exactly one worker; `live` counts them.
 * A worker that finds the ring empty while live > 0 waits for a running one
 * to come back (yielding its CPU); once live == 0 every worker stops. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tl_coro.h"
#include "tl_lock.h"
#include "tl_track.h"

struct tl_coro_sched {
    tl_lock_t lock;
    tl_coro **ring;
    void **first_arg;       /* the value of a coroutine's first resume; then NULL */
    unsigned capacity, head, count;
    unsigned live;
    unsigned long resumes;
    bool lock_ready;
};

tl_coro_sched *tl_coro_sched_new(unsigned capacity)
{
    /* aligned: the lock sits on cache lines of its own (tl_lock.h). */
    tl_coro_sched *s = aligned_alloc(_Alignof(tl_coro_sched), sizeof *s);
    if (!s)
        return NULL;
    memset(s, 0, sizeof *s);
    s->ring = calloc(capacity ? capacity : 1, sizeof *s->ring);
    s->first_arg = calloc(capacity ? capacity : 1, sizeof *s->first_arg);
    if (!s->ring || !s->first_arg) {
        tl_coro_sched_free(s);
        return NULL;
    }
    s->capacity = capacity ? capacity : 1;
    tl_lock_init_by_name(&s->lock, "mutex", "run-queue");
    s->lock_ready = true;
    return s;
}

/* Under the lock. */
static void push(tl_coro_sched *s, tl_coro *co, void *arg)
{
    unsigned tail = (s->head + s->count) % s->capacity;
    s->ring[tail] = co;
    s->first_arg[tail] = arg;
    s->count++;
}

bool tl_coro_sched_add(tl_coro_sched *s, tl_coro *co, void *arg)
{
    tl_lock_lock(&s->lock);
    bool ok = s->count < s->capacity && !tl_coro_finished(co);
    if (ok) {
        push(s, co, arg);
        s->live++;
    }
    tl_lock_unlock(&s->lock);
    return ok;
}

static void work(tl_coro_sched *s)
{
    for (;;) {
        tl_lock_lock(&s->lock);
        if (s->count == 0) {
            bool done = s->live == 0;
            tl_lock_unlock(&s->lock);
            if (done)
                return;
            sched_yield(); /* the others are out running: wait for one back */
            continue;
        }
        tl_coro *co = s->ring[s->head];
        void *arg = s->first_arg[s->head];
        s->head = (s->head + 1) % s->capacity;
        s->count--;
        s->resumes++;
        tl_lock_unlock(&s->lock);

        tl_coro_resume(co, arg);

        tl_lock_lock(&s->lock);
        if (tl_coro_finished(co))
            s->live--;
        else
            push(s, co, NULL); /* to the back: round robin */
        tl_lock_unlock(&s->lock);
    }
}

typedef struct {
    tl_coro_sched *s;
    unsigned index;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    char name[16];
    snprintf(name, sizeof name, "coro-worker-%u", w->index);
    pthread_setname_np(pthread_self(), name);
    tl_track_thread_begin(name);
    work(w->s);
    tl_track_thread_end();
    return NULL;
}

unsigned long tl_coro_sched_run(tl_coro_sched *s, unsigned threads)
{
    if (threads <= 1) {
        /* One thread: each coroutine can only ever be resumed here. */
        uint32_t me = tl_track_self();
        tl_lock_lock(&s->lock);
        for (unsigned i = 0; i < s->count; i++)
            tl_coro_pin(s->ring[(s->head + i) % s->capacity], me);
        tl_lock_unlock(&s->lock);
        work(s);
    } else {
        pthread_t *t = calloc(threads, sizeof *t);
        worker_arg *w = calloc(threads, sizeof *w);
        unsigned started = 0;
        for (unsigned i = 0; t && w && i < threads; i++) {
            w[i] = (worker_arg){s, i};
            if (pthread_create(&t[i], NULL, worker, &w[i]) == 0)
                started++;
            else
                break;
        }
        if (started == 0)
            work(s); /* no thread to be had: do it here */
        for (unsigned i = 0; i < started; i++)
            pthread_join(t[i], NULL);
        free(t);
        free(w);
    }
    tl_lock_lock(&s->lock);
    unsigned long n = s->resumes;
    tl_lock_unlock(&s->lock);
    return n;
}

void tl_coro_sched_free(tl_coro_sched *s)
{
    if (!s)
        return;
    if (s->lock_ready)
        tl_lock_destroy(&s->lock);
    free(s->ring);
    free(s->first_arg);
    free(s);
}
