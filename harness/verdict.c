/* SPDX-License-Identifier: MIT */
/* The verdict: a run meets its expectation when the evidence it showed is
 * exactly the evidence its variant expects, no more and no less. Evidence
 * from the three sources (detector, oracle, the runner's own observations
 * of the process) is gathered into one set first. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "detector.h"
#include "run.h"

const char *tl_mode_name(tl_mode m)
{
    return m == TL_MODE_ACTUAL ? "actual" : "potential";
}

/* The variant's declared difference under detector `name`, or NULL. */
static const tl_difference *difference_for(const tl_variant *v, const char *name)
{
    for (size_t i = 0; i < TL_MAX_DIFFERENCES && v->differs[i].detector; i++)
        if (strcmp(v->differs[i].detector, name) == 0)
            return &v->differs[i];
    return NULL;
}

bool tl_run_expectation(tl_run *r, const char **bad_token)
{
    const char *text = r->variant->expect;
    if (r->mode == TL_MODE_ACTUAL && r->variant->expect_actual)
        text = r->variant->expect_actual;
    /* A detector that cannot show what the variant expects, by a limit of
     * its own the scenario declares, is held to what it can show. */
    r->difference = difference_for(r->variant, r->detector->name);
    if (r->difference) {
        text = r->difference->expect;
        if (r->mode == TL_MODE_ACTUAL && r->difference->expect_actual)
            text = r->difference->expect_actual;
    }
    if (!tl_evidence_parse(&r->expected, text, bad_token))
        return false;
    /* A report kind written without a detector ("data-race") is expected
     * from this run's detector as "<detector>:<kind>" when the detector can
     * see that kind; when it cannot, the kind is evidence it cannot give. */
    tl_evidence unseen, kinds = r->expected;
    tl_evidence_clear(&unseen);
    tl_evidence_clear(&r->expected);
    for (size_t k = 0; k < kinds.n; k++) {
        const char *t = kinds.token[k];
        char token[TL_EVIDENCE_TOKEN];
        if (strchr(t, ':') || strcmp(t, "hang") == 0) {
            tl_evidence_add(&r->expected, t);
        } else if (r->detector->sees(t)) {
            snprintf(token, sizeof token, "%s:%s", r->detector->name, t);
            tl_evidence_add(&r->expected, token);
        } else {
            tl_evidence_add(&unseen, t);
        }
    }
    /* Evidence pinned to another detector cannot be observed under this one:
     * expecting it would make the run "not met" for the wrong reason. */
    for (size_t i = 0; i < tl_detector_count(); i++) {
        tl_detector d = tl_detector_at(i);
        char prefix[40];
        snprintf(prefix, sizeof prefix, "%s:", d->name);
        for (size_t k = 0; d != r->detector && k < r->expected.n; k++)
            if (strncmp(r->expected.token[k], prefix, strlen(prefix)) == 0)
                tl_evidence_add(&unseen, r->expected.token[k]);
        if (d != r->detector)
            tl_evidence_drop_prefix(&r->expected, prefix);
    }
    /* A buggy variant whose bug only another detector shows cannot be
     * demonstrated by this one: "met: clean" would be a lie, "not met" a
     * false alarm. The run says so instead (its own verdict). */
    r->not_demonstrable = r->variant->role == TL_ROLE_BUGGY && r->expected.n == 0 && unseen.n > 0;
    if (r->not_demonstrable)
        tl_evidence_format(&unseen, r->shown_by, sizeof r->shown_by);
    /* Without the monitor, a run it would have stopped runs until its
     * deadline instead: the evidence becomes "hang". */
    if (!r->monitor_on) {
        size_t before = r->expected.n;
        tl_evidence_drop_prefix(&r->expected, "monitor:");
        if (r->expected.n != before)
            tl_evidence_add(&r->expected, "hang");
    }
    return true;
}

size_t tl_run_reports(const tl_run *r)
{
    size_t stored = r->nfindings < TL_RUN_MAX_FINDINGS ? r->nfindings : TL_RUN_MAX_FINDINGS;
    size_t n = 0;
    for (size_t i = 0; i < stored; i++)
        n += r->findings[i].kind != TL_BUG_RUNTIME_MESSAGE;
    /* Reports past the stored ones are counted as reports: they cannot be
     * looked at, and a cut log is full of them, not of messages. */
    return n + (r->nfindings - stored);
}

static void observe(tl_run *r)
{
    tl_evidence *o = &r->observed;
    char token[TL_EVIDENCE_TOKEN];
    tl_evidence_clear(o);
    size_t stored = r->nfindings < TL_RUN_MAX_FINDINGS ? r->nfindings : TL_RUN_MAX_FINDINGS;
    for (size_t i = 0; i < stored; i++) {
        if (r->findings[i].kind == TL_BUG_RUNTIME_MESSAGE)
            continue; /* for the record, not evidence: see tl_run_reports */
        snprintf(token, sizeof token, "%s:%s", r->detector->name,
                 tl_bug_kind_token(r->findings[i].kind));
        tl_evidence_add(o, token);
    }
    for (int i = 0; i < r->noracle; i++)
        if (!r->oracle[i].ok)
            tl_evidence_add(o, "oracle:violated");
    if (r->monitor) {
        /* The monitor ended the run: its SIGKILL is not the scenario's doing. */
        snprintf(token, sizeof token, "monitor:%s", tl_mon_kind_name(r->monitor->kind));
        tl_evidence_add(o, token);
    } else if (r->timed_out)
        tl_evidence_add(o, "hang");
    else if (r->term_signal) {
        snprintf(token, sizeof token, "signal:SIG%s", sigabbrev_np(r->term_signal) ? sigabbrev_np(r->term_signal) : "UNKNOWN");
        tl_evidence_add(o, token);
    }
}

