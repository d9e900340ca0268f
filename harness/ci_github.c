/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ci_github.h"

bool tl_ci_github(void)
{
    const char *v = getenv("GITHUB_ACTIONS");
    return v && strcmp(v, "true") == 0;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Workflow commands end at a newline and treat '%', '\r', '\n' (and in
 * properties ':' and ',') specially: they are escaped as GitHub documents. */
static void escaped(FILE *to, const char *s, bool property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", to);
        else if (*s == '\r')
            fputs("%0D", to);
        else if (*s == '\n')
            fputs("%0A", to);
        else if (property && *s == ':')
            fputs("%3A", to);
        else if (property && *s == ',')
            fputs("%2C", to);
        else
            fputc(*s, to);
    }
}

static bool annotate(json_t *run, void *user)
{
    FILE *to = user;
    const char *v = str(run, "verdict");
    bool error = strcmp(v, "error") == 0;
    if (strcmp(v, "not met") != 0 && !error)
        return true;
    /* Where: the first finding's frame in the lab's sources, else the
     * scenario's own file (scenarios/<category>_<slug>.c). */
    json_t *frame = json_object_get(json_array_get(json_object_get(run, "findings"), 0), "frame");
    char file[300];
    long line = 0;
    if (json_is_true(json_object_get(frame, "own")) && str(frame, "file")[0]) {
        snprintf(file, sizeof file, "%s", str(frame, "file"));
        line = (long)json_integer_value(json_object_get(frame, "line"));
    } else {
        snprintf(file, sizeof file, "scenarios/%s.c", str(run, "scenario"));
        file[10 + strcspn(file + 10, ".")] = '_';
    }
    char title[200];
    snprintf(title, sizeof title, "threadlab: %s %s under %s %s", str(run, "scenario"),
             str(run, "variant"), str(run, "detector"), error ? "could not run" : "not met");
    fputs("::error file=", to);
    escaped(to, file, true);
    if (line > 0)
        fprintf(to, ",line=%ld", line);
    fputs(",title=", to);
    escaped(to, title, true);
    fputs("::", to);
    escaped(to, error ? str(run, "error") : str(run, "reason"), false);
    fputc('\n', to);
    return true;
}

bool tl_ci_github_report(FILE *to, const tl_report *rep)
{
    tl_report_each(rep, annotate, to);
    const char *summary = getenv("GITHUB_STEP_SUMMARY");
    if (!summary || !summary[0])
        return true;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/summary.md", rep->dir);
    FILE *in = fopen(path, "r"), *out = in ? fopen(summary, "a") : NULL;
    bool ok = in && out;
    char buf[8192];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    if (out && fclose(out) != 0)
        ok = false;
    if (in)
        fclose(in);
    if (!ok)
        fprintf(stderr, "threadlab: cannot append %s to $GITHUB_STEP_SUMMARY (%s): %s\n", path,
                summary, strerror(errno ? errno : EIO));
    return ok;
}
