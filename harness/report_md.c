/* SPDX-License-Identifier: MIT */
/* summary.md: the run table, then for every run with findings the TSan
 * excerpt and the scenario's teaching summary. Written for a person reading
 * it on a forge or in a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_report.h"
#include "report.h"
#include "run_result.h"

enum { EXCERPT_MAX_LINES = 40 };

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

static void table(FILE *f, const tl_report *rep)
{
    char ev[256];
    fputs("| # | scenario | variant | lock | detector | mode | expected | observed | verdict | "
          "time |\n|---|---|---|---|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < rep->n; i++) {
        const tl_run *r = &rep->runs[i];
        if (r->state != TL_RUN_FINISHED)
            continue;
        fprintf(f, "| %u | %s | %s | %s | %s | %s | %s | ", r->index, r->scenario->name,
                r->variant->name, r->lock, tl_detector_name(r->detector),
                r->scenario->has_modes ? tl_mode_name(r->mode) : "-",
                tl_evidence_format(&r->expected, ev, sizeof ev));
        fprintf(f, "%s | **%s**: ", tl_evidence_format(&r->observed, ev, sizeof ev),
                tl_report_verdict_word(r));
        cell(f, r->reason);
        fprintf(f, " | %.2f s |\n", r->duration_s);
    }
}

/* The first report of the run's TSan log, cut to EXCERPT_MAX_LINES lines. */
static void excerpt(FILE *f, const tl_run *r)
{
    char path[PATH_MAX + 16];
    size_t len;
    bool cut;
    snprintf(path, sizeof path, "%s/tsan.log", r->dir);
    char *text = tl_read_file(path, TL_TSAN_LOG_MAX, &len, &cut);
    if (!text || r->nfindings == 0) {
        free(text);
        return;
    }
    const tl_tsan_finding *first = &r->findings[0];
    size_t end = first->end <= len ? first->end : len;
    int lines = 0;
    fputs("\n```\n", f);
    for (size_t p = first->start; p < end && lines < EXCERPT_MAX_LINES; p++) {
        fputc(text[p], f);
        lines += text[p] == '\n';
    }
    if (lines >= EXCERPT_MAX_LINES)
        fputs("... (cut; the whole log is tsan.log)\n", f);
    fputs("```\n", f);
    free(text);
}

static void run_section(FILE *f, const tl_run *r)
{
    fprintf(f, "\n### %u. %s / %s (%s, %s)\n\n", r->index, r->scenario->name, r->variant->name,
            r->lock, tl_detector_name(r->detector));
    fprintf(f, "**%s**: %s\n\n", tl_report_verdict_word(r), r->reason);
    fprintf(f, "*%s.* %s\n\n", r->scenario->summary, r->variant->about ? r->variant->about : "");
    for (int i = 0; i < r->noracle; i++)
        fprintf(f, "- oracle, %s: %s (%s)\n", r->oracle[i].what, r->oracle[i].detail,
                r->oracle[i].ok ? "holds" : "VIOLATED");
    size_t stored = r->nfindings < TL_RUN_MAX_FINDINGS ? r->nfindings : TL_RUN_MAX_FINDINGS;
    for (size_t i = 0; i < stored; i++) {
        const tl_tsan_finding *t = &r->findings[i];
        fprintf(f, "- TSan: %s", t->kind_text);
        if (t->frame.found)
            fprintf(f, " at %s:%d in %s()", t->frame.file, t->frame.line, t->frame.function);
        if (t->location.kind != TL_TSAN_LOC_NONE)
            fprintf(f, "; %s", t->location.text);
        fputc('\n', f);
    }
    if (r->monitor) {
        tl_mon_explanation e;
        tl_monitor_explain(r->monitor, &e);
        fprintf(f, "- monitor: %s (verdict %.1f ms after the condition first held, %.3f s "
                   "into the run)\n",
                e.summary, r->monitor_ttv_ms, r->monitor_at_s);
        if (r->monitor->kind == TL_MON_DEADLOCK)
            fprintf(f, "  - *mutual exclusion*: %s\n  - *hold and wait*: %s\n"
                       "  - *no preemption*: %s\n  - *circular wait*: %s\n",
                    e.mutual_exclusion, e.hold_and_wait, e.no_preemption, e.circular_wait);
        if (r->graph_svg)
            fprintf(f, "\n  ![wait-for graph](%s/waitfor.svg)\n", r->dir_rel);
        else if (r->graph_dot)
            fprintf(f, "  - wait-for graph: `%s/waitfor.dot` (install graphviz for the SVG)\n",
                    r->dir_rel);
    }
    if (r->scenario->detector_note)
        fprintf(f, "- detector: %s\n", r->scenario->detector_note);
    excerpt(f, r);
    fprintf(f, "\nRaw logs: `%s/`\n", r->dir_rel);
}

bool tl_report_write_md(const tl_report *rep)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return false;
    size_t finished = 0, met = 0;
    for (size_t i = 0; i < rep->n; i++)
        if (rep->runs[i].state == TL_RUN_FINISHED) {
            finished++;
            met += rep->runs[i].met;
        }
    fprintf(f, "# threadlab report\n\nStarted %s; compiler: %s.\n\nCommand: `", rep->started,
            rep->compiler);
    for (int i = 0; i < rep->argc; i++)
        fprintf(f, "%s%s", i ? " " : "", rep->argv[i]);
    fprintf(f, "`\n\n%zu of %zu planned runs finished; %zu met, %zu not met.\n\n", finished, rep->n,
            met, finished - met);
    table(f, rep);
    fputs("\n## Runs with evidence\n", f);
    for (size_t i = 0; i < rep->n; i++) {
        const tl_run *r = &rep->runs[i];
        if (r->state == TL_RUN_FINISHED && (r->observed.n > 0 || !r->met))
            run_section(f, r);
    }
    fclose(f);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/summary.md", rep->dir);
    bool ok = tl_write_atomic(path, text, len);
    free(text);
    return ok;
}
