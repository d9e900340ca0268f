/* SPDX-License-Identifier: MIT */
/* One run as a record: the JSON object every report format is written from
 * (field meanings in reports/README.md; bump TL_REPORT_SCHEMA when a field
 * changes meaning). Built with jansson, never by hand. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "monitor_report.h"
#include "report.h"

const char *tl_report_verdict_word(const tl_run *r)
{
    switch (r->state) {
    case TL_RUN_FINISHED:
        return r->env_error[0]      ? "error"
               : r->not_demonstrable ? "not demonstrable"
               : r->met              ? "met"
                                     : "not met";
    case TL_RUN_INTERRUPTED: return "interrupted";
    default: return "pending";
    }
}

static json_t *evidence_json(const tl_evidence *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->n; i++)
        json_array_append_new(a, json_string(e->token[i]));
    return a;
}

/* A declared difference (tl_difference) the run was judged by: under which
 * detector, why, and what the variant itself expects (its tokens as the
 * scenario writes them), which this detector was not asked for. */
static json_t *difference_json(const tl_run *r)
{
    if (!r->difference)
        return json_null();
    const char *own = r->variant->expect;
    if (r->mode == TL_MODE_ACTUAL && r->variant->expect_actual)
        own = r->variant->expect_actual;
    tl_evidence e;
    const char *bad;
    if (!tl_evidence_parse(&e, own, &bad))
        tl_evidence_clear(&e);
    return json_pack("{s:s, s:s, s:o}", "detector", r->difference->detector, "why",
                     r->difference->why, "instead_of", evidence_json(&e));
}

static json_t *frame_json(const tl_frame *f)
{
    if (!f->found)
        return json_null();
    return json_pack("{s:s, s:s, s:i, s:i, s:b}", "function", f->function, "file", f->file,
                     "line", f->line, "column", f->column, "own", f->own);
}

static const char *location_kind(tl_location_kind k)
{
    static const char *const names[] = {"none", "global", "heap", "stack", "tls", "other"};
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "other";
}

static json_t *finding_json(const tl_finding *f)
{
    json_t *accesses = json_array();
    for (int i = 0; i < f->naccess; i++) {
        const tl_access *a = &f->access[i];
        json_array_append_new(
            accesses,
            json_pack("{s:s, s:i, s:b, s:b, s:i, s:s, s:o}", "op",
                      a->op == TL_ACC_WRITE ? "write" : a->op == TL_ACC_READ ? "read" : "?",
                      "size", a->size, "atomic", a->atomic, "previous", a->previous, "thread",
                      a->thread, "thread_name", a->thread_name, "frame", frame_json(&a->frame)));
    }
    json_t *cycle = json_array();
    for (int i = 0; i < f->ncycle; i++)
        json_array_append_new(cycle, json_string(f->cycle[i]));
    json_t *loc = f->location.kind == TL_LOC_NONE
                      ? json_null()
                      : json_pack("{s:s, s:s, s:I, s:i, s:s}", "kind",
                                  location_kind(f->location.kind), "name", f->location.name,
                                  "size", (json_int_t)f->location.size, "thread",
                                  f->location.thread, "text", f->location.text);
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:b, s:[I, I]}", "kind",
                     tl_bug_kind_token(f->kind), "kind_text", f->kind_text, "summary",
                     f->summary, "frame", frame_json(&f->frame), "accesses", accesses,
                     "location", loc, "cycle", cycle, "cycle_length", f->cycle_len,
                     "cycle_cut", f->cycle_cut, "log_span", (json_int_t)f->start,
                     (json_int_t)f->end);
}


static json_t *log_path(const tl_run *r, const char *name, bool present)
{
    if (!present)
        return json_null();
    char path[256];
    snprintf(path, sizeof path, "%s/%s", r->dir_rel, name);
    return json_string(path);
}

/* Every thread the monitor table knew, with its counters and its share of
 * lock acquisitions (the fairness figure of starvation scenarios). */
static json_t *threads_json(const tl_mon_snapshot *s)
{
    json_t *a = json_array();
    for (uint32_t t = 0; s && t < s->nthreads; t++) {
        const tl_track_thread *th = &s->thread[t];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:I, s:I, s:I, s:f}", "name", th->name, "state",
                         tl_track_state_name(th->state), "progress", (json_int_t)th->progress,
                         "retries", (json_int_t)th->retries, "acquisitions",
                         (json_int_t)th->acquisitions, "share_pct", tl_monitor_share(s, t)));
    }
    return a;
}

