/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsan_options.h"

const char *tl__tsan_user_options(void)
{
    const char *s = getenv("TSAN_OPTIONS");
    return s && s[0] ? s : NULL;
}

/* The separators of sanitizer flag strings. */
static bool separator(char c)
{
    return c == ' ' || c == ',' || c == ':' || c == '\t' || c == '\n' || c == '\r';
}

typedef struct {
    const char *key, *value; /* value without its quotes */
    size_t key_len, value_len;
    const char *start, *end; /* the whole token, quotes included */
} option;

/* The next key=value at or after *p; false at the end, or (with *bad set)
 * when what comes is not key=value or a quote is not closed. */
static bool next_option(const char **p, option *o, const char **bad)
{
    const char *s = *p;
    while (*s && separator(*s))
        s++;
    *bad = NULL;
    if (!*s)
        return false;
    o->start = o->key = s;
    while (*s && *s != '=' && !separator(*s))
        s++;
    o->key_len = (size_t)(s - o->key);
    if (*s != '=' || o->key_len == 0) {
        *bad = o->start;
        return false;
    }
    s++;
    if (*s == '"' || *s == '\'') {
        char q = *s++;
        o->value = s;
        while (*s && *s != q)
            s++;
        if (!*s) {
            *bad = o->start;
            return false;
        }
        o->value_len = (size_t)(s - o->value);
        s++;
    } else {
        o->value = s;
        while (*s && !separator(*s))
            s++;
        o->value_len = (size_t)(s - o->value);
    }
    o->end = s;
    *p = s;
    return true;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

bool tl__tsan_options_check(const char *ours, const char *user, char *why, size_t size)
{
    const char *u = user, *bad;
    option uo;
    while (next_option(&u, &uo, &bad)) {
        const char *o = ours, *obad;
        option oo;
        while (next_option(&o, &oo, &obad))
            if (same(uo.key, uo.key_len, oo.key, oo.key_len) &&
                !same(uo.value, uo.value_len, oo.value, oo.value_len)) {
                snprintf(why, size, "TSAN_OPTIONS sets '%.*s', which threadlab sets itself "
                                    "(to %.*s: its reader depends on it); remove it from "
                                    "TSAN_OPTIONS",
                         (int)uo.key_len, uo.key, (int)oo.value_len, oo.value);
                return false;
            }
    }
    if (bad) {
        snprintf(why, size, "TSAN_OPTIONS: cannot read '%.40s': options are key=value, "
                            "separated by spaces, commas or colons",
                 bad);
        return false;
    }
    return true;
}

/* Keys whose value names a file that TSan opens. */
static bool names_a_file(const option *o)
{
    return same(o->key, o->key_len, "suppressions", 12);
}

bool tl__tsan_options_append(char *out, size_t size, const char *user, const char *cwd)
{
    size_t len = strlen(out);
    const char *u = user, *bad;
    option o;
    while (next_option(&u, &o, &bad)) {
        int n;
        if (names_a_file(&o) && o.value_len > 0 && o.value[0] != '/')
            n = snprintf(out + len, size - len, " %.*s=\"%s/%.*s\"", (int)o.key_len, o.key, cwd,
                         (int)o.value_len, o.value);
        else
            n = snprintf(out + len, size - len, " %.*s", (int)(o.end - o.start), o.start);
        if (n < 0 || (size_t)n >= size - len)
            return false;
        len += (size_t)n;
    }
    return bad == NULL;
}
