/* SPDX-License-Identifier: MIT */
/* threadlab-host and threadlab-host-tsan: run one variant of one scenario.
 * The CLI execs this (never a bare fork: TSan cannot start threads in a forked
 * multithreaded process) in a process group of its own, and reads the result
 * records from --result-fd. Not meant to be run by hand, but it can be:
 * without --result-fd the records go to stdout. --deadline SECONDS is the
 * host's own last resort (host_deadline.c): past it the host SIGKILLs its
 * process group, with a one-line note on stderr.
 *
 * Exit status: 0 the variant returned; 3 bad arguments (the CLI validated
 * them, so this means a CLI/host mismatch) or a catalogue that breaks a rule
 * (catalog_validate.c); anything else is the scenario's
 * doing (66 = TSan found something, a signal = it crashed). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "catalog.h"
#include "host_deadline.h"
#include "tl_track.h"
#include "tl_scenario.h"

void tl__record_phase(tl_ctx *ctx, const char *phase);

static int host_error(const char *msg, const char *value)
{
    fprintf(stderr, "threadlab-host: %s '%s'\n", msg, value);
    return 3;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"lock", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"iterations", required_argument, NULL, 'i'},
        {"mode", required_argument, NULL, 'm'},
        {"result-fd", required_argument, NULL, 'r'},
        {"monitor-fd", required_argument, NULL, 'M'},
        {"deadline", required_argument, NULL, 'd'},
        {"load", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    tl_ctx ctx = {.lock_kind = "mutex", .result_fd = -1, .mode = TL_MODE_POTENTIAL};
    long threads = 0, iterations = 0;
    int monitor_fd = -1;
    double deadline = 0; /* seconds; 0: none */
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': ctx.lock_kind = optarg; break;
        case 't': threads = strtol(optarg, NULL, 10); break;
        case 'i': iterations = strtol(optarg, NULL, 10); break;
        case 'm':
            if (strcmp(optarg, "potential") && strcmp(optarg, "actual"))
                return host_error("bad --mode", optarg);
            ctx.mode = strcmp(optarg, "actual") == 0 ? TL_MODE_ACTUAL : TL_MODE_POTENTIAL;
            break;
        case 'r': ctx.result_fd = (int)strtol(optarg, NULL, 10); break;
        case 'L': {
            /* A scenario file the CLI compiled for this host (run --file). */
            char why[512];
            if (!tl_catalog_load(optarg, why, sizeof why))
                return host_error("cannot load the scenario file", why);
            break;
        }
        case 'M': monitor_fd = (int)strtol(optarg, NULL, 10); break;
        case 'd': {
            char *end;
            deadline = strtod(optarg, &end);
            if (*end || end == optarg || !isfinite(deadline) || deadline <= 0 || deadline > 1e6)
                return host_error("bad --deadline", optarg);
            break;
        }
        default: return 3;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: threadlab-host SCENARIO VARIANT [--lock K] [--threads N] "
                        "[--iterations N] [--mode potential|actual] [--result-fd FD] "
                        "[--monitor-fd FD] [--deadline SECONDS]\n");
        return 3;
    }
    /* Same rules, same exit status as the CLI: a host built with a bad
     * descriptor (out of tree) refuses to run any of it. */
    if (!tl_catalog_validate("threadlab-host"))
        return 3;
    ctx.scenario = tl_catalog_find(argv[optind]);
    if (!ctx.scenario)
        return host_error("unknown scenario", argv[optind]);
    ctx.variant = tl_catalog_variant(ctx.scenario, argv[optind + 1]);
    if (!ctx.variant)
        return host_error("unknown variant", argv[optind + 1]);
    /* "-" is what the plan records for a scenario that does not take a lock
     * kind; anything else must be a kind such a scenario can use. */
    if (strcmp(ctx.lock_kind, "-") == 0 ? ctx.scenario->takes_lock
                                        : !tl_lock_kind_find(ctx.lock_kind))
        return host_error("unknown lock kind", ctx.lock_kind);
    ctx.threads = threads > 0 ? (unsigned)threads : ctx.scenario->threads;
    ctx.iterations = iterations > 0 ? (unsigned long)iterations : ctx.scenario->iterations;

    if (monitor_fd >= 0) {
        /* The harness created and sized this shared memory; we only write. */
        void *table = mmap(NULL, sizeof(tl_track_table), PROT_READ | PROT_WRITE, MAP_SHARED,
                           monitor_fd, 0);
        if (table == MAP_FAILED)
            return host_error("cannot map the monitor table from fd", argv[optind]);
        close(monitor_fd);
        tl_track_attach(table);
        tl_track_thread_begin("main");
    }
    /* Armed before the variant runs, so nothing the variant does can keep
     * this process alive past it. Without a watchdog the runner's deadline
     * still applies: going on beats failing the run. */
    if (deadline > 0)
        tl_host_arm_deadline(deadline);
    tl__record_phase(&ctx, "start");
    ctx.variant->entry(&ctx);
    tl_host_disarm_deadline();
    tl__record_phase(&ctx, "done");
    return 0;
}
