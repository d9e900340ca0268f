/* SPDX-License-Identifier: MIT */
/* threadlab bench --pool: its options (the bench itself: bench_pool.c). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bench_pool.h"
#include "cli.h"
#include "tl_pool.h"

static void usage(FILE *to)
{
    fputs("Usage: threadlab bench --pool [--ratio R,...] [--compute-us US] [--tasks N]\n"
          "                       [--max-size S] [--repeat R]\n"
          "Runs a batch of tasks that wait WT (nanosleep) and compute CT through the lab's\n"
          "thread pool at every size from 1 to 4N (N = online cores), and prints the\n"
          "throughput, the best size and the book's N x (1 + WT/CT) for each ratio.\n"
          "  -R, --ratio LIST     WT/CT ratios, comma-separated (each 0-100; default 0,1,3)\n"
          "  -c, --compute-us US  CT, microseconds of CPU time per task (10-100000, default 500)\n"
          "  -n, --tasks N        tasks per figure (1-100000, default 200)\n"
          "  -S, --max-size S     largest pool size (1-64, default 4N)\n"
          "  -r, --repeat R       measurements per figure, the median shown (1-101, default 3)\n"
          "  -h, --help           show this help\n"
          "Exit status: 0, 2 usage error.\n",
          to);
}

static bool parse_ratios(const char *text, tl_pool_bench *b)
{
    char copy[256], *save = NULL;
    snprintf(copy, sizeof copy, "%s", text);
    b->nratios = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        errno = 0;
        double v = strtod(tok, &end);
        if (errno || end == tok || *end || !(v >= 0 && v <= 100)) {
            tl_cli_usage_error("--ratio: '%s' is not a WT/CT ratio from 0 to 100", tok);
            return false;
        }
        if (b->nratios == TL_POOL_BENCH_MAX_RATIOS) {
            tl_cli_usage_error("--ratio: more than %d ratios", TL_POOL_BENCH_MAX_RATIOS);
            return false;
        }
        b->ratio[b->nratios++] = v;
    }
    if (b->nratios == 0)
        tl_cli_usage_error("--ratio: no ratio in '%s'; allowed: e.g. 0,1,3", text);
    return b->nratios > 0;
}

int tl_cmd_bench_pool(int argc, char **argv)
{
    static const struct option opts[] = {
        {"pool", no_argument, NULL, 'p'},           {"ratio", required_argument, NULL, 'R'},
        {"compute-us", required_argument, NULL, 'c'}, {"tasks", required_argument, NULL, 'n'},
        {"max-size", required_argument, NULL, 'S'}, {"help", no_argument, NULL, 'h'},
        {"repeat", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    static tl_pool_bench b;
    tl_pool_bench_defaults(&b);
    unsigned long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":R:c:n:S:r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': break;
        case 'R':
            if (!parse_ratios(optarg, &b))
                return TL_EXIT_USAGE;
            break;
        case 'c':
            if (!tl_cli_parse_ulong("--compute-us", optarg, 10, 100000, &v))
                return TL_EXIT_USAGE;
            b.compute_us = (unsigned)v;
            break;
        case 'n':
            if (!tl_cli_parse_ulong("--tasks", optarg, 1, 100000, &v))
                return TL_EXIT_USAGE;
            b.tasks = (unsigned)v;
            break;
        case 'S':
            if (!tl_cli_parse_ulong("--max-size", optarg, 1, TL_POOL_MAX_WORKERS, &v))
                return TL_EXIT_USAGE;
            b.max_size = (unsigned)v;
            break;
        case 'r':
            if (!tl_cli_parse_ulong("--repeat", optarg, 1, 101, &v))
                return TL_EXIT_USAGE;
            b.repeat = (unsigned)v;
            break;
        case 'h': usage(stdout); return 0;
        case ':': return tl_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return tl_cli_usage_error("unknown option '%s' (see threadlab bench --pool --help)",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tl_cli_usage_error("bench --pool: unexpected argument '%s'", argv[optind]);
    tl_pool_bench_run(&b);
    tl_pool_bench_print(stdout, &b);
    return 0;
}
