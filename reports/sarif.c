/* SPDX-License-Identifier: MIT */
/* The detectors' findings as SARIF 2.1.0 (`run --sarif FILE`), the format
 * GitHub code scanning reads: one SARIF run per detector of the plan that
 * reports anything (tool.driver: its tool's name and version; its rules:
 * the bug kinds it reported), one result per distinct finding:
 *   ruleId            the neutral bug kind ("data-race");
 *   locations         the finding's frame in the lab's sources, as a path
 *                     from the repository's root (the scenario's file, line
 *                     1, when the detector gave no usable frame);
 *   relatedLocations  the other accesses of a race, each with its thread;
 *   message           the kind, the location's words and the threads;
 *   partialFingerprints  scenario, variant and kind, so that GitHub keeps
 *                     one alert per bug across pushes and repeats.
 * A finding repeated by --repeat, or by several runs of one variant, is one
 * result. Runs of a plan with several detectors of one tool (tsan,
 * tsan-gcc) stay apart by automationDetails.id ("threadlab/tsan-gcc/"),
 * which GitHub uses as the category. Written from runs.jsonl, atomically. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "report.h"

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* scenarios/<category>_<slug>.c from "category.slug". */
static void scenario_file(const char *name, char *out, size_t size)
{
    snprintf(out, size, "scenarios/%s.c", name);
    char *dot = strchr(out + 10, '.');
    if (dot && dot < out + strlen(out) - 2)
        *dot = '_';
}

static json_t *physical(const char *file, long line, long column)
{
    json_t *region = json_pack("{s:I}", "startLine", (json_int_t)(line > 0 ? line : 1));
    if (column > 0)
        json_object_set_new(region, "startColumn", json_integer(column));
    return json_pack("{s:{s:s}, s:o}", "artifactLocation", "uri", file, "region", region);
}

/* A frame the lab can point at: one of its own files, with a line. */
static bool usable(json_t *frame)
{
    return json_is_true(json_object_get(frame, "own")) && str(frame, "file")[0] &&
           json_integer_value(json_object_get(frame, "line")) > 0;
}

static void access_words(json_t *a, char *buf, size_t size)
{
    const char *name = str(a, "thread_name");
    long long t = json_integer_value(json_object_get(a, "thread"));
    snprintf(buf, size, "%s%s%s by %s%s%s", json_is_true(json_object_get(a, "previous")) ?
                                                "previous " : "",
             json_is_true(json_object_get(a, "atomic")) ? "atomic " : "", str(a, "op"),
             name[0] && strcmp(name, "main") ? "thread '" : "the main thread",
             name[0] && strcmp(name, "main") ? name : "", name[0] && strcmp(name, "main") ? "'" : "");
    if (t > 0) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, " (T%lld)", t);
    }
}

typedef struct {
    const char *detector;
    json_t *results, *rules;
    json_t *seen;      /* fingerprint -> true: one result per distinct finding */
} sarif_run;

static size_t rule_index(sarif_run *sr, const char *kind, const char *text)
{
    size_t i;
    json_t *r;
    json_array_foreach(sr->rules, i, r)
        if (strcmp(str(r, "id"), kind) == 0)
            return i;
    json_array_append_new(sr->rules,
                          json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}}", "id", kind,
                                    "shortDescription", "text", kind, "fullDescription", "text",
                                    text[0] ? text : kind, "defaultConfiguration", "level",
                                    "error"));
    return json_array_size(sr->rules) - 1;
}

