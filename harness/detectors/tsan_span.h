/* SPDX-License-Identifier: MIT */
/* Bounded views into text (spans) and the small scanners the TSan report
 * parser is built from. A log may be cut anywhere - no final newline, no NUL
 * terminator - so every helper here reads only inside its span. */
#ifndef TL_TSAN_SPAN_H
#define TL_TSAN_SPAN_H

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* ---- spans: bounded views into the input ----------------------------- */

typedef struct {
    const char *p;
    size_t n;
} span;

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Trailing '\r' goes too, so logs with CRLF line ends parse the same. */
static inline span trim(span s)
{
    while (s.n > 0 && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

static inline bool starts_with(span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static inline void advance(span *s, size_t k)
{
    s->p += k;
    s->n -= k;
}

/* Consumes lit when s starts with it. */
static inline bool eat(span *s, const char *lit)
{
    if (!starts_with(*s, lit))
        return false;
    advance(s, strlen(lit));
    return true;
}

/* Case-insensitive eat: access lines start with "Write" but continue with
 * "Previous write" / "Atomic write" / "Previous atomic write". */
static inline bool eat_ci(span *s, const char *lit)
{
    size_t n = strlen(lit);
    if (s->n < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s->p[i]) != tolower((unsigned char)lit[i]))
            return false;
    advance(s, n);
    return true;
}

/* Index of the first occurrence of lit in s, or s.n when absent. */
static inline size_t find(span s, const char *lit)
{
    size_t n = strlen(lit);
    if (n == 0 || n > s.n)
        return n == 0 ? 0 : s.n;
    for (size_t i = 0; i + n <= s.n; i++)
        if (s.p[i] == lit[0] && memcmp(s.p + i, lit, n) == 0)
            return i;
    return s.n;
}

/* Moves s just past the first occurrence of lit. */
static inline bool skip_past(span *s, const char *lit)
{
    size_t i = find(*s, lit);
    if (i == s->n)
        return false;
    advance(s, i + strlen(lit));
    return true;
}

/* Reads a decimal number, saturating at INT_MAX: the numbers in a report
 * (sizes, lines, pids, thread ids) are small, but a corrupt log must not
 * overflow. */
static inline bool eat_number(span *s, long *out)
{
    size_t i = 0;
    long v = 0;
    while (i < s->n && isdigit((unsigned char)s->p[i])) {
        int d = s->p[i] - '0';
        v = v > (INT_MAX - d) / 10 ? INT_MAX : v * 10 + d;
        i++;
    }
    if (i == 0)
        return false;
    advance(s, i);
    *out = v;
    return true;
}

/* Copies s into dst[cap], truncating; dst is always NUL-terminated. */
static inline void copy_span(char *dst, size_t cap, span s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

/* "main thread" -> 0, "thread T<N>" -> N, otherwise -1 (nothing eaten). */
static inline int eat_thread_ref(span *s)
{
    long t;
    if (eat(s, "main thread"))
        return 0;
    span save = *s;
    if (eat(s, "thread T") && eat_number(s, &t))
        return (int)t;
    *s = save;
    return -1;
}

/* Reads "'name'" where the name ends at the first quote followed by end,
 * space or ':'; thread names may themselves contain quotes or spaces. A name
 * without its closing quote (cut log) is not taken. */
static inline bool eat_quoted(span *s, span *name)
{
    if (s->n == 0 || s->p[0] != '\'')
        return false;
    for (size_t i = 1; i < s->n; i++) {
        if (s->p[i] != '\'')
            continue;
        if (i + 1 == s->n || s->p[i + 1] == ' ' || s->p[i + 1] == ':') {
            *name = (span){s->p + 1, i - 1};
            advance(s, i + 1);
            return true;
        }
    }
    return false;
}

#endif
