/* SPDX-License-Identifier: MIT */
/* threadlab run: runs scenarios by name, shows one progress line per run,
 * a final table, and where the report is. The same driver runs `threadlab
 * matrix` (cmd_matrix.c), with the defaults and refusals its descriptor
 * gives (cmd_plan.h). */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "ci_github.h"
#include "run_table.h"
#include "cli.h"
#include "cmd_plan.h"
#include "config.h"
#include "detector.h"
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
    const tl_plan *plan;
    tl_plan_cursor cursor;
    size_t total, done;
    bool quiet, verbose;
    bool stop;                 /* an environment failure: start no more runs */
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
          "  -l, --lock KIND          lock kind for the scenarios that take one (default\n"
          "                           mutex; threadlab list shows which do):\n",
          to);
    for (size_t i = 0; i < tl_lock_kind_count(); i++)
        fprintf(to, "                           %-*s %s\n", TL_LOCK_KIND_NAME_MAX,
                tl_lock_kind_at(i)->name, tl_lock_kind_at(i)->summary);
    fputs("  -d, --detector D[,D...]  the detectors, each variant under each side by side,\n"
          "                           or all (every one that can run here); default: the first;\n"
          "                           with two or more, matrix.md and matrix.json too\n"
          "                           (see threadlab matrix --help):\n",
          to);
    tl_cmd_detector_help(to);
    fputs("  -t, --threads N          threads (default: the scenario's)\n"
          "  -i, --iterations N       iterations (default: the scenario's)\n"
          "  -m, --mode M             deadlocks: potential (default) or actual\n"
          "  -r, --repeat N           run each variant N times (1-1000, default 1)\n"
          "  -T, --timeout SECONDS    deadline per run (0.1-3600; default: the scenario's\n"
          "                           own, else 10)\n"
          "  -j, --jobs N             runs at once (1-64, default: the number of cores)\n"
          "      --no-monitor         no live monitor: a stuck run ends at its deadline\n"
          "  -o, --out DIR            where report directories go (default ./threadlab-reports)\n"
          "      --junit FILE         also write the runs as JUnit XML to FILE (one testcase\n"
          "                           per run; a run not met is a failure)\n"
          "      --sarif FILE         also write the detectors' findings as SARIF 2.1.0 to\n"
          "                           FILE (GitHub code scanning: each on its source line)\n"
          "      --shard I/N          run only this job's share: the runs whose number in\n"
          "                           the whole plan is I modulo N (N jobs, I = 1..N, run\n"
          "                           the whole plan exactly once between them)\n"
          "  -q, --quiet              no progress lines\n"
          "  -v, --verbose            oracle results and findings of every run\n"
          "  -h, --help               show this help\n"
          "\n"
          "Exit status: 0 every expectation met, 1 some not met, 2 usage error,\n"
          "3 environment error (a detector's host is not built, a detector cannot run, a\n"
          "host cannot start, a log or the report cannot be written: the plan stops, the\n"
          "runs recorded so far are kept), 130 interrupted (the report keeps every run\n"
          "that finished).\n",
          to);
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

static bool next_run(tl_run *r, void *user)
{
    progress_t *p = user;
    return tl_plan_next(p->plan, &p->cursor, p->report->dir, r);
}

