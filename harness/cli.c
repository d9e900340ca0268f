/* SPDX-License-Identifier: MIT */
/* threadlab: entry point and subcommand dispatch. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "cli.h"
#include "detector.h"
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

static int dispatch(int argc, char **argv)
{
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
