/* SPDX-License-Identifier: MIT */
/* Running the real ./threadlab from a test: its exit status, stdout, stderr
 * and the report directory it names, and reading that report back. */
#ifndef TL_TEST_CLI_RUN_H
#define TL_TEST_CLI_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#ifndef TL_TEST_BUILDDIR
#define TL_TEST_BUILDDIR "."
#endif

/* The checker's own scenarios (category selftest) are in no installed
 * program: the CLI gets them as a scenario file, a host by --load. */
#define TL_TEST_SELFTEST_FILE TL_TEST_SRCDIR "/tests/selftest_scenarios.c"

typedef struct {
    int status;           /* exit status, or 128 + signal */
    char out[65536], err[16384];
    char report_dir[512]; /* parsed from the "Report: DIR/summary.md" line */
    char tmp[80];         /* the temporary directory of its output files */
} cli_result;

/* The test program's temporary folders: begin before the tests run, end
 * after (keep them when a test failed); tl_test_mkdtemp makes a fresh folder
 * below the base, asserting it could. */
void tl_test_tmp_begin(void);
void tl_test_mkdtemp(char *buf, size_t size);
void tl_test_tmp_end(bool keep);
/* Reads a whole (small) file into buf, NUL-terminated; "" if unreadable. */
void tl_test_slurp(const char *path, char *buf, size_t size);
/* Runs ./threadlab with args (NULL-terminated) and an --out under a fresh
 * temporary directory when `with_out`. */
void run_cli(cli_result *res, bool with_out, const char *const *args);
/* The same in two halves, for a test that acts on the run while it goes
 * (signals its host): start returns threadlab's pid, wait reaps it and
 * fills res. */
int run_cli_start(cli_result *res, bool with_out, const char *const *args);
void run_cli_wait(cli_result *res, int pid);
/* Starts ./threadlab with args (NULL-terminated), stdout and stderr to the
 * given files, and --out out_dir unless it is NULL; returns its pid. */
int tl_test_spawn_cli(const char *out_path, const char *err_path, const char *out_dir,
                      const char *const *args);
/* report.json of the run's report directory, parsed (asserts it parses). */
json_t *load_report(const cli_result *res);
/* The selftest scenarios compiled for the host program `host` ("threadlab-
 * host", ...), once per test process, as `threadlab run --file` compiles
 * them (scenario_file.c); the object's path, for the host's --load. Hosts
 * this process's runner starts get it too (runner_spawn.c). Asserts it
 * compiled. */
const char *tl_test_selftest_object(const char *host);
/* Whether the TSan host was built (configure without --disable-tsan). A test
 * that needs it prints why it skips and returns when it was not. */
bool tl_test_have_tsan(void);
/* Whether `valgrind` is on PATH (the Helgrind and DRD backends need it).
 * A test that needs it prints why it skips and returns when it is not. */
bool tl_test_have_valgrind(void);
/* Asserts every run in the report met its expectation; returns the count. */
size_t assert_all_met(const cli_result *res);
/* The same, but the runs named "scenario/variant" in the NULL-terminated
 * list must be "not demonstrable" instead (a detector that cannot see their
 * bug); *n_undemonstrable (if not NULL) counts those runs. */
size_t assert_all_met_but(const cli_result *res, const char *const *undemonstrable,
                          size_t *n_undemonstrable);
/* The buggy variants whose bug only TSan shows: not demonstrable with
 * --detector none (NULL-terminated). */
extern const char *const tl_test_tsan_only[];

#endif
