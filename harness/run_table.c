/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "catalog.h"
#include "evidence.h"
#include "run_table.h"

enum { COL_SCENARIO, COL_VARIANT, COL_LOCK, COL_DETECTOR, COL_MODE, COL_VERDICT, COL_EVIDENCE,
       COL_TIME, NCOLS };
static const char *const header[NCOLS] = {"scenario", "variant", "lock", "detector",
                                          "mode", "verdict", "evidence", "time"};
enum { MIN_EVIDENCE = 16, MAX_ROWS = 200 };

/* A variant under one lock, detector and mode, its repeats rolled up. */
typedef struct {
    char scenario[64], variant[32], lock[24], detector[16], mode[12];
    char evidence[256];     /* what the first run saw, or the first run not met */
    bool evidence_varies;   /* another run saw something else */
    bool evidence_of_miss;  /* evidence is a run not met's */
    size_t runs, met, not_met, not_demonstrable, errors, interrupted;
    double seconds;
} row_t;

typedef struct {
    row_t *rows;
    size_t n, cap;
    bool failed;
} rows_t;

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *observed(json_t *run, char *buf, size_t size)
{
    tl_evidence e;
    size_t i;
    json_t *t;
    tl_evidence_clear(&e);
    json_array_foreach(json_object_get(run, "observed"), i, t)
        tl_evidence_add(&e, json_string_value(t));
    return tl_evidence_format(&e, buf, size);
}

static bool add_run(json_t *run, void *user)
{
    rows_t *rs = user;
    const tl_scenario *s = tl_catalog_find(str(run, "scenario"));
    const char *mode = s && s->has_modes ? str(run, "mode") : "-";
    row_t *r = NULL;
    for (size_t i = 0; i < rs->n && !r; i++) {
        row_t *x = &rs->rows[i];
        if (!strcmp(x->scenario, str(run, "scenario")) && !strcmp(x->variant, str(run, "variant")) &&
            !strcmp(x->lock, str(run, "lock")) && !strcmp(x->detector, str(run, "detector")) &&
            !strcmp(x->mode, mode))
            r = x;
    }
    char ev[256];
    observed(run, ev, sizeof ev);
    if (!r) {
        if (rs->n == rs->cap) {
            size_t cap = rs->cap ? 2 * rs->cap : 64;
            row_t *more = realloc(rs->rows, cap * sizeof *more);
            if (!more) {
                rs->failed = true;
                return false;
            }
            rs->rows = more;
            rs->cap = cap;
        }
        r = &rs->rows[rs->n++];
        memset(r, 0, sizeof *r);
        snprintf(r->scenario, sizeof r->scenario, "%s", str(run, "scenario"));
        snprintf(r->variant, sizeof r->variant, "%s", str(run, "variant"));
        snprintf(r->lock, sizeof r->lock, "%s", str(run, "lock"));
        snprintf(r->detector, sizeof r->detector, "%s", str(run, "detector"));
        snprintf(r->mode, sizeof r->mode, "%s", mode);
        snprintf(r->evidence, sizeof r->evidence, "%s", ev);
    } else if (strcmp(r->evidence, ev) != 0) {
        r->evidence_varies = true;
    }
    const char *v = str(run, "verdict");
    /* A row's evidence is what went wrong, when something did. */
    bool miss = strcmp(v, "met") != 0 && strcmp(v, "not demonstrable") != 0;
    if (miss && !r->evidence_of_miss) {
        snprintf(r->evidence, sizeof r->evidence, "%s", ev);
        r->evidence_of_miss = true;
    }
    r->runs++;
    r->met += !strcmp(v, "met");
    r->not_met += !strcmp(v, "not met");
    r->not_demonstrable += !strcmp(v, "not demonstrable");
    r->errors += !strcmp(v, "error");
    r->interrupted += !strcmp(v, "interrupted") || !strcmp(v, "pending");
    r->seconds += json_real_value(json_object_get(run, "duration_s"));
    return true;
}

static bool all_well(const row_t *r)
{
    return r->not_met + r->errors + r->interrupted == 0;
}

