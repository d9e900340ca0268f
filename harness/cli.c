/* SPDX-License-Identifier: MIT */
/* threadlab: entry point and subcommand dispatch. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "cli.h"
#include "detector.h"
#include "scenario_file.h"
#include "tl_lock.h"

/* A command whose output was lost (a full disk, a closed file) did not do
 * its job, whatever it returned: say so, and exit 3. */
static int output_written(int rc)
{
    /* errno as the failed write left it, or as fflush sets it now. */
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    fprintf(stderr, "threadlab: cannot write standard output: %s\n",
            strerror(errno ? errno : EIO));
    return TL_EXIT_ENV;
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    return output_written(dispatch(argc, argv));
}

/* --file F (or --file=F) of run, matrix, list and show: the scenario files
 * are compiled and loaded before anything looks at the catalogue, so they
 * are checked by the same rules and found by name like the in-tree ones.
 * The commands' own parsers then accept and skip the option. */
static int load_scenario_files(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *file = NULL;
        if (strcmp(argv[i], "--file") == 0) {
            if (i + 1 == argc)
                return tl_cli_usage_error("option '--file' needs a value");
            file = argv[++i];
        } else if (strncmp(argv[i], "--file=", 7) == 0) {
            file = argv[i] + 7;
        } else if (strcmp(argv[i], "--") == 0) {
            break;
        }
        char why[PATH_MAX + 256];
        if (file && !tl_scenario_file_add(file, why, sizeof why))
            return tl_cli_usage_error("%s", why);
    }
    return 0;
}

static int dispatch(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "run") || !strcmp(argv[1], "matrix") ||
                      !strcmp(argv[1], "list") || !strcmp(argv[1], "show"))) {
        int rc = load_scenario_files(argc, argv);
        if (rc)
            return rc;
    }
    /* Before any command: a descriptor that breaks a rule would otherwise
     * show up much later as a wrong verdict or a misaligned table. */
    tl_catalog_know_detectors(tl_detector_exists, tl_detector_names());
    if (!tl_catalog_validate("threadlab"))
        return TL_EXIT_ENV;
    /* The same for the lock kinds: a descriptor that breaks tl_lock.h's
     * rules would otherwise show up as a crash or a wrong figure. */
    for (size_t i = 0; i < tl_lock_kind_count(); i++) {
        const char *broken = tl_lock_kind_check(tl_lock_kind_at(i));
        if (broken) {
            fprintf(stderr, "threadlab: lock kind '%s' breaks its descriptor's rules: %s\n",
                    tl_lock_kind_at(i)->name, broken);
            return TL_EXIT_ENV;
        }
    }
    if (argc < 2) {
        tl_cli_usage(stderr);
        return TL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        tl_cli_usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("threadlab %s\nbuilt with %s\n", PACKAGE_VERSION, TL_CC_VERSION);
        return 0;
    }
    const tl_cli_command *c = tl_cli_command_find(cmd);
    if (c)
        return c->fn(argc - 1, argv + 1);
    return tl_cli_usage_error("unknown command '%s'; allowed: %s (see threadlab --help)", cmd,
                              tl_cli_command_names());
}
