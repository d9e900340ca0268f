/* SPDX-License-Identifier: MIT */
/* `threadlab list --names WHAT`: bare words, one per line, for shell
 * completion (completion/threadlab.bash) and scripts - the scenarios, the
 * categories, the lock kinds, the detectors or the commands, taken from
 * the same tables the commands check their arguments against, so the
 * completion can never offer a word the CLI would refuse. */
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "detector.h"
#include "tl_lock.h"

static void scenarios(void)
{
    for (size_t i = 0; i < tl_catalog_count(); i++)
        if (!tl_catalog_is_selftest(tl_catalog_at(i)))
            puts(tl_catalog_at(i)->name);
}

static void categories(void)
{
    /* Sorted by name, and a name starts with its category: one category's
     * scenarios come together. */
    const char *last = "";
    for (size_t i = 0; i < tl_catalog_count(); i++) {
        const tl_scenario *s = tl_catalog_at(i);
        if (!tl_catalog_is_selftest(s) && strcmp(s->category, last) != 0) {
            puts(s->category);
            last = s->category;
        }
    }
}

static void locks(void)
{
    for (size_t i = 0; i < tl_lock_kind_count(); i++)
        puts(tl_lock_kind_at(i)->name);
}

static void detectors(void)
{
    for (size_t i = 0; i < tl_detector_count(); i++)
        puts(tl_detector_at(i)->name);
    puts("all");
}

static void commands(void)
{
    for (size_t i = 0; i < tl_cli_ncommands; i++)
        puts(tl_cli_commands[i].name);
}

static const struct {
    const char *what;
    void (*print)(void);
} lists[] = {
    {"scenarios", scenarios}, {"categories", categories}, {"locks", locks},
    {"detectors", detectors}, {"commands", commands},
};

int tl_cmd_list_names(const char *what)
{
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (strcmp(what, lists[i].what) == 0) {
            lists[i].print();
            return 0;
        }
    return tl_cli_usage_error("--names: unknown list '%s'; allowed: scenarios, categories, "
                              "locks, detectors, commands",
                              what);
}