/* "met", "met 20/20", "NOT MET 3/20", "not demonstrable", "error 1/2". */
static void verdict_text(const row_t *r, char *buf, size_t size)
{
    if (r->not_met)
        snprintf(buf, size, "NOT MET %zu/%zu", r->not_met, r->runs);
    else if (r->errors)
        snprintf(buf, size, "error %zu/%zu", r->errors, r->runs);
    else if (r->interrupted)
        snprintf(buf, size, "interrupted %zu/%zu", r->interrupted, r->runs);
    else if (r->not_demonstrable)
        snprintf(buf, size, r->runs > 1 ? "not demonstrable %zu/%zu" : "not demonstrable",
                 r->not_demonstrable, r->runs);
    else
        snprintf(buf, size, r->runs > 1 ? "met %zu/%zu" : "met", r->met, r->runs);
}

static void cell(const row_t *r, int col, char *buf, size_t size)
{
    switch (col) {
    case COL_SCENARIO: snprintf(buf, size, "%s", r->scenario); break;
    case COL_VARIANT: snprintf(buf, size, "%s", r->variant); break;
    case COL_LOCK: snprintf(buf, size, "%s", r->lock); break;
    case COL_DETECTOR: snprintf(buf, size, "%s", r->detector); break;
    case COL_MODE: snprintf(buf, size, "%s", r->mode); break;
    case COL_VERDICT: verdict_text(r, buf, size); break;
    case COL_EVIDENCE:
        snprintf(buf, size, "%s%s", r->evidence, r->evidence_varies ? " (varies)" : "");
        break;
    case COL_TIME: snprintf(buf, size, "%.2f s", r->runs ? r->seconds / (double)r->runs : 0); break;
    }
}

tl_run_table_opts tl_run_table_opts_for(FILE *to, bool every_row)
{
    tl_run_table_opts o = {.every_row = every_row, .width = 80};
    int fd = fileno(to);
    struct winsize ws;
    const char *cols = getenv("COLUMNS");
    if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        o.width = ws.ws_col;
    else if (cols && atoi(cols) >= 40)
        o.width = (unsigned)atoi(cols);
    const char *no_colour = getenv("NO_COLOR"), *term = getenv("TERM");
    o.colour = fd >= 0 && isatty(fd) && !(no_colour && no_colour[0]) &&
               !(term && strcmp(term, "dumb") == 0);
    return o;
}

/* The verdict's colour: green met, red not met or error, yellow the rest. */
static const char *colour_of(const row_t *r)
{
    if (r->not_met || r->errors)
        return "\033[1;31m";
    if (r->interrupted || r->not_demonstrable)
        return "\033[33m";
    return "\033[32m";
}

