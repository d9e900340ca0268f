/* SPDX-License-Identifier: MIT */
/* junit.xml (`run --junit FILE`): the runs as JUnit test cases, for CI
 * systems that show test reports (GitLab, Jenkins, GitHub actions that read
 * JUnit). One testcase per run:
 *   classname  the scenario;
 *   name       the variant with its lock, detector, mode and repeat - GitLab
 *              keeps only the first of several cases with the same name, so
 *              every run's name is unique within the plan;
 *   failure    a run not met (message: the one-line reason);
 *   error      a run the environment broke (the host could not start, ...);
 *   skipped    a run not demonstrable by its detector, or interrupted;
 *   system-out the detector's own words (the first report, cut) and the
 *              monitor's verdict.
 * Written with libxml2's text writer, which escapes what XML must escape,
 * streaming into the atomic file: memory stays bounded however long the
 * plan. Written from runs.jsonl like every report file. */
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "excerpt.h"
#include "report.h"

enum { EXCERPT_LINES = 40 };

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* What a run is to a CI system. */
typedef enum { CASE_PASSED, CASE_FAILED, CASE_ERROR, CASE_SKIPPED } case_kind;

static case_kind kind_of(json_t *run)
{
    const char *v = str(run, "verdict");
    if (strcmp(v, "met") == 0)
        return CASE_PASSED;
    if (strcmp(v, "not met") == 0)
        return CASE_FAILED;
    if (strcmp(v, "error") == 0)
        return CASE_ERROR;
    return CASE_SKIPPED; /* not demonstrable, interrupted, pending */
}

typedef struct {
    size_t n[4];
    double seconds;
} totals_t;

static bool count(json_t *run, void *user)
{
    totals_t *t = user;
    t->n[kind_of(run)]++;
    t->seconds += json_real_value(json_object_get(run, "duration_s"));
    return true;
}

typedef struct {
    xmlTextWriterPtr w;
    const char *dir;
    bool ok;
} writing_t;

static void attr(writing_t *x, const char *name, const char *value)
{
    x->ok = x->ok && xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value) >= 0;
}

static void attr_num(writing_t *x, const char *name, double value, bool integer)
{
    char buf[32];
    snprintf(buf, sizeof buf, integer ? "%.0f" : "%.3f", value);
    attr(x, name, buf);
}

static void start(writing_t *x, const char *element)
{
    x->ok = x->ok && xmlTextWriterStartElement(x->w, BAD_CAST element) >= 0;
}

static void end(writing_t *x)
{
    x->ok = x->ok && xmlTextWriterEndElement(x->w) >= 0;
}

static void text(writing_t *x, const char *s)
{
    x->ok = x->ok && xmlTextWriterWriteString(x->w, BAD_CAST s) >= 0;
}

static void tokens(writing_t *x, const char *label, json_t *array)
{
    size_t i;
    json_t *t;
    text(x, label);
    if (json_array_size(array) == 0)
        text(x, " clean");
    json_array_foreach(array, i, t) {
        text(x, i ? " + " : " ");
        text(x, json_string_value(t));
    }
    text(x, "\n");
}

/* The body of a failure or error: what was expected and seen. */
static void evidence(writing_t *x, json_t *run)
{
    tokens(x, "expected:", json_object_get(run, "expected"));
    tokens(x, "observed:", json_object_get(run, "observed"));
    text(x, "report: ");
    text(x, str(json_object_get(run, "logs"), "dir"));
    text(x, "/\n");
}

static bool testcase(json_t *run, void *user)
{
    writing_t *x = user;
    char name[256];
    snprintf(name, sizeof name, "%s lock=%s detector=%s mode=%s repeat=%lld #%lld",
             str(run, "variant"), str(run, "lock"), str(run, "detector"), str(run, "mode"),
             json_integer_value(json_object_get(run, "repeat")),
             json_integer_value(json_object_get(run, "index")));
    start(x, "testcase");
    attr(x, "classname", str(run, "scenario"));
    attr(x, "name", name);
    attr_num(x, "time", json_real_value(json_object_get(run, "duration_s")), false);
    case_kind k = kind_of(run);
    if (k != CASE_PASSED) {
        start(x, k == CASE_FAILED ? "failure" : k == CASE_ERROR ? "error" : "skipped");
        const char *reason = str(run, "reason");
        if (k == CASE_ERROR && json_is_string(json_object_get(run, "error")))
            reason = str(run, "error");
        attr(x, "message", reason);
        if (k != CASE_SKIPPED) {
            attr(x, "type", str(run, "verdict"));
            evidence(x, run);
        }
        end(x);
    }
    bool cut;
    char *words = tl_report_excerpt(x->dir, run, EXCERPT_LINES, &cut);
    json_t *mon = json_object_get(run, "monitor");
    const char *mon_summary = str(mon, "summary");
    if (words || mon_summary[0]) {
        start(x, "system-out");
        if (words) {
            text(x, words);
            if (cut)
                text(x, "... (cut: the whole log is in the report folder)\n");
        }
        if (mon_summary[0]) {
            text(x, "monitor: ");
            text(x, mon_summary);
            text(x, "\n");
        }
        end(x);
    }
    free(words);
    end(x);
    return x->ok;
}

bool tl_report_write_junit(const tl_report *rep)
{
    if (!rep->junit_path)
        return true;
    totals_t t = {{0}, 0};
    if (!tl_report_each(rep, count, &t))
        return false;
    tl_atomic_file af;
    if (!tl_atomic_open(&af, rep->junit_path))
        return false;
    xmlOutputBufferPtr out = xmlOutputBufferCreateFile(af.f, NULL);
    xmlTextWriterPtr w = out ? xmlNewTextWriter(out) : NULL;
    if (!w) {
        if (out)
            xmlOutputBufferClose(out);
        tl_atomic_abort(&af);
        errno = ENOMEM;
        return false;
    }
    writing_t x = {.w = w, .dir = rep->dir, .ok = true};
    size_t total = t.n[CASE_PASSED] + t.n[CASE_FAILED] + t.n[CASE_ERROR] + t.n[CASE_SKIPPED];
    x.ok = xmlTextWriterSetIndent(w, 1) >= 0 && xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) >= 0;
    start(&x, "testsuites");
    attr(&x, "name", "threadlab");
    for (int level = 0; level < 2; level++) {
        if (level == 1) {
            start(&x, "testsuite");
            attr(&x, "name", "threadlab run");
            attr(&x, "timestamp", rep->started);
        }
        attr_num(&x, "tests", (double)total, true);
        attr_num(&x, "failures", (double)t.n[CASE_FAILED], true);
        attr_num(&x, "errors", (double)t.n[CASE_ERROR], true);
        attr_num(&x, "skipped", (double)t.n[CASE_SKIPPED], true);
        attr_num(&x, "time", t.seconds, false);
    }
    bool read = tl_report_each(rep, testcase, &x);
    x.ok = x.ok && xmlTextWriterEndDocument(w) >= 0; /* closes both suites */
    /* Frees the writer and flushes its buffer into af.f, which stays open. */
    xmlFreeTextWriter(w);
    if (!read || !x.ok) {
        int saved = errno ? errno : EIO;
        tl_atomic_abort(&af);
        errno = saved;
        return false;
    }
    return tl_atomic_commit(&af);
}
