/* SPDX-License-Identifier: MIT */
/* summary.md, written from the run records (runs.jsonl): the run table, then
 * a section for each run worth reading - every run not met, and the first
 * met run with evidence of each kind (scenario, variant, lock, detector,
 * mode; its repeats are counted, not repeated) - with the detector's excerpt, the
 * monitor's proof and the scenario's teaching summary. For a person reading
 * it on a forge or in a terminal; bounded however long the plan was. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "catalog.h"
#include "excerpt.h"
#include "mermaid.h"
#include "report.h"
#include "run_result.h"

enum {
    EXCERPT_MAX_LINES = 40,
    MAX_SECTIONS_NOT_MET = 200, /* past this, report.json has the rest */
};

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long num(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* A table cell must not contain '|' or a newline. */
static void cell(FILE *f, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            fputs("\\|", f);
        else
            fputc(*p == '\n' ? ' ' : *p, f);
    }
}

static const char *tokens(json_t *array, char *buf, size_t size)
{
    tl_evidence e;
    tl_evidence_clear(&e);
    size_t i;
    json_t *t;
    json_array_foreach(array, i, t)
        tl_evidence_add(&e, json_string_value(t));
    return tl_evidence_format(&e, buf, size);
}

static const char *mode_of(json_t *run)
{
    const tl_scenario *s = tl_catalog_find(str(run, "scenario"));
    return s && s->has_modes ? str(run, "mode") : "-";
}

typedef struct {
    FILE *f;
    size_t own_locking; /* runs whose scenario takes no lock kind (lock "-") */
} table_t;

static bool table_row(json_t *run, void *user)
{
    table_t *t = user;
    FILE *f = t->f;
    char ev[256];
    t->own_locking += strcmp(str(run, "lock"), "-") == 0;
    fprintf(f, "| %lld | %s | %s | %s | %s | %s | %s | ", num(run, "index"), str(run, "scenario"),
            str(run, "variant"), str(run, "lock"), str(run, "detector"), mode_of(run),
            tokens(json_object_get(run, "expected"), ev, sizeof ev));
    fprintf(f, "%s | **%s**: ", tokens(json_object_get(run, "observed"), ev, sizeof ev),
            str(run, "verdict"));
    cell(f, str(run, "reason"));
    fprintf(f, " | %.2f s |\n", json_real_value(json_object_get(run, "duration_s")));
    return true;
}

/* The first report of the run's detector log, cut to EXCERPT_MAX_LINES lines. */
static void excerpt(FILE *f, const char *dir, json_t *run)
{
    bool cut;
    char *text = tl_report_excerpt(dir, run, EXCERPT_MAX_LINES, &cut);
    if (!text)
        return;
    fprintf(f, "\n```\n%s", text);
    if (cut)
        fprintf(f, "... (cut; the whole log is %s)\n",
                json_string_value(json_object_get(json_object_get(run, "logs"), "detector")));
    fputs("```\n", f);
    free(text);
}

/* The wait-for graph as a Mermaid block, drawn inline by GitHub and GitLab
 * (the SVG beside it needs a click). From the run's own waitfor.dot. */
static void mermaid(FILE *f, const char *dir, const char *dot_rel)
{
    char path[PATH_MAX + 256];
    size_t len;
    bool cut;
    snprintf(path, sizeof path, "%s/%s", dir, dot_rel);
    char *dot = tl_read_file(path, 1 << 20, &len, &cut);
    if (!dot)
        return;
    fputs("\n```mermaid\n", f);
    tl_dot_to_mermaid(dot, f);
    fputs("```\n", f);
    free(dot);
}

static void monitor_part(FILE *f, const char *dir, json_t *run)
{
    json_t *m = json_object_get(run, "monitor");
    if (!json_is_string(json_object_get(m, "verdict")))
        return;
    fprintf(f, "- monitor: %s (verdict %.1f ms after the condition first held, %.3f s into the "
               "run)\n",
            str(m, "summary"), json_real_value(json_object_get(m, "time_to_verdict_ms")),
            json_real_value(json_object_get(m, "at_s")));
    json_t *c = json_object_get(m, "conditions");
    if (c)
        fprintf(f, "  - *mutual exclusion*: %s\n  - *hold and wait*: %s\n"
                   "  - *no preemption*: %s\n  - *circular wait*: %s\n",
                str(c, "mutual_exclusion"), str(c, "hold_and_wait"), str(c, "no_preemption"),
                str(c, "circular_wait"));
    json_t *g = json_object_get(m, "graph");
    if (json_is_string(json_object_get(g, "dot")))
        mermaid(f, dir, str(g, "dot"));
    if (json_is_string(json_object_get(g, "svg")))
        fprintf(f, "\n  ![wait-for graph](%s)\n", str(g, "svg"));
    else if (json_is_string(json_object_get(g, "dot")))
        fprintf(f, "  - wait-for graph: `%s` (no SVG: the notes say why)\n", str(g, "dot"));
}

