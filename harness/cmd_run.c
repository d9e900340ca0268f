/* SPDX-License-Identifier: MIT */
/* threadlab run: runs scenarios by name, shows one progress line per run,
 * a final table, and where the report is. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "cli.h"
#include "config.h"
#include "monitor_report.h"
#include "plan.h"
#include "report.h"
#include "runner.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct {
    tl_report *report;
    size_t total, done;
    bool quiet, verbose, env_error;
} progress_t;

static void usage(FILE *to)
{
    fputs("Usage: threadlab run NAME... | --all | --category C [OPTION]...\n"
          "Runs scenarios (each variant in its own process) and judges what was seen\n"
          "against what each variant expects.\n"
          "\n"
          "  -a, --all                run every scenario\n"
          "  -c, --category C         run every scenario of category C\n"
          "  -V, --variant V          buggy, fixed, both (default) or a variant's name\n"
          "  -l, --lock KIND          lock kind for the scenarios' locks (default mutex)\n"
          "  -d, --detector D         tsan (default) or none (the plain host)\n"
          "  -t, --threads N          threads (default: the scenario's)\n"
          "  -i, --iterations N       iterations (default: the scenario's)\n"
          "  -m, --mode M             deadlocks: potential (default) or actual\n"
          "  -r, --repeat N           run each variant N times (1-1000, default 1)\n"
          "  -T, --timeout SECONDS    deadline per run (0.1-3600, default 10)\n"
          "  -j, --jobs N             runs at once (1-64, default: the number of cores)\n"
          "      --no-monitor         no live monitor: a stuck run ends at its deadline\n"
          "  -o, --out DIR            where report directories go (default ./threadlab-reports)\n"
          "  -q, --quiet              no progress lines\n"
          "  -v, --verbose            oracle results and findings of every run\n"
          "  -h, --help               show this help\n"
          "\n"
          "Exit status: 0 every expectation met, 1 some not met, 2 usage error,\n"
          "3 environment error (e.g. no TSan host), 130 interrupted (the report keeps\n"
          "every run that finished).\n",
          to);
}

static bool parse_seconds(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0.1 && v <= 3600)) {
        tl_cli_usage_error("--timeout: '%s' is not a number of seconds from 0.1 to 3600", text);
        return false;
    }
    *out = v;
    return true;
}

/* A fresh directory OUT/YYYYmmdd-HHMMSS[-N]: never reuses one, so an earlier
 * report is never overwritten. */
static bool make_report_dir(const char *out, char *dir, size_t size, char *started, size_t ssize)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(started, ssize, "%Y-%m-%dT%H:%M:%S%z", &tm);
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "threadlab: --out: cannot create '%s': %s\n", out, strerror(errno));
        return false;
    }
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int n = 1; n < 1000; n++) {
        if (n == 1)
            snprintf(dir, size, "%s/%s", out, stamp);
        else
            snprintf(dir, size, "%s/%s-%d", out, stamp, n);
        if (mkdir(dir, 0755) == 0)
            return true;
        if (errno != EEXIST)
            break;
    }
    fprintf(stderr, "threadlab: --out: cannot create a report directory in '%s': %s\n", out,
            strerror(errno));
    return false;
}

static void run_label(const tl_run *r, char *buf, size_t size)
{
    snprintf(buf, size, "%s %s %s%s%s", r->scenario->name, r->variant->name,
             tl_detector_name(r->detector), r->scenario->has_modes ? " " : "",
             r->scenario->has_modes ? tl_mode_name(r->mode) : "");
}

/* TSan that cannot start (e.g. an incompatible memory layout) is the
 * environment's fault, not the scenario's: it must not read as "not met". */
static bool tsan_fatal(const tl_run *r)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/stderr.log", r->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[512];
    bool fatal = false;
    while (!fatal && fgets(line, sizeof line, f))
        fatal = strstr(line, "FATAL: ThreadSanitizer") != NULL;
    fclose(f);
    return fatal;
}

