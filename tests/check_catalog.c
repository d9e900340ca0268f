/* SPDX-License-Identifier: MIT */
/* The catalogue: every registered scenario keeps the catalogue's rules
 * (tl_catalog_check), each rule fires on a descriptor that breaks it, the
 * categories of the brief are all covered, and names resolve. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "catalog.h"
#include "detector.h"
#include "harness_suites.h"
#include "install_paths.h"
#include "plan.h"

/* Collects the rules a check reported, for the assertions below. */
typedef struct {
    char rules[1024];
    char first[512];
    size_t n;
} problems_t;

static void collect(const char *scenario, const char *rule, const char *detail, void *user)
{
    problems_t *p = user;
    size_t off = strlen(p->rules);
    snprintf(p->rules + off, sizeof p->rules - off, "%s;", rule);
    if (p->n++ == 0)
        snprintf(p->first, sizeof p->first, "%s: %s: %s", scenario, rule, detail);
}

/* The real catalogue, every linked scenario selftests included, breaks no
 * rule: the same check threadlab and the hosts make when they start. */
START_TEST(test_every_scenario_is_well_formed)
{
    const tl_scenario *list[256];
    size_t n = tl_catalog_count();
    for (size_t i = 0; i < n; i++)
        list[i] = tl_catalog_at(i);
    problems_t p = {0};
    ck_assert_msg(tl_catalog_check(list, n, collect, &p) == 0, "%zu problems, first: %s", p.n,
                  p.first);
    ck_assert(tl_catalog_validate("check_catalog"));
}
END_TEST

/* --- synthetic descriptors: each rule must be shown to fire ----------------- */
static void entry(tl_ctx *ctx) { (void)ctx; }

/* A descriptor that keeps every rule; each case below breaks one. */
static tl_scenario good(void)
{
    return (tl_scenario){
        .name = "race.synthetic", .category = "race", .summary = "a synthetic scenario",
        .teaching = "A descriptor made up by the test: it keeps every rule of the catalogue, "
                    "so each case can break exactly one and see that rule fire.",
        .threads = 2, .min_threads = 1, .max_threads = 4,
        .iterations = 10, .max_iterations = 100,
        .takes_lock = true,
        .variants = {
            {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = entry,
             .expect = "tsan:data-race", .about = "the bug"},
            {.name = "fixed", .role = TL_ROLE_FIXED, .entry = entry, .expect = "",
             .about = "the fix"},
        },
    };
}

/* Checks s alone; asserts `rule` is among the reported rules. */
static void assert_fires(const tl_scenario *s, const char *rule, const char *why)
{
    const tl_scenario *list[] = {s};
    problems_t p = {0};
    char want[64];
    snprintf(want, sizeof want, "%s;", rule);
    tl_catalog_check(list, 1, collect, &p);
    ck_assert_msg(strstr(p.rules, want), "%s: rule '%s' did not fire (got '%s')", why, rule,
                  p.rules);
}

START_TEST(test_the_good_descriptor_passes)
{
    tl_scenario s = good();
    const tl_scenario *list[] = {&s};
    problems_t p = {0};
    ck_assert_msg(tl_catalog_check(list, 1, collect, &p) == 0, "%s", p.first);
}
END_TEST

START_TEST(test_name_and_category_rules)
{
    tl_scenario s = good();
    s.name = "race.Synthetic";
    assert_fires(&s, "name", "upper case");
    s.name = "race";
    assert_fires(&s, "name", "no slug");
    s.name = "race.a.b";
    assert_fires(&s, "name", "two dots");
    s.name = "tls.synthetic";
    assert_fires(&s, "name", "category mismatch");
    s.name = "race.a_name_much_longer_than_the_tables";
    assert_fires(&s, "name", "too long");
    s.name = NULL;
    assert_fires(&s, "name", "no name");
    s = good();
    s.name = "raec.synthetic";
    s.category = "raec";
    assert_fires(&s, "category", "unknown category");
    s.category = NULL;
    assert_fires(&s, "category", "no category");
}
END_TEST

