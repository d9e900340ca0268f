/* SPDX-License-Identifier: MIT */
/* retptr.static_buffer: a function returns a pointer to its static buffer. */
#include <stdio.h>
#include <string.h>
#include "tl_scenario.h"

static tl_turns_t turns = TL_TURNS_INIT;

/* Buggy, asctime-style: the result lives in a static local, which is in the
 * data segment - one buffer for the whole program, overwritten by the next
 * call from any thread. */
static const char *format_order(unsigned id)
{
    static char text[32];
    snprintf(text, sizeof text, "order #%u", id);
    return text;
}

/* Fixed 1: the caller owns the buffer (like asctime_r). */
static const char *format_order_r(unsigned id, char *out, size_t size)
{
    snprintf(out, size, "order #%u", id);
    return out;
}

/* Fixed 2: one static buffer per thread: safe across threads, though the
 * next call from the same thread still overwrites it. */
static const char *format_order_tls(unsigned id)
{
    static _Thread_local char text[32];
    snprintf(text, sizeof text, "order #%u", id);
    return text;
}

typedef struct {
    tl_ctx *ctx;
    unsigned id;
    int how; /* 0 buggy, 1 caller's buffer, 2 TLS */
    char seen[32];
} clerk;

static void *clerk_main(void *arg)
{
    clerk *c = arg;
    char mine[32];
    const char *label;
    if (c->how == 0) {
        /* Forced: clerk 1 formats, clerk 2 formats (same buffer), then clerk
         * 1 reads what it believes is its own result. */
        if (c->id == 1) {
            label = format_order(c->id);
            tl_turn_pass(&turns);
            tl_turn_wait(&turns, 2);
        } else {
            tl_turn_wait(&turns, 1);
            label = format_order(c->id);
            tl_turn_pass(&turns);
        }
    } else if (c->how == 1) {
        label = format_order_r(c->id, mine, sizeof mine);
    } else {
        label = format_order_tls(c->id);
    }
    snprintf(c->seen, sizeof c->seen, "%s", label);
    return NULL;
}

static void run(tl_ctx *ctx, int how)
{
    tl_thread_t t[2];
    clerk c[2] = {{ctx, 1, how, ""}, {ctx, 2, how, ""}};
    tl_thread_start(&t[0], "clerk-1", clerk_main, &c[0]);
    tl_thread_start(&t[1], "clerk-2", clerk_main, &c[1]);
    tl_thread_join(&t[0]);
    tl_thread_join(&t[1]);
    for (int i = 0; i < 2; i++) {
        char want[32];
        snprintf(want, sizeof want, "order #%u", c[i].id);
        char what[32];
        snprintf(what, sizeof what, "clerk-%u's label", c[i].id);
        tl_oracle(ctx, what, strcmp(want, c[i].seen) == 0, "expected '%s', got '%s'", want,
                  c[i].seen);
    }
}

static void buggy(tl_ctx *ctx) { run(ctx, 0); }
static void fixed(tl_ctx *ctx) { run(ctx, 1); }
static void fixed_tls(tl_ctx *ctx) { run(ctx, 2); }

TL_SCENARIO(retptr_static_buffer) = {
    .name = "retptr.static_buffer",
    .category = "retptr",
    .summary = "a function returns a pointer to its static buffer (asctime style)",
    .concept = "return by pointer into the data segment vs a caller's buffer",
    .teaching =
        "format_order() returns a pointer to a static local buffer, like asctime, ctime or "
        "inet_ntoa. A static local is not on the caller's stack: it lives in the data "
        "segment, one copy for the whole program, so every call - from any thread - writes "
        "the same bytes. The buggy variant forces clerk-2's call between clerk-1's call and "
        "clerk-1's read: clerk-1 reads clerk-2's label. Returning a pointer hands out "
        "access to storage the callee still owns. Fix 1 lets the caller own the storage "
        "(format_order_r writes into a buffer the caller passes, like asctime_r), which is "
        "as good as returning by value. Fix 2 gives each thread its own static buffer "
        "(_Thread_local), which is safe across threads but still overwritten by the next "
        "call in the same thread.",
    .detector_note = "TSan reports the two threads' unsynchronised writes and reads of "
                     "format_order's static buffer ('Location is global text').",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fixes give each thread its own buffer; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "both clerks use format_order()'s one static buffer"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "format_order_r(): the caller passes the buffer"},
        {.name = "fixed-tls", .role = TL_ROLE_FIXED, .entry = fixed_tls, .expect = "",
         .about = "a _Thread_local static buffer: one per thread"},
    },
};
