/* SPDX-License-Identifier: MIT */
/* threadlab bench, smoke only: every kind runs and the JSON has every field.
 * No timing is asserted: speed goals are reported by `threadlab bench`, not
 * tested on a machine that may be busy. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_engine.h"
#include "bench_print.h"
#include "cli.h"
#include "harness_suites.h"

static void assert_figure(json_t *f, const char *what)
{
    ck_assert_msg(json_is_object(f), "%s missing", what);
    double med = json_real_value(json_object_get(f, "median"));
    double min = json_real_value(json_object_get(f, "min"));
    double max = json_real_value(json_object_get(f, "max"));
    ck_assert_msg(min > 0 && min <= med && med <= max, "%s: min %g median %g max %g", what, min,
                  med, max);
}

START_TEST(test_every_kind_runs_and_json_has_every_field)
{
    static tl_bench b;
    b.nkinds = (size_t)tl_cli_parse_kinds("--lock", "correct", b.kinds, TL_BENCH_MAX_KINDS);
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.seconds = 0.05;
    b.repeat = 1;
    tl_bench_run(&b);

    char path[] = "/tmp/threadlab-bench-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    json_t *doc = tl_bench_json(&b);
    ck_assert_int_eq(json_dump_file(doc, path, 0), 0);
    json_decref(doc);
    json_error_t err;
    doc = json_load_file(path, 0, &err);
    unlink(path);
    ck_assert_msg(doc, "JSON does not parse: %s", err.text);

    ck_assert_int_ge(json_integer_value(json_object_get(doc, "cores")), 1);
    ck_assert(json_is_string(json_object_get(doc, "compiler")));
    json_t *floors = json_object_get(doc, "floors");
    assert_figure(json_object_get(floors, "plain_store_ns"), "plain store");
    assert_figure(json_object_get(floors, "atomic_exchange_ns"), "exchange");
    assert_figure(json_object_get(floors, "atomic_fetch_add_ns"), "fetch_add");
    json_t *sem = json_object_get(doc, "semaphore");
    assert_figure(json_object_get(sem, "post_wait_ns"), "sem post+wait");
    assert_figure(json_object_get(sem, "ping_pong_round_trip_ns"), "sem ping-pong");

    json_t *kinds = json_object_get(doc, "kinds"), *k;
    ck_assert_uint_eq(json_array_size(kinds), b.nkinds);
    size_t i;
    json_array_foreach(kinds, i, k) {
        const char *name = json_string_value(json_object_get(k, "kind"));
        assert_figure(json_object_get(k, "uncontended_generic_ns"), name);
        assert_figure(json_object_get(k, "uncontended_raw_ns"), name);
        ck_assert(json_is_real(json_object_get(k, "interface_overhead_ns")));
        json_t *c = json_array_get(json_object_get(k, "contended"), 0);
        ck_assert_int_eq(json_integer_value(json_object_get(c, "threads")), 2);
        assert_figure(json_object_get(c, "ns_per_acquisition"), name);
        assert_figure(json_object_get(c, "raw_ns_per_acquisition"), name);
        assert_figure(json_object_get(c, "generic_over_raw"), name);
        json_t *shares = json_object_get(c, "shares_pct");
        ck_assert_uint_eq(json_array_size(shares), 2);
        double sum = json_real_value(json_array_get(shares, 0)) +
                     json_real_value(json_array_get(shares, 1));
        ck_assert_msg(sum > 99.9 && sum < 100.1, "%s: shares add up to %g", name, sum);
        double jain = json_real_value(json_object_get(c, "jain"));
        ck_assert_msg(jain >= 0.5 && jain <= 1.0, "%s: Jain index %g", name, jain);
    }
    json_decref(doc);
}
END_TEST

START_TEST(test_jain_index)
{
    double fair[] = {50, 50}, starved[] = {100, 0};
    ck_assert_double_eq_tol(tl_bench_jain(fair, 2), 1.0, 1e-9);
    ck_assert_double_eq_tol(tl_bench_jain(starved, 2), 0.5, 1e-9);
}
END_TEST

START_TEST(test_bad_options_exit_2)
{
    char *bad_seconds[] = {"bench", "--seconds", "0", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_seconds), TL_EXIT_USAGE);
    char *bad_threads[] = {"bench", "--threads", "2,0", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_threads), TL_EXIT_USAGE);
    char *bad_lock[] = {"bench", "--lock", "spinny", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_lock), TL_EXIT_USAGE);
    char *bad_repeat[] = {"bench", "--repeat", "1000", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_repeat), TL_EXIT_USAGE);
}
END_TEST

Suite *tl_suite_bench(void)
{
    Suite *s = suite_create("bench");
    TCase *tc = tcase_create("smoke");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_every_kind_runs_and_json_has_every_field);
    tcase_add_test(tc, test_jain_index);
    tcase_add_test(tc, test_bad_options_exit_2);
    suite_add_tcase(s, tc);
    return s;
}
