/* SPDX-License-Identifier: MIT */
/* No process outlives threadlab: a runner killed mid-run takes its hosts with
 * it, a host past its own deadline takes its process group with it, TSan's
 * log survives any --out, and a failing launch releases what it took.
 *
 * The tests assert what happens, not how fast: every wait has a generous
 * liveness bound (BOUND_S) that only a process left behind can exceed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "cli_run.h"
#include "detector.h"
#include "harness_suites.h"
#include "proc_watch.h"
#include "runner_slot.h"

extern char **environ;

#define BOUND_S 20.0

static void make_tmp(char *tmp, size_t size)
{
    tl_test_mkdtemp(tmp, size);
}

/* Starts argv with stdout and stderr into files in `dir`; with `pgroup` >= 0
 * the process joins that process group (0: a new group of its own). */
static pid_t start(char *const argv[], const char *dir, const char *tag, pid_t pgroup)
{
    char out[PATH_MAX], err[PATH_MAX];
    snprintf(out, sizeof out, "%s/%s.stdout", dir, tag);
    snprintf(err, sizeof err, "%s/%s.stderr", dir, tag);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    if (pgroup >= 0) {
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, pgroup);
    }
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, argv[0], &fa, &attr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return pid;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* --- the runner dies: its hosts die too ---------------------------------- */

/* Three runs stuck for ever (no monitor to end them, a 60 s deadline the
 * runner will not live to enforce), the runner SIGKILLed: with us as the
 * subreaper every orphan becomes our child, so each host must end and be
 * reaped by us within the bound, and nothing may be left. */
static void runner_killed_leaves_no_host(const char *detector)
{
    tl_test_become_subreaper();
    char tmp[64], bin[PATH_MAX];
    make_tmp(tmp, sizeof tmp);
    snprintf(bin, sizeof bin, "%s/threadlab", TL_TEST_BUILDDIR);
    char *argv[] = {bin, "run", "deadlock.abba", "deadlock.semaphore_order",
                    "hang.lost_wakeup", "--variant", "buggy", "--mode", "actual",
                    "--no-monitor", "--timeout", "60", "--jobs", "3", "--detector",
                    (char *)detector, "--quiet", "--out", tmp, NULL};
    pid_t runner = start(argv, tmp, "threadlab", -1);

    /* Its hosts: children of the runner that have exec'd the host. */
    pid_t hosts[3];
    size_t n = 0;
    for (int i = 0; i < (int)(BOUND_S * 50) && n < 3; i++) {
        n = tl_test_children(runner, "threadlab-host", hosts, 3);
        if (n < 3)
            pause_ms(20);
    }
    kill(runner, SIGKILL);
    int st;
    ck_assert_int_eq(waitpid(runner, &st, 0), runner);

    size_t alive = 0;
    pid_t survivor = 0;
    for (size_t i = 0; i < n; i++)
        if (!tl_test_reap_within(hosts[i], BOUND_S, &st)) {
            alive++;
            survivor = hosts[i];
        }
    /* Anything else the runner left (a host still between fork and exec). */
    size_t others = tl_test_reap_children(BOUND_S);
    ck_assert_msg(n == 3, "only %zu of 3 hosts started within %.0f s", n, BOUND_S);
    ck_assert_msg(alive == 0, "%zu host(s) (e.g. pid %d) still alive %.0f s after the runner "
                  "was killed", alive, (int)survivor, BOUND_S);
    ck_assert_msg(others == 0, "%zu other process(es) outlived the runner", others);
}

START_TEST(test_runner_killed_leaves_no_plain_host)
{
    runner_killed_leaves_no_host("none");
}
END_TEST

START_TEST(test_runner_killed_leaves_no_tsan_host)
{
    if (!tl_test_have_tsan()) {
        printf("skipped: runner killed with TSan hosts: no TSan host was built\n");
        return;
    }
    runner_killed_leaves_no_host("tsan");
}
END_TEST

/* --- the host's own last-resort deadline ---------------------------------- */

/* A host run by hand with a tiny --deadline, leading its own process group,
 * and a second stuck host in the same group (standing for anything a
 * scenario might start): both must die by SIGKILL, and the host must say why
 * on stderr. `scenario`/`variant` block in a futex or spin without a libc
 * call, the cases where a signal handler could wait for ever under TSan. */
