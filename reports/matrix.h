/* SPDX-License-Identifier: MIT */
/* The detector matrix: every scenario variant of a plan against every
 * source of evidence - each detector the plan ran, then the scenario's own
 * oracle and the live monitor - computed from the run records (runs.jsonl),
 * with a DataRaceBench-style count per source: a buggy variant's run in
 * which the source reported something is a true positive, one in which it
 * reported nothing a false negative; a fixed variant's run with a report is
 * a false positive, a clean one a true negative. matrix.c builds it;
 * matrix_md.c and matrix_json.c write it (matrix.md, matrix.json; schema in
 * reports/README.md); the CLI prints its per-source counts.
 *
 * Memory is rows x columns, never runs: a plan of any length reads its
 * records one at a time. */
#ifndef TL_MATRIX_H
#define TL_MATRIX_H

#include <stdbool.h>
#include <stddef.h>

#include "evidence.h"
#include "report.h"

enum {
    TL_MATRIX_SCHEMA = 1, /* matrix.json's own schema, apart from report.json's */
    /* The plan's detectors, then the oracle and the monitor. */
    TL_MATRIX_MAX_COLUMNS = TL_REPORT_MAX_DETECTORS + 2,
};

typedef enum {
    TL_SOURCE_DETECTOR, /* one detector: only its own runs count in its column */
    TL_SOURCE_ORACLE,   /* oracle:violated, in every run of the row */
    TL_SOURCE_MONITOR,  /* monitor:<verdict>, and what the runner saw of the
                         * process: hang (its deadline), signal:SIG... */
} tl_source_kind;

/* How a cell turned out, from its runs (worst first). */
typedef enum {
    TL_CELL_NOT_RUN,          /* no run recorded (a plan stopped early) */
    TL_CELL_ERROR,            /* an environment error: nothing concluded */
    TL_CELL_INTERRUPTED,
    TL_CELL_NOT_MET,
    TL_CELL_NOT_DEMONSTRABLE, /* every run: a bug this detector cannot see */
    TL_CELL_MET,
} tl_cell_outcome;

/* One (row, source): its runs aggregated over repetitions (and, for the
 * oracle and the monitor, over the row's detectors). For a detector, a run
 * is "met" when its verdict is; for the oracle and the monitor, when what
 * that source showed equals what the variant expects of it. */
typedef struct {
    size_t runs;
    size_t met, not_met, not_demonstrable, errors, interrupted;
    size_t reported;          /* concluded runs in which the source showed a token */
    tl_evidence observed;     /* this source's tokens, union over the runs */
    tl_evidence expected;     /* what the runs expected of this source */
} tl_matrix_cell;

typedef struct {
    char name[TL_EVIDENCE_TOKEN]; /* a detector's name, "oracle" or "monitor" */
    tl_source_kind kind;
    size_t runs;              /* records counted in this column */
    size_t errors, interrupted; /* left out of the counts below */
    size_t tp, fp, fn, tn;
    size_t fn_by_design;      /* FN runs that expected nothing of this source */
    size_t fn_not_demonstrable; /* FN runs whose verdict was "not demonstrable" */
    double wall_s;            /* detectors: the sum of their runs' durations */
} tl_matrix_column;

typedef struct {
    char scenario[64], category[32], variant[32], role[8], mode[16];
    bool has_modes;           /* the scenario has deadlock modes: show mode */
    tl_matrix_cell cells[TL_MATRIX_MAX_COLUMNS];
} tl_matrix_row;

typedef struct {
    tl_matrix_column columns[TL_MATRIX_MAX_COLUMNS];
    size_t ncolumns;
    tl_matrix_row *rows;      /* in plan order: a row's first run decides */
    size_t nrows, cap;
    size_t runs;              /* records read */
} tl_matrix;

/* Reads rep's records into m (columns: rep's detectors, oracle, monitor).
 * False with errno set when runs.jsonl cannot be read or memory runs out;
 * m is to be freed either way. */
bool tl_matrix_build(const tl_report *rep, tl_matrix *m);
void tl_matrix_free(tl_matrix *m);

tl_cell_outcome tl_matrix_outcome(const tl_matrix_cell *c);
/* "met", "not met", "not demonstrable", "error", "interrupted", "not run". */
const char *tl_matrix_outcome_word(tl_cell_outcome o);
/* The cell's runs that went as expected: met, or not demonstrable. */
size_t tl_matrix_as_expected(const tl_matrix_cell *c);
/* A token without its source's prefix, for a narrow cell: "data-race" for
 * "tsan:data-race", "violated", "deadlock"; "hang" and "signal:SIGSEGV"
 * stay as they are. */
const char *tl_matrix_short_token(const tl_matrix_column *col, const char *token);

/* The ratios, or false when the denominator is 0 (shown as n/a / null):
 * precision TP/(TP+FP), recall TP/(TP+FN), F1 2TP/(2TP+FP+FN). */
bool tl_matrix_precision(const tl_matrix_column *c, double *out);
bool tl_matrix_recall(const tl_matrix_column *c, double *out);
bool tl_matrix_f1(const tl_matrix_column *c, double *out);

/* Cells with at least one run, those as expected, and of those the ones
 * not demonstrable by design. */
typedef struct {
    size_t cells, as_expected, not_demonstrable;
    size_t detector_cells, detector_as_expected; /* the same, detector columns only */
} tl_matrix_totals;
void tl_matrix_totals_of(const tl_matrix *m, tl_matrix_totals *t);

/* The writers (matrix_md.c, matrix_json.c), listed in records.c's table;
 * they write only when rep->matrix is set. */
bool tl_report_write_matrix_md(const tl_report *rep);
bool tl_report_write_matrix_json(const tl_report *rep);

#endif
