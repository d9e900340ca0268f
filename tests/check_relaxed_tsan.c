/* SPDX-License-Identifier: MIT */
/* Under TSan: relaxed-tas creates no happens-before, so data written inside
 * its critical section races with the next owner's read, and TSan says so on
 * every run. The order of the two sections is forced by a relaxed flag, which
 * TSan does not count as synchronisation either, so the report depends on
 * the lock alone. The same program with the correct tas kind stays silent.
 * Check runs each test in a forked child; tcase_add_exit_test expects the
 * child's exit status, and TSan turns a run with a report into exit 66. */
#include <pthread.h>
#include <sched.h>
#include "suites.h"
#include "tl_lock.h"

static tl_lock_t lock;
static int protected_data;
static tl_atomic_u32 first_done;

static void *first(void *p)
{
    (void)p;
    tl_lock_lock(&lock);
    protected_data = 42;
    tl_lock_unlock(&lock);
    /* relaxed: forces the order without adding happens-before of its own. */
    tl_atomic_store_u32(&first_done, 1, tl_relaxed);
    return NULL;
}

static void run_handoff(const char *kind)
{
    pthread_t t;
    tl_lock_init_by_name(&lock, kind, kind);
    pthread_create(&t, NULL, first, NULL);
    while (tl_atomic_load_u32(&first_done, tl_relaxed) == 0)
        sched_yield();
    tl_lock_lock(&lock);
    int seen = protected_data;
    tl_lock_unlock(&lock);
    pthread_join(t, NULL);
    ck_assert_int_eq(seen, 42);
}

START_TEST(test_relaxed_tas_reported_as_race)
{
    run_handoff("relaxed-tas");
}
END_TEST

START_TEST(test_tas_handoff_is_clean)
{
    run_handoff("tas");
}
END_TEST

Suite *tl_suite_relaxed_tsan(void)
{
    Suite *s = suite_create("relaxed-tas under TSan");
    TCase *tc = tcase_create("happens-before");
    tcase_add_exit_test(tc, test_relaxed_tas_reported_as_race, 66);
    tcase_add_test(tc, test_tas_handoff_is_clean);
    suite_add_tcase(s, tc);
    return s;
}