static void on_finish(tl_run *r, void *user)
{
    progress_t *p = user;
    char label[160];
    p->done++;
    if (r->detector == TL_DETECTOR_TSAN && !r->met && tsan_fatal(r))
        p->env_error = true;
    tl_report_write(p->report);
    if (p->quiet)
        return;
    run_label(r, label, sizeof label);
    fprintf(stderr, "[%zu/%zu] %s ... %s: %s (%.1f s)\n", p->done, p->total, label,
            tl_report_verdict_word(r), r->reason, r->duration_s);
    if (!p->verbose)
        return;
    for (int i = 0; i < r->noracle; i++)
        fprintf(stderr, "    oracle %s: %s%s\n", r->oracle[i].what, r->oracle[i].detail,
                r->oracle[i].ok ? "" : " (VIOLATED)");
    for (int i = 0; i < r->nnotes; i++)
        fprintf(stderr, "    note: %s\n", r->notes[i]);
    size_t stored = r->nfindings < TL_RUN_MAX_FINDINGS ? r->nfindings : TL_RUN_MAX_FINDINGS;
    for (size_t i = 0; i < stored; i++) {
        const tl_tsan_finding *f = &r->findings[i];
        fprintf(stderr, "    tsan: %s", f->kind_text);
        if (f->frame.found)
            fprintf(stderr, " at %s:%d in %s", f->frame.file, f->frame.line, f->frame.function);
        fputc('\n', stderr);
    }
    if (r->monitor) {
        tl_mon_explanation e;
        tl_monitor_explain(r->monitor, &e);
        fprintf(stderr, "    monitor: %s\n", e.summary);
        if (e.circular_wait[0])
            fprintf(stderr, "      mutual exclusion: %s\n      hold and wait: %s\n"
                            "      no preemption: %s\n      circular wait: %s\n",
                    e.mutual_exclusion, e.hold_and_wait, e.no_preemption, e.circular_wait);
    }
    fprintf(stderr, "    logs: %s\n", r->dir);
}

static void print_table(const tl_run *runs, size_t n)
{
    char ev[256];
    printf("%-34s %-14s %-13s %-8s %-9s %-8s %-40s %8s\n", "scenario", "variant", "lock",
           "detector", "mode", "verdict", "evidence", "time");
    for (size_t i = 0; i < n; i++) {
        const tl_run *r = &runs[i];
        if (r->state == TL_RUN_PENDING)
            continue;
        printf("%-34s %-14s %-13s %-8s %-9s %-8s %-40s %6.2f s\n", r->scenario->name,
               r->variant->name, r->lock, tl_detector_name(r->detector),
               r->scenario->has_modes ? tl_mode_name(r->mode) : "-", tl_report_verdict_word(r),
               tl_evidence_format(&r->observed, ev, sizeof ev), r->duration_s);
    }
}

static int parse(int argc, char **argv, tl_plan *plan, const char **out, unsigned long *jobs,
                 progress_t *pr)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},           {"category", required_argument, NULL, 'c'},
        {"variant", required_argument, NULL, 'V'}, {"lock", required_argument, NULL, 'l'},
        {"detector", required_argument, NULL, 'd'}, {"threads", required_argument, NULL, 't'},
        {"iterations", required_argument, NULL, 'i'}, {"mode", required_argument, NULL, 'm'},
        {"repeat", required_argument, NULL, 'r'},  {"timeout", required_argument, NULL, 'T'},
        {"jobs", required_argument, NULL, 'j'},    {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},         {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},          {"no-monitor", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0},
    };
    bool all = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ac:V:l:d:t:i:m:r:T:j:o:qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'a': all = true; break;
        case 'c':
            if (!tl_plan_add_category(plan, optarg))
                return TL_EXIT_USAGE;
            break;
        case 'V': plan->variant = optarg; break;
        case 'l':
            if (!tl_lock_kind_find(optarg)) {
                const char *near = tl_cli_suggest_kind(optarg);
                return tl_cli_usage_error("--lock: unknown lock kind '%s'%s%s%s; allowed: %s",
                                          optarg, near ? "; did you mean " : "",
                                          near ? near : "", near ? "?" : "",
                                          tl_lock_kind_names());
            }
            plan->lock = optarg;
            break;
        case 'd':
            if (strcmp(optarg, "tsan") && strcmp(optarg, "none"))
                return tl_cli_usage_error("--detector: unknown detector '%s'; allowed: tsan, none",
                                          optarg);
            plan->detector = strcmp(optarg, "tsan") == 0 ? TL_DETECTOR_TSAN : TL_DETECTOR_NONE;
            break;
        case 't':
            if (!tl_cli_parse_ulong("--threads", optarg, 1, 64, &plan->threads))
                return TL_EXIT_USAGE;
            break;
        case 'i':
            if (!tl_cli_parse_ulong("--iterations", optarg, 1, 100000000, &plan->iterations))
                return TL_EXIT_USAGE;
            break;
        case 'm':
            if (strcmp(optarg, "potential") && strcmp(optarg, "actual"))
                return tl_cli_usage_error("--mode: unknown mode '%s'; allowed: potential, actual",
                                          optarg);
            plan->mode = strcmp(optarg, "actual") == 0 ? TL_MODE_ACTUAL : TL_MODE_POTENTIAL;
            break;
        case 'r':
            if (!tl_cli_parse_ulong("--repeat", optarg, 1, 1000, &plan->repeat))
                return TL_EXIT_USAGE;
            break;
        case 'T':
            if (!parse_seconds(optarg, &plan->timeout_s))
                return TL_EXIT_USAGE;
            break;
        case 'j':
            if (!tl_cli_parse_ulong("--jobs", optarg, 1, 64, jobs))
                return TL_EXIT_USAGE;
            break;
        case 'o': *out = optarg; break;
        case 'N': plan->monitor = false; break;
        case 'q': pr->quiet = true; break;
        case 'v': pr->verbose = true; break;
        case 'h': usage(stdout); return -1;
        case ':': return tl_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return tl_cli_usage_error("unknown option '%s' (see threadlab run --help)",
                                      argv[optind - 1]);
        }
    }
    if (plan->variant[0] == '\0')
        return tl_cli_usage_error("--variant: empty; allowed: buggy, fixed, both or a variant name");
    for (int i = optind; i < argc; i++)
        if (!tl_plan_add_name(plan, argv[i]))
            return TL_EXIT_USAGE;
    if (all)
        tl_plan_add_all(plan);
    if (plan->nscenarios == 0)
        return tl_cli_usage_error("no scenario given: name one or more, or use --all or "
                                  "--category (see threadlab list)");
    return tl_plan_check(plan) ? 0 : TL_EXIT_USAGE;
}