static bool add_findings(json_t *run, void *user)
{
    sarif_run *sr = user;
    if (strcmp(str(run, "detector"), sr->detector) != 0)
        return true;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(run, "findings"), i, f) {
        const char *kind = str(f, "kind");
        if (strcmp(kind, "runtime-message") == 0)
            continue;
        json_t *frame = json_object_get(f, "frame");
        char file[300];
        long line = 1, column = 0;
        if (usable(frame)) {
            snprintf(file, sizeof file, "%s", str(frame, "file"));
            line = (long)json_integer_value(json_object_get(frame, "line"));
            column = (long)json_integer_value(json_object_get(frame, "column"));
        } else {
            scenario_file(str(run, "scenario"), file, sizeof file);
        }
        char fingerprint[256], key[600];
        snprintf(fingerprint, sizeof fingerprint, "%s/%s/%s", str(run, "scenario"),
                 str(run, "variant"), kind);
        snprintf(key, sizeof key, "%s@%s:%ld", fingerprint, file, line);
        if (json_object_get(sr->seen, key))
            continue;
        json_object_set_new(sr->seen, key, json_true());

        /* The message: what, where in memory, and the threads. */
        char text[1200];
        size_t off = (size_t)snprintf(text, sizeof text, "%s in %s (%s variant)",
                                      str(f, "kind_text")[0] ? str(f, "kind_text") : kind,
                                      str(run, "scenario"), str(run, "variant"));
        /* The memory in words that stay the same from run to run (no
         * addresses: the message is part of what a reader compares). */
        json_t *loc = json_object_get(f, "location");
        const char *lk = str(loc, "kind");
        if (off < sizeof text && !strcmp(lk, "global"))
            off += (size_t)snprintf(text + off, sizeof text - off, ", on global '%s'",
                                    str(loc, "name"));
        else if (off < sizeof text && (!strcmp(lk, "heap") || !strcmp(lk, "stack") ||
                                       !strcmp(lk, "tls")))
            off += (size_t)snprintf(text + off, sizeof text - off, ", on %s memory",
                                    !strcmp(lk, "tls") ? "thread-local" : lk);
        json_t *related = json_array(), *a;
        size_t k;
        json_array_foreach(json_object_get(f, "accesses"), k, a) {
            char words[200];
            access_words(a, words, sizeof words);
            if (off < sizeof text)
                off += (size_t)snprintf(text + off, sizeof text - off, "%s %s",
                                        k ? ";" : ":", words);
            json_t *af = json_object_get(a, "frame");
            if (k > 0 && usable(af))
                json_array_append_new(
                    related,
                    json_pack("{s:I, s:o, s:{s:s}}", "id", (json_int_t)k, "physicalLocation",
                              physical(str(af, "file"),
                                       (long)json_integer_value(json_object_get(af, "line")),
                                       (long)json_integer_value(json_object_get(af, "column"))),
                              "message", "text", words));
        }
        json_t *result = json_pack(
            "{s:s, s:I, s:s, s:{s:s}, s:[{s:o}], s:{s:s}, s:{s:s, s:s, s:s}}", "ruleId", kind,
            "ruleIndex", (json_int_t)rule_index(sr, kind, str(f, "kind_text")), "level", "error",
            "message", "text", text, "locations", "physicalLocation",
            physical(file, line, column), "partialFingerprints", "threadlabFinding/v1",
            fingerprint, "properties", "scenario", str(run, "scenario"), "variant",
            str(run, "variant"), "run", str(json_object_get(run, "logs"), "dir"));
        if (json_array_size(related))
            json_object_set(result, "relatedLocations", related);
        json_decref(related);
        json_array_append_new(sr->results, result);
    }
    return true;
}

bool tl_report_write_sarif(const tl_report *rep)
{
    if (!rep->sarif_path)
        return true;
    json_t *runs = json_array();
    bool ok = true;
    for (size_t d = 0; d < rep->ndetectors && ok; d++) {
        if (!rep->tools[d])
            continue; /* a detector that reports nothing */
        sarif_run sr = {.detector = rep->detectors[d], .results = json_array(),
                        .rules = json_array(), .seen = json_object()};
        ok = tl_report_each(rep, add_findings, &sr);
        char category[64];
        snprintf(category, sizeof category, "threadlab/%s/", rep->detectors[d]);
        json_t *driver = json_pack("{s:s, s:o}", "name", rep->tools[d], "rules", sr.rules);
        if (rep->tool_uris[d])
            json_object_set_new(driver, "informationUri", json_string(rep->tool_uris[d]));
        if (rep->tool_versions[d][0])
            json_object_set_new(driver, "version", json_string(rep->tool_versions[d]));
        json_array_append_new(runs, json_pack("{s:{s:o}, s:{s:s}, s:o}", "tool", "driver", driver,
                                              "automationDetails", "id", category, "results",
                                              sr.results));
        json_decref(sr.seen);
    }
    json_t *doc = json_pack("{s:s, s:s, s:o}", "$schema",
                            "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
                            "runs", runs);
    if (!ok || !doc) {
        json_decref(doc);
        errno = errno ? errno : ENOMEM;
        return false;
    }
    tl_atomic_file af;
    if (!tl_atomic_open(&af, rep->sarif_path)) {
        json_decref(doc);
        return false;
    }
    int rc = json_dumpf(doc, af.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc != 0) {
        tl_atomic_abort(&af);
        errno = EIO;
        return false;
    }
    return tl_atomic_commit(&af);
}
