/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "detector.h"
#include "cli.h"
#include "plan.h"

static void add(tl_plan *p, const tl_scenario *s, bool named)
{
    for (size_t i = 0; i < p->nscenarios; i++)
        if (p->scenarios[i] == s) {
            p->named[i] |= named;
            return;
        }
    if (p->nscenarios < sizeof p->scenarios / sizeof p->scenarios[0]) {
        p->named[p->nscenarios] = named;
        p->scenarios[p->nscenarios++] = s;
    }
}

bool tl_plan_add_name(tl_plan *p, const char *name)
{
    const tl_scenario *s = tl_catalog_find(name);
    if (s) {
        add(p, s, true);
        return true;
    }
    const char *near = tl_catalog_suggest(name);
    if (near)
        tl_cli_usage_error("unknown scenario '%s'; did you mean %s? ('threadlab list' shows all)",
                           name, near);
    else
        tl_cli_usage_error("unknown scenario '%s'; 'threadlab list' shows all (categories: %s)",
                           name, tl_catalog_categories());
    return false;
}

bool tl_plan_add_category(tl_plan *p, const char *category)
{
    if (!tl_catalog_has_category(category)) {
        const char *near = tl_catalog_suggest_category(category);
        tl_cli_usage_error("--category: unknown category '%s'%s%s%s; allowed: %s", category,
                           near ? "; did you mean " : "", near ? near : "", near ? "?" : "",
                           tl_catalog_categories());
        return false;
    }
    for (size_t i = 0; i < tl_catalog_count(); i++)
        if (strcmp(tl_catalog_at(i)->category, category) == 0)
            add(p, tl_catalog_at(i), false);
    return true;
}

void tl_plan_add_all(tl_plan *p)
{
    for (size_t i = 0; i < tl_catalog_count(); i++)
        if (!tl_catalog_is_selftest(tl_catalog_at(i)))
            add(p, tl_catalog_at(i), false);
}

/* Does variant v take part under the --variant selection? */
static bool selected(const tl_plan *p, const tl_variant *v)
{
    if (strcmp(p->variant, "both") == 0)
        return true;
    if (strcmp(p->variant, "buggy") == 0)
        return v->role == TL_ROLE_BUGGY;
    if (strcmp(p->variant, "fixed") == 0)
        return v->role == TL_ROLE_FIXED;
    return strcmp(p->variant, v->name) == 0;
}

static bool is_role_word(const char *v)
{
    return !strcmp(v, "both") || !strcmp(v, "buggy") || !strcmp(v, "fixed");
}

/* A lock kind asked for by name of a scenario that cannot use it is a
 * mistake worth stopping for; under --all or --category the same scenario
 * runs with its own locking and its runs say so (fill). mutex is the
 * default, so asking for it is never an error. */
static bool check_lock(const tl_plan *p, size_t i)
{
    const tl_scenario *s = p->scenarios[i];
    if (!p->named[i] || s->takes_lock || strcmp(p->lock, "mutex") == 0)
        return true;
    tl_cli_usage_error("--lock: %s does not take a lock kind (%s); scenarios that do: %s",
                       s->name, s->own_locking, tl_catalog_lock_takers());
    return false;
}

bool tl_plan_check(const tl_plan *p)
{
    for (size_t i = 0; i < p->nscenarios; i++) {
        const tl_scenario *s = p->scenarios[i];
        if (!check_lock(p, i))
            return false;
        if (p->threads && (p->threads < s->min_threads || p->threads > s->max_threads)) {
            tl_cli_usage_error("--threads: %lu is outside %s's range %u to %u", p->threads,
                               s->name, s->min_threads, s->max_threads);
            return false;
        }
        if (p->iterations && s->max_iterations && p->iterations > s->max_iterations) {
            tl_cli_usage_error("--iterations: %lu is outside %s's range 1 to %u", p->iterations,
                               s->name, s->max_iterations);
            return false;
        }
    }
    /* A variant name need only exist in one of the chosen scenarios: with
     * --all or --category it picks the scenarios that have it. */
    if (is_role_word(p->variant))
        return true;
    char names[512] = "";
    size_t off = 0;
    for (size_t i = 0; i < p->nscenarios; i++) {
        const tl_scenario *s = p->scenarios[i];
        if (tl_catalog_variant(s, p->variant))
            return true;
        for (size_t k = 0; k < tl_catalog_nvariants(s) && off < sizeof names; k++)
            if (!is_role_word(s->variants[k].name) &&
                !strstr(names, s->variants[k].name))
                off += (size_t)snprintf(names + off, sizeof names - off, ", %s",
                                        s->variants[k].name);
    }
    tl_cli_usage_error("--variant: no chosen scenario has a variant '%s'; allowed: buggy, fixed, "
                       "both%s",
                       p->variant, names);
    return false;
}

size_t tl_plan_count(const tl_plan *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nscenarios; i++)
        for (size_t v = 0; v < tl_catalog_nvariants(p->scenarios[i]); v++)
            n += selected(p, &p->scenarios[i]->variants[v]);
    n *= p->repeat * p->ndetectors;
    if (p->nshards == 0)
        return n;
    /* Numbers 1..n that are `shard` modulo N (shard N: the multiples). */
    return n / p->nshards + (p->shard <= n % p->nshards ? 1 : 0);
}

