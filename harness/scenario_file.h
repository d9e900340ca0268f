/* SPDX-License-Identifier: MIT */
/* Scenario files outside the build (`threadlab run|list|show --file F`):
 * F is compiled into a shared object for each program that must know its
 * scenarios - threadlab itself (list, show, the plan) and every host a plan
 * runs (plain, TSan-built, gcc's TSan) - with the compiler and flags that
 * program was built with, and loaded: by threadlab with tl_catalog_load, by
 * a host through its --load option. No relink, no build tree: the headers
 * come from the source tree threadlab was built in, or from the installed
 * include folder next to it. The objects live in a temporary folder removed
 * when threadlab exits. */
#ifndef TL_SCENARIO_FILE_H
#define TL_SCENARIO_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Compiles `src` for threadlab itself and loads its scenarios. On a compile
 * error the compiler's messages (with their lines) are on stderr and `why`
 * says so; false. Before the catalogue is first used. */
bool tl_scenario_file_add(const char *src, char *why, size_t size);

/* Records `src` for the hosts only (tl_scenario_files_for_host compiles
 * it), without loading it here: for a program whose own catalogue has those
 * scenarios already, or that only starts hosts (the tests). */
bool tl_scenario_file_add_for_hosts(const char *src, char *why, size_t size);

/* Whether any file was added. */
bool tl_scenario_files_any(void);

/* Compiles every added file for the host program `host` (its file name:
 * "threadlab-host-tsan"), once; false with `why` on failure. */
bool tl_scenario_files_for_host(const char *host, char *why, size_t size);

/* The objects built for `host`, for its --load options: at most `max`,
 * returns how many. */
size_t tl_scenario_file_objects(const char *host, const char **out, size_t max);

#endif
