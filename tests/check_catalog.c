/* SPDX-License-Identifier: MIT */
/* The catalogue: every registered scenario is well formed, the categories of
 * the brief are all covered, and names resolve (with suggestions). */
#include <stdio.h>
#include <string.h>
#include "catalog.h"
#include "evidence.h"
#include "harness_suites.h"

START_TEST(test_every_scenario_is_well_formed)
{
    for (size_t i = 0; i < tl_catalog_count(); i++) {
        const tl_scenario *s = tl_catalog_at(i);
        size_t cl = strlen(s->category);
        ck_assert_msg(strncmp(s->name, s->category, cl) == 0 && s->name[cl] == '.',
                      "%s: name must be category.slug", s->name);
        ck_assert_msg(s->summary && s->summary[0], "%s: no summary", s->name);
        ck_assert_msg(s->teaching && strlen(s->teaching) >= 100, "%s: teaching text too short",
                      s->name);
        ck_assert_msg(s->min_threads >= 1 && s->min_threads <= s->threads &&
                          s->threads <= s->max_threads && s->max_threads <= 64,
                      "%s: thread range", s->name);
        ck_assert_msg(s->iterations >= 1 && s->iterations <= s->max_iterations, "%s: iterations",
                      s->name);
        bool buggy = false, fixed = false;
        for (size_t v = 0; v < tl_catalog_nvariants(s); v++) {
            const tl_variant *var = &s->variants[v];
            tl_evidence e, a;
            const char *bad = NULL;
            ck_assert_msg(var->entry, "%s %s: no entry", s->name, var->name);
            ck_assert_msg(tl_evidence_parse(&e, var->expect, &bad), "%s %s: bad token %s",
                          s->name, var->name, bad);
            ck_assert_msg(!var->expect_actual || tl_evidence_parse(&a, var->expect_actual, &bad),
                          "%s %s: bad token %s", s->name, var->name, bad);
            ck_assert_msg(var->about && var->about[0], "%s %s: no about", s->name, var->name);
            if (var->role == TL_ROLE_BUGGY) {
                buggy = true;
                if (!tl_catalog_is_selftest(s))
                    ck_assert_msg(e.n > 0, "%s %s: a buggy variant must expect evidence",
                                  s->name, var->name);
            } else {
                fixed = true;
                ck_assert_msg(e.n == 0, "%s %s: a fixed variant must expect clean", s->name,
                              var->name);
                if (strcmp(s->category, "deadlock") == 0)
                    ck_assert_msg(var->breaks, "%s %s: a deadlock fix names the condition it "
                                               "breaks", s->name, var->name);
            }
        }
        ck_assert_msg(buggy && fixed, "%s: needs a buggy and a fixed variant", s->name);
        if (strcmp(s->category, "deadlock") == 0)
            ck_assert_msg(s->coffman, "%s: deadlocks state the Coffman conditions", s->name);
        if (i > 0)
            ck_assert_msg(strcmp(tl_catalog_at(i - 1)->name, s->name) < 0,
                          "%s: names sorted and unique", s->name);
    }
}
END_TEST

START_TEST(test_catalogue_covers_the_brief)
{
    static const char *const required[] = {
        "race.counter",          "race.check_then_act",      "race.publish",
        "atomicity.load_then_store", "deadlock.abba",        "deadlock.self",
        "deadlock.dining_philosophers", "livelock.polite",   "tls.counter",
        "tls.escape",            "retptr.static_buffer",     "retptr.stack_escape",
        "retptr.pointer_param",
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        ck_assert_msg(tl_catalog_find(required[i]), "missing %s", required[i]);
    ck_assert(tl_catalog_find("memory.relaxed_spinlock") || tl_catalog_find("primitive.broken_tas"));
    size_t real = 0;
    for (size_t i = 0; i < tl_catalog_count(); i++)
        real += !tl_catalog_is_selftest(tl_catalog_at(i));
    ck_assert_uint_ge(real, 14);
}
END_TEST

START_TEST(test_suggestions)
{
    ck_assert_str_eq(tl_catalog_suggest("race.countr"), "race.counter");
    ck_assert_str_eq(tl_catalog_suggest("counter"), "race.counter");
    ck_assert_ptr_null(tl_catalog_suggest("completely-different"));
    ck_assert_str_eq(tl_catalog_suggest_category("deadlok"), "deadlock");
    ck_assert(!tl_catalog_find("race"));
}
END_TEST

#ifndef TL_TEST_SRCDIR
#define TL_TEST_SRCDIR "."
#endif

static char *slurp(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TL_TEST_SRCDIR, rel);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f, "cannot open %s", path);
    static char bufs[2][65536];
    static int which;
    char *buf = bufs[which++ % 2];
    size_t n = fread(buf, 1, sizeof bufs[0] - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The documented example is the compiled one: the page cannot drift. */
START_TEST(test_readme_example_is_the_compiled_one)
{
    char *example = slurp("tests/example_scenario.c");
    char *readme = slurp("scenarios/README.md");
    ck_assert_msg(strstr(readme, example), "scenarios/README.md no longer shows "
                                           "tests/example_scenario.c verbatim");
}
END_TEST

Suite *tl_suite_catalog(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalogue");
    tcase_add_test(tc, test_every_scenario_is_well_formed);
    tcase_add_test(tc, test_catalogue_covers_the_brief);
    tcase_add_test(tc, test_suggestions);
    tcase_add_test(tc, test_readme_example_is_the_compiled_one);
    suite_add_tcase(s, tc);
    return s;
}
