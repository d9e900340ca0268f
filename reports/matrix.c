/* SPDX-License-Identifier: MIT */
/* The detector matrix, computed from the run records (see matrix.h). Each
 * record lands in its row (scenario, variant, mode) twice over: in its own
 * detector's column, and in the oracle's and the monitor's columns, which
 * every run feeds whatever detector it ran under. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "matrix.h"

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Whether a token is evidence of column col. A detector's tokens carry its
 * name ("tsan-gcc:data-race"), compared up to the colon, so one name that
 * begins another ("tsan") never takes the other's tokens. */
static bool belongs(const tl_matrix_column *col, const char *token)
{
    switch (col->kind) {
    case TL_SOURCE_ORACLE:
        return strncmp(token, "oracle:", 7) == 0;
    case TL_SOURCE_MONITOR:
        return strncmp(token, "monitor:", 8) == 0 || strcmp(token, "hang") == 0 ||
               strncmp(token, "signal:", 7) == 0;
    case TL_SOURCE_DETECTOR: {
        size_t n = strlen(col->name);
        return strncmp(token, col->name, n) == 0 && token[n] == ':';
    }
    }
    return false;
}

const char *tl_matrix_short_token(const tl_matrix_column *col, const char *token)
{
    const char *colon = strchr(token, ':');
    if (!colon || strncmp(token, "signal:", 7) == 0)
        return token;
    return belongs(col, token) ? colon + 1 : token;
}

/* The part of a record's token array that belongs to col. */
static void part_of(const tl_matrix_column *col, json_t *tokens, tl_evidence *out)
{
    size_t i;
    json_t *t;
    tl_evidence_clear(out);
    json_array_foreach(tokens, i, t) {
        const char *token = json_string_value(t);
        if (token && belongs(col, token))
            tl_evidence_add(out, token);
    }
}

static void merge(tl_evidence *into, const tl_evidence *from)
{
    for (size_t i = 0; i < from->n; i++)
        tl_evidence_add(into, from->token[i]);
}

/* The row of (scenario, variant, mode), made on first sight, so rows keep
 * the plan's order (records come in plan order). NULL when out of memory. */
static tl_matrix_row *row_of(tl_matrix *m, json_t *run)
{
    const char *scenario = str(run, "scenario"), *variant = str(run, "variant");
    const char *mode = str(run, "mode");
    for (size_t i = m->nrows; i-- > 0;) {
        tl_matrix_row *r = &m->rows[i];
        if (!strcmp(r->scenario, scenario) && !strcmp(r->variant, variant) &&
            !strcmp(r->mode, mode))
            return r;
    }
    if (m->nrows == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 32;
        tl_matrix_row *more = realloc(m->rows, cap * sizeof *more);
        if (!more)
            return NULL;
        m->rows = more;
        m->cap = cap;
    }
    tl_matrix_row *r = &m->rows[m->nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->scenario, sizeof r->scenario, "%s", scenario);
    snprintf(r->category, sizeof r->category, "%s", str(run, "category"));
    snprintf(r->variant, sizeof r->variant, "%s", variant);
    snprintf(r->role, sizeof r->role, "%s", str(run, "role"));
    snprintf(r->mode, sizeof r->mode, "%s", mode);
    const tl_scenario *s = tl_catalog_find(scenario);
    r->has_modes = s && s->has_modes;
    return r;
}

/* One record into one (row, column). */
static void count(tl_matrix_column *col, tl_matrix_cell *cell, json_t *run, bool buggy)
{
    const char *verdict = str(run, "verdict");
    col->runs++;
    cell->runs++;
    if (col->kind == TL_SOURCE_DETECTOR)
        col->wall_s += json_number_value(json_object_get(run, "duration_s"));
    /* Nothing about the scenario can be concluded from these runs. */
    if (!strcmp(verdict, "error")) {
        col->errors++;
        cell->errors++;
        return;
    }
    if (!strcmp(verdict, "interrupted")) {
        col->interrupted++;
        cell->interrupted++;
        return;
    }
    tl_evidence seen, wanted;
    part_of(col, json_object_get(run, "observed"), &seen);
    part_of(col, json_object_get(run, "expected"), &wanted);
    merge(&cell->observed, &seen);
    merge(&cell->expected, &wanted);
    bool nd = !strcmp(verdict, "not demonstrable");
    if (col->kind != TL_SOURCE_DETECTOR)
        /* The oracle and the monitor are judged on their own evidence. */
        *(tl_evidence_equal(&seen, &wanted) ? &cell->met : &cell->not_met) += 1;
    else if (nd)
        cell->not_demonstrable++;
    else
        *(!strcmp(verdict, "met") ? &cell->met : &cell->not_met) += 1;

    bool reported = seen.n > 0;
    cell->reported += reported;
    if (buggy && reported) {
        col->tp++;
    } else if (buggy) {
        col->fn++;
        col->fn_by_design += wanted.n == 0;
        col->fn_not_demonstrable += nd;
    } else if (reported) {
        col->fp++;
    } else {
        col->tn++;
    }
}

