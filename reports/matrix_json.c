/* SPDX-License-Identifier: MIT */
/* matrix.json: the detector matrix as data (schema in reports/README.md):
 * each source's counts and ratios (null where the denominator is 0), and
 * every row's cells keyed by source. Built with jansson, written whole:
 * its size is rows x columns, whatever the plan's length. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>

#include "config.h"
#include "atomic_file.h"
#include "matrix.h"

static json_t *maybe(bool (*fn)(const tl_matrix_column *, double *), const tl_matrix_column *c)
{
    double v;
    return fn(c, &v) ? json_real(v) : json_null();
}

static const char *kind_name(tl_source_kind k)
{
    return k == TL_SOURCE_DETECTOR ? "detector" : k == TL_SOURCE_ORACLE ? "oracle" : "monitor";
}

static json_t *column_json(const tl_matrix_column *c)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
                          c->name, "source", kind_name(c->kind), "runs", (json_int_t)c->runs,
                          "errors", (json_int_t)c->errors, "interrupted",
                          (json_int_t)c->interrupted, "tp", (json_int_t)c->tp, "fp",
                          (json_int_t)c->fp, "fn", (json_int_t)c->fn, "tn", (json_int_t)c->tn,
                          "fn_by_design", (json_int_t)c->fn_by_design, "fn_not_demonstrable",
                          (json_int_t)c->fn_not_demonstrable);
    if (!o)
        return NULL;
    json_object_set_new(o, "precision", maybe(tl_matrix_precision, c));
    json_object_set_new(o, "recall", maybe(tl_matrix_recall, c));
    json_object_set_new(o, "f1", maybe(tl_matrix_f1, c));
    json_object_set_new(o, "wall_s",
                        c->kind == TL_SOURCE_DETECTOR ? json_real(c->wall_s) : json_null());
    return o;
}

static json_t *tokens_json(const tl_evidence *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->n; i++)
        json_array_append_new(a, json_string(e->token[i]));
    return a;
}

static json_t *cell_json(const tl_matrix_cell *c)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "outcome",
                     tl_matrix_outcome_word(tl_matrix_outcome(c)), "runs", (json_int_t)c->runs,
                     "as_expected", (json_int_t)tl_matrix_as_expected(c), "met",
                     (json_int_t)c->met, "not_met", (json_int_t)c->not_met,
                     "not_demonstrable", (json_int_t)c->not_demonstrable, "errors",
                     (json_int_t)c->errors, "interrupted", (json_int_t)c->interrupted,
                     "reported", (json_int_t)c->reported, "observed", tokens_json(&c->observed),
                     "expected", tokens_json(&c->expected));
}

static json_t *row_json(const tl_matrix *m, const tl_matrix_row *r)
{
    json_t *cells = json_object();
    for (size_t c = 0; c < m->ncolumns; c++)
        json_object_set_new(cells, m->columns[c].name, cell_json(&r->cells[c]));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "scenario", r->scenario, "category",
                     r->category, "variant", r->variant, "role", r->role, "mode",
                     r->has_modes ? json_string(r->mode) : json_null(), "cells", cells);
}

static json_t *matrix_doc(const tl_report *rep, const tl_matrix *m)
{
    tl_matrix_totals t;
    tl_matrix_totals_of(m, &t);
    json_t *argv = json_array(), *columns = json_array(), *rows = json_array();
    for (int i = 0; i < rep->argc; i++)
        json_array_append_new(argv, json_string(rep->argv[i]));
    for (size_t c = 0; c < m->ncolumns; c++)
        json_array_append_new(columns, column_json(&m->columns[c]));
    for (size_t r = 0; r < m->nrows; r++)
        json_array_append_new(rows, row_json(m, &m->rows[r]));
    return json_pack("{s:i, s:s, s:s, s:o, s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
                     "s:o, s:o}",
                     "schema", TL_MATRIX_SCHEMA, "threadlab", PACKAGE_VERSION, "started",
                     rep->started, "command", argv, "compiler", rep->compiler, "report",
                     "report.json", "totals", "planned", (json_int_t)rep->planned, "runs",
                     (json_int_t)m->runs, "cells", (json_int_t)t.cells, "as_expected",
                     (json_int_t)t.as_expected, "not_demonstrable",
                     (json_int_t)t.not_demonstrable, "detector_cells",
                     (json_int_t)t.detector_cells, "detector_as_expected",
                     (json_int_t)t.detector_as_expected, "columns", columns, "rows", rows);
}

bool tl_report_write_matrix_json(const tl_report *rep)
{
    if (!rep->matrix)
        return true;
    tl_matrix m;
    bool ok = tl_matrix_build(rep, &m);
    int saved = errno;
    json_t *doc = ok ? matrix_doc(rep, &m) : NULL;
    tl_matrix_free(&m);
    if (!ok) {
        errno = saved;
        return false;
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/matrix.json", rep->dir);
    tl_atomic_file af;
    ok = doc && tl_atomic_open(&af, path);
    if (ok && json_dumpf(doc, af.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
        tl_atomic_abort(&af);
        ok = false;
        errno = errno ? errno : ENOMEM;
    } else if (ok) {
        fputc('\n', af.f);
        ok = tl_atomic_commit(&af);
    } else if (!doc) {
        errno = ENOMEM;
    }
    saved = errno;
    json_decref(doc);
    errno = saved;
    return ok;
}
