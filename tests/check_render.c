/* SPDX-License-Identifier: MIT */
/* The picture of a verdict: the wait-for graph drawn by Graphviz's dot
 * beside the runner's poll loop. A deadlock's report names the SVG; a dot
 * that fails, is missing or hangs leaves waitfor.dot and a note and never
 * changes the run's verdict; other runs go on while it draws; and neither
 * the bound nor Ctrl-C leaves a dot (or anything it started) running.
 *
 * Fake dots are shell scripts put first on PATH, which is where the runner
 * looks for dot. Every run uses --detector none, so no TSan host is needed.
 * The tests assert what happens, never how fast: every wait has a generous
 * bound that only a process left behind can reach. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "mermaid.h"
#include "harness_suites.h"
#include "proc_watch.h"

#define BOUND_S 30.0

static void pause_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Writes an executable shell script named dot into dir. */
static void fake_dot(const char *dir, const char *body)
{
    char path[128];
    snprintf(path, sizeof path, "%s/dot", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\n%s", body);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

/* A fresh folder holding a fake dot with `body` (NULL: no dot at all). */
static void fake_dot_dir(char *dir, size_t size, const char *body)
{
    tl_test_mkdtemp(dir, size);
    if (body)
        fake_dot(dir, body);
}

/* Starts threadlab with PATH set to `path` (NULL: ours), restoring ours
 * after: Check may run the tests without forking. */
static int start_with_path(cli_result *res, const char *path, const char *const *args)
{
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    if (path)
        setenv("PATH", path, 1);
    int pid = run_cli_start(res, true, args);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    return pid;
}

/* dir first, then our PATH. */
static void path_with(const char *dir, char *out, size_t size)
{
    const char *ours = getenv("PATH");
    snprintf(out, size, "%s:%s", dir, ours ? ours : "/usr/bin:/bin");
}

/* The run of the report whose variant is `variant`. */
static json_t *run_of(json_t *doc, const char *variant)
{
    json_t *run;
    size_t i;
    json_array_foreach(json_object_get(doc, "runs"), i, run)
        if (strcmp(json_string_value(json_object_get(run, "variant")), variant) == 0)
            return run;
    ck_abort_msg("no run of variant %s in the report", variant);
    return NULL;
}

static const char *graph_file(json_t *run, const char *kind)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(run, "monitor"), "graph"), kind));
}

/* Whether one of the run's notes holds `text`; `all` gets them, for messages. */
static bool has_note(json_t *run, const char *text, char *all, size_t size)
{
    json_t *note;
    size_t i;
    bool found = false;
    all[0] = '\0';
    json_array_foreach(json_object_get(run, "notes"), i, note) {
        found |= strstr(json_string_value(note), text) != NULL;
        snprintf(all + strlen(all), size - strlen(all), "[%s] ", json_string_value(note));
    }
    return found;
}

/* A deadlock run met by the monitor, whatever became of the picture, with
 * its waitfor.dot in place. */
static void assert_deadlock_met(const cli_result *res, json_t *run)
{
    ck_assert_str_eq(json_string_value(json_object_get(run, "verdict")), "met");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(run, "monitor"),
                                                       "verdict")),
                     "deadlock");
    const char *dot = graph_file(run, "dot");
    ck_assert_ptr_nonnull(dot);
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", res->report_dir, dot);
    ck_assert_msg(stat(path, &st) == 0 && st.st_size > 0, "no %s", path);
}

/* Neither SVG in the record nor a file of that name in the run's folder. */
static void assert_no_svg(const cli_result *res, json_t *run)
{
    ck_assert_ptr_null(graph_file(run, "svg"));
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/waitfor.svg", res->report_dir,
             json_string_value(json_object_get(json_object_get(run, "logs"), "dir")));
    ck_assert_msg(access(path, F_OK) != 0, "%s left behind by a dot that failed", path);
}

/* Whether an executable dot is on our PATH (the real Graphviz, here). */
static bool dot_on_path(void)
{
    char copy[4096], dot[4200], *save = NULL;
    snprintf(copy, sizeof copy, "%s", getenv("PATH") ? getenv("PATH") : "");
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(dot, sizeof dot, "%s/dot", d);
        if (access(dot, X_OK) == 0)
            return true;
    }
    return false;
}

static const char *const abba_buggy[] = {"run", "deadlock.abba", "--variant", "buggy",
                                         "--mode", "actual", "--detector", "none", NULL};