START_TEST(test_unique_names)
{
    tl_scenario a = good(), b = good();
    const tl_scenario *list[] = {&a, &b};
    problems_t p = {0};
    tl_catalog_check(list, 2, collect, &p);
    ck_assert_msg(strstr(p.rules, "unique;"), "got '%s'", p.rules);
}
END_TEST

START_TEST(test_text_and_deadlock_rules)
{
    tl_scenario s = good();
    s.summary = "";
    assert_fires(&s, "text", "no summary");
    s = good();
    s.teaching = "too short";
    assert_fires(&s, "text", "short teaching");
    s = good();
    s.variants[0].about = NULL;
    assert_fires(&s, "text", "no about");
    s = good();
    s.name = "deadlock.synthetic";
    s.category = "deadlock";
    s.has_modes = true;
    assert_fires(&s, "deadlock", "no coffman, no breaks");
    s.coffman = "all four";
    s.variants[1].breaks = "circular wait";
    const tl_scenario *list[] = {&s};
    problems_t p = {0};
    ck_assert_msg(tl_catalog_check(list, 1, collect, &p) == 0, "%s", p.first);
}
END_TEST

START_TEST(test_limit_rules)
{
    tl_scenario s = good();
    s.threads = 8;
    assert_fires(&s, "threads", "threads above max_threads");
    s = good();
    s.min_threads = 0;
    assert_fires(&s, "threads", "min_threads 0");
    s = good();
    s.max_threads = 65;
    assert_fires(&s, "threads", "max_threads above the CLI's 64");
    s = good();
    s.iterations = 1000;
    assert_fires(&s, "iterations", "iterations above max_iterations");
    s = good();
    s.iterations = 0;
    assert_fires(&s, "iterations", "zero iterations");
    s = good();
    s.timeout_s = 0.05;
    assert_fires(&s, "timeout", "a deadline below --timeout's 0.1 s");
    s = good();
    s.timeout_s = 7200;
    assert_fires(&s, "timeout", "a deadline above --timeout's 3600 s");
}
END_TEST

/* --shard I/N: the N shards together are the whole plan, each run once,
 * under its number in the whole plan, and each shard's count is what
 * tl_plan_count says. */
START_TEST(test_shards_partition_the_plan)
{
    static tl_plan p;
    static tl_run r;
    p = (tl_plan){.variant = "both", .lock = "mutex", .repeat = 3, .timeout_s = 10,
                  .detectors = {tl_detector_find("none"), tl_detector_find("tsan")},
                  .ndetectors = 2};
    tl_plan_add_all(&p);
    size_t total = tl_plan_count(&p);
    ck_assert_uint_gt(total, 100);
    static unsigned char seen[4096];
    ck_assert_uint_lt(total, sizeof seen);
    const unsigned counts[] = {1, 2, 3, 7, 1000};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        memset(seen, 0, sizeof seen);
        size_t sum = 0;
        for (unsigned i = 1; i <= counts[k]; i++) {
            p.shard = i;
            p.nshards = counts[k];
            size_t n = 0;
            tl_plan_cursor c = {0};
            while (tl_plan_next(&p, &c, "/tmp/unused", &r)) {
                ck_assert_uint_le(r.index, total);
                ck_assert_msg(seen[r.index] == 0, "run %u in two shards of %u", r.index,
                              counts[k]);
                seen[r.index] = 1;
                n++;
            }
            ck_assert_uint_eq(n, tl_plan_count(&p));
            sum += n;
        }
        ck_assert_uint_eq(sum, total);
        for (size_t i = 1; i <= total; i++)
            ck_assert_msg(seen[i], "run %zu in no shard of %u", i, counts[k]);
    }
}
END_TEST

/* An installed tree moved anywhere: its folders keep their places relative
 * to bin/ (DESTDIR or another prefix); a threadlab not in a bin/ of the
 * configured shape finds nothing relative to itself. */
