/* SPDX-License-Identifier: MIT */
/* The table of commands, and `help [COMMAND]`. A new command is one row. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const tl_cli_command tl_cli_commands[] = {
    {"run", tl_cmd_run, "run scenarios by name and judge what the detectors saw"},
    {"matrix", tl_cmd_matrix,
     "every variant under every detector: the detector matrix, with\n"
     "              each detector's TP/FP/FN/TN, precision, recall and time"},
    {"list", tl_cmd_list, "list the scenarios and what each variant expects"},
    {"show", tl_cmd_show, "show one scenario's teaching text and variants"},
    {"validate", tl_cmd_validate, "check every lock kind for mutual exclusion and lost updates"},
    {"bench", tl_cmd_bench, "measure the lock kinds against libc and the hardware floor"},
    {"help", tl_cmd_help, "this help, or a command's: threadlab help COMMAND"},
};
const size_t tl_cli_ncommands = sizeof tl_cli_commands / sizeof tl_cli_commands[0];

const tl_cli_command *tl_cli_command_find(const char *name)
{
    for (size_t i = 0; i < tl_cli_ncommands; i++)
        if (strcmp(name, tl_cli_commands[i].name) == 0)
            return &tl_cli_commands[i];
    return NULL;
}

const char *tl_cli_command_names(void)
{
    static char names[256];
    if (!names[0]) {
        size_t off = 0;
        for (size_t i = 0; i < tl_cli_ncommands && off < sizeof names; i++)
            off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "",
                                    tl_cli_commands[i].name);
    }
    return names;
}

void tl_cli_usage(FILE *to)
{
    fputs("Usage: threadlab COMMAND [OPTION]...\n"
          "A thread-safety and concurrency-bugs lab.\n"
          "\n"
          "Commands:\n",
          to);
    for (size_t i = 0; i < tl_cli_ncommands; i++)
        fprintf(to, "  %-10s  %s\n", tl_cli_commands[i].name, tl_cli_commands[i].about);
    fputs("\n"
          "Run 'threadlab COMMAND --help' or 'threadlab help COMMAND' for a command's options.\n"
          "  -h, --help     show this help and exit\n"
          "  -V, --version  show the version and exit\n"
          "\n"
          "Exit status: 0 every expectation met, 1 some not met, 2 usage error,\n"
          "3 environment error or a scenario descriptor that breaks a catalogue rule.\n",
          to);
}

/* `help` alone is `threadlab --help`; `help CMD` is `threadlab CMD --help`. */
int tl_cmd_help(int argc, char **argv)
{
    if (argc > 2)
        return tl_cli_usage_error("help takes at most one command, got '%s' too", argv[2]);
    if (argc < 2) {
        tl_cli_usage(stdout);
        return 0;
    }
    const tl_cli_command *c = tl_cli_command_find(argv[1]);
    if (!c)
        return tl_cli_usage_error("help: unknown command '%s'; allowed: %s", argv[1],
                                  tl_cli_command_names());
    if (c->fn == tl_cmd_help) {
        tl_cli_usage(stdout);
        return 0;
    }
    char *args[] = {argv[1], "--help", NULL};
    return c->fn(2, args);
}