static void on_finish(tl_run *r, void *user)
{
    progress_t *p = user;
    char label[160];
    p->done++;
    /* Recording comes first: a run that cannot be recorded stops the plan,
     * and what is already recorded stays as it is. */
    if (!tl_report_record(p->report, r)) {
        fprintf(stderr, "threadlab: cannot record run %u in %s/runs.jsonl: %s; stopping "
                        "(the runs recorded before it are kept)\n",
                r->index, p->report->dir, strerror(errno));
        p->stop = true;
    } else if (!tl_report_write_due(p->report)) {
        p->stop = true;
    }
    if (r->env_error[0] && !p->stop) {
        fprintf(stderr, "threadlab: environment error in run %u (%s %s): %s; stopping\n",
                r->index, r->scenario->name, r->variant->name, r->env_error);
        p->stop = true;
    }
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
        const tl_finding *f = &r->findings[i];
        fprintf(stderr, "    %s: %s", r->detector->name, f->kind_text);
        if (f->frame.found)
            fprintf(stderr, " at %s:%d in %s", f->frame.file, f->frame.line, f->frame.function);
        fputc('\n', stderr);
        tl_finding_print_accesses(stderr, f, 6);
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

/* Under the table, one line per chosen scenario that --lock did not reach,
 * so that its "-" in the lock column is explained where it is read (each of
 * its runs carries the same note in report.json). */
static void print_lock_notes(const tl_plan *p)
{
    if (!p->lock_given)
        return;
    for (size_t i = 0; i < p->nscenarios; i++)
        if (!p->scenarios[i]->takes_lock)
            printf("note: %s: --lock %s does not apply: %s (lock \"-\")\n",
                   p->scenarios[i]->name, p->lock, p->scenarios[i]->own_locking);
}

int tl_cmd_plan(const tl_plan_command *cmd, int argc, char **argv)
{
    /* The handler comes before any side effect: Ctrl-C at any moment,
     * planning included, ends with a valid report and exit 130. */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    static tl_plan plan; /* large: keep it off the stack */
    plan = (tl_plan){.variant = "both", .lock = "mutex", .detectors = {tl_detector_at(0)},
                     .ndetectors = 1,
                     .mode = TL_MODE_POTENTIAL, .repeat = 1, .timeout_s = 10,
                     .monitor = true};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    tl_plan_options opt = {.out = "threadlab-reports",
                           .jobs = cores > 0 ? (unsigned long)cores : 1};
    static tl_report report;
    progress_t pr = {.report = &report, .plan = &plan};
    /* The command as typed, for the record: getopt_long permutes argv. */
    static char *typed[256];
    int ntyped = 0;
    typed[ntyped++] = "threadlab";
    for (int i = 0; i < argc && ntyped < 255; i++)
        typed[ntyped++] = argv[i];
    if (cmd->every_detector)
        tl_cmd_plan_detectors("all", &plan, &opt);
    int rc = tl_cmd_plan_parse(cmd, argc, argv, &plan, &opt);
    if (rc)
        return rc < 0 ? 0 : rc;
    pr.quiet = opt.quiet;
    pr.verbose = opt.verbose;
    if (!tl_plan_check_expectations(&plan))
        return TL_EXIT_ENV;

    tl_runner rn = {.jobs = (unsigned)opt.jobs, .next = next_run, .on_finish = on_finish,
                    .user = &pr, .interrupted = &interrupted, .stop = &pr.stop};
    if (!tl_cmd_plan_hosts(&plan, &rn, &opt))
        return TL_EXIT_ENV;

    report = (tl_report){.argc = ntyped, .argv = typed, .compiler = TL_CC_VERSION,
                         .records_fd = -1, .planned = tl_plan_count(&plan)};
    _Static_assert((int)TL_PLAN_MAX_DETECTORS <= (int)TL_REPORT_MAX_DETECTORS,
                   "a report names every detector of a plan");
    report.ndetectors = plan.ndetectors;
    /* Side by side under two or more detectors, a run is a matrix too. */
    report.matrix = cmd->always_matrix || plan.ndetectors >= 2;
    report.junit_path = opt.junit;
    report.sarif_path = opt.sarif;
    report.shard = plan.shard;
    report.nshards = plan.nshards;
    for (size_t i = 0; i < plan.ndetectors; i++) {
        report.detectors[i] = plan.detectors[i]->name;
        report.hosts[i] = rn.host[tl_detector_index(plan.detectors[i])];
        report.tools[i] = plan.detectors[i]->tool;
        report.tool_uris[i] = plan.detectors[i]->tool_uri;
        if (plan.detectors[i]->tool_version)
            plan.detectors[i]->tool_version(report.tool_versions[i],
                                            sizeof report.tool_versions[i]);
        report.user_options[i] =
            plan.detectors[i]->user_options ? plan.detectors[i]->user_options() : NULL;
    }
    if (!make_report_dir(opt.out, report.dir, sizeof report.dir, report.started,
                         sizeof report.started))
        return TL_EXIT_ENV;
    if (!tl_report_open(&report)) {
        fprintf(stderr, "threadlab: cannot create %s/runs.jsonl: %s\n", report.dir,
                strerror(errno));
        return TL_EXIT_ENV;
    }
    /* A report exists from the start, so even a plan stopped before its
     * first run leaves one; and a folder we cannot write to is found now. */
    if (!tl_report_write(&report)) {
        tl_report_close(&report);
        return TL_EXIT_ENV;
    }
    pr.total = report.planned;

    size_t finished = interrupted ? 0 : tl_runner_run(&rn);
    bool written = tl_report_write(&report);
    tl_report_close(&report);

    tl_run_table_opts topt = tl_run_table_opts_for(stdout, cmd->table_of_every_run);
    tl_run_table_print(stdout, &report, &topt);
    print_lock_notes(&plan);
    if (report.matrix) {
        if (cmd->table_of_every_run)
            putchar('\n');
        written &= tl_cmd_print_matrix(&report);
    }
    printf("\n%zu runs: %zu met, %zu not met", report.recorded - report.interrupted, report.met,
           report.not_met);
    if (report.not_demonstrable)
        printf(", %zu not demonstrable by the detector", report.not_demonstrable);
    if (report.errors)
        printf(", %zu environment error%s", report.errors, report.errors == 1 ? "" : "s");
    if (finished > report.recorded - report.interrupted)
        printf(", %zu not recorded", finished - (report.recorded - report.interrupted));
    printf("%s.\n", interrupted ? " (interrupted)" : "");
    tl_run_recap_print(stdout, &report, 20);
    if (tl_ci_github())
        written &= tl_ci_github_report(stdout, &report);
    if (report.matrix)
        printf("Matrix: %s/matrix.md (data: matrix.json)\n", report.dir);
    printf("Report: %s/summary.md (data: report.json)\n", report.dir);
    if (interrupted) {
        fprintf(stderr, "threadlab: interrupted; the report keeps the %zu runs that finished\n",
                finished);
        return 130;
    }
    if (pr.stop || !written || report.errors) {
        fprintf(stderr, "threadlab: stopped by an environment error (see above); %zu of %zu "
                        "planned runs recorded in %s\n",
                report.recorded, report.planned, report.dir);
        return TL_EXIT_ENV;
    }
    /* Runs this detector cannot demonstrate are neither met nor not met:
     * they are counted and shown, and do not make the exit status. */
    return report.not_met == 0 && report.recorded == report.planned ? TL_EXIT_MET
                                                                   : TL_EXIT_NOT_MET;
}

int tl_cmd_run(int argc, char **argv)
{
    static const tl_plan_command run = {
        .name = "run", .usage = usage, .table_of_every_run = true,
    };
    return tl_cmd_plan(&run, argc, argv);
}
