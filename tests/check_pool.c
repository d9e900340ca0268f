/* SPDX-License-Identifier: MIT */
/* The thread pool (tl_pool.h): every submitted task runs exactly once,
 * under many submitters and several lock kinds; a wait returns after its
 * task ran, with what the task wrote visible (TSan checks that in the TSan
 * build); shutdown drains or cancels and joins every worker; a task that
 * runs its queued sub-task inline never waits for a free worker. */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include "suites.h"
#include "tl_atomic.h"
#include "tl_pool.h"

enum { SUBMITTERS = 4, PER_SUBMITTER = 2000 / TL_TEST_SCALE, TASKS = SUBMITTERS * PER_SUBMITTER };

static tl_atomic_u32 runs[TASKS];

static void count_run(void *arg)
{
    /* relaxed: a count read after shutdown has joined the workers. */
    tl_atomic_fetch_add_u32(arg, 1, tl_relaxed);
}

typedef struct {
    tl_pool_t *pool;
    unsigned first;
} submitter_t;

/* Half the handles are waited for, half released: both paths free them. */
static void *submit_many(void *arg)
{
    submitter_t *s = arg;
    for (unsigned i = 0; i < PER_SUBMITTER; i++) {
        tl_pool_task_t *t = tl_pool_submit(s->pool, count_run, &runs[s->first + i]);
        ck_assert_ptr_nonnull(t);
        if (i % 2)
            ck_assert(tl_pool_wait(t));
        else
            tl_pool_release(t);
    }
    return NULL;
}

static void every_task_once(const char *kind, unsigned workers)
{
    for (unsigned i = 0; i < TASKS; i++)
        tl_atomic_store_u32(&runs[i], 0, tl_relaxed);
    tl_pool_t *p = tl_pool_create(workers, "test", kind);
    ck_assert_ptr_nonnull(p);
    pthread_t th[SUBMITTERS];
    submitter_t sub[SUBMITTERS];
    for (unsigned i = 0; i < SUBMITTERS; i++) {
        sub[i] = (submitter_t){p, i * PER_SUBMITTER};
        ck_assert_int_eq(pthread_create(&th[i], NULL, submit_many, &sub[i]), 0);
    }
    for (unsigned i = 0; i < SUBMITTERS; i++)
        pthread_join(th[i], NULL);
    ck_assert_uint_eq(tl_pool_shutdown(p, TL_POOL_DRAIN), 0);
    for (unsigned i = 0; i < TASKS; i++)
        ck_assert_msg(tl_atomic_load_u32(&runs[i], tl_relaxed) == 1,
                      "%s: task %u ran %u times", kind, i,
                      tl_atomic_load_u32(&runs[i], tl_relaxed));
    tl_pool_stats s = tl_pool_stats_get(p);
    ck_assert_uint_eq(s.submitted, TASKS);
    ck_assert_uint_eq(s.completed, TASKS);
    ck_assert_uint_eq(s.cancelled, 0);
    ck_assert_uint_eq(s.workers, workers);
    tl_pool_destroy(p);
}

START_TEST(test_every_task_runs_once)
{
    static const char *const kinds[] = {"mutex", "rwlock-wp", "pthread-mutex", "ttas-eb"};
    every_task_once(kinds[_i], 1 + (unsigned)_i % 3);
}
END_TEST

/* A plain write by the task, a plain read after the wait: the wait must
 * order them (TSan would report a race otherwise) and must not return
 * before the task ran. */
typedef struct {
    int result;
} answer_t;

static void compute(void *arg)
{
    ((answer_t *)arg)->result = 42;
}

START_TEST(test_wait_returns_after_the_task_ran)
{
    tl_pool_t *p = tl_pool_create(2, NULL, NULL);
    ck_assert_ptr_nonnull(p);
    for (int round = 0; round < 200; round++) {
        answer_t a = {0};
        tl_pool_task_t *t = tl_pool_submit(p, compute, &a);
        ck_assert(tl_pool_wait(t));
        ck_assert_int_eq(a.result, 42);
    }
    tl_pool_destroy(p);
}
END_TEST

/* Every worker runs one task that waits until all of them have one, so
 * each worker has run a task (and set a thread-specific value, whose
 * destructor runs as the thread exits). Once shutdown returns, every
 * worker has exited: each destructor has run. */
static pthread_key_t exit_key;
static tl_atomic_u32 exited;
static pthread_barrier_t all_busy;

static void note_exit(void *value)
{
    (void)value;
    tl_atomic_fetch_add_u32(&exited, 1, tl_relaxed);
}

static void hold_a_worker(void *arg)
{
    (void)arg;
    pthread_setspecific(exit_key, &exit_key);
    pthread_barrier_wait(&all_busy);
}

