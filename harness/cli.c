/* SPDX-License-Identifier: MIT */
/* threadlab: entry point and subcommand dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli.h"
#include "tl_lock.h"

int tl_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("threadlab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return TL_EXIT_USAGE;
}

bool tl_cli_parse_ulong(const char *opt, const char *text, unsigned long min, unsigned long max,
                        unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
        tl_cli_usage_error("%s: '%s' is not a whole number from %lu to %lu", opt, text, min, max);
        return false;
    }
    *out = v;
    return true;
}

int tl_cli_parse_kinds(const char *opt, const char *text, const tl_lock_kind **kinds, int max)
{
    int n = 0;
    bool all = strcmp(text, "all") == 0, correct = strcmp(text, "correct") == 0;
    if (all || correct) {
        for (size_t i = 0; i < tl_lock_kind_count() && n < max; i++)
            if (all || !tl_lock_kind_is_broken(tl_lock_kind_at(i)))
                kinds[n++] = tl_lock_kind_at(i);
        return n;
    }
    char *copy = strdup(text), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const tl_lock_kind *k = tl_lock_kind_find(tok);
        if (!k) {
            tl_cli_usage_error("%s: unknown lock kind '%s'; allowed: %s, all, correct", opt, tok,
                               tl_lock_kind_names());
            free(copy);
            return -1;
        }
        if (n == max) {
            tl_cli_usage_error("%s: more than %d lock kinds", opt, max);
            free(copy);
            return -1;
        }
        kinds[n++] = k;
    }
    free(copy);
    if (n == 0)
        tl_cli_usage_error("%s: no lock kind given; allowed: %s", opt, tl_lock_kind_names());
    return n ? n : -1;
}

static void usage(FILE *to)
{
    fputs("Usage: threadlab COMMAND [OPTION]...\n"
          "A thread-safety and concurrency-bugs lab.\n"
          "\n"
          "Commands:\n"
          "  validate    check every lock kind for mutual exclusion and lost updates\n"
          "\n"
          "Run 'threadlab COMMAND --help' for a command's options.\n"
          "  -h, --help     show this help and exit\n"
          "  -V, --version  show the version and exit\n"
          "\n"
          "Exit status: 0 every expectation met, 1 some not met, 2 usage error,\n"
          "3 environment error.\n",
          to);
}

int main(int argc, char **argv)
{
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
    if (!strcmp(cmd, "validate"))
        return tl_cmd_validate(argc - 1, argv + 1);
    return tl_cli_usage_error("unknown command '%s'; allowed: validate (see threadlab --help)", cmd);
}
