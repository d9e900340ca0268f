/* SPDX-License-Identifier: MIT */
/* Finding llvm-symbolizer: the PATH search the runner falls back on when the
 * symbolizer configure found is gone, and what the build configured. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_suites.h"
#include "symbolizer.h"
#include "cli_run.h"

static char dir[64];

/* A file named name in the temporary directory, executable or not. */
static void make_file(const char *name, mode_t mode)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    close(fd);
    chmod(path, mode); /* the umask must not decide the test */
}

static void setup(void)
{
    tl_test_mkdtemp(dir, sizeof dir);
}

static void teardown(void)
{
    char path[PATH_MAX];
    static const char *const names[] = {"llvm-symbolizer-99", "llvm-symbolizer", "plain"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

START_TEST(test_search_takes_the_first_executable_hit)
{
    char out[PATH_MAX], path[2 * PATH_MAX], want[PATH_MAX];
    make_file("llvm-symbolizer-99", 0755);
    snprintf(path, sizeof path, "/nonexistent-threadlab:%s:/usr/bin", dir);
    snprintf(want, sizeof want, "%s/llvm-symbolizer-99", dir);
    ck_assert(tl_search_path("llvm-symbolizer-99", path, out, sizeof out));
    ck_assert_str_eq(out, want);
}
END_TEST

/* A file that cannot be executed is no symbolizer; neither is a name that
 * is on no directory of PATH. */
START_TEST(test_search_skips_what_cannot_run)
{
    char out[PATH_MAX], path[PATH_MAX];
    make_file("plain", 0644);
    snprintf(path, sizeof path, "%s", dir);
    ck_assert(!tl_search_path("plain", path, out, sizeof out));
    ck_assert(!tl_search_path("llvm-symbolizer-99", path, out, sizeof out));
    ck_assert(!tl_search_path("plain", NULL, out, sizeof out));
}
END_TEST

/* A hit whose full name does not fit the buffer is skipped, not cut. */
START_TEST(test_search_never_truncates)
{
    char out[8], path[PATH_MAX];
    make_file("llvm-symbolizer", 0755);
    snprintf(path, sizeof path, "%s", dir);
    ck_assert(!tl_search_path("llvm-symbolizer", path, out, sizeof out));
}
END_TEST

/* clang builds use the symbolizer of their own LLVM version when configure
 * found one; gcc builds need none. */
START_TEST(test_configured_symbolizer)
{
    const char *sym = tl_llvm_symbolizer();
#if TL_CLANG_MAJOR > 0
    if (TL_LLVM_SYMBOLIZER[0] && access(TL_LLVM_SYMBOLIZER, X_OK) == 0) {
        ck_assert_ptr_nonnull(sym);
        ck_assert_str_eq(sym, TL_LLVM_SYMBOLIZER);
    }
#else
    ck_assert_ptr_null(sym);
    ck_assert_str_eq(TL_LLVM_SYMBOLIZER, "");
#endif
}
END_TEST

Suite *tl_suite_symbolizer(void)
{
    Suite *s = suite_create("symbolizer");
    TCase *tc = tcase_create("search");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_search_takes_the_first_executable_hit);
    tcase_add_test(tc, test_search_skips_what_cannot_run);
    tcase_add_test(tc, test_search_never_truncates);
    tcase_add_test(tc, test_configured_symbolizer);
    suite_add_tcase(s, tc);
    return s;
}