static json_t *monitor_json(const tl_run *r)
{
    if (!r->monitor_on)
        return json_null();
    json_t *m = json_pack("{s:o, s:o}", "verdict",
                          r->monitor ? json_string(tl_mon_kind_name(r->monitor->kind))
                                     : json_null(),
                          "threads", threads_json(r->monitor ? &r->monitor->at : r->last_snapshot));
    if (!r->monitor)
        return m;
    tl_mon_explanation e;
    tl_monitor_explain(r->monitor, &e);
    json_object_set_new(m, "at_s", json_real(r->monitor_at_s));
    json_object_set_new(m, "time_to_verdict_ms", json_real(r->monitor_ttv_ms));
    json_object_set_new(m, "summary", json_string(e.summary));
    if (r->monitor->kind == TL_MON_DEADLOCK || r->monitor->kind == TL_MON_POOL_DEADLOCK)
        json_object_set_new(m, "conditions",
                            json_pack("{s:s, s:s, s:s, s:s}", "mutual_exclusion",
                                      e.mutual_exclusion, "hold_and_wait", e.hold_and_wait,
                                      "no_preemption", e.no_preemption, "circular_wait",
                                      e.circular_wait));
    json_object_set_new(m, "graph",
                        json_pack("{s:o, s:o}", "dot", log_path(r, "waitfor.dot", r->graph_dot),
                                  "svg", log_path(r, "waitfor.svg", r->graph_svg)));
    return m;
}

json_t *tl_report_run_json(const tl_run *r)
{
    json_t *oracle = json_array(), *notes = json_array(), *findings = json_array();
    for (int i = 0; i < r->noracle; i++)
        json_array_append_new(oracle, json_pack("{s:s, s:b, s:s}", "what", r->oracle[i].what, "ok",
                                                r->oracle[i].ok, "detail", r->oracle[i].detail));
    for (int i = 0; i < r->nnotes; i++)
        json_array_append_new(notes, json_string(r->notes[i]));
    size_t stored = r->nfindings < TL_RUN_MAX_FINDINGS ? r->nfindings : TL_RUN_MAX_FINDINGS;
    for (size_t i = 0; i < stored; i++)
        json_array_append_new(findings, finding_json(&r->findings[i]));
    const char *sig = r->term_signal ? sigabbrev_np(r->term_signal) : NULL;
    char signame[32];
    snprintf(signame, sizeof signame, "SIG%s", sig ? sig : "?");

    json_t *exit = json_pack("{s:i, s:o, s:o, s:b}", "pid", (int)r->pid, "status",
                             r->exited ? json_integer(r->exit_status) : json_null(), "signal",
                             r->term_signal ? json_string(signame) : json_null(), "timed_out",
                             r->timed_out);
    json_t *logs = json_pack("{s:s, s:o, s:o, s:o, s:o}", "dir", r->dir_rel, "stdout",
                             log_path(r, "stdout.log", true), "stderr",
                             log_path(r, "stderr.log", true), "detector",
                             log_path(r, r->detector_log, r->detector_log[0] != '\0'), "results",
                             log_path(r, "results.jsonl", true));
    json_t *truncated = json_pack("{s:b, s:b, s:b, s:b}", "stdout", r->stdout_truncated, "stderr",
                                  r->stderr_truncated, "detector", r->detector_truncated, "results",
                                  r->results_truncated);
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:i, s:f}",
                          "index", (int)r->index, "scenario", r->scenario->name, "category",
                          r->scenario->category, "variant", r->variant->name, "role",
                          r->variant->role == TL_ROLE_BUGGY ? "buggy" : "fixed", "lock", r->lock,
                          "detector", tl_detector_name(r->detector), "mode",
                          tl_mode_name(r->mode), "threads", (int)r->threads, "iterations",
                          (json_int_t)r->iterations, "repeat", (int)r->repeat, "timeout_s",
                          r->timeout_s);
    /* timeout_s is the run's own deadline; a slow detector (Valgrind) made
     * it --timeout times this factor. */
    json_object_set_new(o, "timeout_factor", json_real(r->timeout_factor > 0 ? r->timeout_factor : 1));
    json_object_set_new(o, "expected", evidence_json(&r->expected));
    json_object_set_new(o, "observed", evidence_json(&r->observed));
    json_object_set_new(o, "verdict", json_string(tl_report_verdict_word(r)));
    json_object_set_new(o, "reason", json_string(r->reason));
    json_object_set_new(o, "difference", difference_json(r));
    json_object_set_new(o, "error", r->env_error[0] ? json_string(r->env_error) : json_null());
    json_object_set_new(o, "exit", exit);
    json_object_set_new(o, "started_unix_s",
                        json_real((double)r->started.tv_sec + (double)r->started.tv_nsec / 1e9));
    json_object_set_new(o, "duration_s", json_real(r->duration_s));
    json_object_set_new(o, "oracle", oracle);
    json_object_set_new(o, "notes", notes);
    json_object_set_new(o, "findings", findings);
    json_object_set_new(o, "findings_total", json_integer((json_int_t)r->nfindings));
    json_object_set_new(o, "monitor", monitor_json(r));
    json_object_set_new(o, "logs", logs);
    json_object_set_new(o, "truncated", truncated);
    return o;
}