/* Fills r's plan fields for (scenario i, variant v, repetition rep) as the
 * index-th run. */
static void fill(const tl_plan *p, size_t i, size_t v, size_t d, unsigned rep, size_t index,
                 const char *report_dir, tl_run *r)
{
    const tl_scenario *s = p->scenarios[i];
    memset(r, 0, sizeof *r);
    r->index = (unsigned)index;
    r->scenario = s;
    r->variant = &s->variants[v];
    snprintf(r->lock, sizeof r->lock, "%s", s->takes_lock ? p->lock : "-");
    if (!s->takes_lock && p->lock_given)
        snprintf(r->notes[r->nnotes++], sizeof r->notes[0], "--lock %s does not apply: %s",
                 p->lock, s->own_locking);
    r->detector = p->detectors[d];
    r->threads = p->threads ? (unsigned)p->threads : s->threads;
    r->iterations = p->iterations ? p->iterations : s->iterations;
    r->mode = s->has_modes ? p->mode : TL_MODE_POTENTIAL;
    /* A slow detector (Valgrind) stretches every deadline of the run: the
     * host's own last resort and the extension limit derive from this. */
    r->timeout_factor = r->detector->slowdown > 0 ? r->detector->slowdown : 1;
    double base = !p->timeout_given && s->timeout_s > 0 ? s->timeout_s : p->timeout_s;
    r->timeout_s = base * r->timeout_factor;
    r->monitor_on = p->monitor;
    r->repeat = rep;
    /* With several detectors, the folder names its detector too. */
    snprintf(r->dir_rel, sizeof r->dir_rel, "runs/%03zu-%s-%s%s%s", index, s->name,
             s->variants[v].name, p->ndetectors > 1 ? "-" : "",
             p->ndetectors > 1 ? r->detector->name : "");
    snprintf(r->dir, sizeof r->dir, "%s/%s", report_dir, r->dir_rel);
}

/* A token pinned to a detector ("tsan:data-race") must name one that
 * exists: otherwise it is dropped under every detector, and the variant
 * would be "not demonstrable" everywhere for a typo. */
static bool pinned_detectors_exist(const tl_variant *v)
{
    const char *texts[] = {v->expect, v->expect_actual};
    for (size_t i = 0; i < 2; i++) {
        tl_evidence e;
        const char *bad;
        if (!texts[i] || !tl_evidence_parse(&e, texts[i], &bad))
            continue;
        for (size_t k = 0; k < e.n; k++) {
            char name[TL_EVIDENCE_TOKEN];
            if (tl_evidence_pinned(e.token[k], name, sizeof name) && !tl_detector_find(name)) {
                fprintf(stderr, "threadlab: %s: expected evidence '%s' names detector '%s'; "
                                "allowed: %s\n", v->name, e.token[k], name, tl_detector_names());
                return false;
            }
        }
    }
    return true;
}

bool tl_plan_check_expectations(const tl_plan *p)
{
    tl_run r;
    for (size_t i = 0; i < p->nscenarios; i++)
        for (size_t v = 0; v < tl_catalog_nvariants(p->scenarios[i]); v++) {
            const char *bad = NULL;
            if (!selected(p, &p->scenarios[i]->variants[v]))
                continue;
            fill(p, i, v, 0, 1, 1, "", &r); /* the text is the same for every detector */
            if (!tl_run_expectation(&r, &bad)) {
                fprintf(stderr, "threadlab: %s %s: bad expected evidence '%s'\n",
                        r.scenario->name, r.variant->name, bad ? bad : "?");
                return false;
            }
            if (!pinned_detectors_exist(r.variant))
                return false;
        }
    return true;
}

/* The next run of the whole plan, whatever the shard. */
static bool next_of_all(const tl_plan *p, tl_plan_cursor *c, const char *report_dir, tl_run *r)
{
    /* Order: the whole plan once, then again for each repetition, so every
     * stretch of a long plan holds the same mix of runs, and each scenario's
     * variants stand side by side. */
    for (; c->rep < p->repeat; c->rep++, c->scenario = 0, c->variant = 0, c->detector = 0)
        for (; c->scenario < p->nscenarios; c->scenario++, c->variant = 0, c->detector = 0) {
            const tl_scenario *s = p->scenarios[c->scenario];
            /* Innermost, the detectors: one variant under each, side by side. */
            for (; c->variant < tl_catalog_nvariants(s); c->variant++, c->detector = 0) {
                if (!selected(p, &s->variants[c->variant]) || c->detector >= p->ndetectors)
                    continue;
                fill(p, c->scenario, c->variant, c->detector, (unsigned)c->rep + 1, ++c->index,
                     report_dir, r);
                const char *bad = NULL;
                tl_run_expectation(r, &bad); /* checked by tl_plan_check_expectations */
                c->detector++;
                return true;
            }
        }
    return false;
}

bool tl_plan_next(const tl_plan *p, tl_plan_cursor *c, const char *report_dir, tl_run *r)
{
    while (next_of_all(p, c, report_dir, r))
        if (p->nshards == 0 || (c->index - 1) % p->nshards == p->shard - 1)
            return true;
    return false;
}
