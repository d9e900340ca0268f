/* SPDX-License-Identifier: MIT */
/* The catalogue is built from the linker section tl_scenarios, where each
 * scenario file's TL_SCENARIO drops a pointer to its descriptor. The linker
 * defines __start_ and __stop_ symbols for a section whose name is a C
 * identifier; they are weak here so a binary without scenarios still links. */
#include <stdio.h>
#include <stdlib.h>
#include <dlfcn.h>
#include <string.h>
#include "catalog.h"

extern const tl_scenario *const __start_tl_scenarios[] __attribute__((weak));
extern const tl_scenario *const __stop_tl_scenarios[] __attribute__((weak));

enum { MAX_SCENARIOS = 256 };
static const tl_scenario *sorted[MAX_SCENARIOS];
static size_t nsorted;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const tl_scenario *const *)a)->name, (*(const tl_scenario *const *)b)->name);
}

/* Scenarios of loaded shared objects (tl_catalog_load), added before the
 * first lookup sorts the catalogue. */
static const tl_scenario *loaded[MAX_SCENARIOS];
static size_t nloaded;

static void sort_catalog(void)
{
    for (const tl_scenario *const *p = __start_tl_scenarios; p && p < __stop_tl_scenarios; p++)
        if (*p && nsorted < MAX_SCENARIOS)
            sorted[nsorted++] = *p;
    for (size_t i = 0; i < nloaded && nsorted < MAX_SCENARIOS; i++)
        sorted[nsorted++] = loaded[i];
    qsort(sorted, nsorted, sizeof sorted[0], by_name);
}

bool tl_catalog_is_loaded(const tl_scenario *s)
{
    for (size_t i = 0; i < nloaded; i++)
        if (loaded[i] == s)
            return true;
    return false;
}

bool tl_catalog_load(const char *so_path, char *why, size_t size)
{
    /* RTLD_NOW: an unresolved call is found now, not in the middle of a
     * run; RTLD_GLOBAL is not needed, the object only calls into us. */
    void *h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, size, "%s", dlerror());
        return false;
    }
    const tl_scenario *const *(*list)(size_t *) =
        (const tl_scenario *const *(*)(size_t *))dlsym(h, "tl_dso_scenarios");
    size_t n = 0;
    const tl_scenario *const *s = list ? list(&n) : NULL;
    size_t before = nloaded;
    for (size_t i = 0; s && i < n; i++)
        if (s[i] && nloaded < MAX_SCENARIOS)
            loaded[nloaded++] = s[i];
    if (nloaded == before) {
        snprintf(why, size, "%s registers no scenario (TL_SCENARIO, compiled with "
                            "-DTL_SCENARIO_DSO)", so_path);
        return false;
    }
    return true; /* the object stays loaded: its descriptors live in it */
}

size_t tl_catalog_count(void)
{
    pthread_once(&sorted_once, sort_catalog);
    return nsorted;
}

const tl_scenario *tl_catalog_at(size_t i)
{
    return i < tl_catalog_count() ? sorted[i] : NULL;
}

const tl_scenario *tl_catalog_find(const char *name)
{
    for (size_t i = 0; i < tl_catalog_count(); i++)
        if (strcmp(sorted[i]->name, name) == 0)
            return sorted[i];
    return NULL;
}

size_t tl_catalog_nvariants(const tl_scenario *s)
{
    size_t n = 0;
    while (n < TL_MAX_VARIANTS && s->variants[n].name)
        n++;
    return n;
}

const tl_variant *tl_catalog_variant(const tl_scenario *s, const char *name)
{
    for (size_t i = 0; i < tl_catalog_nvariants(s); i++)
        if (strcmp(s->variants[i].name, name) == 0)
            return &s->variants[i];
    return NULL;
}

bool tl_catalog_has_category(const char *category)
{
    for (size_t i = 0; i < tl_catalog_count(); i++)
        if (strcmp(sorted[i]->category, category) == 0)
            return true;
    return false;
}

bool tl_catalog_is_selftest(const tl_scenario *s)
{
    return strcmp(s->category, "selftest") == 0;
}

/* Distinct categories, in name order (the catalogue is sorted by name and a
 * name starts with its category, so equal categories are adjacent). */
static size_t categories(const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < tl_catalog_count(); i++)
        if ((n == 0 || strcmp(out[n - 1], sorted[i]->category) != 0) && n < max)
            out[n++] = sorted[i]->category;
    return n;
}

const char *tl_catalog_categories(void)
{
    static char text[1024];
    const char *cats[MAX_SCENARIOS];
    size_t n = categories(cats, MAX_SCENARIOS), off = 0;
    text[0] = '\0';
    for (size_t i = 0; i < n && off < sizeof text; i++)
        off += (size_t)snprintf(text + off, sizeof text - off, "%s%s", i ? ", " : "", cats[i]);
    return text;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *tl_closest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    /* A typo is a few edits; beyond a third of the word it is another word. */
    size_t limit = strlen(word) / 3 + 1;
    return best && best_d <= limit ? best : NULL;
}

const char *tl_catalog_suggest(const char *word)
{
    const char *names[MAX_SCENARIOS];
    size_t n = tl_catalog_count();
    for (size_t i = 0; i < n; i++)
        names[i] = sorted[i]->name;
    const char *hit = tl_closest(word, names, n);
    if (hit || strchr(word, '.'))
        return hit;
    /* "counter" alone: match the slug part of each name. */
    for (size_t i = 0; i < n; i++) {
        const char *slug = strchr(names[i], '.');
        if (slug && strcmp(slug + 1, word) == 0)
            return names[i];
    }
    return NULL;
}

const char *tl_catalog_suggest_category(const char *word)
{
    const char *cats[MAX_SCENARIOS];
    size_t n = categories(cats, MAX_SCENARIOS);
    return tl_closest(word, cats, n);
}
