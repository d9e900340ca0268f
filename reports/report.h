/* SPDX-License-Identifier: MIT */
/* Reports: a directory per `threadlab run` with each run's raw logs and
 * three files (schema in reports/README.md):
 *
 *   runs.jsonl   one line per run, appended the moment the run is judged:
 *                the record every other file is written from. Its cost per
 *                run is constant, so a 40 000-run plan runs as fast at the
 *                end as at the start, and a runner killed at any moment
 *                leaves every judged run on disk.
 *   report.json  the same records with the plan's header and totals.
 *   summary.md   the same records for people.
 *   matrix.md, matrix.json  (with rep->matrix) every variant against every
 *                detector, the oracle and the monitor, with each source's
 *                true and false positives (matrix.h).
 *
 * report.json and summary.md are written from runs.jsonl, never from memory,
 * so memory stays bounded however many runs a plan has; they are rewritten
 * atomically at the end, on Ctrl-C, and during the plan at a rate that keeps
 * their cost a small fraction of the time (see tl_report_write_due). */
#ifndef TL_REPORT_H
#define TL_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "run.h"

enum { TL_REPORT_MAX_DETECTORS = 8 };

typedef struct {
    char dir[PATH_MAX];
    char started[40];          /* ISO 8601, local time with offset */
    int argc;
    char **argv;               /* the command line, for the record */
    const char *compiler;
    /* The plan's detectors, by name, and the host each runs. */
    const char *detectors[TL_REPORT_MAX_DETECTORS];
    const char *hosts[TL_REPORT_MAX_DETECTORS];
    /* The tool behind each detector, as SARIF names it (NULL: reports
     * nothing), and its version. */
    const char *tools[TL_REPORT_MAX_DETECTORS], *tool_uris[TL_REPORT_MAX_DETECTORS];
    char tool_versions[TL_REPORT_MAX_DETECTORS][128];
    /* Write the detectors' findings as SARIF 2.1.0 to this file too (`run
     * --sarif FILE`; NULL: not asked for). */
    const char *sarif_path;
    /* The user's own options for each (from the environment), or NULL. */
    const char *user_options[TL_REPORT_MAX_DETECTORS];
    size_t ndetectors;
    /* Write matrix.md and matrix.json too: `threadlab matrix`, or a run
     * with two or more detectors (reports/matrix.h). */
    bool matrix;
    /* Write the runs as JUnit test cases to this file too (`run --junit
     * FILE`; NULL: not asked for). */
    const char *junit_path;
    unsigned shard, nshards;   /* --shard I/N (nshards 0: the whole plan) */
    size_t planned;
    /* What runs.jsonl holds so far. */
    size_t recorded, met, not_met, not_demonstrable, interrupted, errors;
    int records_fd;            /* runs.jsonl, opened for appending */
    double next_write_s;       /* monotonic: the full files are due again then */
} tl_report;

enum { TL_REPORT_SCHEMA = 2 };

/* Creates runs.jsonl in rep->dir. False with errno set. */
bool tl_report_open(tl_report *rep);
/* Appends one judged (or interrupted) run to runs.jsonl. False with errno
 * set: the run is not recorded and the plan must stop (exit 3). */
bool tl_report_record(tl_report *rep, const tl_run *r);
/* Rewrites report.json and summary.md from runs.jsonl. Prints a one-line
 * error naming the file and returns false when one cannot be written (the
 * previous version stays). */
bool tl_report_write(tl_report *rep);
/* tl_report_write when it is due: rewriting costs time in proportion to
 * the runs recorded, so it is done again only after twenty times its last
 * cost has passed. True when nothing was due or the write worked. */
bool tl_report_write_due(tl_report *rep);
void tl_report_close(tl_report *rep);

/* Calls fn for every record in runs.jsonl, in the order they were written
 * (a line cut short by a kill is skipped). fn returns false to stop. False
 * when runs.jsonl cannot be read. */
bool tl_report_each(const tl_report *rep, bool (*fn)(json_t *run, void *user), void *user);

/* One run as its record (record.c). */
json_t *tl_report_run_json(const tl_run *r);
/* The writers, one file each (json.c, markdown.c), over the records; listed
 * in records.c's table. */
bool tl_report_write_json(const tl_report *rep);
bool tl_report_write_md(const tl_report *rep);
/* junit.c: rep->junit_path, when set. */
bool tl_report_write_junit(const tl_report *rep);
/* sarif.c: rep->sarif_path, when set. */
bool tl_report_write_sarif(const tl_report *rep);

/* The verdict word of a run: "met", "not met", "not demonstrable",
 * "error", "interrupted", "pending". */
const char *tl_report_verdict_word(const tl_run *r);

#endif
