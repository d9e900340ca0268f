/* SPDX-License-Identifier: MIT */
/* The hand-built coroutines (tl_coro.h): values cross yields both ways,
 * locals survive a switch and a move to another thread, the round-robin
 * scheduler keeps its order and finishes every coroutine on one thread and
 * on two, and the guard page stops a stack overflow. In tests/unit-tsan the
 * same run under TSan (any report fails the test): coroutines sharing plain
 * data on one thread, or under the lab's mutex on two, must not be reported
 * - which holds only if every switch is announced to TSan as a fiber switch. */
/* --enable-asan builds the tests with AddressSanitizer (clang and gcc). */
#if defined(__SANITIZE_ADDRESS__)
#define TL_UNIT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TL_UNIT_ASAN 1
#endif
#endif
#ifndef TL_UNIT_ASAN
#define TL_UNIT_ASAN 0
#endif
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include "suites.h"
#include "tl_coro.h"
#include "tl_mutex.h"

/* Yields its argument + 1, then what it was given + 1, three times; returns
 * the sum of everything it was given. */
static void *adder(void *arg)
{
    long sum = (long)arg, v = (long)arg;
    for (int i = 0; i < 3; i++) {
        v = (long)tl_coro_yield((void *)(v + 1));
        sum += v;
    }
    return (void *)sum;
}

START_TEST(values_cross_yields)
{
    tl_coro *co = tl_coro_create("adder", adder, 0);
    ck_assert_ptr_nonnull(co);
    ck_assert_ptr_null(tl_coro_self());
    ck_assert_int_eq((long)tl_coro_resume(co, (void *)10), 11);
    ck_assert_int_eq((long)tl_coro_resume(co, (void *)20), 21);
    ck_assert_int_eq((long)tl_coro_resume(co, (void *)30), 31);
    ck_assert(!tl_coro_finished(co));
    ck_assert_int_eq((long)tl_coro_resume(co, (void *)40), 10 + 20 + 30 + 40);
    ck_assert(tl_coro_finished(co));
    ck_assert_ptr_null(tl_coro_resume(co, (void *)50)); /* finished: nothing runs */
    ck_assert_str_eq(tl_coro_name(co), "adder");
    tl_coro_destroy(co);
}
END_TEST

/* --- the scheduler ------------------------------------------------------ */
enum { ROUNDS = 3, MANY = 8, MANY_ROUNDS = 200 };
static char order[64];
static unsigned norder;

static void *letter(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        order[norder++] = *(const char *)arg; /* one thread: no switch in between */
        tl_coro_yield(NULL);
    }
    return NULL;
}

START_TEST(round_robin_order)
{
    static const char names[] = "ABC";
    tl_coro_sched *s = tl_coro_sched_new(3);
    tl_coro *co[3];
    norder = 0;
    for (int i = 0; i < 3; i++) {
        co[i] = tl_coro_create("letter", letter, 0);
        ck_assert(tl_coro_sched_add(s, co[i], (void *)&names[i]));
    }
    /* Each runs ROUNDS times then once more to finish. */
    ck_assert_uint_eq(tl_coro_sched_run(s, 1), 3 * (ROUNDS + 1));
    order[norder] = '\0';
    ck_assert_str_eq(order, "ABCABCABC");
    for (int i = 0; i < 3; i++) {
        ck_assert(tl_coro_finished(co[i]));
        tl_coro_destroy(co[i]);
    }
    tl_coro_sched_free(s);
}
END_TEST

typedef struct {
    unsigned long own;      /* only this coroutine touches it: any thread, no lock */
    unsigned long *shared;  /* every coroutine's */
    tl_mutex_t *lock;       /* NULL: one thread, so no lock is needed */
} counting;

