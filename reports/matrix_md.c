/* SPDX-License-Identifier: MIT */
/* matrix.md: the detector matrix for people - one row per scenario
 * variant, one column per detector, then the oracle and the monitor - and
 * each source's true and false positives, precision, recall and time
 * (how they are counted: matrix.h, reports/README.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "matrix.h"

static const char *mark(tl_cell_outcome o)
{
    switch (o) {
    case TL_CELL_MET: return "✓";
    case TL_CELL_NOT_MET: return "✗";
    case TL_CELL_NOT_DEMONSTRABLE: return "n/d";
    case TL_CELL_ERROR: return "err";
    case TL_CELL_INTERRUPTED: return "int";
    case TL_CELL_NOT_RUN: return "";
    }
    return "?";
}

/* "data-race ✓", "clean n/d", "violated ✗ 2/3": the source's tokens
 * without their prefix, the mark, and with repeats how many of the runs
 * went as expected. */
static void cell_text(FILE *f, const tl_matrix_column *col, const tl_matrix_cell *c)
{
    tl_cell_outcome o = tl_matrix_outcome(c);
    if (o == TL_CELL_NOT_RUN) {
        fputs(" – |", f);
        return;
    }
    fputc(' ', f);
    for (size_t i = 0; i < c->observed.n; i++)
        fprintf(f, "%s%s", i ? " + " : "", tl_matrix_short_token(col, c->observed.token[i]));
    if (c->observed.n == 0)
        fputs(c->errors + c->interrupted == c->runs ? "-" : "clean", f);
    fprintf(f, " %s", mark(o));
    if (c->runs > 1)
        fprintf(f, " %zu/%zu", tl_matrix_as_expected(c), c->runs);
    fputs(" |", f);
}

static void ratio(FILE *f, bool (*fn)(const tl_matrix_column *, double *),
                  const tl_matrix_column *col)
{
    double v;
    if (fn(col, &v))
        fprintf(f, " %.2f |", v);
    else
        fputs(" n/a |", f);
}

static void matrix_table(FILE *f, const tl_matrix *m)
{
    fputs("| scenario | variant |", f);
    for (size_t c = 0; c < m->ncolumns; c++)
        fprintf(f, " %s |", m->columns[c].name);
    fputs("\n|---|---|", f);
    for (size_t c = 0; c < m->ncolumns; c++)
        fputs("---|", f);
    fputc('\n', f);
    for (size_t r = 0; r < m->nrows; r++) {
        const tl_matrix_row *row = &m->rows[r];
        fprintf(f, "| %s%s%s%s | %s", row->scenario, row->has_modes ? " (" : "",
                row->has_modes ? row->mode : "", row->has_modes ? ")" : "", row->variant);
        /* The role, when the variant's name does not say it. */
        if (strcmp(row->variant, row->role) != 0)
            fprintf(f, " (%s)", row->role);
        fputs(" |", f);
        for (size_t c = 0; c < m->ncolumns; c++)
            cell_text(f, &m->columns[c], &row->cells[c]);
        fputc('\n', f);
    }
}

static void sources_table(FILE *f, const tl_matrix *m)
{
    fputs("| source | runs | TP | FP | FN | FN by design | of which n/d | TN | precision | recall "
          "| F1 | wall time |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
          f);
    for (size_t c = 0; c < m->ncolumns; c++) {
        const tl_matrix_column *col = &m->columns[c];
        fprintf(f, "| %s | %zu | %zu | %zu | %zu | %zu | %zu | %zu |", col->name, col->runs,
                col->tp, col->fp, col->fn, col->fn_by_design, col->fn_not_demonstrable, col->tn);
        ratio(f, tl_matrix_precision, col);
        ratio(f, tl_matrix_recall, col);
        ratio(f, tl_matrix_f1, col);
        if (col->kind == TL_SOURCE_DETECTOR)
            fprintf(f, " %.2f s |\n", col->wall_s);
        else
            fputs(" - |\n", f);
    }
    for (size_t c = 0; c < m->ncolumns; c++)
        if (m->columns[c].errors || m->columns[c].interrupted)
            fprintf(f, "\n%s: %zu runs with an environment error and %zu interrupted are left "
                       "out of its counts.\n",
                    m->columns[c].name, m->columns[c].errors, m->columns[c].interrupted);
}

