/* SPDX-License-Identifier: MIT */
/* threadlab matrix: every variant, buggy and fixed, under every detector,
 * and the detector matrix beside the report (reports/matrix.h). It is
 * `threadlab run` with other defaults - every scenario, every detector
 * built here - two options refused and the matrix files always written:
 * the same driver (cmd_run.c), runner and records. */
#include <stdio.h>

#include "cli.h"
#include "cmd_plan.h"
#include "matrix.h"

static void usage(FILE *to)
{
    fputs("Usage: threadlab matrix [NAME... | --all | --category C] [OPTION]...\n"
          "Runs every variant of the chosen scenarios (default: every scenario), buggy and\n"
          "fixed, under every chosen detector, and writes the detector matrix beside the\n"
          "report: matrix.md and matrix.json, one row per variant, one column per detector,\n"
          "then the oracle and the monitor; each cell the evidence that source showed and\n"
          "whether the runs met their expectation. Per source, counted as DataRaceBench\n"
          "does: a buggy variant's run with a report is a TP, without one an FN; a fixed\n"
          "variant's run with a report an FP, without one a TN; precision TP/(TP+FP),\n"
          "recall TP/(TP+FN), n/a when the denominator is 0.\n"
          "\n"
          "  -a, --all                every scenario (the default when none is named)\n"
          "  -c, --category C         every scenario of category C\n"
          "  -d, --detector D[,D...]  the detectors, or all (default: every one that can run here):\n",
          to);
    tl_cmd_detector_help(to);
    fputs("  -l, --lock KIND          lock kind for the scenarios that take one (default mutex)\n"
          "  -m, --mode M             deadlocks: potential (default) or actual\n"
          "  -t, --threads N          threads (default: the scenario's)\n"
          "  -i, --iterations N       iterations (default: the scenario's)\n"
          "  -r, --repeat N           run each variant N times (1-1000, default 1); every\n"
          "                           run counts, and a cell says how many went as expected\n"
          "  -T, --timeout SECONDS    deadline per run (0.1-3600; default: the scenario's\n"
          "                           own, else 10)\n"
          "  -j, --jobs N             runs at once (1-64, default: the number of cores)\n"
          "  -o, --out DIR            where report directories go (default ./threadlab-reports)\n"
          "      --junit FILE         also write the runs as JUnit XML to FILE\n"
          "      --sarif FILE         also write the findings as SARIF 2.1.0 to FILE\n"
          "      --file F             also the scenarios of the scenario file F (see\n"
          "                           threadlab run --help)\n"
          "      --shard I/N          only the runs whose number is I modulo N\n"
          "  -q, --quiet              no progress lines\n"
          "  -v, --verbose            oracle results and findings of every run\n"
          "  -h, --help               show this help\n"
          "\n"
          "Refused here (threadlab run takes them): --variant, since recall counts the buggy\n"
          "variants and precision the fixed ones; --no-monitor, since the monitor is a column.\n"
          "threadlab run with two or more detectors writes the matrix files too.\n"
          "\n"
          "Prints the runs not met, the per-source counts (TP FP FN TN precision recall\n"
          "time) and where matrix.md, matrix.json and the report are.\n"
          "Exit status: 0 every run met or was not demonstrable, 1 some not met, 2 usage\n"
          "error, 3 environment error (the plan stops, the runs recorded so far are kept),\n"
          "130 interrupted (the report and the matrix keep every run that finished).\n",
          to);
}

static const tl_refused_option refused[] = {
    {'V', "--variant",
     "it runs every variant, buggy and fixed (recall counts the buggy ones, precision the "
     "fixed ones); threadlab run --variant runs some"},
    {'N', "--no-monitor", "the monitor is one of the matrix's columns; threadlab run takes it"},
};

int tl_cmd_matrix(int argc, char **argv)
{
    static const tl_plan_command matrix = {
        .name = "matrix",
        .usage = usage,
        .every_scenario = true,
        .every_detector = true,
        .always_matrix = true,
        .refused = refused,
        .nrefused = sizeof refused / sizeof refused[0],
    };
    return tl_cmd_plan(&matrix, argc, argv);
}

static void ratio(bool (*fn)(const tl_matrix_column *, double *), const tl_matrix_column *c)
{
    double v;
    if (fn(c, &v))
        printf(" %9.2f", v);
    else
        printf(" %9s", "n/a");
}

bool tl_cmd_print_matrix(const tl_report *rep)
{
    tl_matrix m;
    if (!tl_matrix_build(rep, &m)) {
        tl_matrix_free(&m);
        fprintf(stderr, "threadlab: cannot read %s/runs.jsonl for the matrix\n", rep->dir);
        return false;
    }
    /* FN by design: the variant expects nothing of the source; n/d: of
     * those, the runs no source could demonstrate. */
    printf("%-12s %5s %5s %5s %5s %6s %4s %5s %9s %9s %10s\n", "source", "runs", "TP", "FP",
           "FN", "design", "n/d", "TN", "precision", "recall", "time");
    for (size_t i = 0; i < m.ncolumns; i++) {
        const tl_matrix_column *c = &m.columns[i];
        printf("%-12s %5zu %5zu %5zu %5zu %6zu %4zu %5zu", c->name, c->runs, c->tp, c->fp, c->fn,
               c->fn_by_design, c->fn_not_demonstrable, c->tn);
        ratio(tl_matrix_precision, c);
        ratio(tl_matrix_recall, c);
        if (c->kind == TL_SOURCE_DETECTOR)
            printf(" %8.2f s\n", c->wall_s);
        else
            printf(" %10s\n", "-");
    }
    tl_matrix_totals t;
    tl_matrix_totals_of(&m, &t);
    printf("(FN by design: the variant expects nothing of that source; n/d: of those, not "
           "demonstrable.)\n%zu of %zu matrix cells as expected (%zu not demonstrable by "
           "design).\n",
           t.as_expected, t.cells, t.not_demonstrable);
    tl_matrix_free(&m);
    return true;
}
