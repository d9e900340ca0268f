/* SPDX-License-Identifier: MIT */
/* Environment failures: exit 3, never not met; reports that survive. */
#include "harness_suites.h"
#include "cli_run.h"

Suite *tl_suite_faults(void)
{
    Suite *s = suite_create("faults");
    return s;
}