static void *count_up(void *arg)
{
    counting *c = arg;
    for (int i = 0; i < MANY_ROUNDS; i++) {
        unsigned long local = c->own; /* a local kept across the yield */
        tl_coro_yield(NULL);
        c->own = local + 1;
        if (c->lock)
            tl_mutex_lock(c->lock);
        (*c->shared)++; /* a read-modify-write with no yield inside */
        if (c->lock)
            tl_mutex_unlock(c->lock);
    }
    return NULL;
}

static void run_many(unsigned threads)
{
    tl_coro_sched *s = tl_coro_sched_new(MANY);
    tl_coro *co[MANY];
    counting c[MANY];
    unsigned long shared = 0;
    tl_mutex_t lock;
    tl_mutex_init(&lock);
    for (int i = 0; i < MANY; i++) {
        c[i] = (counting){0, &shared, threads > 1 ? &lock : NULL};
        co[i] = tl_coro_create("counter", count_up, 0);
        ck_assert(tl_coro_sched_add(s, co[i], &c[i]));
    }
    ck_assert_uint_eq(tl_coro_sched_run(s, threads), MANY * (MANY_ROUNDS + 1));
    for (int i = 0; i < MANY; i++) {
        ck_assert(tl_coro_finished(co[i]));
        ck_assert_uint_eq(c[i].own, MANY_ROUNDS);
        tl_coro_destroy(co[i]);
    }
    ck_assert_uint_eq(shared, (unsigned long)MANY * MANY_ROUNDS);
    tl_coro_sched_free(s);
}

START_TEST(all_finish_one_thread)
{
    run_many(1);
}
END_TEST

START_TEST(all_finish_two_threads)
{
    run_many(2);
}
END_TEST

/* --- a coroutine moved to another thread -------------------------------- */
static unsigned long moved_data; /* written on thread 1, then on thread 2 */

static void *migrant(void *arg)
{
    (void)arg;
    unsigned long mine = 41;
    moved_data = 1;
    tl_coro_yield(NULL);
    moved_data = 2; /* now on the second thread: ordered by the join */
    return (void *)(mine + 1);
}

static void *resume_once(void *co)
{
    return tl_coro_resume((tl_coro *)co, NULL);
}

START_TEST(moves_between_threads)
{
    tl_coro *co = tl_coro_create("migrant", migrant, 0);
    pthread_t t;
    void *got;
    ck_assert_int_eq(pthread_create(&t, NULL, resume_once, co), 0);
    pthread_join(t, &got);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(pthread_create(&t, NULL, resume_once, co), 0);
    pthread_join(t, &got);
    ck_assert_int_eq((long)got, 42);
    ck_assert_uint_eq(moved_data, 2);
    tl_coro_destroy(co);
}
END_TEST

#if !defined(TL_UNIT_TSAN) && !TL_UNIT_ASAN
/* Recurses until the stack runs out: the guard page must fault. */
static unsigned long deep(unsigned long n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    return n == 0 ? 0 : deep(n - 1) + pad[0];
}

static void *overflow(void *arg)
{
    (void)arg;
    return (void *)deep(1u << 20);
}

START_TEST(guard_page_faults)
{
    tl_coro *co = tl_coro_create("overflow", overflow, 16 * 1024);
    tl_coro_resume(co, NULL);
}
END_TEST
#endif

Suite *tl_suite_coro(void)
{
    Suite *s = suite_create("coro");
    TCase *tc = tcase_create("coro");
    tcase_add_test(tc, values_cross_yields);
    tcase_add_test(tc, round_robin_order);
    tcase_add_test(tc, all_finish_one_thread);
    tcase_add_test(tc, all_finish_two_threads);
    tcase_add_test(tc, moves_between_threads);
#if !defined(TL_UNIT_TSAN) && !TL_UNIT_ASAN
    /* In the plain build only: TSan's and ASan's own SIGSEGV handlers report
     * the fault and exit instead of letting the signal end the test's
     * process. */
    tcase_add_test_raise_signal(tc, guard_page_faults, SIGSEGV);
#endif
    suite_add_tcase(s, tc);
    return s;
}
