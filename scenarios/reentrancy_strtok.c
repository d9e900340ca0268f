/* SPDX-License-Identifier: MIT */
/* reentrancy.strtok: strtok's hidden static position, shared by every thread. */
#include <stdio.h>
#include <string.h>
#include "tl_scenario.h"

enum { LINE_MAX_LEN = 32, TOKENS_MAX_LEN = 48 };

static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    const char *prefix;          /* "a": the line is "a1,a2,a3" */
    unsigned order;              /* 0 or 1: its place in the forced interleaving */
    bool reentrant;              /* fixed: strtok_r */
    char tokens[TOKENS_MAX_LEN]; /* what it got, space separated */
} tokenizer;

static void append(tokenizer *t, const char *tok)
{
    size_t len = strlen(t->tokens);
    snprintf(t->tokens + len, sizeof t->tokens - len, "%s%s", len ? " " : "", tok ? tok : "");
}

/* Buggy: strtok(NULL, ...) continues from a position strtok keeps in a static
 * variable inside the C library - one for the whole process. The forced
 * order: a takes its first token, b starts its own line (moving the hidden
 * position into b's buffer), a continues and so reads b's tokens, then b
 * continues and finds nothing left. */
static void *buggy_main(void *arg)
{
    tokenizer *t = arg;
    char line[LINE_MAX_LEN]; /* this thread's own input, on its own stack */
    snprintf(line, sizeof line, "%s1,%s2,%s3", t->prefix, t->prefix, t->prefix);
    if (t->order == 0) {
        append(t, strtok(line, ","));
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2); /* b has called strtok(its line) in between */
        for (char *tok; (tok = strtok(NULL, ",")) != NULL;)
            append(t, tok);
        tl_turn_pass(&turns);
    } else {
        tl_turn_wait(&turns, 1);
        append(t, strtok(line, ","));
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 3); /* a has read on from the shared position */
        for (char *tok; (tok = strtok(NULL, ",")) != NULL;)
            append(t, tok);
    }
    return NULL;
}

/* Fixed: strtok_r keeps the position in `rest`, a variable of the caller's
 * own frame, so the function has no state between calls but what it is
 * given: it is reentrant, and two threads (or two nested loops) each have
 * their own. */
static void *fixed_main(void *arg)
{
    tokenizer *t = arg;
    char line[LINE_MAX_LEN];
    char *rest = NULL;
    snprintf(line, sizeof line, "%s1,%s2,%s3", t->prefix, t->prefix, t->prefix);
    for (char *tok = strtok_r(line, ",", &rest); tok; tok = strtok_r(NULL, ",", &rest))
        append(t, tok);
    return NULL;
}

static void run(tl_ctx *ctx, void *(*fn)(void *))
{
    tokenizer t[2] = {{.prefix = "a", .order = 0}, {.prefix = "b", .order = 1}};
    tl_thread_t th[2];
    tl_thread_start(&th[0], "tokenizer-a", fn, &t[0]);
    tl_thread_start(&th[1], "tokenizer-b", fn, &t[1]);
    tl_thread_join(&th[0]);
    tl_thread_join(&th[1]);
    for (int i = 0; i < 2; i++) {
        char want[TOKENS_MAX_LEN], what[32];
        const char *p = t[i].prefix;
        snprintf(want, sizeof want, "%s1 %s2 %s3", p, p, p);
        snprintf(what, sizeof what, "tokenizer-%s's tokens", p);
        tl_oracle(ctx, what, strcmp(want, t[i].tokens) == 0, "expected '%s', got '%s'", want,
                  t[i].tokens);
    }
}

static void buggy(tl_ctx *ctx) { run(ctx, buggy_main); }
static void fixed(tl_ctx *ctx) { run(ctx, fixed_main); }

TL_SCENARIO(reentrancy_strtok) = {
    .name = "reentrancy.strtok",
    .category = "reentrancy",
    .summary = "two threads tokenise their own lines with strtok, which keeps one hidden position",
    .concept = "hidden static state: non-reentrant vs reentrant functions",
    .teaching =
        "strtok(line, \",\") returns the first token and remembers where it stopped; "
        "strtok(NULL, \",\") goes on from there. That memory is a static variable inside the "
        "C library: state that survives between calls, one copy for the whole process. A "
        "function with such state is not reentrant - a second call started before the first "
        "sequence is done (from another thread, a signal handler, or a nested loop) moves the "
        "position - and so it is not thread-safe either, although each thread passes only its "
        "own buffer and no shared variable appears in the program. The buggy variant forces "
        "tokenizer-b to start its line between tokenizer-a's first and second calls: a then "
        "reads b's tokens ('a1 b2 b3') out of b's stack, and b finds its line used up ('b1'). "
        "A lock around each call would not help: the state must survive from one call to the "
        "next. The fix is the reentrant form strtok_r, which keeps the position in a variable "
        "the caller owns (`rest`, on each thread's stack): all its state is in its arguments.",
    .detector_note =
        "TSan cannot see strtok's static position: the C library is not instrumented, so the "
        "writes to it are invisible. What it sees is the consequence, through its strtok "
        "interceptor: tokenizer-a reading a token in tokenizer-b's stack buffer, which only "
        "b wrote (snprintf), with nothing ordering the two - reported as a data race "
        "('Location is stack of thread T2'). The race it names is the symptom, not the "
        "hidden state; the oracle shows the wrong tokens.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fix is a reentrant function with caller-owned state; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "strtok in both threads; b starts its line between a's calls"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "strtok_r: the position lives in the caller's `rest`, one per thread"},
    },
};
