/* SPDX-License-Identifier: MIT */
/* ThreadSanitizer: the TSan-built host, TSAN_OPTIONS, the log it writes and
 * its reports (parsed by tsan_parse.c), and how to tell that TSan itself
 * could not run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "detector.h"
#include "tsan_runtime.h"
#include "run_result.h"
#include "symbolizer.h"
#include "tsan_parse.h"
#include "tsan_layout.h"
#include "tsan_options.h"


/* The log's name, relative: the host starts in the run's folder, so no user
 * path (a --out with a quote, or of 4000 characters) is ever pasted into
 * TSAN_OPTIONS. TSan appends ".PID". */
#define TSAN_LOG "tsan"

/* threadlab's own options, which its reader depends on. */
static void our_options(char *out, size_t size)
{
    /* clang's runtime prints file:line only through llvm-symbolizer, which
     * is not always on PATH; gcc's runtime symbolizes by itself. */
    const char *sym = tl_llvm_symbolizer();
    /* strip_path_prefix: frames read "scenarios/x.c:12" instead of the
     * build machine's absolute path. halt_on_error=0: every report, not just
     * the first. second_deadlock_stack: both stacks of a lock-order report. */
    snprintf(out, size,
             "log_path=" TSAN_LOG " exitcode=%d halt_on_error=0 "
             "second_deadlock_stack=1 strip_path_prefix=\"%s/\"%s%s",
             TSAN_REPORTED, TL_SRCDIR, sym ? " external_symbolizer_path=" : "", sym ? sym : "");
}

bool tl__tsan_check_user_options(char *why, size_t size)
{
    const char *user = tl__tsan_user_options();
    char ours[TL_DETECTOR_VAR_LEN];
    our_options(ours, sizeof ours);
    if (!user)
        return true;
    if (!tl__tsan_options_check(ours, user, why, size))
        return false;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) || !tl__tsan_options_append(ours, sizeof ours, user, cwd)) {
        snprintf(why, size, "TSAN_OPTIONS is too long: threadlab's options and yours must fit "
                            "in %d bytes",
                 TL_DETECTOR_VAR_LEN - 14);
        return false;
    }
    return true;
}

/* Ours, then the user's own (checked by tl__tsan_check_user_options before
 * the plan starts: none of ours is set to another value). */
size_t tl__tsan_environment(char vars[][TL_DETECTOR_VAR_LEN], size_t max)
{
    if (max < 1)
        return 0;
    static const char name[] = "TSAN_OPTIONS=";
    memcpy(vars[0], name, sizeof name);
    our_options(vars[0] + sizeof name - 1, TL_DETECTOR_VAR_LEN - (sizeof name - 1));
    const char *user = tl__tsan_user_options();
    char cwd[PATH_MAX];
    if (user && getcwd(cwd, sizeof cwd))
        tl__tsan_options_append(vars[0], TL_DETECTOR_VAR_LEN, user, cwd);
    return 1;
}

/* Every kind of the vocabulary is one TSan reports (tsan_parse.h), but for
 * the ones only Valgrind's tools have words for. */
bool tl__tsan_sees(const char *kind)
{
    int k = tl_bug_kind_from_token(kind);
    return k >= 0 && k != TL_BUG_API_MISUSE && k != TL_BUG_COND_MISUSE &&
           k != TL_BUG_LOCK_HELD_AT_EXIT;
}

/* Moves the log (tsan.PID) to tsan.log in the run's folder, cuts it at
 * TL_DETECTOR_LOG_MAX (flagging the cut), and parses its reports. */
