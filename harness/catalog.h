/* SPDX-License-Identifier: MIT */
/* The catalogue: every scenario linked into this binary, in name order. */
#ifndef TL_CATALOG_H
#define TL_CATALOG_H

#include <stddef.h>
#include "tl_scenario.h"

size_t tl_catalog_count(void);
const tl_scenario *tl_catalog_at(size_t i);          /* sorted by name */
const tl_scenario *tl_catalog_find(const char *name);
const tl_variant *tl_catalog_variant(const tl_scenario *s, const char *name);
size_t tl_catalog_nvariants(const tl_scenario *s);
bool tl_catalog_has_category(const char *category);
/* Scenarios of category "selftest" prove the checker can fail; --all and a
 * plain `threadlab list` leave them out. */
bool tl_catalog_is_selftest(const tl_scenario *s);
/* Comma-separated distinct categories, sorted ("atomicity, deadlock, ..."). */
const char *tl_catalog_categories(void);
/* The closest of `candidates` to `word` by edit distance, or NULL when none is
 * close enough to be a plausible typo. */
const char *tl_closest(const char *word, const char *const *candidates, size_t n);
/* The closest scenario name / category to `word`, or NULL. */
const char *tl_catalog_suggest(const char *word);
const char *tl_catalog_suggest_category(const char *word);

#endif