/* With the real Graphviz: the SVG exists and report.json names it. */
START_TEST(test_deadlock_svg_is_made_and_named)
{
    bool have_dot = dot_on_path();
    if (!have_dot) {
        printf("skip: test_deadlock_svg_is_made_and_named: Graphviz's dot is not on PATH\n");
        fflush(stdout);
        return;
    }
    static cli_result res;
    run_cli_wait(&res, start_with_path(&res, NULL, abba_buggy));
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res), *run = run_of(doc, "buggy");
    assert_deadlock_met(&res, run);
    const char *svg = graph_file(run, "svg");
    ck_assert_msg(svg, "report.json names no SVG");
    char file[1024], text[4096], notes[2048];
    snprintf(file, sizeof file, "%s/%s", res.report_dir, svg);
    tl_test_slurp(file, text, sizeof text);
    ck_assert_msg(strstr(text, "<svg"), "%s is not an SVG: '%.80s'", file, text);
    ck_assert_msg(!has_note(run, "SVG", notes, sizeof notes), "notes: %s", notes);
    json_decref(doc);
}
END_TEST

/* A dot that exits 1 with a message: the run is met as before, the note
 * quotes dot, and no half-written SVG stays. */
START_TEST(test_failing_dot_is_noted)
{
    char dir[64], path[1200], notes[2048];
    fake_dot_dir(dir, sizeof dir,
                 "echo 'fake dot: syntax error in line 1' >&2\necho '<svg' > \"$3\"\nexit 1\n");
    path_with(dir, path, sizeof path);
    static cli_result res;
    run_cli_wait(&res, start_with_path(&res, path, abba_buggy));
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res), *run = run_of(doc, "buggy");
    assert_deadlock_met(&res, run);
    assert_no_svg(&res, run);
    ck_assert_msg(has_note(run, "dot exited with status 1: fake dot: syntax error", notes,
                           sizeof notes),
                  "notes: %s", notes);
    json_decref(doc);
}
END_TEST

/* No dot anywhere on PATH: a note, the verdict unchanged. */
START_TEST(test_missing_dot_is_noted)
{
    char dir[64], notes[2048];
    fake_dot_dir(dir, sizeof dir, NULL);
    static cli_result res;
    run_cli_wait(&res, start_with_path(&res, dir, abba_buggy));
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res), *run = run_of(doc, "buggy");
    assert_deadlock_met(&res, run);
    assert_no_svg(&res, run);
    ck_assert_msg(has_note(run, "dot is not on PATH", notes, sizeof notes), "notes: %s", notes);
    json_decref(doc);
}
END_TEST

/* A dot that never ends (and has a child of its own, as a wrapper script
 * would): killed at the bound with its whole group and noted; the run is
 * met; nothing is left. */
START_TEST(test_hanging_dot_is_killed)
{
    tl_test_become_subreaper();
    char dir[64], path[1200], notes[2048];
    /* Not `exec sleep`: the shell stays, so its group has two processes. */
    fake_dot_dir(dir, sizeof dir, "sleep 3600\nexit 0\n");
    path_with(dir, path, sizeof path);
    static cli_result res;
    run_cli_wait(&res, start_with_path(&res, path, abba_buggy));
    size_t left = tl_test_reap_children(BOUND_S);
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    ck_assert_msg(left == 0, "%zu process(es) outlived threadlab", left);
    json_t *doc = load_report(&res), *run = run_of(doc, "buggy");
    assert_deadlock_met(&res, run);
    assert_no_svg(&res, run);
    ck_assert_msg(has_note(run, "dot was still running after", notes, sizeof notes) &&
                      has_note(run, "killed", notes, sizeof notes),
                  "notes: %s", notes);
    json_decref(doc);
}
END_TEST

/* While a deadlock's dot draws, the plan goes on: this fake dot draws only
 * once the runs after it are recorded (it reads runs.jsonl two folders up
 * from the run's folder, where dot runs), and gives up after ~3 s, well
 * inside the bound. A runner that waited for dot in its poll loop could
 * judge nothing meanwhile, and the run would carry the fake dot's failure. */
START_TEST(test_other_runs_go_on_while_dot_draws)
{
    char dir[64], path[1200], notes[2048];
    fake_dot_dir(dir, sizeof dir,
                 "i=0\n"
                 "while [ $i -lt 300 ]; do\n"
                 "  if grep -q '\"variant\":\"fixed-trylock\"' ../../runs.jsonl; then\n"
                 "    echo '<svg xmlns=\"http://www.w3.org/2000/svg\"/>' > \"$3\"\n"
                 "    exit 0\n"
                 "  fi\n"
                 "  sleep 0.01\n"
                 "  i=$((i + 1))\n"
                 "done\n"
                 "echo 'fake dot: the plan stood still while I drew' >&2\n"
                 "exit 1\n");
    path_with(dir, path, sizeof path);
    static cli_result res;
    /* buggy and fixed start together; fixed-trylock when fixed is done. */
    run_cli_wait(&res, start_with_path(&res, path,
                                       (const char *const[]){"run", "deadlock.abba", "--mode",
                                                             "actual", "--detector", "none",
                                                             "--jobs", "2", NULL}));
    ck_assert_msg(res.status == 0, "exit %d\n%s", res.status, res.err);
    json_t *doc = load_report(&res), *run = run_of(doc, "buggy");
    assert_deadlock_met(&res, run);
    ck_assert_msg(graph_file(run, "svg") && !has_note(run, "SVG", notes, sizeof notes),
                  "no SVG; notes: %s", notes);
    json_decref(doc);
}
END_TEST

