/* SPDX-License-Identifier: MIT */
/* The futex semaphore: counting, trywait on zero, timed-wait expiry, and a
 * bounded producer/consumer whose checksum proves no item is lost or doubled. */
#include <pthread.h>
#include <time.h>
#include "suites.h"
#include "tl_sem.h"

START_TEST(test_counting)
{
    tl_sem_t s;
    tl_sem_init(&s, 3);
    ck_assert_uint_eq(tl_sem_value(&s), 3);
    tl_sem_wait(&s);
    tl_sem_wait(&s);
    ck_assert_uint_eq(tl_sem_value(&s), 1);
    tl_sem_post(&s);
    tl_sem_post(&s);
    ck_assert_uint_eq(tl_sem_value(&s), 3);
}
END_TEST

START_TEST(test_trywait_on_zero)
{
    tl_sem_t s;
    tl_sem_init(&s, 1);
    ck_assert(tl_sem_trywait(&s));
    ck_assert(!tl_sem_trywait(&s));
    ck_assert_uint_eq(tl_sem_value(&s), 0); /* a failed trywait takes nothing */
    tl_sem_post(&s);
    ck_assert(tl_sem_trywait(&s));
}
END_TEST

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_timedwait_expires)
{
    tl_sem_t s;
    tl_sem_init(&s, 0);
    double t0 = now_s();
    ck_assert(!tl_sem_timedwait(&s, 50 * 1000000ull));
    /* A lower bound only: it must not return before its time. No upper bound
     * is asserted, since a busy machine may wake it late. */
    ck_assert_msg(now_s() - t0 >= 0.049, "timed wait returned after %.3f s", now_s() - t0);
    ck_assert_uint_eq(tl_sem_value(&s), 0);
    tl_sem_post(&s);
    ck_assert(tl_sem_timedwait(&s, 50 * 1000000ull)); /* available: no wait */
}
END_TEST

static void *post_later(void *p)
{
    struct timespec d = {0, 20 * 1000000};
    nanosleep(&d, NULL);
    tl_sem_post(p);
    return NULL;
}

START_TEST(test_wait_wakes_on_post)
{
    tl_sem_t s;
    pthread_t t;
    tl_sem_init(&s, 0);
    pthread_create(&t, NULL, post_later, &s);
    tl_sem_wait(&s); /* sleeps in the futex until the post */
    pthread_join(t, NULL);
    ck_assert_uint_eq(tl_sem_value(&s), 0);
}
END_TEST

/* Bounded buffer: `slots` counts free places, `items` filled ones. */
enum { RING = 8, PRODUCERS = 2, CONSUMERS = 2 };
#define PER_PRODUCER (50000 / TL_TEST_SCALE)
typedef struct {
    tl_sem_t slots, items;
    pthread_mutex_t guard; /* protects the ring indices */
    unsigned long ring[RING];
    unsigned head, tail;
    unsigned long sum[CONSUMERS];
    unsigned long count[CONSUMERS];
} buffer;
static buffer buf;
typedef struct {
    int id;
} role;

static void *producer(void *p)
{
    int id = ((role *)p)->id;
    for (unsigned long i = 1; i <= PER_PRODUCER; i++) {
        tl_sem_wait(&buf.slots);
        pthread_mutex_lock(&buf.guard);
        buf.ring[buf.tail++ % RING] = i * PRODUCERS + (unsigned long)id;
        pthread_mutex_unlock(&buf.guard);
        tl_sem_post(&buf.items);
    }
    return NULL;
}

static void *consumer(void *p)
{
    int id = ((role *)p)->id;
    for (unsigned long n = 0; n < PER_PRODUCER * PRODUCERS / CONSUMERS; n++) {
        tl_sem_wait(&buf.items);
        pthread_mutex_lock(&buf.guard);
        unsigned long v = buf.ring[buf.head++ % RING];
        pthread_mutex_unlock(&buf.guard);
        tl_sem_post(&buf.slots);
        buf.sum[id] += v;
        buf.count[id]++;
    }
    return NULL;
}

START_TEST(test_bounded_producer_consumer)
{
    pthread_t tp[PRODUCERS], tc[CONSUMERS];
    role rp[PRODUCERS], rc[CONSUMERS];
    tl_sem_init(&buf.slots, RING);
    tl_sem_init(&buf.items, 0);
    pthread_mutex_init(&buf.guard, NULL);
    for (int i = 0; i < CONSUMERS; i++) {
        rc[i].id = i;
        pthread_create(&tc[i], NULL, consumer, &rc[i]);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        rp[i].id = i;
        pthread_create(&tp[i], NULL, producer, &rp[i]);
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(tp[i], NULL);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(tc[i], NULL);

    /* Every value v = i*P + id for i in 1..N, id in 0..P-1, exactly once. */
    unsigned long want = 0, got = 0, n = 0;
    for (unsigned long i = 1; i <= PER_PRODUCER; i++)
        for (unsigned long id = 0; id < PRODUCERS; id++)
            want += i * PRODUCERS + id;
    for (int i = 0; i < CONSUMERS; i++) {
        got += buf.sum[i];
        n += buf.count[i];
    }
    ck_assert_uint_eq(n, (unsigned long)PER_PRODUCER * PRODUCERS);
    ck_assert_uint_eq(got, want);
    ck_assert_uint_eq(tl_sem_value(&buf.items), 0);
    ck_assert_uint_eq(tl_sem_value(&buf.slots), RING);
}
END_TEST

Suite *tl_suite_sem(void)
{
    Suite *s = suite_create("semaphore");
    TCase *tc = tcase_create("futex semaphore");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_counting);
    tcase_add_test(tc, test_trywait_on_zero);
    tcase_add_test(tc, test_timedwait_expires);
    tcase_add_test(tc, test_wait_wakes_on_post);
    tcase_add_test(tc, test_bounded_producer_consumer);
    suite_add_tcase(s, tc);
    return s;
}
