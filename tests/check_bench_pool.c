/* SPDX-License-Identifier: MIT */
/* threadlab bench --pool, smoke only: a figure for every size from 1 to 4N
 * and every ratio, a best size per ratio and the formula's beside it, in the
 * table as printed. No time is asserted: the machine may be busy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_pool.h"
#include "cli_run.h"
#include "harness_suites.h"

START_TEST(test_every_size_and_ratio_has_a_figure)
{
    static tl_pool_bench b;
    tl_pool_bench_defaults(&b);
    ck_assert_uint_eq(b.nratios, 3);
    ck_assert_uint_eq(b.max_size, 4 * b.cores);
    b.tasks = 8;
    b.compute_us = 20;
    b.repeat = 1;
    tl_pool_bench_run(&b);
    for (size_t r = 0; r < b.nratios; r++) {
        for (unsigned size = 1; size <= b.max_size; size++)
            ck_assert_msg(b.throughput[r][size] > 0, "ratio %g size %u: no figure", b.ratio[r],
                          size);
        ck_assert(b.best[r] >= 1 && b.best[r] <= b.max_size);
    }
    ck_assert(tl_pool_bench_formula(4, 3) == 16.0);
    ck_assert(tl_pool_bench_formula(2, 0) == 2.0);
}
END_TEST

/* The printed table: one row per size, then the best sizes and the
 * formula's, one column per ratio. */
START_TEST(test_table_has_a_row_per_size_and_a_best_per_ratio)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"bench", "--pool", "--tasks", "8", "--compute-us",
                                               "20", "--repeat", "1", "--ratio", "0,1,3", NULL});
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned max_size = 4 * (unsigned)(cores > 0 ? cores : 1);
    if (max_size > 64)
        max_size = 64;
    unsigned rows = 0, best_cols = 0, formula_cols = 0;
    char copy[sizeof res.out];
    snprintf(copy, sizeof copy, "%s", res.out);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned size;
        double a, b, c;
        if (sscanf(line, "%u %lf%*[* ] %lf%*[* ] %lf", &size, &a, &b, &c) == 4) {
            ck_assert_uint_eq(size, rows + 1); /* in order, none missing */
            rows++;
        } else if (strncmp(line, "best (measured)", 15) == 0) {
            unsigned x, y, z;
            best_cols = (unsigned)sscanf(line + 15, "%u %u %u", &x, &y, &z);
            ck_assert(x >= 1 && x <= max_size && y >= 1 && y <= max_size && z >= 1 &&
                      z <= max_size);
        } else if (strncmp(line, "N x (1 + WT/CT)", 15) == 0) {
            double x, y, z;
            formula_cols = (unsigned)sscanf(line + 15, "%lf %lf %lf", &x, &y, &z);
            ck_assert(y == 2 * x && z == 4 * x); /* N(1+1) = 2N, N(1+3) = 4N */
        }
    }
    ck_assert_msg(rows == max_size, "%u rows, %u sizes expected\n%s", rows, max_size, res.out);
    ck_assert_uint_eq(best_cols, 3);
    ck_assert_uint_eq(formula_cols, 3);
}
END_TEST

START_TEST(test_bad_values_exit_2)
{
    static cli_result res;
    run_cli(&res, false, (const char *const[]){"bench", "--pool", "--ratio", "fast", NULL});
    ck_assert_int_eq(res.status, 2);
    ck_assert_msg(strstr(res.err, "--ratio: 'fast' is not a WT/CT ratio from 0 to 100"), "%s",
                  res.err);
    run_cli(&res, false, (const char *const[]){"bench", "--pool", "--max-size", "65", NULL});
    ck_assert_int_eq(res.status, 2);
    ck_assert_msg(strstr(res.err, "--max-size"), "%s", res.err);
}
END_TEST

Suite *tl_suite_bench_pool(void)
{
    Suite *s = suite_create("bench_pool");
    TCase *tc = tcase_create("smoke");
    tcase_set_timeout(tc, 120); /* a busy machine; nothing asserts a time */
    tcase_add_test(tc, test_every_size_and_ratio_has_a_figure);
    tcase_add_test(tc, test_table_has_a_row_per_size_and_a_best_per_ratio);
    tcase_add_test(tc, test_bad_values_exit_2);
    suite_add_tcase(s, tc);
    return s;
}
