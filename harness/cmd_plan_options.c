/* SPDX-License-Identifier: MIT */
/* The options of the plan commands (run, matrix): parsed into the plan and
 * a few settings of the command itself, each bad value refused in one line
 * that names it and what is allowed, each option the command does not take
 * refused with why (cmd_plan.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cli.h"
#include "cmd_plan.h"
#include "detector.h"

void tl_cmd_detector_help(FILE *to)
{
    for (size_t i = 0; i < tl_detector_count(); i++)
        fprintf(to, "                           %-8s %s\n", tl_detector_at(i)->name,
                tl_detector_at(i)->about);
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

/* The longest --out accepted: below it go "/YYYYmmdd-HHMMSS-N/", a run's
 * folder (its relative name is at most 127 characters: tl_run.dir_rel) and
 * "/results.jsonl", and all of it must stay shorter than PATH_MAX. */
#define TL_OUT_MAX (PATH_MAX - 1 - 20 - 127 - 15)

/* --detector NAME[,NAME...] or all. "all" means every detector whose host
 * is built here; it is resolved in tl_cmd_plan_hosts. */
bool tl_cmd_plan_detectors(const char *text, tl_plan *plan, tl_plan_options *o)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", text);
    plan->ndetectors = 0;
    o->all_detectors = strcmp(text, "all") == 0;
    if (o->all_detectors) {
        for (size_t i = 0; i < tl_detector_count() && i < TL_PLAN_MAX_DETECTORS; i++)
            plan->detectors[plan->ndetectors++] = tl_detector_at(i);
        return true;
    }
    char *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        tl_detector d = tl_detector_find(name);
        if (!d) {
            tl_cli_usage_error("--detector: unknown detector '%s'; allowed: %s, or all", name,
                               tl_detector_names());
            return false;
        }
        bool twice = false;
        for (size_t i = 0; i < plan->ndetectors; i++)
            twice |= plan->detectors[i] == d;
        if (!twice && plan->ndetectors < TL_PLAN_MAX_DETECTORS)
            plan->detectors[plan->ndetectors++] = d;
    }
    if (plan->ndetectors == 0) {
        tl_cli_usage_error("--detector: none given; allowed: %s, or all", tl_detector_names());
        return false;
    }
    return true;
}

/* The host of every chosen detector, and whether the detector can run here
 * at all (Valgrind installed and able to run the host). A detector named on
 * the command line that lacks either is an environment error; with "all",
 * it is left out and said so. */
bool tl_cmd_plan_hosts(tl_plan *plan, tl_runner *rn, const tl_plan_options *o)
{
    size_t kept = 0;
    for (size_t i = 0; i < plan->ndetectors; i++) {
        tl_detector d = plan->detectors[i];
        char *host = rn->host[tl_detector_index(d)];
        char why[512];
        if (!tl_runner_find_host(d, host, sizeof rn->host[0])) {
            fprintf(stderr, "threadlab: --detector %s: no host: %s; %s%s\n", d->name, host,
                    d->missing_hint, o->all_detectors ? " (left out)" : "");
        } else if (d->available && !d->available(host, why, sizeof why)) {
            fprintf(stderr, "threadlab: --detector %s: cannot run here: %s%s\n", d->name, why,
                    o->all_detectors ? " (left out)" : "");
        } else {
            plan->detectors[kept++] = d;
            continue;
        }
        if (!o->all_detectors)
            return false;
        host[0] = '\0';
    }
    plan->ndetectors = kept;
    return kept > 0;
}

enum { MAX_SHARDS = 1000 };

/* A run of 1 to 4 digits at *p, advanced past it; false if none or more. */
static bool small_number(const char **p, unsigned *out)
{
    unsigned v = 0, digits = 0;
    for (; **p >= '0' && **p <= '9'; (*p)++)
        if (++digits > 4)
            return false;
        else
            v = 10 * v + (unsigned)(**p - '0');
    *out = v;
    return digits > 0;
}

/* "I/N", 1 <= I <= N <= MAX_SHARDS, nothing else (no sign, no spaces). */
static bool parse_shard(const char *text, tl_plan *plan)
{
    unsigned i, n;
    const char *p = text;
    if (!small_number(&p, &i) || *p++ != '/' || !small_number(&p, &n) || *p != '\0' || i < 1 ||
        i > n || n > MAX_SHARDS)
        return false;
    plan->shard = i;
    plan->nshards = n;
    return true;
}

