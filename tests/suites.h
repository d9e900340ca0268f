/* SPDX-License-Identifier: MIT */
/* The Check suites of the unit-test programs. tests/unit (plain build) and
 * tests/unit-tsan (TSan build) run the same generic suites; each program adds
 * the suites that only make sense in its build. */
#ifndef TL_TEST_SUITES_H
#define TL_TEST_SUITES_H

#include <check.h>

Suite *tl_suite_validate(void);
Suite *tl_suite_atomics(void);
Suite *tl_suite_sem(void);
Suite *tl_suite_rwlock(void);
Suite *tl_suite_clh(void);
Suite *tl_suite_coro(void);
Suite *tl_suite_pool(void);
Suite *tl_suite_broken(void);       /* plain build only */
Suite *tl_suite_relaxed_tsan(void); /* TSan build only */

/* Under TSan every atomic costs ~100x more: scale loop counts down there so
 * the same tests finish in similar time. */
#if defined(TL_UNIT_TSAN)
#define TL_TEST_SCALE 10
#else
#define TL_TEST_SCALE 1
#endif

#endif
