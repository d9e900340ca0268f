/* SPDX-License-Identifier: MIT */
/* The teaching kinds really are broken: broken-tas lets two threads own the
 * lock at once, forced with a handshake in its test-then-set window, so the
 * violation shows on every run. (relaxed-tas keeps mutual exclusion on its
 * word; its bug is the missing happens-before, shown under TSan in
 * check_relaxed_tsan.c.) */
#include <pthread.h>
#include "suites.h"
#include "tl_lock.h"

static pthread_barrier_t window;
static tl_lock_t lock;
static tl_atomic_u32 inside, most_inside;

/* Both threads wait here after reading "free" and before writing "held". */
static void meet_in_window(void)
{
    pthread_barrier_wait(&window);
}

static void *enter(void *p)
{
    (void)p;
    tl_lock_lock(&lock);
    uint32_t now = tl_atomic_fetch_add_u32(&inside, 1, tl_seq_cst) + 1;
    uint32_t seen = tl_atomic_load_u32(&most_inside, tl_seq_cst);
    while (now > seen && !tl_atomic_cas_u32(&most_inside, &seen, now, tl_seq_cst, tl_seq_cst))
        ;
    pthread_barrier_wait(&window); /* both inside at the same time */
    tl_atomic_fetch_add_u32(&inside, (uint32_t)-1, tl_seq_cst);
    tl_lock_unlock(&lock);
    return NULL;
}

START_TEST(test_broken_tas_two_owners)
{
    pthread_t a, b;
    pthread_barrier_init(&window, NULL, 2);
    tl_lock_init_by_name(&lock, "broken-tas", "broken");
    tl_broken_tas_window_hook = meet_in_window;
    pthread_create(&a, NULL, enter, NULL);
    pthread_create(&b, NULL, enter, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    tl_broken_tas_window_hook = NULL;
    ck_assert_uint_eq(tl_atomic_load_u32(&most_inside, tl_seq_cst), 2);
}
END_TEST

/* The same handshake against the correct TAS: the second thread cannot get
 * in while the first holds the lock, so the barrier inside would never be
 * met; trylock proves the exclusion without hanging the test. */
START_TEST(test_correct_tas_refuses_second_owner)
{
    tl_lock_t l;
    tl_lock_init_by_name(&l, "tas", "tas");
    ck_assert(tl_lock_trylock(&l));
    ck_assert(!tl_lock_trylock(&l));
    tl_lock_unlock(&l);
}
END_TEST

Suite *tl_suite_broken(void)
{
    Suite *s = suite_create("broken teaching kinds");
    TCase *tc = tcase_create("broken-tas");
    tcase_add_test(tc, test_broken_tas_two_owners);
    tcase_add_test(tc, test_correct_tas_refuses_second_owner);
    suite_add_tcase(s, tc);
    return s;
}