bool tl_run_table_print(FILE *to, const tl_report *rep, const tl_run_table_opts *o)
{
    rows_t rs = {0};
    if (!tl_report_each(rep, add_run, &rs) || rs.failed) {
        free(rs.rows);
        return false;
    }
    size_t shown = 0, hidden = 0;
    bool every = o->every_row && rs.n <= MAX_ROWS;
    for (size_t i = 0; i < rs.n; i++) {
        if (every || !all_well(&rs.rows[i]))
            shown++;
        else
            hidden++;
    }
    if (shown == 0) {
        free(rs.rows);
        return true;
    }
    /* Widths from what the shown rows hold; a column with one value on every
     * row is said once above the table. */
    unsigned width[NCOLS];
    bool on[NCOLS], constant[NCOLS];
    char buf[320], first[NCOLS][sizeof buf]; /* whole cells, or two long ones compare equal */
    for (int c = 0; c < NCOLS; c++) {
        width[c] = (unsigned)strlen(header[c]);
        on[c] = true;
        constant[c] = true;
        first[c][0] = '\0';
    }
    bool seen_one = false;
    for (size_t i = 0; i < rs.n; i++) {
        if (!every && all_well(&rs.rows[i]))
            continue;
        for (int c = 0; c < NCOLS; c++) {
            cell(&rs.rows[i], c, buf, sizeof buf);
            if (strlen(buf) > width[c])
                width[c] = (unsigned)strlen(buf);
            if (!seen_one)
                snprintf(first[c], sizeof first[c], "%s", buf);
            else if (strcmp(first[c], buf) != 0)
                constant[c] = false;
        }
        seen_one = true;
    }
    char same[256] = "";
    size_t off = 0;
    for (int c = COL_LOCK; c <= COL_MODE; c++)
        if (constant[c]) {
            on[c] = false;
            if (strcmp(first[c], "-") != 0 && off < sizeof same)
                off += (size_t)snprintf(same + off, sizeof same - off, "%s%s %s",
                                        off ? ", " : "", header[c], first[c]);
        }
    /* Fit the width: drop the time, then cut the evidence, then drop mode,
     * lock and detector, saying which went. */
    unsigned total = 0;
    for (int c = 0; c < NCOLS; c++)
        total += on[c] ? width[c] + 1 : 0;
    const int drop[] = {COL_TIME, -1, COL_MODE, COL_LOCK, COL_DETECTOR};
    char dropped[128] = "";
    size_t doff = 0;
    for (size_t k = 0; k < sizeof drop / sizeof drop[0] && total > o->width + 1; k++) {
        if (drop[k] < 0) {
            unsigned over = total - (o->width + 1);
            unsigned room = width[COL_EVIDENCE] > over ? width[COL_EVIDENCE] - over : 0;
            room = room < MIN_EVIDENCE ? MIN_EVIDENCE : room;
            if (room < width[COL_EVIDENCE]) {
                total -= width[COL_EVIDENCE] - room;
                width[COL_EVIDENCE] = room;
            }
            continue;
        }
        if (!on[drop[k]])
            continue;
        on[drop[k]] = false;
        total -= width[drop[k]] + 1;
        if (drop[k] != COL_TIME)
            doff += (size_t)snprintf(dropped + doff, sizeof dropped - doff, "%s%s",
                                     doff ? ", " : "", header[drop[k]]);
    }
    if (same[0])
        fprintf(to, "Every row: %s.\n", same);
    if (dropped[0])
        fprintf(to, "Left out to fit %u columns: %s (summary.md has every column).\n", o->width,
                dropped);
    if (!every)
        fputs("Runs not met:\n", to);
    for (size_t i = 0; i <= rs.n; i++) {
        const row_t *r = i ? &rs.rows[i - 1] : NULL;
        if (r && !every && all_well(r))
            continue;
        bool started = false;
        for (int c = 0; c < NCOLS; c++) {
            if (!on[c])
                continue;
            if (r)
                cell(r, c, buf, sizeof buf);
            else
                snprintf(buf, sizeof buf, "%s", header[c]);
            if (strlen(buf) > width[c]) /* only the evidence is ever cut */
                snprintf(buf + width[c] - 3, 4, "...");
            bool last = true;
            for (int k = c + 1; k < NCOLS; k++)
                last = last && !on[k];
            bool paint = r && o->colour && c == COL_VERDICT;
            fprintf(to, "%s%s%-*s%s", started ? " " : "", paint ? colour_of(r) : "",
                    last ? 0 : (int)width[c], buf, paint ? "\033[0m" : "");
            started = true;
        }
        fputc('\n', to);
    }
    if (hidden && every)
        fprintf(to, "(%zu rows all met not listed: summary.md has every run)\n", hidden);
    free(rs.rows);
    return true;
}

/* --- the recap ------------------------------------------------------------ */
typedef struct {
    FILE *to;
    size_t max, shown, more;
} recap_t;

static bool recap_run(json_t *run, void *user)
{
    recap_t *rc = user;
    const char *v = str(run, "verdict");
    if (strcmp(v, "not met") != 0 && strcmp(v, "error") != 0)
        return true;
    if (rc->shown == rc->max) {
        rc->more++;
        return true;
    }
    if (rc->shown++ == 0)
        fputs("not met:\n", rc->to);
    const char *why = !strcmp(v, "error") ? str(run, "error") : str(run, "reason");
    fprintf(rc->to, "  %s %s (%s, lock %s, repeat %lld%s%s): %s%s\n    %s/\n",
            str(run, "scenario"), str(run, "variant"), str(run, "detector"), str(run, "lock"),
            json_integer_value(json_object_get(run, "repeat")),
            json_object_get(run, "mode") && strcmp(str(run, "mode"), "potential") ? ", " : "",
            json_object_get(run, "mode") && strcmp(str(run, "mode"), "potential") ? str(run, "mode")
                                                                                 : "",
            !strcmp(v, "error") ? "error: " : "", why,
            str(json_object_get(run, "logs"), "dir"));
    return true;
}

void tl_run_recap_print(FILE *to, const tl_report *rep, size_t max)
{
    if (rep->not_met + rep->errors == 0)
        return;
    recap_t rc = {.to = to, .max = max};
    tl_report_each(rep, recap_run, &rc);
    if (rc.more)
        fprintf(to, "  ... and %zu more (summary.md lists every one)\n", rc.more);
}
