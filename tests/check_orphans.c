/* SPDX-License-Identifier: MIT */
/* No process outlives threadlab. */
#include "harness_suites.h"
#include "cli_run.h"

Suite *tl_suite_orphans(void)
{
    Suite *s = suite_create("orphans");
    return s;
}
