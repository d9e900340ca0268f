/* SPDX-License-Identifier: MIT */
/* The plan of a `threadlab run`: which scenarios, variants, lock, detector,
 * parameters, repeated how often, turned into the list of runs. */
#ifndef TL_PLAN_H
#define TL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "run.h"

enum { TL_PLAN_MAX_DETECTORS = 8 };

typedef struct {
    const tl_scenario *scenarios[256];
    bool named[256];            /* scenarios[i] was named on the command line */
    size_t nscenarios;
    const char *variant;        /* buggy | fixed | both | a variant's name */
    const char *lock;
    bool lock_given;            /* --lock was on the command line */
    /* The detectors each variant runs under, side by side (--detector
     * tsan,none or all); at least one. */
    tl_detector detectors[TL_PLAN_MAX_DETECTORS];
    size_t ndetectors;
    unsigned long threads;      /* 0: each scenario's default */
    unsigned long iterations;   /* 0: each scenario's default */
    tl_mode mode;
    unsigned long repeat;
    double timeout_s;           /* --timeout, or the lab's default */
    bool timeout_given;         /* --timeout was on the command line: it beats a
                                 * scenario's own default (tl_scenario.timeout_s) */
    bool monitor;               /* the live monitor watches every run */
    /* --shard I/N: of the whole plan's runs, numbered 1, 2, ... in plan
     * order, only those whose number is I modulo N (N = 0: every run). N
     * jobs with I = 1..N together run exactly the whole plan, each run once,
     * under the number it has in the whole plan. */
    unsigned shard, nshards;
} tl_plan;

/* Adds a scenario by name (once). On an unknown name prints a one-line error
 * with the closest valid name and returns false. */
bool tl_plan_add_name(tl_plan *p, const char *name);
/* Adds every scenario of a category; false (with an error) if none exists. */
bool tl_plan_add_category(tl_plan *p, const char *category);
void tl_plan_add_all(tl_plan *p);

/* Checks the options against every chosen scenario (thread and iteration
 * ranges, variant names, a --lock kind other than mutex only for named
 * scenarios that take it) and prints a one-line error for the first problem. */
bool tl_plan_check(const tl_plan *p);

/* How many runs the plan makes (its shard's, with --shard). */
size_t tl_plan_count(const tl_plan *p);
/* Checks every chosen variant's expected evidence parses (a malformed one is
 * the scenario's bug); prints a one-line error for the first that does not. */
bool tl_plan_check_expectations(const tl_plan *p);

/* The plan is expanded one run at a time, so a plan of any length costs no
 * memory up front and creates nothing on disk: a run's directory is made
 * when it starts. Start with a zeroed cursor. */
typedef struct {
    size_t scenario, rep, variant, detector, index;
} tl_plan_cursor;
/* Fills r (zeroed first) with the next run's plan fields; its directory
 * will be report_dir/runs/NNN-scenario-variant. A scenario that does not
 * take a lock kind gets lock "-" and, when --lock was given, a note saying
 * why it does not apply. False when none is left. */
bool tl_plan_next(const tl_plan *p, tl_plan_cursor *c, const char *report_dir, tl_run *r);

#endif
