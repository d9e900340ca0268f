/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "run_result.h"

static void take_record(tl_run *r, json_t *rec)
{
    const char *type = json_string_value(json_object_get(rec, "t"));
    const char *detail = json_string_value(json_object_get(rec, "detail"));
    if (!type)
        return;
    if (strcmp(type, "start") == 0)
        r->host_started = true;
    else if (strcmp(type, "done") == 0)
        r->host_done = true;
    else if (strcmp(type, "oracle") == 0 && r->noracle < TL_RUN_MAX_ORACLE) {
        tl_oracle_rec *o = &r->oracle[r->noracle++];
        const char *what = json_string_value(json_object_get(rec, "what"));
        snprintf(o->what, sizeof o->what, "%s", what ? what : "?");
        snprintf(o->detail, sizeof o->detail, "%s", detail ? detail : "");
        o->ok = json_is_true(json_object_get(rec, "ok"));
    } else if (strcmp(type, "oracle") == 0 && !json_is_true(json_object_get(rec, "ok"))) {
        /* Out of room: keep the violation's evidence in the last slot. */
        tl_oracle_rec *o = &r->oracle[TL_RUN_MAX_ORACLE - 1];
        o->ok = false;
        snprintf(o->detail, sizeof o->detail, "%s", detail ? detail : "");
    } else if (strcmp(type, "note") == 0 && r->nnotes < TL_RUN_MAX_NOTES)
        snprintf(r->notes[r->nnotes++], sizeof r->notes[0], "%s", detail ? detail : "");
}

void tl_run_take_records(tl_run *r, const char *text, size_t len)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.jsonl", r->dir);
    FILE *f = fopen(path, "w");
    bool ok = f && fwrite(text, 1, len, f) == len;
    ok = f && fclose(f) == 0 && ok;
    if (!ok && !r->env_error[0])
        snprintf(r->env_error, sizeof r->env_error, "cannot write %s: %s", path,
                 strerror(errno ? errno : EIO));
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        json_t *rec = json_loadb(text + pos, end - pos, 0, NULL);
        if (rec) {
            take_record(r, rec);
            json_decref(rec);
        }
        pos = end + 1;
    }
}

char *tl_read_file(const char *path, long max, size_t *len, bool *truncated)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    long size = fstat(fileno(f), &st) == 0 ? (long)st.st_size : 0;
    *truncated = size > max;
    size_t want = (size_t)(size < max ? size : max);
    char *buf = malloc(want + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    *len = fread(buf, 1, want, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

void tl_run_take_tsan_log(tl_run *r)
{
    char from[PATH_MAX + 32], to[PATH_MAX + 32];
    snprintf(from, sizeof from, "%s/tsan.%d", r->dir, (int)r->pid);
    snprintf(to, sizeof to, "%s/tsan.log", r->dir);
    if (rename(from, to) != 0)
        return; /* no report was written: nothing found, or no detector */
    r->tsan_log_present = true;
    size_t len = 0;
    bool cut = false;
    char *text = tl_read_file(to, TL_TSAN_LOG_MAX, &len, &cut);
    if (!text)
        return;
    if (cut && truncate(to, TL_TSAN_LOG_MAX) == 0)
        r->tsan_truncated = true;
    r->nfindings = tl_tsan_parse(text, len, r->findings, TL_RUN_MAX_FINDINGS);
    free(text);
}

/* What ThreadSanitizer prints when it cannot run at all (shadow memory it
 * cannot map, an address-space limit, a runtime CHECK): the scenario never
 * ran, so nothing about it may be concluded. */
static const char *const tsan_cannot_run[] = {
    "FATAL: ThreadSanitizer",
    "ThreadSanitizer: CHECK failed",
    "ERROR: ThreadSanitizer",
    "ThreadSanitizer: out of memory",
    "ThreadSanitizer failed to",
    "ThreadSanitizer: failed to",
};

/* The first line of the file that says TSan could not run, or false. */
static bool find_tsan_failure(const char *path, char *line, size_t size)
{
    size_t len;
    bool cut;
    char *text = tl_read_file(path, TL_CAPTURE_MAX, &len, &cut);
    if (!text)
        return false;
    bool found = false;
    for (size_t i = 0; !found && i < sizeof tsan_cannot_run / sizeof tsan_cannot_run[0]; i++) {
        const char *at = strstr(text, tsan_cannot_run[i]);
        if (!at)
            continue;
        const char *start = at, *end = strchr(at, '\n');
        while (start > text && start[-1] != '\n')
            start--;
        int n = (int)(end ? end - start : (long)strlen(start));
        snprintf(line, size, "%.*s", n, start);
        found = true;
    }
    free(text);
    return found;
}

void tl_run_check_environment(tl_run *r)
{
    if (r->env_error[0] || r->detector != TL_DETECTOR_TSAN || r->state != TL_RUN_FINISHED)
        return;
    char path[PATH_MAX + 32], line[160];
    snprintf(path, sizeof path, "%s/stderr.log", r->dir);
    bool failed = find_tsan_failure(path, line, sizeof line);
    if (!failed && r->tsan_log_present) {
        snprintf(path, sizeof path, "%s/tsan.log", r->dir);
        failed = find_tsan_failure(path, line, sizeof line);
    }
    if (failed && tl_run_reports(r) == 0) {
        snprintf(r->env_error, sizeof r->env_error, "ThreadSanitizer could not run: %s", line);
        return;
    }
    /* Exit status 66 is TSan's "I reported something": a report with no
     * log means the log could not be written (a full disk, a folder gone). */
    if (r->exited && r->exit_status == 66 && !r->tsan_log_present)
        snprintf(r->env_error, sizeof r->env_error,
                 "TSan reported (exit status 66) but no log of it exists in %s: it could not "
                 "be written",
                 r->dir);
}
