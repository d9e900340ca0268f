/* SPDX-License-Identifier: MIT */
/* Helgrind (Valgrind's thread-error detector): the plain host run under
 * valgrind --tool=helgrind, its XML log read into findings. Unlike DRD it
 * keeps a lock-order graph, so it reports lock-order inversions; the lab's
 * hand-built locks are described to it by the annotations of
 * primitives/tl_annotate.h. */
#include <string.h>
#include "valgrind_runtime.h"

static const char *const helgrind_options[] = {NULL};

static const tl_valgrind_tool helgrind = {
    .tool = "helgrind",
    .log = "helgrind.xml",
    .options = helgrind_options,
};

/* The kinds its reports map onto (valgrind_xml.c): races, the lock-order
 * graph, and the misuse of the POSIX thread API it checks at each call. */
static bool sees(const char *kind)
{
    static const char *const kinds[] = {
        "data-race", "lock-order-inversion", "bad-unlock", "double-lock",
        "destroy-locked", "api-misuse", "cond-misuse",
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i], kind) == 0)
            return true;
    return false;
}

static bool available(const char *host, char *why, size_t size)
{
    return tl__valgrind_available(&helgrind, host, why, size);
}

static size_t wrapper(char words[][TL_DETECTOR_WORD_LEN], size_t max)
{
    return tl__valgrind_wrapper(&helgrind, words, max);
}

static size_t no_environment(char vars[][TL_DETECTOR_VAR_LEN], size_t max)
{
    (void)vars, (void)max;
    return 0;
}

static void collect(tl_run *r)
{
    tl__valgrind_collect(&helgrind, r);
}

static void check_environment(tl_run *r)
{
    tl__valgrind_check_environment(&helgrind, r);
}

const struct tl_detector_backend tl_detector_helgrind = {
    .name = "helgrind",
    .tool = "Helgrind",
    .tool_uri = "https://valgrind.org/docs/manual/hg-manual.html",
    .tool_version = tl__valgrind_version,
    .about = "Valgrind's Helgrind, on the plain host (slower: deadlines x20)",
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