/* A file a report writer will replace atomically: its folder must take a
 * new file (tried now, so a typo stops the plan before its first run). */
static bool writable(const char *path)
{
    tl_atomic_file af;
    if (path[0] == '\0') {
        errno = ENOENT;
        return false;
    }
    if (!tl_atomic_open(&af, path))
        return false;
    tl_atomic_abort(&af);
    return true;
}

/* An option the command does not take: NULL, or its refusal. */
static const tl_refused_option *refused(const tl_plan_command *cmd, int opt)
{
    for (size_t i = 0; i < cmd->nrefused; i++)
        if (cmd->refused[i].opt == opt)
            return &cmd->refused[i];
    return NULL;
}

int tl_cmd_plan_parse(const tl_plan_command *cmd, int argc, char **argv, tl_plan *plan,
                      tl_plan_options *o)
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
        {"junit", required_argument, NULL, 'J'},    {"shard", required_argument, NULL, 'S'},
        {"sarif", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    bool all = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":ac:V:l:d:t:i:m:r:T:j:o:qvh", opts, NULL)) != -1) {
        const tl_refused_option *no = refused(cmd, c);
        if (no)
            return tl_cli_usage_error("%s does not apply to %s: %s", no->name, cmd->name,
                                      no->why);
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
            plan->lock_given = true;
            break;
        case 'd':
            if (!tl_cmd_plan_detectors(optarg, plan, o))
                return TL_EXIT_USAGE;
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
            plan->timeout_given = true;
            break;
        case 'j':
            if (!tl_cli_parse_ulong("--jobs", optarg, 1, 64, &o->jobs))
                return TL_EXIT_USAGE;
            break;
        case 'o':
            if (optarg[0] == '\0')
                return tl_cli_usage_error("--out: empty; give a directory");
            if (strlen(optarg) > TL_OUT_MAX)
                return tl_cli_usage_error("--out: '%.40s...' is %zu characters long; at most %d "
                                          "are allowed (run directories go below it)",
                                          optarg, strlen(optarg), TL_OUT_MAX);
            o->out = optarg;
            break;
        case 'N': plan->monitor = false; break;
        case 'S':
            if (!parse_shard(optarg, plan))
                return tl_cli_usage_error("--shard: '%s' is not I/N with 1 <= I <= N <= %d "
                                          "(this job's share of the runs, e.g. 2/4)",
                                          optarg, MAX_SHARDS);
            break;
        case 'J':
            if (!writable(optarg))
                return tl_cli_usage_error("--junit: cannot write '%s': %s", optarg,
                                          strerror(errno));
            o->junit = optarg;
            break;
        case 'F':
            if (!writable(optarg))
                return tl_cli_usage_error("--sarif: cannot write '%s': %s", optarg,
                                          strerror(errno));
            o->sarif = optarg;
            break;
        case 'q': o->quiet = true; break;
        case 'v': o->verbose = true; break;
        case 'h': cmd->usage(stdout); return -1;
        case ':': return tl_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return tl_cli_usage_error("unknown option '%s' (see threadlab %s --help)",
                                      argv[optind - 1], cmd->name);
        }
    }
    if (plan->variant[0] == '\0')
        return tl_cli_usage_error("--variant: empty; allowed: buggy, fixed, both or a variant name");
    for (int i = optind; i < argc; i++)
        if (!tl_plan_add_name(plan, argv[i]))
            return TL_EXIT_USAGE;
    if (all || (plan->nscenarios == 0 && cmd->every_scenario))
        tl_plan_add_all(plan);
    if (plan->nscenarios == 0)
        return tl_cli_usage_error("no scenario given: name one or more, or use --all or "
                                  "--category (see threadlab list)");
    /* The user's own detector options (from the environment) may not undo
     * the ones the reader depends on: found now, before the first run. */
    for (size_t i = 0; i < plan->ndetectors; i++) {
        char why[512];
        tl_detector d = plan->detectors[i];
        if (d->check_user_options && !d->check_user_options(why, sizeof why))
            return tl_cli_usage_error("--detector %s: %s", d->name, why);
    }
    return tl_plan_check(plan) ? 0 : TL_EXIT_USAGE;
}
