/* SPDX-License-Identifier: MIT */
/* What the ThreadSanitizer backends share (tsan.c: clang's, the default;
 * tsan_gcc.c: gcc's): the options, reading the log, telling that TSan could
 * not run. Internal to harness/detectors/. */
#ifndef TL_TSAN_RUNTIME_H
#define TL_TSAN_RUNTIME_H

#include "detector.h"

/* TSan's exit status when it reported something (set by exitcode=, and
 * TSan's default anyway). */
enum { TSAN_REPORTED = 66 };

size_t tl__tsan_environment(char vars[][TL_DETECTOR_VAR_LEN], size_t max);
bool tl__tsan_check_user_options(char *why, size_t size);
bool tl__tsan_sees(const char *kind);
void tl__tsan_collect(tl_run *r);
void tl__tsan_check_environment(tl_run *r);

#endif