START_TEST(test_install_relocation)
{
    char self[PATH_MAX], want[PATH_MAX], got[PATH_MAX];
    snprintf(self, sizeof self, "/tmp/dest%s", TL_BINDIR);
    snprintf(want, sizeof want, "/tmp/dest%s", TL_PKGDATADIR);
    tl_install_relocated(self, TL_PKGDATADIR, got, sizeof got);
    ck_assert_str_eq(got, want);
    snprintf(want, sizeof want, "/tmp/dest%s", TL_PKGLIBEXECDIR);
    tl_install_relocated(self, TL_PKGLIBEXECDIR, got, sizeof got);
    ck_assert_str_eq(got, want);
    tl_install_relocated("/somewhere/else", TL_PKGDATADIR, got, sizeof got);
    ck_assert_str_eq(got, "");
}
END_TEST

/* A scenario's own deadline: used when --timeout is not given, beaten by
 * --timeout, scaled by a slow detector like --timeout. */
START_TEST(test_scenario_deadline)
{
    static tl_scenario s;
    s = good();
    s.timeout_s = 4;
    static tl_plan p;
    p = (tl_plan){.variant = "buggy", .lock = "mutex", .repeat = 1, .timeout_s = 10,
                  .detectors = {tl_detector_find("none")}, .ndetectors = 1};
    p.scenarios[p.nscenarios++] = &s;
    static tl_run r;
    tl_plan_cursor c = {0};
    ck_assert(tl_plan_next(&p, &c, "/tmp/unused", &r));
    ck_assert_double_eq(r.timeout_s, 4);
    p.timeout_given = true; /* --timeout 10 */
    c = (tl_plan_cursor){0};
    ck_assert(tl_plan_next(&p, &c, "/tmp/unused", &r));
    ck_assert_double_eq(r.timeout_s, 10);
    tl_detector slow = tl_detector_find("helgrind");
    if (slow) {
        p.timeout_given = false;
        p.detectors[0] = slow;
        c = (tl_plan_cursor){0};
        ck_assert(tl_plan_next(&p, &c, "/tmp/unused", &r));
        ck_assert_double_eq(r.timeout_s, 4 * slow->slowdown);
    }
    s.timeout_s = 0; /* the lab's default */
    p.detectors[0] = tl_detector_find("none");
    c = (tl_plan_cursor){0};
    ck_assert(tl_plan_next(&p, &c, "/tmp/unused", &r));
    ck_assert_double_eq(r.timeout_s, 10);
}
END_TEST

START_TEST(test_lock_rules)
{
    tl_scenario s = good();
    s.own_locking = "its variants use atomics";
    assert_fires(&s, "lock", "takes_lock and own_locking");
    s.takes_lock = false;
    s.own_locking = NULL;
    assert_fires(&s, "lock", "neither takes_lock nor own_locking");
    s.own_locking = "";
    assert_fires(&s, "lock", "empty own_locking");
}
END_TEST

/* A declared difference (tl_difference): every way to get one wrong fires
 * rule "differs"; a well-formed one passes. */
static bool only_helgrind(const char *name)
{
    return strcmp(name, "helgrind") == 0;
}