static void host_deadline_kills_its_group(const char *host_name, const char *scenario,
                                          const char *variant)
{
    char tmp[64], host[PATH_MAX], err_path[PATH_MAX], err[4096];
    make_tmp(tmp, sizeof tmp);
    snprintf(host, sizeof host, "%s/%s", TL_TEST_BUILDDIR, host_name);
    char *selftests = (char *)tl_test_selftest_object(host_name);
    char *argv[] = {host, "--load", selftests, (char *)scenario, (char *)variant,
                    "--deadline", "2", NULL};
    pid_t leader = start(argv, tmp, "leader", 0);
    char *companion_argv[] = {host, "--load", selftests, "selftest.checker", "hang", NULL};
    pid_t companion = start(companion_argv, tmp, "companion", leader);

    int st_leader = 0, st_companion = 0;
    bool leader_gone = tl_test_reap_within(leader, BOUND_S, &st_leader);
    bool companion_gone = tl_test_reap_within(companion, BOUND_S, &st_companion);
    if (!leader_gone)
        kill(-leader, SIGKILL);
    if (!companion_gone)
        kill(companion, SIGKILL);
    tl_test_reap_children(BOUND_S);

    ck_assert_msg(leader_gone, "%s %s %s outlived its deadline by %.0f s", host_name, scenario,
                  variant, BOUND_S);
    ck_assert_msg(WIFSIGNALED(st_leader) && WTERMSIG(st_leader) == SIGKILL,
                  "%s %s %s: wait status %#x, not SIGKILL", host_name, scenario, variant,
                  st_leader);
    ck_assert_msg(companion_gone && WIFSIGNALED(st_companion) &&
                      WTERMSIG(st_companion) == SIGKILL,
                  "%s: the other process of the group was not SIGKILLed", host_name);
    snprintf(err_path, sizeof err_path, "%s/leader.stderr", tmp);
    tl_test_slurp(err_path, err, sizeof err);
    ck_assert_msg(strstr(err, "threadlab-host: still running at its last-resort deadline"),
                  "no note on stderr: '%s'", err);
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: '%s'", err);
}

START_TEST(test_plain_host_deadline_kills_its_group)
{
    host_deadline_kills_its_group("threadlab-host", "selftest.checker", "hang");
    host_deadline_kills_its_group("threadlab-host", "selftest.monitor", "livelock");
}
END_TEST

START_TEST(test_tsan_host_deadline_kills_its_group)
{
    if (!tl_test_have_tsan()) {
        printf("skipped: TSan host deadline: no TSan host was built\n");
        return;
    }
    host_deadline_kills_its_group("threadlab-host-tsan", "selftest.checker", "hang");
    host_deadline_kills_its_group("threadlab-host-tsan", "selftest.monitor", "livelock");
}
END_TEST

/* A host that finishes before its deadline is not touched by it. */
START_TEST(test_host_deadline_spares_a_finished_run)
{
    char tmp[64], host[PATH_MAX];
    make_tmp(tmp, sizeof tmp);
    snprintf(host, sizeof host, "%s/threadlab-host", TL_TEST_BUILDDIR);
    char *argv[] = {host, "--load", (char *)tl_test_selftest_object("threadlab-host"),
                    "selftest.checker", "clean", "--deadline", "60", NULL};
    pid_t pid = start(argv, tmp, "host", 0);
    int st = 0;
    bool gone = tl_test_reap_within(pid, BOUND_S, &st);
    if (!gone)
        kill(-pid, SIGKILL);
    tl_test_reap_children(BOUND_S);
    ck_assert(gone);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "wait status %#x", st);
}
END_TEST

/* --- TSan's log with any --out -------------------------------------------- */

/* Runs race.counter buggy under TSan with --out `out` and checks it is met
 * with the data race found in TSan's log (read from the report directory,
 * the only entry threadlab made in `out`). */