typedef struct {
    tl_matrix *m;
    bool ok;
} build_t;

static bool add_record(json_t *run, void *user)
{
    build_t *b = user;
    tl_matrix *m = b->m;
    tl_matrix_row *row = row_of(m, run);
    if (!row) {
        b->ok = false;
        errno = ENOMEM;
        return false;
    }
    m->runs++;
    const char *detector = str(run, "detector");
    bool buggy = !strcmp(str(run, "role"), "buggy");
    for (size_t c = 0; c < m->ncolumns; c++) {
        tl_matrix_column *col = &m->columns[c];
        if (col->kind == TL_SOURCE_DETECTOR && strcmp(col->name, detector) != 0)
            continue;
        count(col, &row->cells[c], run, buggy);
    }
    return true;
}

bool tl_matrix_build(const tl_report *rep, tl_matrix *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < rep->ndetectors && i < TL_REPORT_MAX_DETECTORS; i++) {
        tl_matrix_column *col = &m->columns[m->ncolumns++];
        snprintf(col->name, sizeof col->name, "%s", rep->detectors[i]);
        col->kind = TL_SOURCE_DETECTOR;
    }
    m->columns[m->ncolumns++] = (tl_matrix_column){.name = "oracle", .kind = TL_SOURCE_ORACLE};
    m->columns[m->ncolumns++] = (tl_matrix_column){.name = "monitor", .kind = TL_SOURCE_MONITOR};
    build_t b = {m, true};
    bool read = tl_report_each(rep, add_record, &b);
    return read && b.ok;
}

void tl_matrix_free(tl_matrix *m)
{
    free(m->rows);
    m->rows = NULL;
    m->nrows = m->cap = 0;
}

tl_cell_outcome tl_matrix_outcome(const tl_matrix_cell *c)
{
    if (c->runs == 0)
        return TL_CELL_NOT_RUN;
    if (c->errors)
        return TL_CELL_ERROR;
    if (c->interrupted)
        return TL_CELL_INTERRUPTED;
    if (c->not_met)
        return TL_CELL_NOT_MET;
    if (c->not_demonstrable == c->runs)
        return TL_CELL_NOT_DEMONSTRABLE;
    return TL_CELL_MET;
}

const char *tl_matrix_outcome_word(tl_cell_outcome o)
{
    switch (o) {
    case TL_CELL_NOT_RUN: return "not run";
    case TL_CELL_ERROR: return "error";
    case TL_CELL_INTERRUPTED: return "interrupted";
    case TL_CELL_NOT_MET: return "not met";
    case TL_CELL_NOT_DEMONSTRABLE: return "not demonstrable";
    case TL_CELL_MET: return "met";
    }
    return "?";
}

size_t tl_matrix_as_expected(const tl_matrix_cell *c)
{
    return c->met + c->not_demonstrable;
}

static bool ratio(size_t num, size_t den, double *out)
{
    if (den == 0)
        return false;
    *out = (double)num / (double)den;
    return true;
}

bool tl_matrix_precision(const tl_matrix_column *c, double *out)
{
    return ratio(c->tp, c->tp + c->fp, out);
}

bool tl_matrix_recall(const tl_matrix_column *c, double *out)
{
    return ratio(c->tp, c->tp + c->fn, out);
}

/* 2TP/(2TP+FP+FN) is the harmonic mean of precision and recall, and is
 * defined (0) when TP is 0 but something was counted. */
bool tl_matrix_f1(const tl_matrix_column *c, double *out)
{
    return ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn, out);
}

void tl_matrix_totals_of(const tl_matrix *m, tl_matrix_totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t r = 0; r < m->nrows; r++)
        for (size_t c = 0; c < m->ncolumns; c++) {
            tl_cell_outcome o = tl_matrix_outcome(&m->rows[r].cells[c]);
            if (o == TL_CELL_NOT_RUN)
                continue;
            bool fine = o == TL_CELL_MET || o == TL_CELL_NOT_DEMONSTRABLE;
            bool detector = m->columns[c].kind == TL_SOURCE_DETECTOR;
            t->cells++;
            t->as_expected += fine;
            t->not_demonstrable += o == TL_CELL_NOT_DEMONSTRABLE;
            t->detector_cells += detector;
            t->detector_as_expected += detector && fine;
        }
}
