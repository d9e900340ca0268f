/* SPDX-License-Identifier: MIT */
/* report.json: the plan's header and totals, then every record of
 * runs.jsonl in plan order (schema in reports/README.md). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "atomic_file.h"
#include "report.h"

typedef struct {
    FILE *f;
    size_t count;
} json_sink;

/* Writes one record, indented under "runs". */
static bool put_run(json_t *run, void *user)
{
    json_sink *sink = user;
    FILE *f = sink->f;
    char *text = json_dumps(run, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return false;
    fputs(sink->count ? ",\n    " : "\n    ", f);
    for (const char *p = text; *p; p++) {
        fputc(*p, f);
        if (*p == '\n')
            fputs("    ", f);
    }
    free(text);
    sink->count++;
    return true;
}

/* The header comes from jansson with an empty "runs" array last; the
 * records are streamed into that array from runs.jsonl one at a time, so
 * the whole report is never in memory. */
bool tl_report_write_json(const tl_report *rep)
{
    json_t *argv = json_array(), *detectors = json_object();
    for (size_t i = 0; i < rep->ndetectors; i++)
        json_object_set_new(detectors, rep->detectors[i], json_string(rep->hosts[i]));
    for (int i = 0; i < rep->argc; i++)
        json_array_append_new(argv, json_string(rep->argv[i]));
    json_t *doc = json_pack(
        "{s:i, s:s, s:s, s:o, s:s, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:[]}",
        "schema", TL_REPORT_SCHEMA, "threadlab", PACKAGE_VERSION, "started", rep->started,
        "command", argv, "compiler", rep->compiler, "detectors", detectors,
        "totals", "planned", (json_int_t)rep->planned, "finished",
        (json_int_t)(rep->recorded - rep->interrupted), "met", (json_int_t)rep->met,
        "not_met", (json_int_t)rep->not_met, "not_demonstrable",
        (json_int_t)rep->not_demonstrable, "errors", (json_int_t)rep->errors,
        "interrupted", (json_int_t)rep->interrupted, "runs");
    /* Before "runs", which must stay last. */
    json_t *runs = json_incref(json_object_get(doc, "runs"));
    json_object_del(doc, "runs");
    /* Each detector's options as the user set them in the environment
     * (appended after threadlab's own), null when none. */
    json_t *user = json_object();
    for (size_t i = 0; i < rep->ndetectors; i++)
        json_object_set_new(user, rep->detectors[i],
                            rep->user_options[i] ? json_string(rep->user_options[i])
                                                 : json_null());
    json_object_set_new(doc, "detector_user_options", user);
    json_object_set_new(doc, "shard",
                        rep->nshards ? json_pack("{s:i, s:i}", "index", (int)rep->shard, "count",
                                                 (int)rep->nshards)
                                     : json_null());
    json_object_set_new(doc, "runs", runs);
    char *head = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    char *tail = head ? strstr(head, "\"runs\": []") : NULL;
    if (!tail) {
        free(head);
        errno = ENOMEM;
        return false;
    }
    tail[strlen("\"runs\": [")] = '\0';
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/report.json", rep->dir);
    tl_atomic_file af;
    if (!tl_atomic_open(&af, path)) {
        free(head);
        return false;
    }
    fputs(head, af.f);
    free(head);
    json_sink sink = {af.f, 0};
    if (!tl_report_each(rep, put_run, &sink)) {
        int saved = errno;
        tl_atomic_abort(&af);
        errno = saved;
        return false;
    }
    fputs(sink.count ? "\n  ]\n}\n" : "]\n}\n", af.f);
    return tl_atomic_commit(&af);
}
