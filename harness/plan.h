/* SPDX-License-Identifier: MIT */
/* The plan of a `threadlab run`: which scenarios, variants, lock, detector,
 * parameters, repeated how often, turned into the list of runs. */
#ifndef TL_PLAN_H
#define TL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "run.h"

typedef struct {
    const tl_scenario *scenarios[256];
    size_t nscenarios;
    const char *variant;        /* buggy | fixed | both | a variant's name */
    const char *lock;
    tl_detector detector;
    unsigned long threads;      /* 0: each scenario's default */
    unsigned long iterations;   /* 0: each scenario's default */
    tl_mode mode;
    unsigned long repeat;
    double timeout_s;
    bool monitor;               /* the live monitor watches every run */
} tl_plan;

/* Adds a scenario by name (once). On an unknown name prints a one-line error
 * with the closest valid name and returns false. */
bool tl_plan_add_name(tl_plan *p, const char *name);
/* Adds every scenario of a category; false (with an error) if none exists. */
bool tl_plan_add_category(tl_plan *p, const char *category);
void tl_plan_add_all(tl_plan *p);

/* Checks the options against every chosen scenario (thread and iteration
 * ranges, variant names) and prints a one-line error for the first problem. */
bool tl_plan_check(const tl_plan *p);

/* Expands the plan into runs (calloc'd; *n set). Each run's directory is
 * `report_dir`/runs/NNN-scenario-variant, created here. NULL on failure. */
tl_run *tl_plan_expand(const tl_plan *p, const char *report_dir, size_t *n);

#endif
