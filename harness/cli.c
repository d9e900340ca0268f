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

static void usage(FILE *to)
{
    fputs("Usage: threadlab COMMAND [OPTION]...\n"
          "A thread-safety and concurrency-bugs lab.\n"
          "\n"
          "Commands:\n"
          "  run         run scenarios by name and judge what the detectors saw\n"
          "  matrix      every variant under every detector: the detector matrix, with\n"
          "              each detector's TP/FP/FN/TN, precision, recall and time\n"
          "  list        list the scenarios and what each variant expects\n"
          "  show        show one scenario's teaching text and variants\n"
          "  validate    check every lock kind for mutual exclusion and lost updates\n"
          "  bench       measure the lock kinds against libc and the hardware floor\n"

          "\n"
          "Run 'threadlab COMMAND --help' for a command's options.\n"
          "  -h, --help     show this help and exit\n"
          "  -V, --version  show the version and exit\n"
          "\n"
          "Exit status: 0 every expectation met, 1 some not met, 2 usage error,\n"
          "3 environment error or a scenario descriptor that breaks a catalogue rule.\n",
          to);
}

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
        usage(stderr);
        return TL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("threadlab %s\nbuilt with %s\n", PACKAGE_VERSION, TL_CC_VERSION);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } commands[] = {
        {"run", tl_cmd_run},     {"list", tl_cmd_list},   {"show", tl_cmd_show},
        {"validate", tl_cmd_validate}, {"bench", tl_cmd_bench}, {"matrix", tl_cmd_matrix},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    return tl_cli_usage_error(
        "unknown command '%s'; allowed: run, matrix, list, show, validate, bench (see threadlab "
        "--help)",
        cmd);
}
