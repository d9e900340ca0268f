/* SPDX-License-Identifier: MIT */
/* The threadlab command line: shared exit codes and helpers of the subcommands. */
#ifndef TL_CLI_H
#define TL_CLI_H

#include <stdbool.h>
#include "tl_lock.h"

/* Exit statuses. 66 (TSan's), 77 and 99 (automake's skip and hard error) are
 * avoided on purpose, so a test harness can never mistake one for another. */
enum {
    TL_EXIT_MET = 0,      /* every expectation met */
    TL_EXIT_NOT_MET = 1,  /* some expectation not met */
    TL_EXIT_USAGE = 2,    /* bad command line */
    TL_EXIT_ENV = 3,      /* the environment cannot run this (e.g. no TSan host) */
    TL_EXIT_UNFINISHED = 4, /* validate: a lock kind did not finish within --timeout */
};

/* Prints "threadlab: MSG" on stderr and returns TL_EXIT_USAGE. */
int tl_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a whole decimal number in [min, max] for option `opt`; on failure
 * prints which option, the bad value and the allowed range. */
bool tl_cli_parse_ulong(const char *opt, const char *text, unsigned long min, unsigned long max,
                        unsigned long *out);

/* Parses a number of seconds in [min, max] (decimals allowed) for `opt`; on
 * failure prints which option, the bad value and the allowed range. */
bool tl_cli_parse_seconds(const char *opt, const char *text, double min, double max, double *out);

/* Parses a comma-separated list of lock kinds ("all" = every kind, "correct"
 * = every non-broken kind) into kinds[]; returns the count or -1 after an error. */
int tl_cli_parse_kinds(const char *opt, const char *text, const tl_lock_kind **kinds, int max);

/* The lock kind closest to a mistyped name, or NULL. */
const char *tl_cli_suggest_kind(const char *word);

int tl_cmd_validate(int argc, char **argv);
int tl_cmd_run(int argc, char **argv);
int tl_cmd_list(int argc, char **argv);
int tl_cmd_show(int argc, char **argv);
int tl_cmd_bench(int argc, char **argv);
int tl_cmd_matrix(int argc, char **argv);
int tl_cmd_help(int argc, char **argv);
/* threadlab's own usage text (cli.c's --help). */
void tl_cli_usage(FILE *to);
/* `list --names WHAT` (cmd_list_names.c). */
int tl_cmd_list_names(const char *what);

/* The commands, in the order the help lists them (commands.c): the
 * dispatch, `help`, the help text and shell completion all read this. */
typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *about; /* one line; may hold a newline and an indented second line */
} tl_cli_command;
extern const tl_cli_command tl_cli_commands[];
extern const size_t tl_cli_ncommands;
const tl_cli_command *tl_cli_command_find(const char *name);
/* "run, matrix, ..." for error messages. */
const char *tl_cli_command_names(void);

#endif
