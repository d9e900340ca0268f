/* SPDX-License-Identifier: MIT */
/* The user's own TSAN_OPTIONS, honoured: threadlab's keys first, the user's
 * after them. TSan reads its options left to right and the last of a key
 * wins, so a user key that is also one of threadlab's, with another value,
 * would silently break the run (no log where the reader looks, another exit
 * code, one report instead of all): such a key is refused, naming it. Any
 * other key (history_size, report_signal_unsafe, suppressions, ...) is
 * passed on. Internal to harness/detectors/. */
#ifndef TL_TSAN_OPTIONS_H
#define TL_TSAN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* The environment's TSAN_OPTIONS as the user set it; NULL when unset or
 * empty. */
const char *tl__tsan_user_options(void);

/* Checks `user` (TSAN_OPTIONS syntax: key=value separated by spaces,
 * commas, colons, tabs or newlines; a value may be quoted with ' or ")
 * against threadlab's own `ours` (the same syntax). False with one line in
 * `why` naming the first key set to another value, or what cannot be
 * parsed. */
bool tl__tsan_options_check(const char *ours, const char *user, char *why, size_t size);

/* Appends the user's options to `out` (holding threadlab's, of capacity
 * `size`) after a space, each relative path of a key that names a file
 * (suppressions) made absolute against `cwd`, since the host starts in the
 * run's folder. False when it does not fit. */
bool tl__tsan_options_append(char *out, size_t size, const char *user, const char *cwd);

#endif
