/* SPDX-License-Identifier: MIT */
/* Reports: a directory per `threadlab run` with report.json (every run, as
 * data; schema in reports/README.md), summary.md (for people) and each run's
 * raw logs. Both files are rewritten after every finished run, each through a
 * temporary file and rename(), so a crash or Ctrl-C at any moment leaves a
 * complete, valid report of the runs finished so far. */
#ifndef TL_REPORT_H
#define TL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include "run.h"

typedef struct {
    char dir[PATH_MAX];
    char started[40];          /* ISO 8601, local time with offset */
    int argc;
    char **argv;               /* the command line, for the record */
    const char *compiler;
    char host_tsan[PATH_MAX], host_plain[PATH_MAX];
    tl_run *runs;
    size_t n;
} tl_report;

enum { TL_REPORT_SCHEMA = 1 };

/* Writes text to path atomically (temporary file in the same directory, then
 * rename). Returns false with errno set on failure. */
bool tl_write_atomic(const char *path, const char *text, size_t len);

bool tl_report_write_json(const tl_report *rep);
bool tl_report_write_md(const tl_report *rep);
/* Both; prints a one-line error on failure. */
bool tl_report_write(const tl_report *rep);

/* The verdict word of a run: "met", "not met", "interrupted", "pending". */
const char *tl_report_verdict_word(const tl_run *r);

#endif
