/* SPDX-License-Identifier: MIT */
/* threadlab show NAME: everything a reader needs about one scenario. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "install_paths.h"

/* Prints text word-wrapped at `width` columns, each line indented. */
static void wrap(const char *text, int indent, int width)
{
    int col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t word = strcspn(p, " ");
        if (word == 0)
            break;
        if (col > indent && col + 1 + (int)word > width) {
            putchar('\n');
            col = 0;
        }
        if (col == 0)
            col = printf("%*s", indent, "");
        else
            col += printf(" ");
        col += printf("%.*s", (int)word, p);
        p += word;
    }
    if (col)
        putchar('\n');
}

/* The scenario's source file (scenarios/<category>_<slug>.c: the name's dot
 * becomes an underscore), from the source tree threadlab was built in, from
 * where an installed copy keeps the sources relative to itself, or from the
 * configured pkgdatadir; false with where it looked in `where`. */
static FILE *open_source(const tl_scenario *s, char *where, size_t size)
{
    char file[80], self[PATH_MAX], relocated[PATH_MAX] = "", dirs[3][PATH_MAX + 16];
    snprintf(file, sizeof file, "%s.c", s->name);
    file[strcspn(file, ".")] = '_';
    if (tl_install_self_dir(self, sizeof self))
        tl_install_relocated(self, TL_PKGDATADIR, relocated, sizeof relocated);
    snprintf(dirs[0], sizeof dirs[0], "%s/scenarios", TL_SRCDIR);
    snprintf(dirs[1], sizeof dirs[1], "%s%s", relocated, relocated[0] ? "/scenarios" : "");
    snprintf(dirs[2], sizeof dirs[2], "%s/scenarios", TL_PKGDATADIR);
    size_t off = (size_t)snprintf(where, size, "%s in", file);
    for (size_t i = 0; i < 3; i++) {
        if (!dirs[i][0])
            continue;
        char path[PATH_MAX + 100];
        /* A name that does not fit is no file of ours: look no further here. */
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dirs[i], file) >= sizeof path)
            continue;
        FILE *f = fopen(path, "r");
        if (f)
            return f;
        if (off < size)
            off += (size_t)snprintf(where + off, size - off, "%s %s", i ? "," : "", dirs[i]);
    }
    return NULL;
}

/* show NAME --code: the file with line numbers, buggy and fixed side by
 * side as the scenario's author wrote them. */
static int print_code(const tl_scenario *s)
{
    char where[3 * PATH_MAX];
    FILE *f = open_source(s, where, sizeof where);
    if (!f) {
        fprintf(stderr, "threadlab: show --code: no source of %s: looked for %s (an out-of-tree "
                        "scenario's source is where its author keeps it)\n",
                s->name, where);
        return TL_EXIT_ENV;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned n = 0;
    while (getline(&line, &cap, f) > 0)
        printf("%4u  %s", ++n, line);
    free(line);
    fclose(f);
    return 0;
}

static const char *shown(const char *e)
{
    return e && e[0] ? e : "clean";
}

int tl_cmd_show(int argc, char **argv)
{
    /* --file F was compiled and loaded before the command (cli.c): drop it. */
    char *args[8];
    int n = 0;
    for (int i = 0; i < argc && n < 8; i++) {
        if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--file=", 7) == 0)
            continue;
        args[n++] = argv[i];
    }
    argc = n;
    argv = args;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("Usage: threadlab show NAME [--code] [--file F]\n"
             "Shows a scenario's teaching text, variants, expected evidence and how to run it.\n"
             "  --code   print its source instead, with line numbers: the buggy variant and\n"
             "           its fixes side by side\n"
             "  --file F also the scenarios of the scenario file F\n"
             "Exit status: 0, 2 on an unknown name or option, 3 when --code finds no source.");
        return 0;
    }
    bool code = false;
    if (argc == 3 && strcmp(argv[2], "--code") == 0)
        code = true;
    else if (argc == 3 && strcmp(argv[1], "--code") == 0) {
        code = true;
        argv[1] = argv[2];
    } else if (argc == 3)
        return tl_cli_usage_error("show: unknown option '%s'; allowed: --code",
                                  argv[1][0] == '-' ? argv[1] : argv[2]);
    if (argc != 2 && argc != 3)
        return tl_cli_usage_error("show takes one scenario name (see threadlab list)");
    const tl_scenario *s = tl_catalog_find(argv[1]);
    if (!s) {
        const char *near = tl_catalog_suggest(argv[1]);
        if (near)
            return tl_cli_usage_error("unknown scenario '%s'; did you mean %s?", argv[1], near);
        return tl_cli_usage_error("unknown scenario '%s'; 'threadlab list' shows all", argv[1]);
    }
    if (code)
        return print_code(s);
    printf("%s - %s\n\n", s->name, s->summary);
    printf("Category: %s\nConcept:  %s\n\n", s->category, s->concept ? s->concept : "-");
    wrap(s->teaching, 2, 78);
    if (s->coffman) {
        puts("\nThe four Coffman conditions in the buggy variant:");
        wrap(s->coffman, 2, 78);
    }
    if (s->detector_note) {
        puts("\nWhat the detector sees:");
        wrap(s->detector_note, 2, 78);
    }
    puts("\nVariants:");
    for (size_t i = 0; i < tl_catalog_nvariants(s); i++) {
        const tl_variant *v = &s->variants[i];
        printf("  %s (%s)\n", v->name, v->role == TL_ROLE_BUGGY ? "buggy" : "fixed");
        if (s->has_modes)
            printf("    expects: %s (potential mode); %s (actual mode)\n", shown(v->expect),
                   shown(v->expect_actual ? v->expect_actual : v->expect));
        else
            printf("    expects: %s\n", shown(v->expect));
        if (v->breaks)
            printf("    breaks:  %s\n", v->breaks);
        if (v->about)
            wrap(v->about, 4, 78);
        /* Where a detector cannot show it: said where the variant is. */
        for (size_t k = 0; k < TL_MAX_DIFFERENCES && v->differs[k].detector; k++) {
            const tl_difference *d = &v->differs[k];
            if (s->has_modes)
                printf("    under %s expects: %s (potential mode); %s (actual mode), because\n",
                       d->detector, shown(d->expect),
                       shown(d->expect_actual ? d->expect_actual : d->expect));
            else
                printf("    under %s expects: %s, because\n", d->detector, shown(d->expect));
            wrap(d->why, 6, 78);
        }
    }
    printf("\nDefaults: %u threads (allowed %u-%u), %u iterations", s->threads, s->min_threads,
           s->max_threads, s->iterations);
    if (s->timeout_s > 0)
        printf(", a deadline of %g s per run (its own; --timeout overrides it)", s->timeout_s);
    puts(".");
    if (s->takes_lock)
        puts("Locks: of the kind --lock chooses (default mutex).");
    else
        printf("Locks: --lock does not apply: %s.\n", s->own_locking);
    printf("\nRun it:\n  threadlab run %s\n", s->name);
    printf("  threadlab show %s --code   # its source: the bug and the fix side by side\n",
           s->name);
    if (s->has_modes)
        printf("  threadlab run %s --mode actual   # the threads really block\n", s->name);
    if (s->takes_lock)
        printf("  threadlab run %s --variant buggy --verbose --lock ticket\n", s->name);
    else
        printf("  threadlab run %s --variant buggy --verbose\n", s->name);
    return 0;
}