static void run_section(FILE *f, const char *dir, json_t *run, size_t repeats)
{
    const tl_scenario *s = tl_catalog_find(str(run, "scenario"));
    const tl_variant *v = s ? tl_catalog_variant(s, str(run, "variant")) : NULL;
    size_t i;
    json_t *o;
    fprintf(f, "\n### %lld. %s / %s (%s, %s)\n\n", num(run, "index"), str(run, "scenario"),
            str(run, "variant"), str(run, "lock"), str(run, "detector"));
    fprintf(f, "**%s**: %s\n\n", str(run, "verdict"), str(run, "reason"));
    if (repeats > 1)
        fprintf(f, "(%zu met runs like this one in all; report.json has each.)\n\n", repeats);
    if (s)
        fprintf(f, "*%s.* %s\n\n", s->summary, v && v->about ? v->about : "");
    json_array_foreach(json_object_get(run, "oracle"), i, o)
        fprintf(f, "- oracle, %s: %s (%s)\n", str(o, "what"), str(o, "detail"),
                json_is_true(json_object_get(o, "ok")) ? "holds" : "VIOLATED");
    json_array_foreach(json_object_get(run, "notes"), i, o)
        fprintf(f, "- note: %s\n", json_string_value(o));
    json_array_foreach(json_object_get(run, "findings"), i, o) {
        json_t *frame = json_object_get(o, "frame"), *loc = json_object_get(o, "location");
        fprintf(f, "- %s: %s", str(run, "detector"), str(o, "kind_text"));
        if (json_is_object(frame))
            fprintf(f, " at %s:%lld in %s()", str(frame, "file"), num(frame, "line"),
                    str(frame, "function"));
        if (json_is_object(loc))
            fprintf(f, "; %s", str(loc, "text"));
        fputc('\n', f);
    }
    monitor_part(f, dir, run);
    if (s && s->detector_note)
        fprintf(f, "- detector: %s\n", s->detector_note);
    excerpt(f, dir, run);
    fprintf(f, "\nRaw logs: `%s/`\n", str(json_object_get(run, "logs"), "dir"));
}

/* Which runs get a section: all not met (up to a bound), and of the met
 * ones with evidence the first of each kind, with a count of its repeats. */
typedef struct {
    FILE *f;
    const char *dir;
    char (*keys)[160];
    size_t *counts, nkeys, cap;
    size_t not_met_shown, not_met_more;
    bool counting;             /* first pass: count repeats; second: write */
} sections_t;

static size_t key_index(sections_t *st, json_t *run)
{
    char key[160];
    snprintf(key, sizeof key, "%s/%s/%s/%s/%s", str(run, "scenario"), str(run, "variant"),
             str(run, "lock"), str(run, "detector"), str(run, "mode"));
    for (size_t i = 0; i < st->nkeys; i++)
        if (strcmp(st->keys[i], key) == 0)
            return i;
    if (!st->counting)
        return (size_t)-1;
    if (st->nkeys == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 64;
        void *k = realloc(st->keys, cap * sizeof *st->keys);
        void *c = k ? realloc(st->counts, cap * sizeof *st->counts) : NULL;
        if (k)
            st->keys = k;
        if (!c)
            return (size_t)-1;
        st->counts = c;
        st->cap = cap;
    }
    snprintf(st->keys[st->nkeys], sizeof st->keys[0], "%s", key);
    st->counts[st->nkeys] = 0;
    return st->nkeys++;
}

