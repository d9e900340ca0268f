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

/* Moves the TSan log (tsan.PID) to tsan.log in the run's directory, cuts it
 * at TL_TSAN_LOG_MAX (flagging the cut), and parses its reports. */
void tl_run_take_tsan_log(tl_run *r);

/* Marks the run an environment failure (r->env_error) when TSan could not
 * run at all, or reported something whose log could not be written. */
void tl_run_check_environment(tl_run *r);

/* Reads at most `max` bytes of a file into a new NUL-terminated buffer;
 * sets *len and *truncated. NULL when the file cannot be read. */
char *tl_read_file(const char *path, long max, size_t *len, bool *truncated);

#endif