/* Appends one observed token, in words, to buf at *off. */
static void describe_token(const tl_run *r, const char *t, char *buf, size_t size, size_t *off)
{
    if (*off >= size)
        return;
    /* The detector's own tokens read best without their prefix. */
    size_t prefix = strlen(r->detector->name);
    bool detector = strncmp(t, r->detector->name, prefix) == 0 && t[prefix] == ':';
    const char *shown = detector ? t + prefix + 1 : t;
    if (strcmp(t, "hang") == 0)
        shown = "hang (deadline)";
    if (strncmp(t, "monitor:", 8) == 0 && r->monitor) {
        *off += (size_t)snprintf(buf + *off, size - *off, "%s%s (monitor, %.1f ms to verdict)",
                                 *off ? " + " : "", t + 8, r->monitor_ttv_ms);
        return;
    }
    *off += (size_t)snprintf(buf + *off, size - *off, "%s%s", *off ? " + " : "", shown);
    if (strcmp(t, "oracle:violated") != 0)
        return;
    for (int k = 0; k < r->noracle && *off < size; k++)
        if (!r->oracle[k].ok) {
            *off += (size_t)snprintf(buf + *off, size - *off, " (%s: %s)", r->oracle[k].what,
                                     r->oracle[k].detail);
            return;
        }
}

/* One line saying what was seen, detector evidence first (it is what a
 * reader looks for), then the oracle, then what the runner saw. */
static void describe_evidence(const tl_run *r, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < r->observed.n; i++) {
            const char *t = r->observed.token[i];
            size_t prefix = strlen(r->detector->name);
            bool detector = strncmp(t, r->detector->name, prefix) == 0 && t[prefix] == ':';
            bool oracle = strncmp(t, "oracle:", 7) == 0;
            bool mine = pass == 0 ? detector : pass == 1 ? oracle : !detector && !oracle;
            if (mine)
                describe_token(r, t, buf, size, &off);
        }
    if (r->observed.n == 0)
        snprintf(buf, size, "clean");
}

void tl_run_judge(tl_run *r)
{
    char seen[384], diff[256];
    observe(r);
    describe_evidence(r, seen, sizeof seen);
    r->met = tl_evidence_equal(&r->expected, &r->observed);
    if (r->state == TL_RUN_INTERRUPTED) {
        r->met = false;
        snprintf(r->reason, sizeof r->reason, "interrupted before it finished");
    } else if (r->env_error[0]) {
        /* Nothing about the scenario can be concluded from this run. */
        r->met = false;
        snprintf(r->reason, sizeof r->reason, "environment error: %s", r->env_error);
    } else if (r->not_demonstrable) {
        r->met = false;
        snprintf(r->reason, sizeof r->reason,
                 "this bug shows only as %s, which %s cannot see (saw: %s)", r->shown_by,
                 r->detector->name, seen);
    } else if (r->exited && r->exit_status != 0 &&
               r->exit_status != r->detector->reported_status) {
        /* The host's own failure (3: bad arguments) is never a scenario outcome. */
        r->met = false;
        snprintf(r->reason, sizeof r->reason, "host exited with status %d (see stderr.log)",
                 r->exit_status);
    } else if (r->exited && r->exit_status == r->detector->reported_status &&
               r->nfindings == 0) {
        /* Nothing at all parsed: a detector's runtime message counts as
         * parsed here, since some set the status for those too (Valgrind's
         * --error-exitcode counts every error it printed). */
        r->met = false;
        snprintf(r->reason, sizeof r->reason,
                 "%s exit status %d but no report could be parsed (see %s)", r->detector->name,
                 r->exit_status, r->detector_log[0] ? r->detector_log : "stderr.log");
    } else if (r->exited && !r->host_done && !r->monitor) {
        r->met = false;
        snprintf(r->reason, sizeof r->reason, "host exited without finishing the variant");
    } else if (r->met) {
        snprintf(r->reason, sizeof r->reason, "%s", seen);
    } else {
        tl_evidence_diff(&r->expected, &r->observed, diff, sizeof diff);
        snprintf(r->reason, sizeof r->reason, "%s (saw: %s)", diff, seen);
    }
    /* Judged against a declared difference: the verdict says why, so that
     * "met" never reads as if the detector had shown what other detectors
     * show. Not when the run says nothing about the scenario. */
    if (r->difference && r->state != TL_RUN_INTERRUPTED && !r->env_error[0]) {
        size_t len = strlen(r->reason);
        snprintf(r->reason + len, sizeof r->reason - len, " [expected so under %s: %s]",
                 r->detector->name, r->difference->why);
    }
}