static void write_doc(FILE *f, const tl_report *rep, const tl_matrix *m)
{
    tl_matrix_totals t;
    tl_matrix_totals_of(m, &t);
    fprintf(f, "# threadlab detector matrix\n\nStarted %s; compiler: %s.\n\nCommand: `",
            rep->started, rep->compiler);
    for (int i = 0; i < rep->argc; i++)
        fprintf(f, "%s%s", i ? " " : "", rep->argv[i]);
    fprintf(f, "`\n\n%zu runs of %zu planned; every run in summary.md and report.json.\n\n",
            m->runs, rep->planned);
    fputs("Each row is a scenario variant; each column a source of evidence: the detectors "
          "the plan ran, then the scenario's own **oracle** (its invariant) and the live "
          "**monitor** (with what the runner saw of the process: `hang` at the deadline, a "
          "killing signal). A cell gives the evidence that source showed (`clean`: none) "
          "and how the runs went: ✓ as expected, ✗ not, n/d not demonstrable (a bug of a "
          "kind this detector cannot see, by design), err an environment error, int "
          "interrupted, – not run; and, where a cell holds more than one run (repeats; an "
          "oracle or monitor cell holds the row's runs under every detector), how many "
          "went as expected. A detector "
          "cell is its runs' verdicts; an oracle or monitor cell is ✓ when, in every run of "
          "the row under every detector, that source showed exactly what the variant "
          "expects of it.\n\n",
          f);
    matrix_table(f, m);
    fprintf(f, "\n%zu of %zu cells as expected (%zu not demonstrable by design); detector "
               "cells: %zu of %zu.\n",
            t.as_expected, t.cells, t.not_demonstrable, t.detector_as_expected, t.detector_cells);
    fputs("\n## Per source, counted as DataRaceBench does\n\n", f);
    sources_table(f, m);
    fputs("\nEach run counts once (with --repeat, each repetition). A buggy variant's run in "
          "which the source reported something is a true positive (TP), one in which it "
          "reported nothing a false negative (FN); a fixed variant's run with a report is a "
          "false positive (FP), a clean one a true negative (TN). A report is any token of "
          "that source: a detector's finding (`DETECTOR:data-race`), `oracle:violated`, a "
          "monitor verdict, `hang` or a signal. precision = TP/(TP+FP), recall = TP/(TP+FN), "
          "F1 = 2TP/(2TP+FP+FN); n/a when the denominator is 0. *FN by design*: the "
          "variant expects nothing of this source (its bug is of a kind the source cannot "
          "show, e.g. a race condition that is not a data race); *of which n/d*: runs "
          "whose verdict was not demonstrable, because no source of that run could show "
          "the bug. Wall time: the sum of the detector's run durations (runs overlap with "
          "--jobs); the oracle and the monitor ride along in every run.\n",
          f);
}

bool tl_report_write_matrix_md(const tl_report *rep)
{
    if (!rep->matrix)
        return true;
    tl_matrix m;
    if (!tl_matrix_build(rep, &m)) {
        int saved = errno;
        tl_matrix_free(&m);
        errno = saved;
        return false;
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/matrix.md", rep->dir);
    tl_atomic_file af;
    bool ok = tl_atomic_open(&af, path);
    if (ok) {
        write_doc(af.f, rep, &m);
        ok = tl_atomic_commit(&af);
    }
    int saved = errno;
    tl_matrix_free(&m);
    errno = saved;
    return ok;
}
