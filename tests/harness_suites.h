/* SPDX-License-Identifier: MIT */
/* The Check suites of tests/harness (plain build). */
#ifndef TL_HARNESS_SUITES_H
#define TL_HARNESS_SUITES_H

#include <check.h>

Suite *tl_suite_tsan_parse(void);
Suite *tl_suite_evidence(void);
Suite *tl_suite_catalog(void);
Suite *tl_suite_bench(void);
Suite *tl_suite_monitor(void);
Suite *tl_suite_monitor_coro(void);
Suite *tl_suite_cli(void);
Suite *tl_suite_symbolizer(void);
Suite *tl_suite_load(void);
Suite *tl_suite_faults(void);
Suite *tl_suite_orphans(void);
Suite *tl_suite_lock_scope(void);
Suite *tl_suite_valgrind(void);
Suite *tl_suite_matrix(void);
Suite *tl_suite_valgrind_xml(void);
Suite *tl_suite_render(void);
Suite *tl_suite_litmus(void);
Suite *tl_suite_fork(void);
Suite *tl_suite_monitor_pool(void);
Suite *tl_suite_bench_pool(void);
Suite *tl_suite_monitor_loop(void);

#endif