static void race_met_with_out(const char *out, const char *tmp)
{
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/threadlab", TL_TEST_BUILDDIR);
    char *argv[] = {bin, "run", "race.counter", "--variant", "buggy", "--quiet", "--out",
                    (char *)out, NULL};
    int st;
    pid_t pid = start(argv, tmp, "threadlab", -1);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    char err_path[PATH_MAX], err[4096];
    snprintf(err_path, sizeof err_path, "%s/threadlab.stderr", tmp);
    tl_test_slurp(err_path, err, sizeof err);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "--out of %zu characters: status %#x\n%s",
                  strlen(out), st, err);

    DIR *d = opendir(out);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    char *report = malloc(PATH_MAX + 64);
    report[0] = '\0';
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            snprintf(report, PATH_MAX + 64, "%s/%s/report.json", out, e->d_name);
    closedir(d);
    json_error_t jerr;
    json_t *doc = json_load_file(report, 0, &jerr);
    ck_assert_msg(doc, "report.json does not parse: %s", jerr.text);
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(run, "verdict")), "met");
    json_t *observed = json_object_get(run, "observed"), *ev;
    size_t i;
    bool race = false;
    json_array_foreach(observed, i, ev)
        race |= strcmp(json_string_value(ev), "tsan:data-race") == 0;
    ck_assert_msg(race, "no tsan:data-race observed with --out '%.60s...'", out);
    ck_assert(json_is_string(json_object_get(json_object_get(run, "logs"), "detector")));
    json_decref(doc);
    free(report);
}

START_TEST(test_tsan_log_with_a_quote_in_out)
{
    if (!tl_test_have_tsan()) {
        printf("skipped: --out with a quote: no TSan host was built\n");
        return;
    }
    char tmp[64], out[PATH_MAX];
    make_tmp(tmp, sizeof tmp);
    snprintf(out, sizeof out, "%s/a \"quoted\" dir=x", tmp);
    race_met_with_out(out, tmp);
}
END_TEST

/* Long enough that "RUNDIR/tsan" passes TSan's own limit on a log path
 * (4096 - 100), short enough that every file of the run stays under
 * PATH_MAX: the run directory adds "/YYYYMMDD-HHMMSS-N/runs/001-race.counter-
 * buggy" and its longest file name "/results.jsonl". */
START_TEST(test_tsan_log_with_a_very_long_out)
{
    if (!tl_test_have_tsan()) {
        printf("skipped: very long --out: no TSan host was built\n");
        return;
    }
    char tmp[64];
    make_tmp(tmp, sizeof tmp);
    char *out = malloc(PATH_MAX);
    size_t len = (size_t)snprintf(out, PATH_MAX, "%s", tmp);
    /* Nested directories of at most 200 characters each (NAME_MAX is 255). */
    while (len < 3920) {
        size_t part = 3920 - len - 1 < 200 ? 3920 - len - 1 : 200;
        out[len++] = '/';
        memset(out + len, 'd', part);
        len += part;
        out[len] = '\0';
        if (len < 3920)
            ck_assert_msg(mkdir(out, 0755) == 0, "mkdir: %s", strerror(errno));
    }
    ck_assert_uint_eq(strlen(out), 3920);
    race_met_with_out(out, tmp);
    free(out);
}
END_TEST

/* --- failing launches release what they took ------------------------------ */

static void plan_one(tl_run *r, const char *dir)
{
    memset(r, 0, sizeof *r);
    r->index = 1;
    r->scenario = tl_catalog_find("selftest.checker");
    ck_assert_ptr_nonnull(r->scenario);
    r->variant = tl_catalog_variant(r->scenario, "clean");
    snprintf(r->lock, sizeof r->lock, "mutex");
    r->detector = tl_detector_find("none");
    r->threads = 1;
    r->iterations = 10;
    r->mode = TL_MODE_POTENTIAL;
    r->timeout_s = 10;
    r->monitor_on = true; /* so the memfd and its mapping are taken too */
    snprintf(r->dir, sizeof r->dir, "%s", dir);
}

static void runner_for_tests(tl_runner *rn)
{
    memset(rn, 0, sizeof *rn);
    (void)tl_test_selftest_object("threadlab-host"); /* the runner passes it on */
    snprintf(rn->host[tl_detector_index(tl_detector_find("none"))], sizeof rn->host[0],
             "%s/threadlab-host", TL_TEST_BUILDDIR);
    rn->jobs = 1;
}

/* Mappings of the monitor's shared memory in this process. */
static int monitor_mappings(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, "threadlab-monitor") != NULL;
    fclose(f);
    return n;
}

/* Launches that fail, many times over, at the first step (the run directory
 * cannot be made) and at a late one (stdout.log cannot be created, after
 * the monitor's memfd and mapping, the pipes and the directory were taken):
 * the descriptor count and the mappings are as before, and `why` says what
 * failed in words. */
