/* SPDX-License-Identifier: MIT */
/* Turning what a finished host left behind into the run record: its result
 * records (JSON lines) and its TSan log. */
#ifndef TL_RUN_RESULT_H
#define TL_RUN_RESULT_H

#include <stddef.h>
#include "run.h"

/* Parses the host's result records (one JSON object per line); a line that
 * is not a record (cut by truncation) is skipped. Also saves them to
 * results.jsonl in the run's directory. */
void tl_run_take_records(tl_run *r, const char *text, size_t len);

/* Records an environment failure in r->env_error, on one line. A message
 * longer than the field (a deep run directory in it, say) is cut and ends
 * in "...", so a reader sees that it was cut rather than a wrong name. */
void tl_run_env_error(tl_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads at most `max` bytes of a file into a new NUL-terminated buffer;
 * sets *len and *truncated. NULL when the file cannot be read. */
char *tl_read_file(const char *path, long max, size_t *len, bool *truncated);

#endif
