/* SPDX-License-Identifier: MIT */
/* threadlab validate: the lock validator over every lock kind, as a table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tl_lock.h"
#include "validate.h"

static void usage(FILE *to)
{
    fputs("Usage: threadlab validate [--lock KIND,...] [--threads N] [--iterations N]\n"
          "Runs N threads that each take the lock and increment a shared counter,\n"
          "checking mutual exclusion on every entry and the final count.\n"
          "  -l, --lock KINDS       lock kinds, comma-separated, or all (default) or correct\n"
          "  -t, --threads N        threads (1-64, default 2)\n"
          "  -i, --iterations N     acquisitions per thread (1-100000000, default 200000)\n"
          "  -h, --help             show this help\n"
          "Exit status: 0 every correct kind passed (broken kinds may fail: they are\n"
          "meant to), 1 a correct kind failed, 2 usage error.\n",
          to);
}

/* "share of acquisitions while all threads competed", e.g. "50/50". */
static void format_shares(const tl_validate_result *r, char *buf, size_t size)
{
    unsigned long total = 0;
    for (unsigned i = 0; i < r->threads; i++)
        total += r->while_contended[i];
    size_t off = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < r->threads && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%.0f", i ? "/" : "",
                                total ? 100.0 * (double)r->while_contended[i] / (double)total : 0.0);
}

int tl_cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"lock", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"iterations", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const tl_lock_kind *kinds[32];
    int nkinds = tl_cli_parse_kinds("--lock", "all", kinds, 32);
    unsigned long threads = 2, iterations = 200000;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:t:i:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if ((nkinds = tl_cli_parse_kinds("--lock", optarg, kinds, 32)) < 0)
                return TL_EXIT_USAGE;
            break;
        case 't':
            if (!tl_cli_parse_ulong("--threads", optarg, 1, TL_VALIDATE_MAX_THREADS, &threads))
                return TL_EXIT_USAGE;
            break;
        case 'i':
            if (!tl_cli_parse_ulong("--iterations", optarg, 1, 100000000, &iterations))
                return TL_EXIT_USAGE;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return TL_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return tl_cli_usage_error("validate: unexpected argument '%s'", argv[optind]);

    printf("Lock validator: %lu threads x %lu acquisitions, annotations: %s\n\n", threads,
           iterations, tl_lock_annotations());
    printf("%-14s %-8s %12s %12s %9s %10s %14s  %s\n", "kind", "verdict", "expected", "counted",
           "overlaps", "ns/acq", "share %", "about");
    int failed = 0;
    for (int i = 0; i < nkinds; i++) {
        const tl_lock_kind *k = kinds[i];
        tl_validate_result r;
        tl_validate_run(k, (unsigned)threads, iterations, &r);
        bool ok = tl_validate_ok(&r);
        const char *verdict = ok ? "ok" : "FAILED";
        if (tl_lock_kind_is_broken(k))
            verdict = ok ? "lucky" : "broken"; /* a broken kind failing is the lesson */
        else if (!ok)
            failed++;
        char shares[128];
        format_shares(&r, shares, sizeof shares);
        printf("%-14s %-8s %12lu %12lu %9lu %10.1f %14s  %s\n", k->name, verdict, r.expected,
               r.counted, r.overlaps, r.seconds * 1e9 / (double)r.expected, shares, k->summary);
    }
    printf("\n'share %%' is each thread's share of acquisitions while all threads competed.\n"
           "Broken kinds are expected to fail; 'lucky' means this run did not catch them\n"
           "(the scenarios force the bad interleaving instead of hoping for it).\n");
    return failed ? TL_EXIT_NOT_MET : TL_EXIT_MET;
}