void tl__tsan_collect(tl_run *r)
{
    char from[PATH_MAX + 32], to[PATH_MAX + 32];
    snprintf(from, sizeof from, "%s/" TSAN_LOG ".%d", r->dir, (int)r->pid);
    snprintf(to, sizeof to, "%s/tsan.log", r->dir);
    if (rename(from, to) != 0)
        return; /* no report was written: nothing found */
    snprintf(r->detector_log, sizeof r->detector_log, "tsan.log");
    size_t len = 0;
    bool cut = false;
    char *text = tl_read_file(to, TL_DETECTOR_LOG_MAX, &len, &cut);
    if (!text)
        return;
    if (cut && truncate(to, TL_DETECTOR_LOG_MAX) == 0)
        r->detector_truncated = true;
    r->nfindings = tl_tsan_parse(text, len, r->findings, TL_RUN_MAX_FINDINGS);
    free(text);
}

/* What ThreadSanitizer prints when it cannot run at all (shadow memory it
 * cannot map, an address-space limit, a runtime CHECK): the scenario never
 * ran, so nothing about it may be concluded. */
static const char *const tsan_cannot_run[] = {
    "FATAL: ThreadSanitizer",
    "ThreadSanitizer: CHECK failed",
    "ERROR: ThreadSanitizer",
    "ThreadSanitizer: out of memory",
    "ThreadSanitizer failed to",
    "ThreadSanitizer: failed to",
};

/* The first line of the file that says TSan could not run, or false. */
static bool find_tsan_failure(const char *path, char *line, size_t size)
{
    size_t len;
    bool cut;
    char *text = tl_read_file(path, TL_CAPTURE_MAX, &len, &cut);
    if (!text)
        return false;
    bool found = false;
    for (size_t i = 0; !found && i < sizeof tsan_cannot_run / sizeof tsan_cannot_run[0]; i++) {
        const char *at = strstr(text, tsan_cannot_run[i]);
        if (!at)
            continue;
        const char *start = at, *end = strchr(at, '\n');
        while (start > text && start[-1] != '\n')
            start--;
        int n = (int)(end ? end - start : (long)strlen(start));
        snprintf(line, size, "%.*s", n, start);
        found = true;
    }
    free(text);
    return found;
}

void tl__tsan_check_environment(tl_run *r)
{
    if (r->env_error[0] || r->state != TL_RUN_FINISHED)
        return;
    char path[PATH_MAX + 32], line[160];
    snprintf(path, sizeof path, "%s/stderr.log", r->dir);
    bool failed = find_tsan_failure(path, line, sizeof line);
    if (!failed && r->detector_log[0]) {
        snprintf(path, sizeof path, "%s/tsan.log", r->dir);
        failed = find_tsan_failure(path, line, sizeof line);
    }
    if (failed && tl_run_reports(r) == 0) {
        char hint[400];
        tl_run_env_error(r, "ThreadSanitizer could not run: %s%s", line,
                         tl__tsan_layout_hint(hint, sizeof hint));
        return;
    }
    /* Exit status 66 is TSan's "I reported something": a report with no
     * log means the log could not be written (a full disk, a folder gone). */
    if (r->exited && r->exit_status == TSAN_REPORTED && !r->detector_log[0])
        tl_run_env_error(r,
                         "TSan reported (exit status 66) but no log of it exists in %s: it "
                         "could not be written",
                         r->dir);
}

static void clang_version(char *out, size_t size)
{
    snprintf(out, size, "%s", TL_CC_VERSION);
}

const struct tl_detector_backend tl_detector_tsan = {
    .name = "tsan",
    .tool = "ThreadSanitizer",
    .tool_uri = "https://clang.llvm.org/docs/ThreadSanitizer.html",
    .tool_version = clang_version,
    .about = "ThreadSanitizer, in the TSan-built host",
    .host = "threadlab-host-tsan",
    .missing_hint = "build with TSan (configure without --disable-tsan) or use --detector none",
    .reported_status = TSAN_REPORTED,
    .slowdown = 1,
    .sees = tl__tsan_sees,
    .available = tl__tsan_available,
    .prepare_child = tl__tsan_prepare_child,
    .environment = tl__tsan_environment,
    .user_options = tl__tsan_user_options,
    .check_user_options = tl__tsan_check_user_options,
    .collect = tl__tsan_collect,
    .check_environment = tl__tsan_check_environment,
};
