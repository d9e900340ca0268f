/* SPDX-License-Identifier: MIT */
/* The detector's own words for a run: the first report of its log, cut to a
 * number of lines. summary.md shows it in a code block, junit.xml in a
 * testcase's system-out. */
#ifndef TL_EXCERPT_H
#define TL_EXCERPT_H

#include <jansson.h>
#include <stdbool.h>

/* The first finding's span of the run's detector log (a record of
 * runs.jsonl; logs are relative to the report's `dir`), at most max_lines
 * lines; *cut says whether lines were left out. NULL when the run has no
 * finding or its log cannot be read. The caller frees it. */
char *tl_report_excerpt(const char *dir, json_t *run, int max_lines, bool *cut);

#endif
