/* SPDX-License-Identifier: MIT */
/* reentrancy.localtime: localtime's one static result, overwritten by another thread. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "tl_scenario.h"

enum { DATE_LEN = 48 }; /* room for any int the format may print */

static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    time_t when;          /* the instant this logger stamps */
    unsigned order;       /* 0 or 1: its place in the forced interleaving */
    char date[DATE_LEN];  /* what it printed, YYYY-MM-DD */
} logger;

static void print_date(logger *l, const struct tm *tm)
{
    snprintf(l->date, sizeof l->date, "%04d-%02d-%02d", tm->tm_year + 1900, tm->tm_mon + 1,
             tm->tm_mday);
}

/* Buggy: localtime returns a pointer to a struct tm that the C library
 * keeps in static storage - one for the whole process, rewritten by every
 * call (gmtime shares it too). Forced: a converts, b converts (rewriting
 * the same struct), then a reads "its" result. */
static void *buggy_main(void *arg)
{
    logger *l = arg;
    if (l->order == 0) {
        const struct tm *tm = localtime(&l->when);
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2); /* b has called localtime in between */
        print_date(l, tm);
    } else {
        tl_turn_wait(&turns, 1);
        print_date(l, localtime(&l->when));
        tl_turn_pass(&turns);
    }
    return NULL;
}

/* Fixed: localtime_r writes into a struct tm the caller owns (here on each
 * thread's stack), so the result is the caller's until it lets go of it. */
static void *fixed_main(void *arg)
{
    logger *l = arg;
    struct tm mine;
    if (localtime_r(&l->when, &mine))
        print_date(l, &mine);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*fn)(void *))
{
    /* 1970-01-01 and 2001-09-09: whatever the time zone, different days. */
    logger l[2] = {{.when = 43200, .order = 0}, {.when = 1000000000, .order = 1}};
    tl_thread_t th[2];
    char want[2][DATE_LEN];
    for (int i = 0; i < 2; i++) { /* the right answers, before any thread runs */
        struct tm tm;
        logger ref = l[i];
        localtime_r(&ref.when, &tm);
        print_date(&ref, &tm);
        memcpy(want[i], ref.date, sizeof ref.date);
    }
    tl_thread_start(&th[0], "logger-a", fn, &l[0]);
    tl_thread_start(&th[1], "logger-b", fn, &l[1]);
    tl_thread_join(&th[0]);
    tl_thread_join(&th[1]);
    for (int i = 0; i < 2; i++) {
        char what[32];
        snprintf(what, sizeof what, "logger-%c's date", 'a' + i);
        tl_oracle(ctx, what, strcmp(want[i], l[i].date) == 0, "expected %s, got %s", want[i],
                  l[i].date);
    }
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_main); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_main); }

TL_SCENARIO(reentrancy_localtime) = {
    .name = "reentrancy.localtime",
    .category = "reentrancy",
    .summary = "localtime returns its static struct tm; another thread's call overwrites it",
    .concept = "a library's static result buffer; the _r convention",
    .teaching =
        "localtime (like gmtime, ctime, asctime, strerror, inet_ntoa, getpwnam) returns a "
        "pointer into storage the C library owns: one static struct tm for the whole process, "
        "rewritten by the next call from any thread. Returning a pointer to static data makes "
        "a function non-reentrant and not thread-safe, even though nothing shared appears in "
        "the caller's code. The buggy variant forces logger-b's call between logger-a's call "
        "and a's read of the result: a prints b's date. A lock around localtime alone does not "
        "help - the result must stay put until the caller has read it. POSIX's answer is the "
        "_r variant: localtime_r(&t, &tm) writes into a struct tm the caller passes (here on "
        "each thread's stack), so each caller owns its result for as long as it needs it.",
    .detector_note =
        "TSan sees this one: its localtime interceptor tells it that each call writes the whole "
        "static struct tm inside the C library, so logger-a's read of tm_year and logger-b's "
        "call are reported as a data race on that libc global. Without the interceptor (the C "
        "library is not instrumented) the overwrite would be invisible. Inside libc, every "
        "localtime call also frees and re-copies the saved TZ name under glibc's own "
        "tzset_lock, which TSan cannot see: it reports that as a race between free and the "
        "other thread's strdup, falsely, so the TSan hosts suppress 'race:tzset_internal' "
        "(harness/tsan_suppressions.c says why). localtime_r does that work once, before the "
        "threads start here.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fix gives each caller its own struct tm; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "localtime in both threads; b's call lands between a's call and a's read"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "localtime_r into a struct tm on each thread's stack"},
    },
};
