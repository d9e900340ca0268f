/* SPDX-License-Identifier: MIT */
/* tls.errno: a library's global "last error" vs a per-thread one, as errno is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

typedef enum { PORT_OK, PORT_EMPTY, PORT_OUT_OF_RANGE, PORT_NOT_A_NUMBER } port_error;

static const char *const port_error_names[] = {"ok", "empty", "out of range", "not a number"};

static tl_turns_t turns = TL_TURNS_INIT;

/* The one parser, three ways to say why it failed. It returns the port, or
 * -1 and an error code through `report`. */
static int parse_port(const char *text, void (*report)(port_error))
{
    char *end;
    if (!text[0]) {
        report(PORT_EMPTY);
        return -1;
    }
    long v = strtol(text, &end, 10);
    if (*end) {
        report(PORT_NOT_A_NUMBER);
        return -1;
    }
    if (v < 1 || v > 65535) {
        report(PORT_OUT_OF_RANGE);
        return -1;
    }
    return (int)v;
}

/* Buggy: the error goes to a global - one "last error" for the whole
 * process, as errno was before threads. */
static port_error port_last_error;
static void report_global(port_error e) { port_last_error = e; }

/* Fixed: a thread-local last error - errno's own design. Each thread's
 * failure lands in its own copy, so only its own later calls can change it. */
static _Thread_local port_error port_last_error_tls;
static void report_tls(port_error e) { port_last_error_tls = e; }

typedef struct {
    const char *input;
    unsigned order;      /* 0 or 1: its place in the forced interleaving */
    port_error want;     /* why its input must fail */
    port_error got;      /* why it was told its input failed */
} parser;

static void *buggy_main(void *arg)
{
    parser *p = arg;
    if (p->order == 0) {
        parse_port(p->input, report_global);
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2); /* b's call has failed in between */
        p->got = port_last_error;
    } else {
        tl_turn_wait(&turns, 1);
        parse_port(p->input, report_global);
        p->got = port_last_error;
        tl_turn_pass(&turns);
    }
    return NULL;
}

static void *fixed_main(void *arg)
{
    parser *p = arg;
    parse_port(p->input, report_tls);
    p->got = port_last_error_tls; /* this thread's: nobody else writes it */
    return NULL;
}

static void run(tl_ctx *ctx, void *(*fn)(void *))
{
    parser p[2] = {{.input = "", .order = 0, .want = PORT_EMPTY},
                   {.input = "99999", .order = 1, .want = PORT_OUT_OF_RANGE}};
    tl_thread_t th[2];
    tl_thread_start(&th[0], "parser-a", fn, &p[0]);
    tl_thread_start(&th[1], "parser-b", fn, &p[1]);
    tl_thread_join(&th[0]);
    tl_thread_join(&th[1]);
    for (int i = 0; i < 2; i++) {
        char what[48];
        snprintf(what, sizeof what, "parser-%c's error for \"%s\"", 'a' + i, p[i].input);
        tl_oracle(ctx, what, p[i].got == p[i].want, "expected '%s', got '%s'",
                  port_error_names[p[i].want], port_error_names[p[i].got]);
    }
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_main); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_main); }

TL_SCENARIO(tls_errno) = {
    .name = "tls.errno",
    .category = "tls",
    .summary = "a library reports failures in one global 'last error'; errno's answer is TLS",
    .concept = "errno: error state as thread-local storage",
    .teaching =
        "A function that returns -1 on failure must say why somewhere else. The C library's "
        "old answer was a global, errno; with threads, a global last error is shared, so "
        "thread A fails, thread B fails for another reason, and A reads B's reason. The buggy "
        "variant forces exactly that: parser-a fails on an empty port and reads 'out of range', "
        "parser-b's error for \"99999\". POSIX threads kept the interface and changed the "
        "storage: errno is now a macro for a thread-local lvalue (*__errno_location() in "
        "glibc), one per thread, so only the thread's own calls can overwrite it. The fix does "
        "the same for the library's error: `static _Thread_local port_error last_error`. (The "
        "other answer, taken by the pthread functions themselves, is to return the error "
        "number instead of storing it.) Unlike tls.counter, nothing is summed: the state is "
        "per thread because its meaning is per thread.",
    .detector_note =
        "TSan reports the two threads' unsynchronised writes and read of the global "
        "port_last_error ('Location is global'). A _Thread_local variable is at a different "
        "address in each thread, so the fix has nothing to report.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fix keeps the error per thread; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "a global last error; b's failure lands between a's failure and a's read"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "a _Thread_local last error, like errno: one per thread"},
    },
};
