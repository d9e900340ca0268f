/* SPDX-License-Identifier: MIT */
/* What the Valgrind backends share (helgrind.c, drd.c): finding valgrind,
 * probing that it works here, the command the plain host runs under, reading
 * its XML log into findings, and telling that Valgrind itself failed.
 * Internal to harness/detectors/. */
#ifndef TL_VALGRIND_RUNTIME_H
#define TL_VALGRIND_RUNTIME_H

#include "detector.h"

/* The exit status Valgrind is asked for (--error-exitcode) when it reported
 * something: the same as ThreadSanitizer's, so 66 means "the detector
 * reported" whichever ran. The host itself exits 0 or 3, Valgrind 1 when it
 * fails. */
enum { VALGRIND_REPORTED = 66 };

/* Under Valgrind the program runs on a synthetic CPU, one thread at a time:
 * measured here, the lab's runs take 20 to 50 times longer than on the plain
 * host (most of a short run is Valgrind starting up). */
#define VALGRIND_SLOWDOWN 20.0

/* One tool: its name for --tool=, its log's name in the run's folder, and
 * the options of its own (NULL-terminated) that go after the common ones. */
typedef struct {
    const char *tool;
    const char *log;
    const char *const *options;
} tl_valgrind_tool;

/* Finds `valgrind` on PATH; false when it is not there. */
bool tl__valgrind_find(char *path, size_t size);

/* Whether the tool can run the host here: valgrind is on PATH, and running
 * the host (without arguments: it prints its usage and exits 3) under the
 * tool ends the way the host does. Otherwise false, with the reason. */
/* valgrind --version as configure saw it ("valgrind-3.19.0"). */
void tl__valgrind_version(char *out, size_t size);
bool tl__valgrind_available(const tl_valgrind_tool *t, const char *host, char *why, size_t size);

/* valgrind --tool=... --xml=yes --xml-file=LOG ... in words[]; 0 when
 * valgrind is gone from PATH (the launch then fails and says so). */
size_t tl__valgrind_wrapper(const tl_valgrind_tool *t, char words[][TL_DETECTOR_WORD_LEN],
                            size_t max);

/* Reads the tool's XML log (bounded by TL_DETECTOR_LOG_MAX, the cut flagged)
 * into r->findings. */
void tl__valgrind_collect(const tl_valgrind_tool *t, tl_run *r);

/* Sets r->env_error when Valgrind, not the scenario, failed: it could not
 * start or run the host, stopped with an error of its own, or, though the
 * host exited normally, left no complete XML log. */
void tl__valgrind_check_environment(const tl_valgrind_tool *t, tl_run *r);

#endif
