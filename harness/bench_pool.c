/* SPDX-License-Identifier: MIT */
/* threadlab bench --pool (bench_pool.h). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_pool.h"
#include "cli.h"
#include "tl_pool.h"

typedef struct {
    uint64_t wait_ns, compute_ns;
} task_cost;

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* WT: the thread sleeps, as on I/O - the core is free for another worker.
 * CT: the thread's own CPU time, so a worker descheduled by its neighbours
 * still does exactly CT of work, however long that takes on the wall clock. */
static void mixed_task(void *arg)
{
    const task_cost *c = arg;
    if (c->wait_ns) {
        struct timespec ts = {(time_t)(c->wait_ns / 1000000000u), (long)(c->wait_ns % 1000000000u)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    uint64_t until = clock_ns(CLOCK_THREAD_CPUTIME_ID) + c->compute_ns;
    while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < until)
        ;
}

void tl_pool_bench_defaults(tl_pool_bench *b)
{
    memset(b, 0, sizeof *b);
    b->ratio[0] = 0;
    b->ratio[1] = 1;
    b->ratio[2] = 3;
    b->nratios = 3;
    b->compute_us = 500;
    b->tasks = 200;
    b->repeat = 3;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    b->cores = n > 0 ? (unsigned)n : 1;
    b->max_size = 4 * b->cores;
}

double tl_pool_bench_formula(unsigned cores, double ratio)
{
    return cores * (1 + ratio);
}

/* Tasks per second through a pool of `size` workers: the batch is queued,
 * then the pool is drained and joined; the clock covers both. */
static double measure(const tl_pool_bench *b, unsigned size, const task_cost *cost)
{
    tl_pool_t *p = tl_pool_create(size, "bench", "mutex");
    if (!p)
        return 0;
    uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
    for (unsigned i = 0; i < b->tasks; i++)
        tl_pool_release(tl_pool_submit(p, mixed_task, (void *)cost));
    tl_pool_shutdown(p, TL_POOL_DRAIN);
    uint64_t t1 = clock_ns(CLOCK_MONOTONIC);
    tl_pool_destroy(p);
    return t1 > t0 ? b->tasks / ((double)(t1 - t0) / 1e9) : 0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of `repeat` measurements: one slow pass (the machine busy for
 * a moment) does not pick the best size. */
static double median_of(const tl_pool_bench *b, unsigned size, const task_cost *cost)
{
    double v[101];
    unsigned n = b->repeat < 1 ? 1 : b->repeat > 101 ? 101 : b->repeat;
    for (unsigned i = 0; i < n; i++)
        v[i] = measure(b, size, cost);
    qsort(v, n, sizeof v[0], by_value);
    return v[n / 2];
}

void tl_pool_bench_run(tl_pool_bench *b)
{
    if (b->max_size > TL_POOL_BENCH_MAX_SIZES)
        b->max_size = TL_POOL_BENCH_MAX_SIZES;
    if (b->max_size > TL_POOL_MAX_WORKERS)
        b->max_size = TL_POOL_MAX_WORKERS;
    for (size_t r = 0; r < b->nratios; r++) {
        task_cost cost = {(uint64_t)(b->ratio[r] * b->compute_us * 1000.0),
                          (uint64_t)b->compute_us * 1000u};
        b->best[r] = 1;
        for (unsigned size = 1; size <= b->max_size; size++) {
            b->throughput[r][size] = median_of(b, size, &cost);
            if (b->throughput[r][size] > b->throughput[r][b->best[r]])
                b->best[r] = size;
        }
    }
}

void tl_pool_bench_print(FILE *to, const tl_pool_bench *b)
{
    fprintf(to, "Pool size vs throughput (tasks/s, median of %u): N = %u online cores, %u tasks "
                "per figure, each waits WT (nanosleep) then computes CT = %u us (its own CPU "
                "time)\n",
            b->repeat, b->cores, b->tasks, b->compute_us);
    fprintf(to, "%-18s", "size");
    for (size_t r = 0; r < b->nratios; r++)
        fprintf(to, " WT/CT=%-7g", b->ratio[r]);
    fputc('\n', to);
    for (unsigned size = 1; size <= b->max_size; size++) {
        fprintf(to, "%-18u", size);
        for (size_t r = 0; r < b->nratios; r++)
            fprintf(to, " %7.0f%s      ", b->throughput[r][size], b->best[r] == size ? "*" : " ");
        fputc('\n', to);
    }
    fprintf(to, "%-18s", "best (measured)");
    for (size_t r = 0; r < b->nratios; r++)
        fprintf(to, " %-13u", b->best[r]);
    fputc('\n', to);
    fprintf(to, "%-18s", "N x (1 + WT/CT)");
    for (size_t r = 0; r < b->nratios; r++)
        fprintf(to, " %-13g", tl_pool_bench_formula(b->cores, b->ratio[r]));
    fputc('\n', to);
    fputs("Past the best size the figures stay level (more workers only wait their turn for "
          "a core), so a best size a little away from the formula's is within the noise.\n",
          to);
}

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
