/* SPDX-License-Identifier: MIT */
/* ThreadSanitizer report parser: turns the text TSan writes (to stderr or to
 * log_path=DIR/tsan.PID) into findings. Handles clang 14+ and gcc 12 output:
 * frames with or without a column, with or without "(BuildId: ...)", runtime
 * frames (__tsan_*, __interceptor_*, tl_lock internals) before the first
 * frame in threadlab's own sources, or, for code outside the tree, before
 * the first frame outside the runtime and the C libraries. Pure functions
 * over a string: no I/O. */
#ifndef TL_TSAN_PARSE_H
#define TL_TSAN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"

/* Parses every report in text[0..len) into out[0..max). Returns how many
 * findings the text holds (may exceed max: only the first max are stored).
 * A report cut short (truncated log) is still returned with what it has.
 *
 * So that nothing TSan says is lost, a line it prints outside a WARNING
 * block is a finding too, of kind TL_BUG_RUNTIME_MESSAGE: a line starting
 * with "ThreadSanitizer" (after an optional "==PID==" and "FATAL: "), except
 * the routine "ThreadSanitizer: reported N warnings" at exit. Its kind_text
 * and summary hold that line (without "==PID=="), pid the PID when printed
 * (else 0), frame the best frame of the indented stacks under it (e.g. the
 * "created at:" stack), start/end the line and those indented lines. */
size_t tl_tsan_parse(const char *text, size_t len, tl_finding *out, size_t max);

#endif