int tl_cmd_run(int argc, char **argv)
{
    static tl_plan plan; /* large: keep it off the stack */
    plan = (tl_plan){.variant = "both", .lock = "mutex", .detector = TL_DETECTOR_TSAN,
                     .mode = TL_MODE_POTENTIAL, .repeat = 1, .timeout_s = 10,
                     .monitor = true};
    const char *out = "threadlab-reports";
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned long jobs = cores > 0 ? (unsigned long)cores : 1;
    static tl_report report;
    progress_t pr = {.report = &report};
    /* The command as typed, for the record: getopt_long permutes argv. */
    static char *typed[256];
    int ntyped = 0;
    typed[ntyped++] = "threadlab";
    for (int i = 0; i < argc && ntyped < 255; i++)
        typed[ntyped++] = argv[i];
    int rc = parse(argc, argv, &plan, &out, &jobs, &pr);
    if (rc)
        return rc < 0 ? 0 : rc;

    tl_runner rn = {.jobs = (unsigned)jobs, .on_finish = on_finish, .user = &pr,
                    .interrupted = &interrupted};
    bool have_tsan = tl_runner_find_host(TL_DETECTOR_TSAN, rn.host_tsan, sizeof rn.host_tsan);
    bool have_plain = tl_runner_find_host(TL_DETECTOR_NONE, rn.host_plain, sizeof rn.host_plain);
    if (plan.detector == TL_DETECTOR_TSAN && !have_tsan) {
        fprintf(stderr, "threadlab: no TSan host: %s; build with TSan (configure without "
                        "--disable-tsan) or use --detector none\n", rn.host_tsan);
        return TL_EXIT_ENV;
    }
    if (plan.detector == TL_DETECTOR_NONE && !have_plain) {
        fprintf(stderr, "threadlab: no plain host: %s\n", rn.host_plain);
        return TL_EXIT_ENV;
    }

    report = (tl_report){.argc = ntyped, .argv = typed, .compiler = TL_CC_VERSION};
    snprintf(report.host_tsan, sizeof report.host_tsan, "%s", have_tsan ? rn.host_tsan : "");
    snprintf(report.host_plain, sizeof report.host_plain, "%s", have_plain ? rn.host_plain : "");
    if (!make_report_dir(out, report.dir, sizeof report.dir, report.started,
                         sizeof report.started))
        return TL_EXIT_ENV;
    report.runs = tl_plan_expand(&plan, report.dir, &report.n);
    if (!report.runs) {
        fprintf(stderr, "threadlab: cannot prepare the runs in %s: %s\n", report.dir,
                strerror(errno));
        return TL_EXIT_ENV;
    }
    pr.total = report.n;

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    size_t finished = tl_runner_run(&rn, report.runs, report.n);
    tl_report_write(&report);

    size_t met = 0;
    for (size_t i = 0; i < report.n; i++)
        met += report.runs[i].state == TL_RUN_FINISHED && report.runs[i].met;
    print_table(report.runs, report.n);
    printf("\n%zu runs: %zu met, %zu not met%s.\nReport: %s/summary.md (data: report.json)\n",
           finished, met, finished - met, interrupted ? " (interrupted)" : "", report.dir);
    for (size_t i = 0; i < report.n; i++) {
        free(report.runs[i].monitor);
        free(report.runs[i].last_snapshot);
    }
    free(report.runs);
    if (interrupted) {
        fprintf(stderr, "threadlab: interrupted; the report keeps the %zu runs that finished\n",
                finished);
        return 130;
    }
    if (pr.env_error) {
        fprintf(stderr, "threadlab: ThreadSanitizer could not start (see the runs' stderr.log)\n");
        return TL_EXIT_ENV;
    }
    return met == finished ? TL_EXIT_MET : TL_EXIT_NOT_MET;
}
