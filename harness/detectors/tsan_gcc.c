/* SPDX-License-Identifier: MIT */
/* gcc's ThreadSanitizer: the same scenarios in a host built by gcc
 * (threadlab-host-tsan-gcc, when configure finds a gcc whose TSan works).
 * Same options, log and reports as clang's (tsan.c); what differs is the
 * runtime, so the two can be run side by side (--detector tsan,tsan-gcc). */
#include <stdio.h>
#include "config.h"
#include "tsan_layout.h"
#include "tsan_options.h"
#include "tsan_runtime.h"

static void gcc_version(char *out, size_t size)
{
    snprintf(out, size, "%s", TL_GCC_TSAN_VERSION);
}

const struct tl_detector_backend tl_detector_tsan_gcc = {
    .name = "tsan-gcc",
    .tool = "ThreadSanitizer",
    .tool_uri = "https://gcc.gnu.org/onlinedocs/gcc/Instrumentation-Options.html",
    .tool_version = gcc_version,
    .about = "gcc's ThreadSanitizer, in a host built by gcc",
    .host = "threadlab-host-tsan-gcc",
    .missing_hint = "configure found no gcc whose -fsanitize=thread works (install gcc and "
                    "libtsan2, or set GCC_TSAN)",
    .reported_status = TSAN_REPORTED,
    .slowdown = 1,
    .sees = tl__tsan_sees,
    .available = tl__tsan_available,
    .prepare_child = tl__tsan_prepare_child,
    .environment = tl__tsan_environment,
    .user_options = tl__tsan_user_options,
    .check_user_options = tl__tsan_check_user_options,
    .collect = tl__tsan_collect,
    .check_environment = tl__tsan_check_environment,
};
