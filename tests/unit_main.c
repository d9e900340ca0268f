/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include "suites.h"

int main(void)
{
    SRunner *sr = srunner_create(tl_suite_validate());
    srunner_add_suite(sr, tl_suite_atomics());
    srunner_add_suite(sr, tl_suite_sem());
    srunner_add_suite(sr, tl_suite_rwlock());
    srunner_add_suite(sr, tl_suite_clh());
    srunner_add_suite(sr, tl_suite_coro());
    srunner_add_suite(sr, tl_suite_pool());
#if defined(TL_UNIT_TSAN)
    srunner_add_suite(sr, tl_suite_relaxed_tsan());
#else
    srunner_add_suite(sr, tl_suite_broken());
#endif
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
