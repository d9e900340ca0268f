/* SPDX-License-Identifier: MIT */
/* threadlab validate: the lock validator over every lock kind, as a table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tl_lock.h"
#include "validate.h"

/* A FIFO spinlock whose next owner is descheduled waits a time slice per
 * hand-off, so on a busy machine one kind can take minutes (ticket, 4
 * threads x 10000: 77 s seen); a minute each bounds a whole run of every kind
 * without cutting short one that is merely slow. */
#define DEFAULT_TIMEOUT_S 60.0

static void usage(FILE *to)
{
    fputs("Usage: threadlab validate [--lock KIND,...] [--threads N] [--iterations N]\n"
          "                          [--timeout SECONDS] [--progress SECONDS] [--quiet]\n"
          "Runs N threads that each take the lock and increment a shared counter,\n"
          "checking mutual exclusion on every entry and the final count.\n"
          "  -l, --lock KINDS        lock kinds, comma-separated, or all (default) or correct\n"
          "  -t, --threads N         threads (1-64, default 2)\n"
          "  -i, --iterations N      acquisitions per thread (1-100000000, default 200000)\n"
          "  -T, --timeout SECONDS   deadline for each lock kind (0.01-86400, default 60):\n"
          "                          its threads are then stopped, what they did is still\n"
          "                          checked, and the kind is reported 'unfinished'\n"
          "  -p, --progress SECONDS  a progress line on stderr every SECONDS while a kind\n"
          "                          runs (0-3600; default 0.5 on a terminal, rewritten in\n"
          "                          place, else 5; 0: none)\n"
          "  -q, --quiet             no progress lines (same as --progress 0)\n"
          "  -h, --help              show this help\n"
          "Exit status: 0 every correct kind passed (broken kinds may fail: they are\n"
          "meant to), 1 a correct kind failed, 2 usage error, 4 no correct kind failed\n"
          "but some kind did not finish within --timeout.\n",
          to);
}

typedef struct {
    const char *kind;
    int index, count;
    double timeout_s;
    bool tty; /* rewrite one line in place instead of adding lines */
} progress_ctx;

static void on_progress(void *arg, unsigned long done, unsigned long planned, double seconds)
{
    const progress_ctx *p = arg;
    fprintf(stderr, "%svalidate: [%d/%d] %s: %lu of %lu acquisitions (%.0f%%), %.1f s of at most %g s%s",
            p->tty ? "\r" : "", p->index, p->count, p->kind, done, planned,
            planned ? 100.0 * (double)done / (double)planned : 0.0, seconds, p->timeout_s,
            p->tty ? "\033[K" : "\n");
    fflush(stderr);
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
        {"timeout", required_argument, NULL, 'T'},
        {"progress", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const tl_lock_kind *kinds[32];
    int nkinds = tl_cli_parse_kinds("--lock", "all", kinds, 32);
    unsigned long threads = 2, iterations = 200000;
    double timeout_s = DEFAULT_TIMEOUT_S, every_s = -1; /* -1: by the terminal */
    bool tty = isatty(STDERR_FILENO);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:t:i:T:p:qh", opts, NULL)) != -1) {
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
        case 'T':
            if (!tl_cli_parse_seconds("--timeout", optarg, 0.01, 86400, &timeout_s))
                return TL_EXIT_USAGE;
            break;
        case 'p':
            if (!tl_cli_parse_seconds("--progress", optarg, 0, 3600, &every_s))
                return TL_EXIT_USAGE;
            break;
        case 'q':
            every_s = 0;
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
    printf("%-14s %-10s %12s %12s %9s %10s %14s  %s\n", "kind", "verdict", "expected", "counted",
           "overlaps", "ns/acq", "share %", "about");
    if (every_s < 0)
        every_s = tty ? 0.5 : 5.0;
    /* Each row is flushed as its kind ends, so a piped stdout shows progress
     * too; unfinished kinds are explained once the table is complete. */
    tl_validate_result results[32];
    int failed = 0, unfinished = 0;
    for (int i = 0; i < nkinds; i++) {
        const tl_lock_kind *k = kinds[i];
        tl_validate_result *r = &results[i];
        progress_ctx pc = {.kind = k->name, .index = i + 1, .count = nkinds,
                           .timeout_s = timeout_s, .tty = tty};
        tl_validate_opts o = {.timeout_s = timeout_s, .progress_every_s = every_s,
                              .progress = every_s > 0 ? on_progress : NULL, .progress_arg = &pc};
        if (every_s > 0 && tty) {
            fprintf(stderr, "validate: [%d/%d] %s ...", i + 1, nkinds, k->name);
            fflush(stderr);
        }
        tl_validate_run_opts(k, (unsigned)threads, iterations, &o, r);
        if (every_s > 0 && tty)
            fputs("\r\033[K", stderr); /* the table row replaces the progress line */
        bool ok = tl_validate_ok(r);
        const char *verdict = ok ? (r->finished ? "ok" : "unfinished") : "FAILED";
        if (tl_lock_kind_is_broken(k))
            verdict = ok ? (r->finished ? "lucky" : "unfinished")
                         : "broken"; /* a broken kind failing is the lesson */
        else if (!ok)
            failed++;
        unfinished += !r->finished;
        char shares[128];
        format_shares(r, shares, sizeof shares);
        printf("%-14s %-10s %12lu %12lu %9lu %10.1f %14s  %s\n", k->name, verdict, r->expected,
               r->counted, r->overlaps,
               r->expected ? r->seconds * 1e9 / (double)r->expected : 0.0, shares, k->summary);
        fflush(stdout);
    }
    printf("\n'share %%' is each thread's share of acquisitions while all threads competed.\n"
           "Broken kinds are expected to fail; 'lucky' means this run did not catch them\n"
           "(the scenarios force the bad interleaving instead of hoping for it).\n");
    for (int i = 0; i < nkinds; i++) {
        const tl_validate_result *r = &results[i];
        if (r->finished)
            continue;
        printf("%s: not finished within %g s: %lu of %lu acquisitions done (%s); raise "
               "--timeout or lower --iterations or --threads\n",
               kinds[i]->name, timeout_s, r->expected, (unsigned long)threads * iterations,
               tl_validate_ok(r) ? "no overlap and no lost update among them"
                                 : "and mutual exclusion already failed");
    }
    if (failed)
        return TL_EXIT_NOT_MET;
    return unfinished ? TL_EXIT_UNFINISHED : TL_EXIT_MET;
}
