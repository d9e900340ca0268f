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

/* --- validation (catalog_validate.c) ---------------------------------------
 * The rules every scenario descriptor must follow, in-tree or out of tree,
 * checked when threadlab and the hosts start (scenarios/README.md lists them).
 * Longest names: the list and run tables are laid out for these widths. */
enum { TL_SCENARIO_NAME_MAX = 34, TL_VARIANT_NAME_MAX = 24 };

/* Called once per problem: the scenario's name (or "?" when it has none),
 * the rule broken (a short fixed word such as "name", "threads", "expect")
 * and a detail sentence. */
typedef void (*tl_catalog_problem_fn)(const char *scenario, const char *rule,
                                      const char *detail, void *user);
/* Checks n descriptors against every rule, uniqueness of names included;
 * returns the number of problems reported. */
size_t tl_catalog_check(const tl_scenario *const *list, size_t n, tl_catalog_problem_fn fn,
                        void *user);
/* Lets the rules check that a difference (tl_difference) names a detector
 * that exists: `known` answers for a name, `names` lists them for the
 * message. The CLI calls it before validating; the hosts, which do not link
 * the detectors, check the form of the name only. */
void tl_catalog_know_detectors(bool (*known)(const char *name), const char *names);
/* Checks the linked catalogue; prints "PROG: scenario NAME breaks rule RULE:
 * DETAIL" on stderr for each problem and returns false when there was one. */
bool tl_catalog_validate(const char *prog);
/* Loads the scenarios of a shared object built from a scenario file
 * (tl_scenario.h, TL_SCENARIO_DSO) into the catalogue; before any lookup.
 * False with the reason in `why` (dlopen's words, or no scenario in it). */
bool tl_catalog_load(const char *so_path, char *why, size_t size);
/* Whether s came from a loaded object (tl_catalog_load). */
bool tl_catalog_is_loaded(const tl_scenario *s);
/* The categories the rules accept, comma-separated. */
const char *tl_catalog_known_categories(void);
/* The scenarios that take --lock (selftests left out), comma-separated. */
const char *tl_catalog_lock_takers(void);

#endif
