/* SPDX-License-Identifier: MIT */
/* The catalogue's rules. A descriptor is data written by hand, in-tree or out
 * of tree, and a mistake in it (a typo in an expectation, a default outside
 * its own range, two variants of one name) would otherwise surface as a
 * puzzling verdict or a misaligned table much later; checking every rule when
 * a program starts turns each into one line that names the scenario and the
 * rule. The expectations are parsed by the same parser the verdicts use. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "evidence.h"

/* The CLI's own limits (cmd_run.c): a default beyond them could never be
 * asked for again on the command line. */
enum { MAX_THREADS = 64, MAX_ITERATIONS = 100000000, MIN_TEACHING = 100, MIN_WHY = 40,
       MAX_DETECTOR_NAME = 15 };

/* Which detector names exist: the backends are the CLI's (the hosts do not
 * link them), so the CLI tells the rules before it validates; without it
 * only the form of a name is checked. */
static bool (*detector_known)(const char *name);
static const char *detector_names;

void tl_catalog_know_detectors(bool (*known)(const char *name), const char *names)
{
    detector_known = known;
    detector_names = names;
}

/* A new category is one line here, so that a misspelt category ("deadlok")
 * in a new scenario is caught instead of starting a category of its own.
 * "example" is the category of the documented example, so it can be linked
 * in out of tree as it stands. */
static const char *const known_categories[] = {
    "atomicity", "callback", "deadlock", "example",    "hang", "livelock",
    "memory",    "primitive", "race",   "retptr",     "selftest", "starvation",
    "tls",       "process",   "coroutine", "pool",     "eventloop",
    "condvar",   "reentrancy", "signal",  "misuse",
};

typedef struct {
    const tl_scenario *s;
    const char *name;        /* s->name, or "?" */
    tl_catalog_problem_fn fn;
    void *user;
    size_t problems;
} checker;

