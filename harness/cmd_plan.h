/* SPDX-License-Identifier: MIT */
/* The commands that run a plan: `run`, and `matrix`, which is run with
 * other defaults, a few options refused and the matrix files always
 * written. Both go through one driver (cmd_run.c): one parser, one runner,
 * one report; matrix is not a second runner. */
#ifndef TL_CMD_PLAN_H
#define TL_CMD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "plan.h"
#include "report.h"
#include "runner.h"

/* An option of `run` that another plan command refuses, and why. */
typedef struct {
    int opt;              /* getopt_long's value for it */
    const char *name;     /* "--variant" */
    const char *why;      /* one clause: what the command does instead */
} tl_refused_option;

typedef struct {
    const char *name;            /* "run", "matrix": in messages */
    void (*usage)(FILE *to);
    bool every_scenario;         /* no NAME, --all or --category: every scenario */
    bool every_detector;         /* no --detector: all (every one built here) */
    bool always_matrix;          /* matrix.md/.json even with one detector; else
                                  * they are written with two or more */
    bool table_of_every_run;     /* the final table lists every run; else only
                                  * the runs not met */
    const tl_refused_option *refused;
    size_t nrefused;
} tl_plan_command;

/* Parses, runs and reports a plan as cmd says; returns the exit status. */
int tl_cmd_plan(const tl_plan_command *cmd, int argc, char **argv);

/* The settings of a plan command that are not the plan's
 * (cmd_plan_options.c). */
typedef struct {
    const char *out;             /* --out */
    unsigned long jobs;          /* --jobs */
    bool quiet, verbose;
    bool all_detectors;          /* --detector all: a detector whose host is not
                                  * built here is left out, not an error */
    const char *junit;           /* --junit FILE, or NULL */
    const char *sarif;           /* --sarif FILE, or NULL */
} tl_plan_options;

/* Parses the command line into plan and o (both holding their defaults):
 * 0, -1 after --help, or TL_EXIT_USAGE after a one-line error. */
int tl_cmd_plan_parse(const tl_plan_command *cmd, int argc, char **argv, tl_plan *plan,
                      tl_plan_options *o);
/* --detector's value (a list, or all) into plan->detectors. */
bool tl_cmd_plan_detectors(const char *text, tl_plan *plan, tl_plan_options *o);
/* Finds the host of each chosen detector; false (an environment error,
 * said on stderr) when one named is missing, or none is left of all. */
bool tl_cmd_plan_hosts(tl_plan *plan, tl_runner *rn, const tl_plan_options *o);
/* The help lines of --detector: one per backend, from the table. */
void tl_cmd_detector_help(FILE *to);

/* Prints the per-source counts of rep's matrix on stdout (cmd_matrix.c):
 * runs, TP FP FN TN, precision, recall and time. False, with a line on
 * stderr, when the records cannot be read. */
bool tl_cmd_print_matrix(const tl_report *rep);

#endif
