/* SPDX-License-Identifier: MIT */
/* No detector: the plain host, and only the oracle and the monitor judge. */
#include "detector.h"

static size_t no_environment(char vars[][TL_DETECTOR_VAR_LEN], size_t max)
{
    (void)vars, (void)max;
    return 0;
}

static bool sees_nothing(const char *kind)
{
    (void)kind;
    return false;
}

static void nothing(tl_run *r)
{
    (void)r;
}

const struct tl_detector_backend tl_detector_none = {
    .name = "none",
    .about = "no detector: the plain host; only the oracle and the monitor judge",
    .host = "threadlab-host",
    .missing_hint = "build it with make",
    .reported_status = -1,
    .slowdown = 1,
    .sees = sees_nothing,
    .environment = no_environment,
    .collect = nothing,
    .check_environment = nothing,
};
