/* SPDX-License-Identifier: MIT */
/* The table `threadlab run` prints at the end, and the recap of what was
 * not met. One row per variant under each lock, detector and mode, its
 * repeats rolled up ("met 20/20", "NOT MET 3/20"); columns sized to what
 * they hold, a column that is the same on every row said once above the
 * table instead, and the rest fitted to the terminal's width (the time
 * column goes first, the evidence is cut last); colour only on a terminal
 * and never with NO_COLOR. summary.md keeps every run in full. */
#ifndef TL_RUN_TABLE_H
#define TL_RUN_TABLE_H

#include <stdbool.h>
#include <stdio.h>
#include "report.h"

typedef struct {
    bool every_row;   /* every row, or only the rows with a run not met */
    unsigned width;   /* columns to fit in */
    bool colour;
} tl_run_table_opts;

/* The options for stdout: its terminal's width ($COLUMNS, else 80 when it
 * is not a terminal), colour when it is one and NO_COLOR is unset. */
tl_run_table_opts tl_run_table_opts_for(FILE *to, bool every_row);

/* Prints the table of rep's records; false when they cannot be read. */
bool tl_run_table_print(FILE *to, const tl_report *rep, const tl_run_table_opts *o);

/* "not met:" and one line per run not met (or with an environment error):
 * scenario, variant, detector, repeat, the reason and its folder; at most
 * `max` lines, then how many more. Nothing when every run was met. */
void tl_run_recap_print(FILE *to, const tl_report *rep, size_t max);

#endif
