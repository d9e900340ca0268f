/* SPDX-License-Identifier: MIT */
/* Helpers shared by the subcommands: usage errors, number and lock-kind
 * parsing. Every error is one line naming the option, the bad value and
 * what is allowed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "tl_lock.h"

int tl_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("threadlab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return TL_EXIT_USAGE;
}

bool tl_cli_parse_ulong(const char *opt, const char *text, unsigned long min, unsigned long max,
                        unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
        tl_cli_usage_error("%s: '%s' is not a whole number from %lu to %lu", opt, text, min, max);
        return false;
    }
    *out = v;
    return true;
}

bool tl_cli_parse_seconds(const char *opt, const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    /* v != v: strtod accepts "nan", which no comparison would reject. */
    if (errno || end == text || *end || v != v || v < min || v > max) {
        tl_cli_usage_error("%s: '%s' is not a number of seconds from %g to %g", opt, text, min, max);
        return false;
    }
    *out = v;
    return true;
}

const char *tl_cli_suggest_kind(const char *word)
{
    const char *names[32];
    size_t n = 0;
    for (; n < tl_lock_kind_count() && n < 32; n++)
        names[n] = tl_lock_kind_at(n)->name;
    return tl_closest(word, names, n);
}

int tl_cli_parse_kinds(const char *opt, const char *text, const tl_lock_kind **kinds, int max)
{
    int n = 0;
    bool all = strcmp(text, "all") == 0, correct = strcmp(text, "correct") == 0;
    if (all || correct) {
        for (size_t i = 0; i < tl_lock_kind_count() && n < max; i++)
            if (all || !tl_lock_kind_is_broken(tl_lock_kind_at(i)))
                kinds[n++] = tl_lock_kind_at(i);
        return n;
    }
    char *copy = strdup(text), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const tl_lock_kind *k = tl_lock_kind_find(tok);
        if (!k) {
            const char *near = tl_cli_suggest_kind(tok);
            tl_cli_usage_error("%s: unknown lock kind '%s'%s%s%s; allowed: %s, all, correct", opt,
                               tok, near ? "; did you mean " : "", near ? near : "",
                               near ? "?" : "", tl_lock_kind_names());
            free(copy);
            return -1;
        }
        if (n == max) {
            tl_cli_usage_error("%s: more than %d lock kinds", opt, max);
            free(copy);
            return -1;
        }
        kinds[n++] = k;
    }
    free(copy);
    if (n == 0)
        tl_cli_usage_error("%s: no lock kind given; allowed: %s", opt, tl_lock_kind_names());
    return n ? n : -1;
}
