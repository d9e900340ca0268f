/* SPDX-License-Identifier: MIT */
/* DRD (Valgrind's other thread-error detector): the plain host run under
 * valgrind --tool=drd, its XML log read into findings. DRD checks races and
 * the use of the POSIX thread API, but keeps no lock-order graph: a
 * lock-order inversion that does not deadlock is invisible to it, so such a
 * buggy variant is "not demonstrable" by DRD. */
#include <string.h>
#include "valgrind_runtime.h"

static const char *const drd_options[] = {
    /* DRD ignores stack variables unless asked; the lab's scenarios share
     * them on purpose (a pointer to a local handed to another thread). */
    "--check-stack-var=yes",
    NULL,
};

static const tl_valgrind_tool drd = {
    .tool = "drd",
    .log = "drd.xml",
    .options = drd_options,
};

static bool sees(const char *kind)
{
    static const char *const kinds[] = {
        "data-race", "bad-unlock", "double-lock", "destroy-locked", "api-misuse", "cond-misuse",
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i], kind) == 0)
            return true;
    return false;
}

static bool available(const char *host, char *why, size_t size)
{
    return tl__valgrind_available(&drd, host, why, size);
}

static size_t wrapper(char words[][TL_DETECTOR_WORD_LEN], size_t max)
{
    return tl__valgrind_wrapper(&drd, words, max);
}

static size_t no_environment(char vars[][TL_DETECTOR_VAR_LEN], size_t max)
{
    (void)vars, (void)max;
    return 0;
}

static void collect(tl_run *r)
{
    tl__valgrind_collect(&drd, r);
}

static void check_environment(tl_run *r)
{
    tl__valgrind_check_environment(&drd, r);
}

const struct tl_detector_backend tl_detector_drd = {
    .name = "drd",
    .tool = "DRD",
    .tool_uri = "https://valgrind.org/docs/manual/drd-manual.html",
    .tool_version = tl__valgrind_version,
    .about = "Valgrind's DRD, on the plain host (slower: deadlines x20; no lock order)",
    .host = "threadlab-host",
    .missing_hint = "build it with make",
    .reported_status = VALGRIND_REPORTED,
    .slowdown = VALGRIND_SLOWDOWN,
    .available = available,
    .wrapper = wrapper,
    .sees = sees,
    .environment = no_environment,
    .collect = collect,
    .check_environment = check_environment,
};
