/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
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

void tl_run_env_error(tl_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->env_error, sizeof r->env_error, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof r->env_error)
        memcpy(r->env_error + sizeof r->env_error - 4, "...", 4);
}

void tl_run_take_records(tl_run *r, const char *text, size_t len)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.jsonl", r->dir);
    FILE *f = fopen(path, "w");
    bool ok = f && fwrite(text, 1, len, f) == len;
    ok = f && fclose(f) == 0 && ok;
    if (!ok && !r->env_error[0])
        tl_run_env_error(r, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
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