/* Ctrl-C while dot draws: dot and its group are killed at once, the run
 * (whose verdict came before Ctrl-C, since dot starts at the verdict) is
 * recorded as judged, with a note, threadlab exits 130, and nothing is
 * left. */
START_TEST(test_ctrl_c_while_dot_draws)
{
    tl_test_become_subreaper();
    char dir[64], path[1200], mark[128], notes[2048];
    fake_dot_dir(dir, sizeof dir, ": > \"$TL_TEST_DOT_MARK\"\nsleep 3600\nexit 0\n");
    path_with(dir, path, sizeof path);
    snprintf(mark, sizeof mark, "%s/dot-started", dir);
    setenv("TL_TEST_DOT_MARK", mark, 1);
    static cli_result res;
    int pid = start_with_path(&res, path, abba_buggy);
    bool drawing = false;
    for (int i = 0; i < (int)(BOUND_S * 100) && !drawing; i++) {
        drawing = access(mark, F_OK) == 0;
        if (!drawing)
            pause_s(0.01);
    }
    kill(pid, SIGINT);
    run_cli_wait(&res, pid);
    size_t left = tl_test_reap_children(BOUND_S);
    ck_assert_msg(drawing, "the fake dot never started");
    ck_assert_msg(res.status == 130, "exit %d, wanted 130\n%s", res.status, res.err);
    ck_assert_msg(left == 0, "%zu process(es) outlived threadlab after Ctrl-C", left);
    json_t *doc = load_report(&res), *run = run_of(doc, "buggy");
    assert_deadlock_met(&res, run);
    assert_no_svg(&res, run);
    ck_assert_msg(has_note(run, "interrupted while dot drew it", notes, sizeof notes),
                  "notes: %s", notes);
    json_decref(doc);
}
END_TEST

/* The wait-for graph for summary.md: each node and edge of the monitor's
 * DOT as Mermaid, dashed edges dashed, labels' line breaks and quotes
 * translated, the cycle's nodes and edges marked. */
START_TEST(test_dot_to_mermaid)
{
    const char *dot = "digraph waitfor {\n  label=\"threadlab: deadlock\";\n  rankdir=LR;\n"
                      "  layout=circo;\n"
                      "  t1 [shape=box, label=\"a-then-b\\nwaiting for lock\", color=red];\n"
                      "  o0 [shape=ellipse, label=\"lock \\\"a\\\"\\n(mutex)\"];\n"
                      "  t1 -> o0 [label=\"waits for\\nx.c:24\", color=red];\n"
                      "  o0 -> t1 [label=\"held by\\nx.c:19\", style=dashed];\n}\n";
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert(tl_dot_to_mermaid(dot, f));
    fclose(f);
    ck_assert_msg(strstr(text, "flowchart LR\n") == text, "%s", text);
    ck_assert_msg(strstr(text, "  t1[\"a-then-b<br/>waiting for lock\"]\n"), "%s", text);
    ck_assert_msg(strstr(text, "  o0([\"lock #quot;a#quot;<br/>(mutex)\"])\n"), "%s", text);
    ck_assert_msg(strstr(text, "  t1 -->|\"waits for<br/>x.c:24\"| o0\n"), "%s", text);
    ck_assert_msg(strstr(text, "  o0 -.->|\"held by<br/>x.c:19\"| t1\n"), "%s", text);
    ck_assert_msg(strstr(text, "  class t1 cycle\n") && strstr(text, "  linkStyle 0 stroke:#d00\n"),
                  "%s", text);
    free(text);
}
END_TEST

Suite *tl_suite_render(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("wait-for graph");
    tcase_add_test(tc, test_deadlock_svg_is_made_and_named);
    tcase_add_test(tc, test_failing_dot_is_noted);
    tcase_add_test(tc, test_missing_dot_is_noted);
    tcase_add_test(tc, test_hanging_dot_is_killed);
    tcase_add_test(tc, test_other_runs_go_on_while_dot_draws);
    tcase_add_test(tc, test_ctrl_c_while_dot_draws);
    tcase_add_test(tc, test_dot_to_mermaid);
    tcase_set_timeout(tc, 120); /* bounds of BOUND_S, never reached when all is well */
    suite_add_tcase(s, tc);
    return s;
}