START_TEST(test_shutdown_joins_every_worker)
{
    enum { WORKERS = 4 };
    tl_atomic_store_u32(&exited, 0, tl_relaxed);
    ck_assert_int_eq(pthread_key_create(&exit_key, note_exit), 0);
    pthread_barrier_init(&all_busy, NULL, WORKERS);
    tl_pool_t *p = tl_pool_create(WORKERS, "joins", "mutex");
    for (int i = 0; i < WORKERS; i++)
        tl_pool_release(tl_pool_submit(p, hold_a_worker, NULL));
    tl_pool_shutdown(p, TL_POOL_DRAIN);
    ck_assert_uint_eq(tl_atomic_load_u32(&exited, tl_relaxed), WORKERS);
    ck_assert_uint_eq(tl_pool_shutdown(p, TL_POOL_DRAIN), 0); /* again: nothing to do */
    ck_assert_ptr_null(tl_pool_submit(p, count_run, &runs[0])); /* refused */
    tl_pool_destroy(p);
    pthread_barrier_destroy(&all_busy);
    pthread_key_delete(exit_key);
}
END_TEST

/* One worker, busy with a task that waits for `go`; two more queued. A
 * cancelling shutdown (on another thread, since it joins) drops the two:
 * their waits say false at once, while the first task still runs; then it
 * finishes and its wait says true. */
static sem_t go, started;

static void wait_for_go(void *arg)
{
    (void)arg;
    sem_post(&started);
    sem_wait(&go);
}

static void *cancel_pool(void *arg)
{
    return (void *)(uintptr_t)tl_pool_shutdown(arg, TL_POOL_CANCEL);
}

START_TEST(test_cancel_drops_queued_tasks)
{
    sem_init(&go, 0, 0);
    sem_init(&started, 0, 0);
    tl_atomic_store_u32(&runs[0], 0, tl_relaxed);
    tl_pool_t *p = tl_pool_create(1, "cancel", NULL);
    tl_pool_task_t *busy = tl_pool_submit(p, wait_for_go, NULL);
    sem_wait(&started); /* the worker has it: it is not queued any more */
    tl_pool_task_t *b = tl_pool_submit(p, count_run, &runs[0]);
    tl_pool_task_t *c = tl_pool_submit(p, count_run, &runs[0]);
    pthread_t stopper;
    pthread_create(&stopper, NULL, cancel_pool, p);
    ck_assert(!tl_pool_wait(b)); /* returns only once cancelled: go not posted yet */
    ck_assert(!tl_pool_wait(c));
    sem_post(&go);
    ck_assert(tl_pool_wait(busy));
    void *cancelled;
    pthread_join(stopper, &cancelled);
    ck_assert_uint_eq((uintptr_t)cancelled, 2);
    ck_assert_uint_eq(tl_atomic_load_u32(&runs[0], tl_relaxed), 0);
    tl_pool_stats s = tl_pool_stats_get(p);
    ck_assert_uint_eq(s.completed, 1);
    ck_assert_uint_eq(s.cancelled, 2);
    tl_pool_destroy(p);
    sem_destroy(&go);
    sem_destroy(&started);
}
END_TEST

/* One worker; its task needs a sub-task queued behind it. tl_pool_wait
 * would wait for a free worker for ever; wait_or_run runs it inline. */
typedef struct {
    tl_pool_t *pool;
    answer_t inner;
} outer_t;

static void outer_task(void *arg)
{
    outer_t *o = arg;
    tl_pool_task_t *sub = tl_pool_submit_named(o->pool, compute, &o->inner, "inner");
    ck_assert(tl_pool_wait_or_run(sub));
}

START_TEST(test_wait_or_run_needs_no_free_worker)
{
    tl_pool_t *p = tl_pool_create(1, "nested", NULL);
    for (int round = 0; round < 100; round++) {
        outer_t o = {p, {0}};
        ck_assert(tl_pool_wait(tl_pool_submit_named(p, outer_task, &o, "outer")));
        ck_assert_int_eq(o.inner.result, 42);
    }
    ck_assert_uint_eq(tl_pool_stats_get(p).own_waits, 0); /* wait_or_run is not counted */
    tl_pool_destroy(p);
}
END_TEST

START_TEST(test_bad_arguments)
{
    ck_assert_ptr_null(tl_pool_create(0, "none", NULL));
    ck_assert_ptr_null(tl_pool_create(TL_POOL_MAX_WORKERS + 1, "many", NULL));
    ck_assert_ptr_null(tl_pool_create(1, "bad", "no-such-kind"));
    tl_pool_destroy(NULL); /* nothing */
}
END_TEST

Suite *tl_suite_pool(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_add_loop_test(tc, test_every_task_runs_once, 0, 4);
    tcase_add_test(tc, test_wait_returns_after_the_task_ran);
    tcase_add_test(tc, test_shutdown_joins_every_worker);
    tcase_add_test(tc, test_cancel_drops_queued_tasks);
    tcase_add_test(tc, test_wait_or_run_needs_no_free_worker);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}
