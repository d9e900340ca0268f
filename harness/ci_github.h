/* SPDX-License-Identifier: MIT */
/* Under GitHub Actions (GITHUB_ACTIONS=true): the report's summary.md is
 * appended to the job's summary page ($GITHUB_STEP_SUMMARY), and every run
 * not met becomes an error annotation on its source line
 * (`::error file=...,line=...,title=...::...`), which GitHub shows on the
 * file in the pull request. Elsewhere nothing changes. */
#ifndef TL_CI_GITHUB_H
#define TL_CI_GITHUB_H

#include <stdbool.h>
#include <stdio.h>
#include "report.h"

/* Whether this process runs as a GitHub Actions step. */
bool tl_ci_github(void);

/* Appends rep's summary.md to $GITHUB_STEP_SUMMARY (when set) and prints an
 * annotation per run not met to `to`. False when the summary could not be
 * appended (said on stderr). */
bool tl_ci_github_report(FILE *to, const tl_report *rep);

#endif
