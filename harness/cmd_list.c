/* SPDX-License-Identifier: MIT */
/* threadlab list: the catalogue, as a table or as JSON. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"

static const char *shown_expect(const char *e)
{
    return e && e[0] ? e : "clean";
}

static json_t *scenario_json(const tl_scenario *s)
{
    json_t *variants = json_array();
    for (size_t i = 0; i < tl_catalog_nvariants(s); i++) {
        const tl_variant *v = &s->variants[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", v->name, "role",
                              v->role == TL_ROLE_BUGGY ? "buggy" : "fixed", "expect",
                              v->expect ? v->expect : "", "about", v->about ? v->about : "");
        if (s->has_modes)
            json_object_set_new(o, "expect_actual",
                                json_string(v->expect_actual ? v->expect_actual : v->expect));
        if (v->breaks)
            json_object_set_new(o, "breaks", json_string(v->breaks));
        json_array_append_new(variants, o);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:i, s:i, s:i, s:I, s:o}", "name",
                          s->name, "category", s->category, "summary", s->summary, "concept",
                          s->concept ? s->concept : "", "modes", s->has_modes, "takes_lock",
                          s->takes_lock, "threads", (int)s->threads, "min_threads",
                          (int)s->min_threads, "max_threads", (int)s->max_threads,
                          "iterations", (json_int_t)s->iterations, "variants", variants);
    if (!s->takes_lock)
        json_object_set_new(o, "own_locking", json_string(s->own_locking));
    return o;
}

/* A scenario's line says whether --lock reaches it, since for most of the
 * catalogue it does not (their locking is the point being taught). */
static void print_row(const tl_scenario *s)
{
    printf("%-*s %s\n", TL_SCENARIO_NAME_MAX, s->name, s->summary);
    if (s->takes_lock)
        printf("    %-*s --lock chooses it\n", TL_VARIANT_NAME_MAX, "lock kind");
    else
        printf("    %-*s its own; --lock does not apply: %s\n", TL_VARIANT_NAME_MAX, "lock kind",
               s->own_locking);
    for (size_t i = 0; i < tl_catalog_nvariants(s); i++) {
        const tl_variant *v = &s->variants[i];
        printf("    %-*s expects %s", TL_VARIANT_NAME_MAX, v->name, shown_expect(v->expect));
        if (s->has_modes)
            printf(" (potential); %s (actual)",
                   shown_expect(v->expect_actual ? v->expect_actual : v->expect));
        putchar('\n');
    }
}

int tl_cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"category", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *category = NULL;
    bool as_json = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': category = optarg; break;
        case 'j': as_json = true; break;
        case 'h':
            puts("Usage: threadlab list [--category C] [--json]\n"
                 "Lists the scenarios: name, category, summary, whether --lock chooses the\n"
                 "kind of its locks, and the evidence each variant expects (clean = nothing).\n"
                 "Exit status: 0, or 2 on a usage error.");
            return 0;
        case ':': return tl_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return tl_cli_usage_error("unknown option '%s' (see threadlab list --help)",
                                           argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tl_cli_usage_error("list takes no arguments, got '%s'", argv[optind]);
    if (category && !tl_catalog_has_category(category)) {
        const char *near = tl_catalog_suggest_category(category);
        return tl_cli_usage_error("--category: unknown category '%s'%s%s%s; allowed: %s", category,
                                  near ? "; did you mean " : "", near ? near : "",
                                  near ? "?" : "", tl_catalog_categories());
    }
    json_t *all = json_array();
    const char *last_category = "";
    for (size_t i = 0; i < tl_catalog_count(); i++) {
        const tl_scenario *s = tl_catalog_at(i);
        if (category ? strcmp(s->category, category) != 0 : tl_catalog_is_selftest(s))
            continue;
        if (as_json) {
            json_array_append_new(all, scenario_json(s));
            continue;
        }
        if (strcmp(last_category, s->category) != 0)
            printf("%s[%s]\n", last_category[0] ? "\n" : "", s->category);
        last_category = s->category;
        print_row(s);
    }
    if (as_json) {
        char *text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(text ? text : "[]");
        free(text);
    }
    json_decref(all);
    return 0;
}