START_TEST(test_difference_rules)
{
    static const char why[] = "the tool reads the fix's release/acquire as plain moves (measured)";
    tl_scenario s = good();
    s.variants[1].differs[0] = (tl_difference){.detector = "helgrind", .expect = "data-race",
                                               .why = why};
    const tl_scenario *list[] = {&s};
    problems_t p = {0};
    ck_assert_msg(tl_catalog_check(list, 1, collect, &p) == 0, "%s", p.first);
    s.variants[1].differs[0].detector = "Hel grind";
    assert_fires(&s, "differs", "not a detector's name");
    s.variants[1].differs[0].detector = "helgrind";
    s.variants[1].differs[0].why = "short";
    assert_fires(&s, "differs", "why too short");
    s.variants[1].differs[0].why = why;
    s.variants[1].differs[0].expect = "data-rice";
    assert_fires(&s, "differs", "unknown token");
    s.variants[1].differs[0].expect = NULL;
    assert_fires(&s, "differs", "no expect");
    s.variants[1].differs[0].expect = "tsan:data-race";
    assert_fires(&s, "differs", "pins another detector");
    s.variants[1].differs[0].expect = "";
    assert_fires(&s, "differs", "the same as the variant's");
    s.variants[1].differs[0].expect = "data-race";
    s.variants[1].differs[0].expect_actual = "data-race";
    assert_fires(&s, "modes", "expect_actual without modes");
    s.variants[1].differs[0].expect_actual = NULL;
    s.variants[1].differs[1] = s.variants[1].differs[0];
    assert_fires(&s, "differs", "one detector twice");
    s = good();
    s.variants[0].differs[0] = (tl_difference){.detector = "helgrind", .expect = "", .why = why};
    assert_fires(&s, "differs", "a buggy variant expecting nothing");
    /* With the CLI's list of detectors, an unknown name fires too. */
    s = good();
    s.variants[1].differs[0] = (tl_difference){.detector = "drd", .expect = "data-race",
                                               .why = why};
    tl_catalog_know_detectors(only_helgrind, "helgrind");
    assert_fires(&s, "differs", "unknown detector");
    tl_catalog_know_detectors(NULL, NULL);
}
END_TEST

START_TEST(test_variant_rules)
{
    tl_scenario s = good();
    s.variants[1].name = "fixed-with-a-very-long-nam"; /* 26 characters */
    assert_fires(&s, "variant-name", "too long");
    s.variants[1].name = "Fixed";
    assert_fires(&s, "variant-name", "upper case");
    s.variants[1].name = "buggy";
    assert_fires(&s, "variant-name", "duplicate, and buggy for a fix");
    s.variants[1].name = "both";
    assert_fires(&s, "variant-name", "both");
    s = good();
    s.variants[1].role = (tl_role)7;
    assert_fires(&s, "role", "no such role");
    s = good();
    s.variants[0].entry = NULL;
    assert_fires(&s, "entry", "no entry");
    s = good();
    s.variants[1] = (tl_variant){0};
    assert_fires(&s, "variants", "no fixed variant");
    s = good();
    s.variants[0] = s.variants[1];
    s.variants[1] = (tl_variant){0};
    assert_fires(&s, "variants", "no buggy variant");
}
END_TEST

START_TEST(test_expectation_rules)
{
    tl_scenario s = good();
    s.variants[0].expect = "tsan:data-rase";
    assert_fires(&s, "expect", "unknown token");
    s = good();
    s.variants[0].expect = NULL;
    assert_fires(&s, "expect", "no expect");
    s = good();
    s.variants[0].expect = "";
    assert_fires(&s, "expect", "buggy expects clean");
    s = good();
    s.variants[1].expect = "oracle:violated";
    assert_fires(&s, "expect", "fixed expects evidence");
    s = good();
    s.variants[0].expect_actual = "monitor:deadlock";
    assert_fires(&s, "modes", "expect_actual without modes");
    s.has_modes = true;
    s.variants[0].expect_actual = "monitor:deadlok";
    assert_fires(&s, "expect", "unknown token in expect_actual");
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
    tc = tcase_create("rules");
    tcase_add_test(tc, test_the_good_descriptor_passes);
    tcase_add_test(tc, test_name_and_category_rules);
    tcase_add_test(tc, test_unique_names);
    tcase_add_test(tc, test_text_and_deadlock_rules);
    tcase_add_test(tc, test_limit_rules);
    tcase_add_test(tc, test_scenario_deadline);
    tcase_add_test(tc, test_shards_partition_the_plan);
    tcase_add_test(tc, test_install_relocation);
    tcase_add_test(tc, test_lock_rules);
    tcase_add_test(tc, test_variant_rules);
    tcase_add_test(tc, test_difference_rules);
    tcase_add_test(tc, test_expectation_rules);
    suite_add_tcase(s, tc);
    return s;
}