START_TEST(test_failed_launch_releases_everything)
{
    char tmp[64], dir[PATH_MAX], why[PATH_MAX + 128], want[PATH_MAX + 128];
    make_tmp(tmp, sizeof tmp);
    tl_runner rn;
    runner_for_tests(&rn);
    static tl_run r;
    slot_t s;
    int fds = tl_test_count_fds(), maps = monitor_mappings();

    snprintf(dir, sizeof dir, "%s/gone/runs/001-selftest.checker-clean", tmp);
    for (int i = 0; i < 200; i++) {
        plan_one(&r, dir);
        why[0] = '\0';
        ck_assert(!tl__runner_launch(&rn, &s, &r, why, sizeof why));
    }
    snprintf(want, sizeof want, "cannot create the run directory '%s': %s", dir,
             strerror(ENOENT));
    ck_assert_str_eq(why, want);
    ck_assert_int_eq(tl_test_count_fds(), fds);
    ck_assert_int_eq(monitor_mappings(), maps);

    snprintf(dir, sizeof dir, "%s/late", tmp);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    char blocker[PATH_MAX + 16];
    snprintf(blocker, sizeof blocker, "%s/stdout.log", dir);
    ck_assert_int_eq(mkdir(blocker, 0755), 0); /* a directory where a log must go */
    for (int i = 0; i < 200; i++) {
        plan_one(&r, dir);
        ck_assert(!tl__runner_launch(&rn, &s, &r, why, sizeof why));
    }
    snprintf(want, sizeof want, "cannot create stdout.log in '%s': %s", dir, strerror(EISDIR));
    ck_assert_str_eq(why, want);
    ck_assert_int_eq(tl_test_count_fds(), fds);
    ck_assert_int_eq(monitor_mappings(), maps);
}
END_TEST

/* The run directory is made at launch, with runs/ above it when missing; the
 * host runs in it; once the slot is released nothing is left open. */
START_TEST(test_launch_makes_the_run_directory)
{
    char tmp[64], dir[PATH_MAX], why[PATH_MAX + 128], path[PATH_MAX + 32];
    make_tmp(tmp, sizeof tmp);
    tl_runner rn;
    runner_for_tests(&rn);
    static tl_run r;
    slot_t s;
    int fds = tl_test_count_fds();
    snprintf(dir, sizeof dir, "%s/runs/001-selftest.checker-clean", tmp);
    plan_one(&r, dir);
    ck_assert_msg(tl__runner_launch(&rn, &s, &r, why, sizeof why), "%s", why);
    int st;
    ck_assert_int_eq(waitpid(r.pid, &st, 0), r.pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "wait status %#x", st);
    struct stat sb;
    snprintf(path, sizeof path, "%s/stdout.log", dir);
    ck_assert_int_eq(stat(path, &sb), 0);
    int own[] = {s.fd_out, s.fd_err, s.fd_res, s.file_out, s.file_err, s.pidfd};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (own[i] >= 0)
            close(own[i]);
    tl__monitor_teardown(&s);
    ck_assert_int_eq(tl_test_count_fds(), fds);
}
END_TEST

Suite *tl_suite_orphans(void)
{
    Suite *s = suite_create("orphans");
    TCase *tc = tcase_create("runner killed");
    tcase_add_test(tc, test_runner_killed_leaves_no_plain_host);
    tcase_add_test(tc, test_runner_killed_leaves_no_tsan_host);
    tcase_set_timeout(tc, 120); /* bounds of BOUND_S each, never reached when all is well */
    suite_add_tcase(s, tc);
    tc = tcase_create("host deadline");
    tcase_add_test(tc, test_plain_host_deadline_kills_its_group);
    tcase_add_test(tc, test_tsan_host_deadline_kills_its_group);
    tcase_add_test(tc, test_host_deadline_spares_a_finished_run);
    tcase_set_timeout(tc, 120); /* bounds of BOUND_S each, never reached when all is well */
    suite_add_tcase(s, tc);
    tc = tcase_create("tsan log path");
    tcase_add_test(tc, test_tsan_log_with_a_quote_in_out);
    tcase_add_test(tc, test_tsan_log_with_a_very_long_out);
    tcase_set_timeout(tc, 120); /* bounds of BOUND_S each, never reached when all is well */
    suite_add_tcase(s, tc);
    tc = tcase_create("launch");
    tcase_add_test(tc, test_failed_launch_releases_everything);
    tcase_add_test(tc, test_launch_makes_the_run_directory);
    tcase_set_timeout(tc, 120); /* bounds of BOUND_S each, never reached when all is well */
    suite_add_tcase(s, tc);
    return s;
}
