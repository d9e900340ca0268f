/* SPDX-License-Identifier: MIT */
/* threadlab list: the catalogue, as a table or as JSON. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "tl_lock.h"

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

/* What a kind's descriptor says of it, in words: "spins, FIFO, queue node". */
static void kind_traits(const tl_lock_kind *k, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s%s%s%s", (k->flags & TL_KIND_SLEEPS) ? "sleeps" : "spins",
             (k->flags & TL_KIND_FIFO) ? ", FIFO" : "",
             (k->flags & TL_KIND_SHARED) ? ", shared mode" : "",
             (k->flags & TL_KIND_WRITER_PREF) ? ", writers first" : "",
             k->node_size ? ", queue node" : "",
             tl_lock_kind_is_broken(k)               ? ", BROKEN"
             : (k->flags & TL_KIND_HANDBUILT) ? ""
                                                      : ", libc");
}

/* threadlab list --locks: the lock kinds, from their descriptors. */
static int list_locks(bool as_json)
{
    json_t *all = json_array();
    if (!as_json)
        printf("Lock kinds (--lock KIND, for the scenarios that take one):\n%-*s %-36s %s\n",
               TL_LOCK_KIND_NAME_MAX, "kind", "traits", "summary");
    for (size_t i = 0; i < tl_lock_kind_count(); i++) {
        const tl_lock_kind *k = tl_lock_kind_at(i);
        char traits[96];
        kind_traits(k, traits, sizeof traits);
        if (!as_json) {
            printf("%-*s %-36s %s\n", TL_LOCK_KIND_NAME_MAX, k->name, traits, k->summary);
            continue;
        }
        json_array_append_new(
            all, json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:I, s:I}", "name", k->name,
                           "summary", k->summary, "handbuilt", (k->flags & TL_KIND_HANDBUILT) != 0,
                           "broken", tl_lock_kind_is_broken(k), "fifo",
                           (k->flags & TL_KIND_FIFO) != 0, "sleeps",
                           (k->flags & TL_KIND_SLEEPS) != 0, "shared",
                           tl_lock_kind_has_shared(k), "writer_preference",
                           (k->flags & TL_KIND_WRITER_PREF) != 0, "storage_bytes",
                           (json_int_t)k->size, "queue_node_bytes", (json_int_t)k->node_size));
    }
    if (as_json) {
        char *text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(text ? text : "[]");
        free(text);
    } else {
        puts("\nshared mode: tl_lock_rdlock / tl_lock_tryrdlock / tl_lock_rdunlock (scenarios/README.md).");
    }
    json_decref(all);
    return 0;
}

int tl_cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"category", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"locks", no_argument, NULL, 'L'},
        {"names", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *category = NULL;
    bool as_json = false, locks = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:jLh", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (argc > 3)
                return tl_cli_usage_error("list --names takes no other option or argument");
            return tl_cmd_list_names(optarg);
        case 'c': category = optarg; break;
        case 'j': as_json = true; break;
        case 'L': locks = true; break;
        case 'h':
            puts("Usage: threadlab list [--category C] [--json]\n"
                 "       threadlab list --locks [--json]\n"
                 "       threadlab list --names scenarios|categories|locks|detectors|commands\n"
                 "Lists the scenarios: name, category, summary, whether --lock chooses the\n"
                 "kind of its locks, and the evidence each variant expects (clean = nothing).\n"
                 "With --locks, the lock kinds --lock accepts, as their descriptors describe\n"
                 "them: sleeping or spinning, FIFO, shared (reader) mode, queue nodes, broken.\n"
                 "With --names, bare words one per line (for shell completion and scripts).\n"
                 "Exit status: 0, or 2 on a usage error.");
            return 0;
        case ':': return tl_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return tl_cli_usage_error("unknown option '%s' (see threadlab list --help)",
                                           argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tl_cli_usage_error("list takes no arguments, got '%s'", argv[optind]);
    if (locks && category)
        return tl_cli_usage_error("list: --locks and --category do not go together");
    if (locks)
        return list_locks(as_json);
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
