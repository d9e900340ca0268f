/* SPDX-License-Identifier: MIT */
/* Detector backends. A backend says which host runs under it, what the host
 * needs in its environment, how to read what the detector wrote into the
 * run's findings, and how to tell that the detector itself could not run.
 * Everything a detector's name or output format means lives in its own file
 * here (tsan.c, tsan_gcc.c, helgrind.c, drd.c, none.c); the runner, the
 * verdict and the reports ask the backend. A new detector is one file and one
 * row in detectors.c. */
#ifndef TL_DETECTOR_H
#define TL_DETECTOR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "run.h"

enum {
    TL_DETECTOR_ENV_MAX = 4,     /* variables a backend may set for its host */
    TL_DETECTOR_VAR_LEN = 8192,  /* the longest of them, "NAME=value" */
    TL_DETECTOR_WRAP_MAX = 16,   /* words of a wrapper command (see wrapper) */
    TL_DETECTOR_WORD_LEN = PATH_MAX, /* the longest of them (a program's path) */
};

struct tl_detector_backend {
    const char *name;            /* --detector NAME; the prefix of its evidence
                                  * tokens ("tsan:data-race") */
    const char *about;           /* one line for --help and errors */
    const char *host;            /* the host program it runs: the TSan-built
                                  * host or the plain one */
    const char *missing_hint;    /* what to do when that host is not built */
    int reported_status;         /* the exit status that means "found
                                  * something" (TSan's 66), or -1 */
    /* How many times slower a run is under it than on the plain host (1 for
     * none; TSan's 5-15x stays within the default --timeout, so 1 too). A
     * run's deadline, the limit of its extensions and the host's own last
     * resort are all --timeout times this, so a user never has to raise
     * --timeout to use a slow detector; the report records the result. */
    double slowdown;
    /* The tool as reports name it (SARIF's tool.driver.name:
     * "ThreadSanitizer", "Helgrind"), or NULL for a backend that reports
     * nothing; and its version in one line (the compiler that built the
     * host, valgrind --version), "" when unknown. */
    const char *tool;
    const char *tool_uri; /* where its documentation is */
    void (*tool_version)(char *out, size_t size);
    /* Whether it can run here at all; false with the reason in one line in
     * `why` ("valgrind is not on PATH"). Asked once per plan, before any
     * run, with the host it would run; a detector named on the command line
     * that cannot run stops the plan (exit 3), one in "all" is left out.
     * NULL: it can run wherever its host is built. */
    bool (*available)(const char *host, char *why, size_t size);
    /* The program the host runs under and its arguments, which go before
     * the host's own argv (Valgrind: "/usr/bin/valgrind --tool=helgrind
     * ..."); words[0] is the program's path. Returns how many words it
     * wrote, 0 when the host runs by itself. Called before fork, so it may
     * look at the file system; the host starts in its run's folder, so file
     * names relative to it are safe. NULL: none. */
    size_t (*wrapper)(char words[][TL_DETECTOR_WORD_LEN], size_t max);
    /* In the host's process between fork and exec (async-signal-safe calls
     * only): what the detector's runtime needs of the process that cannot
     * be said in the environment (TSan: address randomisation off on a
     * kernel whose randomisation its shadow layout cannot take). NULL:
     * nothing. */
    void (*prepare_child)(void);
    /* Whether it can see a bug of this kind (a report kind such as
     * "data-race", as scenarios write them in `expect`). A variant's bug
     * that no kind it sees stands for is not demonstrable by it. */
    bool (*sees)(const char *kind);
    /* Fills vars[0..n) with "NAME=value" strings for the host's environment,
     * each replacing any variable of the same name; returns n. Called
     * before fork, so it may allocate and look at the file system. */
    size_t (*environment)(char vars[][TL_DETECTOR_VAR_LEN], size_t max);
    /* The user's own options for it, from the environment, which
     * `environment` passes on after the backend's own: NULL when it takes
     * none or none are set. Recorded in report.json. NULL: takes none. */
    const char *(*user_options)(void);
    /* Checks them against the backend's own: false with one line in `why`
     * naming the conflicting key (the plan then stops before its first run,
     * exit 2). NULL: nothing to check. */
    bool (*check_user_options)(char *why, size_t size);
    /* After the host ended: moves what the detector wrote into the run's
     * folder (r->detector_log) and parses it into r->findings. */
    void (*collect)(tl_run *r);
    /* After collect: sets r->env_error when the detector itself could not
     * run (nothing about the scenario can be concluded then). */
    void (*check_environment)(tl_run *r);
};

/* The backend called `name`, or NULL. */
tl_detector tl_detector_find(const char *name);
/* Whether a backend of that name exists (for the catalogue's rules). */
bool tl_detector_exists(const char *name);
/* The backends, in the order --help lists them. */
size_t tl_detector_count(void);
tl_detector tl_detector_at(size_t i);
/* Its position in the table (for per-detector arrays). */
size_t tl_detector_index(tl_detector d);
/* "tsan, none": for error messages. */
const char *tl_detector_names(void);

/* The backends themselves (one file each). */
extern const struct tl_detector_backend tl_detector_tsan, tl_detector_tsan_gcc,
    tl_detector_helgrind, tl_detector_drd, tl_detector_none;

#endif
