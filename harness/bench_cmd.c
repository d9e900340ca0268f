/* SPDX-License-Identifier: MIT */
/* threadlab bench: options, then the engine, then the table (and JSON). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_engine.h"
#include "bench_pool.h"
#include "bench_print.h"
#include "cli.h"

static void usage(FILE *to)
{
    fprintf(to, "Usage: threadlab bench [--lock KIND,...] [--threads N,...] [--seconds S]\n"
                "                       [--repeat R] [--json FILE] [--no-peers]\n"
                "                       [--spin-yields on|off]\n"
                "Measures every lock kind through the generic interface and through its raw\n"
                "calls, against pthread-mutex and against one atomic exchange (the floor).\n"
                "  -l, --lock KINDS     kinds, comma-separated, or correct (default) or all\n"
                "  -t, --threads LIST   contended thread counts, e.g. 2,4 (each 1-64; default 2)\n"
                "  -s, --seconds S      seconds per repetition of each figure (0.01-60, default 0.5)\n"
                "  -r, --repeat R       repetitions; figures are their median (1-101, default 5)\n"
                "  -j, --json FILE      also write the figures as JSON (- for stdout)\n"
                "      --no-peers       skip the peers: Concurrency Kit's lock of the same\n"
                "                       algorithm beside each selected kind (when built with it)\n"
                "      --spin-yields on|off\n"
                "                       off: spin waits never yield their core, as Concurrency\n"
                "                       Kit's do (default on: a waiter yields after %d pauses)\n"
                "  -h, --help           show this help\n"
                "threadlab bench --pool measures thread-pool sizes instead (bench --pool --help).\n"
                "Exit status: 0, 2 usage error, 3 the JSON file cannot be written.\n",
                (int)TL_SPIN_YIELD_AFTER);
}

static bool parse_seconds(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0.01 && v <= 60)) {
        tl_cli_usage_error("--seconds: '%s' is not a number of seconds from 0.01 to 60", text);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_threads(const char *text, tl_bench *b)
{
    char copy[256], *save = NULL;
    snprintf(copy, sizeof copy, "%s", text);
    b->ntcounts = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned long n;
        if (b->ntcounts == TL_BENCH_MAX_TCOUNTS) {
            tl_cli_usage_error("--threads: more than %d thread counts", TL_BENCH_MAX_TCOUNTS);
            return false;
        }
        if (!tl_cli_parse_ulong("--threads", tok, 1, TL_BENCH_MAX_THREADS, &n))
            return false;
        b->tcounts[b->ntcounts++] = (unsigned)n;
    }
    if (b->ntcounts == 0)
        tl_cli_usage_error("--threads: no thread count in '%s'; allowed: e.g. 2 or 1,2,4", text);
    return b->ntcounts > 0;
}

int tl_cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"lock", required_argument, NULL, 'l'},   {"threads", required_argument, NULL, 't'},
        {"seconds", required_argument, NULL, 's'}, {"repeat", required_argument, NULL, 'r'},
        {"json", required_argument, NULL, 'j'},   {"help", no_argument, NULL, 'h'},
        {"no-peers", no_argument, NULL, 'P'},     {"spin-yields", required_argument, NULL, 'Y'},
        {NULL, 0, NULL, 0},
    };
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--pool") == 0)
            return tl_cmd_bench_pool(argc, argv); /* pool sizes, not lock kinds: bench_pool.c */
    static tl_bench b; /* large: off the stack */
    memset(&b, 0, sizeof b);
    b.seconds = 0.5;
    b.repeat = 5;
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    /* Peers whose hand-built kind is not built (none since clh came) run
     * with the whole set of kinds, not when the user picked some. */
    b.peers_unmatched = true;
    const char *json_path = NULL;
    int n = tl_cli_parse_kinds("--lock", "correct", b.kinds, TL_BENCH_MAX_KINDS);
    b.nkinds = n > 0 ? (size_t)n : 0;
    unsigned long repeat;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":l:t:s:r:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if ((n = tl_cli_parse_kinds("--lock", optarg, b.kinds, TL_BENCH_MAX_KINDS)) < 0)
                return TL_EXIT_USAGE;
            b.nkinds = (size_t)n;
            b.peers_unmatched = strcmp(optarg, "correct") == 0 || strcmp(optarg, "all") == 0;
            break;
        case 't':
            if (!parse_threads(optarg, &b))
                return TL_EXIT_USAGE;
            break;
        case 's':
            if (!parse_seconds(optarg, &b.seconds))
                return TL_EXIT_USAGE;
            break;
        case 'r':
            if (!tl_cli_parse_ulong("--repeat", optarg, 1, 101, &repeat))
                return TL_EXIT_USAGE;
            b.repeat = (unsigned)repeat;
            break;
        case 'j': json_path = optarg; break;
        case 'P': b.no_peers = true; break;
        case 'Y':
            if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
                return tl_cli_usage_error("--spin-yields: '%s' is not on or off", optarg);
            b.spin_yields_off = strcmp(optarg, "off") == 0;
            break;
        case 'h': usage(stdout); return 0;
        case ':': return tl_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return tl_cli_usage_error("unknown option '%s' (see threadlab bench --help)",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tl_cli_usage_error("bench: unexpected argument '%s'", argv[optind]);

    tl_bench_run(&b);
    tl_bench_print(stdout, &b);
    if (!json_path)
        return 0;
    json_t *doc = tl_bench_json(&b);
    int rc = strcmp(json_path, "-") == 0
                 ? json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                 : json_dump_file(doc, json_path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc != 0) {
        fprintf(stderr, "threadlab: --json: cannot write '%s'\n", json_path);
        return TL_EXIT_ENV;
    }
    return 0;
}
