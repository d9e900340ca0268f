/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include "harness_suites.h"
#include "cli_run.h"

int main(void)
{
    tl_test_tmp_begin();
    SRunner *sr = srunner_create(tl_suite_tsan_parse());
    srunner_add_suite(sr, tl_suite_valgrind_xml());
    srunner_add_suite(sr, tl_suite_evidence());
    srunner_add_suite(sr, tl_suite_catalog());
    srunner_add_suite(sr, tl_suite_bench());
    srunner_add_suite(sr, tl_suite_monitor());
    srunner_add_suite(sr, tl_suite_monitor_coro());
    srunner_add_suite(sr, tl_suite_cli());
    srunner_add_suite(sr, tl_suite_symbolizer());
    srunner_add_suite(sr, tl_suite_load());
    srunner_add_suite(sr, tl_suite_faults());
    srunner_add_suite(sr, tl_suite_orphans());
    srunner_add_suite(sr, tl_suite_lock_scope());
    srunner_add_suite(sr, tl_suite_valgrind());
    srunner_add_suite(sr, tl_suite_matrix());
    srunner_add_suite(sr, tl_suite_render());
    srunner_add_suite(sr, tl_suite_fork());
    srunner_add_suite(sr, tl_suite_monitor_pool());
    srunner_add_suite(sr, tl_suite_bench_pool());
    srunner_add_suite(sr, tl_suite_monitor_loop());
    srunner_add_suite(sr, tl_suite_litmus());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    tl_test_tmp_end(failed != 0);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