static void problem(checker *c, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(checker *c, const char *rule, const char *fmt, ...)
{
    char detail[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    c->problems++;
    c->fn(c->name, rule, detail, c->user);
}

static bool empty(const char *text)
{
    return !text || !text[0];
}

/* True when every character of text is in [a-z0-9] or in `extra`. */
static bool only_chars(const char *text, const char *extra)
{
    for (const char *p = text; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(extra, *p)))
            return false;
    return true;
}

static bool category_known(const char *category)
{
    for (size_t i = 0; i < sizeof known_categories / sizeof known_categories[0]; i++)
        if (strcmp(known_categories[i], category) == 0)
            return true;
    return false;
}

static void check_name(checker *c)
{
    const tl_scenario *s = c->s;
    if (empty(s->name)) {
        problem(c, "name", "the scenario has no name");
        return;
    }
    size_t len = strlen(s->name);
    const char *dot = strchr(s->name, '.');
    if (len > TL_SCENARIO_NAME_MAX)
        problem(c, "name", "the name is %zu characters long; at most %d fit the tables", len,
                TL_SCENARIO_NAME_MAX);
    if (!only_chars(s->name, "._") || !dot || strchr(dot + 1, '.') || dot == s->name ||
        !dot[1])
        problem(c, "name", "the name must be category.slug in lower-case letters, digits and "
                           "'_'");
    else if (!empty(s->category) &&
             (strlen(s->category) != (size_t)(dot - s->name) ||
              strncmp(s->name, s->category, (size_t)(dot - s->name)) != 0))
        problem(c, "name", "the name must start with its category '%s' and a dot", s->category);
}

static void check_category(checker *c)
{
    if (empty(c->s->category))
        problem(c, "category", "the scenario has no category");
    else if (!category_known(c->s->category))
        problem(c, "category", "unknown category '%s'; known: %s", c->s->category,
                tl_catalog_known_categories());
}

static void check_text(checker *c)
{
    const tl_scenario *s = c->s;
    if (empty(s->summary))
        problem(c, "text", "no summary");
    if (!s->teaching || strlen(s->teaching) < MIN_TEACHING)
        problem(c, "text", "the teaching text is missing or shorter than %d characters",
                MIN_TEACHING);
    if (s->category && strcmp(s->category, "deadlock") == 0 && empty(s->coffman))
        problem(c, "deadlock", "a deadlock scenario states the four Coffman conditions "
                               "(coffman)");
}

static void check_limits(checker *c)
{
    const tl_scenario *s = c->s;
    if (!(1 <= s->min_threads && s->min_threads <= s->threads && s->threads <= s->max_threads &&
          s->max_threads <= MAX_THREADS))
        problem(c, "threads", "1 <= min_threads (%u) <= threads (%u) <= max_threads (%u) <= %d "
                              "does not hold",
                s->min_threads, s->threads, s->max_threads, MAX_THREADS);
    if (!(1 <= s->iterations && s->iterations <= s->max_iterations &&
          s->max_iterations <= MAX_ITERATIONS))
        problem(c, "iterations", "1 <= iterations (%u) <= max_iterations (%u) <= %d does not "
                                 "hold",
                s->iterations, s->max_iterations, MAX_ITERATIONS);
    /* The range --timeout accepts; 0 leaves the lab's default. */
    if (s->timeout_s != 0 && !(s->timeout_s >= 0.1 && s->timeout_s <= 3600))
        problem(c, "timeout", "timeout_s (%g) is 0 (the lab's default) or 0.1 to 3600 seconds",
                s->timeout_s);
}

/* takes_lock and own_locking say the same thing twice on purpose: a scenario
 * that does not take --lock must say why, since the refusal and the run's
 * note quote it. */
static void check_lock(checker *c)
{
    const tl_scenario *s = c->s;
    if (s->takes_lock && s->own_locking)
        problem(c, "lock", "takes_lock is set, so own_locking must be left out");
    if (!s->takes_lock && empty(s->own_locking))
        problem(c, "lock", "without takes_lock, own_locking must say why --lock does not apply");
}

/* Parses one expectation with the verdicts' parser; false when it does not. */
static bool parse_expect(checker *c, const tl_variant *v, const char *field, const char *text,
                         tl_evidence *e)
{
    const char *bad = NULL;
    if (tl_evidence_parse(e, text, &bad))
        return true;
    problem(c, "expect", "variant %s: %s has an unknown token '%s'", v->name, field,
            bad ? bad : "?");
    return false;
}

/* The expectations of one variant: they parse, a bug shows itself, a fix is
 * clean (in both modes of a deadlock). */
static void check_expect(checker *c, const tl_variant *v)
{
    const tl_scenario *s = c->s;
    tl_evidence e, a;
    if (!v->expect) {
        problem(c, "expect", "variant %s has no expect (\"\" means clean)", v->name);
        return;
    }
    bool ok = parse_expect(c, v, "expect", v->expect, &e);
    if (v->expect_actual && !s->has_modes)
        problem(c, "modes", "variant %s has expect_actual but the scenario has no modes",
                v->name);
    if (v->expect_actual)
        ok = parse_expect(c, v, "expect_actual", v->expect_actual, &a) && ok;
    else
        a = e;
    if (!ok)
        return;
    bool selftest = s->category && tl_catalog_is_selftest(s);
    if (v->role == TL_ROLE_BUGGY && !selftest && (e.n == 0 || a.n == 0))
        problem(c, "expect", "buggy variant %s must expect evidence", v->name);
    if (v->role == TL_ROLE_FIXED && (e.n > 0 || a.n > 0))
        problem(c, "expect", "fixed variant %s must expect clean (\"\")", v->name);
}

/* Parses a difference's expectation; false (with a problem) when it does
 * not parse or pins a detector other than its own. */
static bool parse_difference(checker *c, const tl_variant *v, const tl_difference *d,
                             const char *field, const char *text, tl_evidence *e)
{
    const char *bad = NULL;
    if (!tl_evidence_parse(e, text, &bad)) {
        problem(c, "differs", "variant %s, detector %s: %s has an unknown token '%s'", v->name,
                d->detector, field, bad ? bad : "?");
        return false;
    }
    for (size_t k = 0; k < e->n; k++) {
        char pinned[TL_EVIDENCE_TOKEN];
        if (tl_evidence_pinned(e->token[k], pinned, sizeof pinned) &&
            strcmp(pinned, d->detector) != 0) {
            problem(c, "differs", "variant %s, detector %s: %s pins '%s' to another detector",
                    v->name, d->detector, field, e->token[k]);
            return false;
        }
    }
    return true;
}

/* A variant's differences under one detector each: a known detector named
 * once, an expectation that parses and really differs from the variant's
 * own, evidence for a bug, and a reason. */
static void check_differences(checker *c, const tl_variant *v)
{
    const tl_scenario *s = c->s;
    for (size_t i = 0; i < TL_MAX_DIFFERENCES && v->differs[i].detector; i++) {
        const tl_difference *d = &v->differs[i];
        size_t len = strlen(d->detector);
        if (len == 0 || len > MAX_DETECTOR_NAME || !only_chars(d->detector, "-")) {
            problem(c, "differs", "variant %s: detector '%s' is not a detector's name (1 to %d "
                                  "lower-case letters, digits or '-')",
                    v->name, d->detector, MAX_DETECTOR_NAME);
            continue;
        }
        if (detector_known && !detector_known(d->detector))
            problem(c, "differs", "variant %s: unknown detector '%s'; known: %s", v->name,
                    d->detector, detector_names ? detector_names : "?");
        for (size_t k = 0; k < i; k++)
            if (strcmp(v->differs[k].detector, d->detector) == 0)
                problem(c, "differs", "variant %s: detector %s differs twice", v->name,
                        d->detector);
        if (!d->why || strlen(d->why) < MIN_WHY)
            problem(c, "differs", "variant %s, detector %s: why is missing or shorter than %d "
                                  "characters (say which limit of the tool and how it was "
                                  "measured)",
                    v->name, d->detector, MIN_WHY);
        if (!d->expect) {
            problem(c, "differs", "variant %s, detector %s has no expect (\"\" means clean)",
                    v->name, d->detector);
            continue;
        }
        if (d->expect_actual && !s->has_modes)
            problem(c, "modes", "variant %s, detector %s has expect_actual but the scenario has "
                                "no modes",
                    v->name, d->detector);
        tl_evidence e, a, ve, va;
        const char *bad;
        bool ok = parse_difference(c, v, d, "expect", d->expect, &e);
        if (d->expect_actual)
            ok = parse_difference(c, v, d, "expect_actual", d->expect_actual, &a) && ok;
        else
            a = e;
        /* The variant's own expectation parsed already (check_expect). */
        if (!ok || !v->expect || !tl_evidence_parse(&ve, v->expect, &bad) ||
            (v->expect_actual && !tl_evidence_parse(&va, v->expect_actual, &bad)))
            continue;
        if (!v->expect_actual)
            va = ve;
        if (tl_evidence_equal(&e, &ve) && tl_evidence_equal(&a, &va))
            problem(c, "differs", "variant %s, detector %s: expects what the variant expects; "
                                  "leave it out",
                    v->name, d->detector);
        bool selftest = s->category && tl_catalog_is_selftest(s);
        if (v->role == TL_ROLE_BUGGY && !selftest && (e.n == 0 || a.n == 0))
            problem(c, "differs", "variant %s, detector %s: a buggy variant must still expect "
                                  "evidence (a detector that shows nothing of it cannot see "
                                  "the bug's kind: its runs are not demonstrable)",
                    v->name, d->detector);
    }
}

static void check_variant_name(checker *c, size_t i)
{
    const tl_variant *v = &c->s->variants[i];
    size_t len = strlen(v->name);
    if (len == 0 || len > TL_VARIANT_NAME_MAX || !only_chars(v->name, "-_"))
        problem(c, "variant-name", "variant '%s': 1 to %d lower-case letters, digits, '-' or '_'",
                v->name, TL_VARIANT_NAME_MAX);
    /* --variant both/buggy/fixed select by role: such a name must agree. */
    if (strcmp(v->name, "both") == 0 ||
        (strcmp(v->name, "buggy") == 0 && v->role != TL_ROLE_BUGGY) ||
        (strcmp(v->name, "fixed") == 0 && v->role != TL_ROLE_FIXED))
        problem(c, "variant-name", "variant '%s': --variant %s selects by role, so the name "
                                   "cannot be used for this role",
                v->name, v->name);
    for (size_t k = 0; k < i; k++)
        if (strcmp(c->s->variants[k].name, v->name) == 0)
            problem(c, "variant-name", "two variants are named '%s'", v->name);
}

static void check_variants(checker *c)
{
    const tl_scenario *s = c->s;
    bool buggy = false, fixed = false, deadlock = s->category && !strcmp(s->category, "deadlock");
    for (size_t i = 0; i < tl_catalog_nvariants(s); i++) {
        const tl_variant *v = &s->variants[i];
        check_variant_name(c, i);
        if (v->role != TL_ROLE_BUGGY && v->role != TL_ROLE_FIXED)
            problem(c, "role", "variant %s: role must be TL_ROLE_BUGGY or TL_ROLE_FIXED",
                    v->name);
        buggy |= v->role == TL_ROLE_BUGGY;
        fixed |= v->role == TL_ROLE_FIXED;
        if (!v->entry)
            problem(c, "entry", "variant %s has no entry function", v->name);
        if (empty(v->about))
            problem(c, "text", "variant %s has no about text", v->name);
        if (deadlock && v->role == TL_ROLE_FIXED && empty(v->breaks))
            problem(c, "deadlock", "fixed variant %s names the Coffman condition it breaks "
                                   "(breaks)",
                    v->name);
        check_expect(c, v);
        check_differences(c, v);
    }
    if (!buggy || !fixed)
        problem(c, "variants", "needs at least one buggy and one fixed variant");
}

static void check_unique(checker *c, const tl_scenario *const *list, size_t index)
{
    for (size_t k = 0; k < index; k++)
        if (list[k]->name && c->s->name && strcmp(list[k]->name, c->s->name) == 0) {
            problem(c, "unique", "another scenario has the same name");
            return;
        }
}

size_t tl_catalog_check(const tl_scenario *const *list, size_t n, tl_catalog_problem_fn fn,
                        void *user)
{
    size_t problems = 0;
    for (size_t i = 0; i < n; i++) {
        checker c = {.s = list[i], .name = empty(list[i]->name) ? "?" : list[i]->name,
                     .fn = fn, .user = user};
        check_name(&c);
        check_category(&c);
        check_text(&c);
        check_limits(&c);
        check_lock(&c);
        check_variants(&c);
        check_unique(&c, list, i);
        problems += c.problems;
    }
    return problems;
}

static void print_problem(const char *scenario, const char *rule, const char *detail, void *user)
{
    fprintf(stderr, "%s: scenario '%s' breaks rule '%s': %s\n", (const char *)user, scenario,
            rule, detail);
}

bool tl_catalog_validate(const char *prog)
{
    const tl_scenario *list[256];
    size_t n = 0;
    for (; n < tl_catalog_count() && n < sizeof list / sizeof list[0]; n++)
        list[n] = tl_catalog_at(n);
    return tl_catalog_check(list, n, print_problem, (void *)prog) == 0;
}

/* Joins strings with ", " into a static buffer (the lists here are short). */
static const char *joined(char *buf, size_t size, const char *const *items, size_t n)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", items[i]);
    return buf;
}

const char *tl_catalog_known_categories(void)
{
    static char text[256];
    return joined(text, sizeof text, known_categories,
                  sizeof known_categories / sizeof known_categories[0]);
}

const char *tl_catalog_lock_takers(void)
{
    static char text[2048];
    const char *names[256];
    size_t n = 0;
    for (size_t i = 0; i < tl_catalog_count() && n < 256; i++) {
        const tl_scenario *s = tl_catalog_at(i);
        if (s->takes_lock && !tl_catalog_is_selftest(s))
            names[n++] = s->name;
    }
    return joined(text, sizeof text, names, n);
}