static bool section(json_t *run, void *user)
{
    sections_t *st = user;
    bool met = strcmp(str(run, "verdict"), "met") == 0;
    bool evidence = json_array_size(json_object_get(run, "observed")) > 0;
    if (!met) {
        if (st->counting)
            return true;
        if (st->not_met_shown < MAX_SECTIONS_NOT_MET) {
            st->not_met_shown++;
            run_section(st->f, st->dir, run, 1);
        } else {
            st->not_met_more++;
        }
        return true;
    }
    if (!evidence)
        return true;
    size_t k = key_index(st, run);
    if (k == (size_t)-1)
        return true;
    if (st->counting) {
        st->counts[k]++;
    } else if (st->counts[k] > 0) {
        run_section(st->f, st->dir, run, st->counts[k]);
        st->counts[k] = 0; /* its repeats get no section of their own */
    }
    return true;
}

/* The recap at the top: every run not met (or broken by the environment),
 * up to MAX_RECAP, each with its reason and folder. */
enum { MAX_RECAP = 20 };
typedef struct {
    FILE *f;
    size_t shown, more;
} recap_t;

static bool recap_line(json_t *run, void *user)
{
    recap_t *rc = user;
    const char *v = str(run, "verdict");
    bool error = strcmp(v, "error") == 0;
    if (strcmp(v, "not met") != 0 && !error)
        return true;
    if (rc->shown == MAX_RECAP) {
        rc->more++;
        return true;
    }
    if (rc->shown++ == 0)
        fputs("**Not met:**\n\n", rc->f);
    fprintf(rc->f, "- `%s` %s (%s, lock %s, repeat %lld): %s", str(run, "scenario"),
            str(run, "variant"), str(run, "detector"), str(run, "lock"), num(run, "repeat"),
            error ? "error: " : "");
    cell(rc->f, error ? str(run, "error") : str(run, "reason"));
    fprintf(rc->f, " - `%s/`\n", str(json_object_get(run, "logs"), "dir"));
    return true;
}

bool tl_report_write_md(const tl_report *rep)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/summary.md", rep->dir);
    tl_atomic_file af;
    if (!tl_atomic_open(&af, path))
        return false;
    FILE *f = af.f;
    fprintf(f, "# threadlab report\n\nStarted %s; compiler: %s.\n\nCommand: `", rep->started,
            rep->compiler);
    for (int i = 0; i < rep->argc; i++)
        fprintf(f, "%s%s", i ? " " : "", rep->argv[i]);
    fprintf(f, "`\n\n%zu of %zu planned runs recorded: %zu met, %zu not met", rep->recorded,
            rep->planned, rep->met, rep->not_met);
    if (rep->not_demonstrable)
        fprintf(f, ", %zu not demonstrable by the detector", rep->not_demonstrable);
    if (rep->errors)
        fprintf(f, ", %zu environment errors", rep->errors);
    if (rep->interrupted)
        fprintf(f, ", %zu interrupted", rep->interrupted);
    fputs(".\n\n", f);
    recap_t rc = {.f = f};
    if (rep->not_met + rep->errors > 0 && tl_report_each(rep, recap_line, &rc)) {
        if (rc.more)
            fprintf(f, "- ... and %zu more, each in the table below\n", rc.more);
        fputc('\n', f);
    }
    fputs("| # | scenario | variant | lock | detector | mode | expected | observed | "
          "verdict | time |\n|---|---|---|---|---|---|---|---|---|---|\n",
          f);
    sections_t st = {.f = f, .dir = rep->dir, .counting = true};
    table_t t = {.f = f};
    bool ok = tl_report_each(rep, table_row, &t) && tl_report_each(rep, section, &st);
    if (t.own_locking)
        fprintf(f, "\nLock `-`: the scenario takes no lock kind (it does its own locking), so "
                   "--lock did not apply to those %zu runs; each run's notes in report.json say "
                   "why.\n",
                t.own_locking);
    fputs("\n## Runs worth reading\n\nEvery run not met, and the first met run with evidence "
          "of each kind.\n",
          f);
    st.counting = false;
    ok = ok && tl_report_each(rep, section, &st);
    if (st.not_met_more)
        fprintf(f, "\n%zu more runs not met: report.json has each.\n", st.not_met_more);
    free(st.keys);
    free(st.counts);
    if (!ok) {
        int saved = errno;
        tl_atomic_abort(&af);
        errno = saved;
        return false;
    }
    return tl_atomic_commit(&af);
}
