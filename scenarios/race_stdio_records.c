/* SPDX-License-Identifier: MIT */
/* race.stdio_records: records written in several stdio calls interleave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tl_scenario.h"

/* One FILE shared by every writer, like stdout or a log file. A record is
 * one line written in three calls: the writer's name, the event, the end. */
enum { MAX_WRITERS = 8 };

static FILE *log_file;
static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    tl_ctx *ctx;
    unsigned index;
} writer_arg;

static void record_parts(char head[16], char body[48], unsigned writer, unsigned long k)
{
    snprintf(head, 16, "[w%u] ", writer);
    snprintf(body, 48, "event %lu of w%u", k, writer);
}

/* Buggy: each fputs is thread-safe - glibc locks the FILE inside every call -
 * but the record is three calls, and another thread's record can come
 * between them. Forced once: writer 0 writes its head, writer 1 its whole
 * record, writer 0 the rest. */
static void *writer_parts(void *p)
{
    writer_arg *w = p;
    char head[16], body[48];
    for (unsigned long k = 0; k < w->ctx->iterations; k++) {
        record_parts(head, body, w->index, k);
        bool forced = k == 0 && w->index <= 1;
        if (forced && w->index == 1)
            tl_turn_wait(&turns, 1);
        fputs(head, log_file);
        if (forced && w->index == 0) {
            tl_turn_pass(&turns);    /* step 1: half a record is in the buffer */
            tl_turn_wait(&turns, 2); /* writer 1 writes a whole record meanwhile */
        }
        fputs(body, log_file);
        fputs("\n", log_file);
        if (forced && w->index == 1)
            tl_turn_pass(&turns);
    }
    return NULL;
}

/* Fix 1: flockfile takes the FILE's own lock (the one each call takes inside,
 * and which is recursive) for the whole record: the three calls become one
 * step for every other thread that writes to the FILE. */
static void *writer_flockfile(void *p)
{
    writer_arg *w = p;
    char head[16], body[48];
    for (unsigned long k = 0; k < w->ctx->iterations; k++) {
        record_parts(head, body, w->index, k);
        flockfile(log_file);
        fputs(head, log_file);
        fputs(body, log_file);
        fputs("\n", log_file);
        funlockfile(log_file);
    }
    return NULL;
}

/* Fix 2: build the record in a private buffer and write it in one call, which
 * glibc performs under the FILE's lock: one call, one whole record. */
static void *writer_one_call(void *p)
{
    writer_arg *w = p;
    char head[16], body[48], line[80];
    for (unsigned long k = 0; k < w->ctx->iterations; k++) {
        record_parts(head, body, w->index, k);
        snprintf(line, sizeof line, "%s%s\n", head, body);
        fputs(line, log_file);
    }
    return NULL;
}

/* Reads the file back: every line must be one whole record, and every
 * record must be there. */
static void check(tl_ctx *ctx)
{
    if (fflush(log_file) != 0)
        abort();
    rewind(log_file);
    unsigned long whole = 0, broken = 0;
    char line[256];
    while (fgets(line, sizeof line, log_file)) {
        unsigned a, b;
        unsigned long k;
        int end = 0;
        if (sscanf(line, "[w%u] event %lu of w%u%n", &a, &k, &b, &end) == 3 && a == b &&
            line[end] == '\n')
            whole++;
        else
            broken++;
    }
    unsigned long expected = ctx->threads * ctx->iterations;
    tl_oracle(ctx, "every line one whole record", whole == expected && broken == 0,
              "%lu whole records of %lu, %lu broken lines", whole, expected, broken);
}

static void run(tl_ctx *ctx, void *(*writer)(void *))
{
    /* tmpfile(): a file of the scenario's own that is deleted when closed (and
     * already has no name in the directory). */
    log_file = tmpfile();
    if (!log_file) {
        perror("tmpfile");
        abort();
    }
    tl_thread_t t[MAX_WRITERS];
    writer_arg args[MAX_WRITERS];
    for (unsigned i = 0; i < ctx->threads; i++) {
        char name[16];
        snprintf(name, sizeof name, "writer-%u", i % 10u);
        args[i] = (writer_arg){ctx, i};
        tl_thread_start(&t[i], name, writer, &args[i]);
    }
    for (unsigned i = 0; i < ctx->threads; i++)
        tl_thread_join(&t[i]);
    check(ctx);
    fclose(log_file);
}

static void buggy(tl_ctx *ctx) { run(ctx, writer_parts); }
static void fixed(tl_ctx *ctx) { run(ctx, writer_flockfile); }
static void fixed_one_call(tl_ctx *ctx) { run(ctx, writer_one_call); }

TL_SCENARIO(race_stdio_records) = {
    .name = "race.stdio_records",
    .category = "race",
    .summary = "records written in several fputs calls to one FILE interleave",
    .concept = "open files are shared: one FILE, thread-safe calls, unsafe sequences",
    .teaching =
        "A FILE such as stdout or a log file is shared by every thread of the process, and "
        "POSIX makes each stdio call thread-safe: glibc takes the FILE's lock inside every "
        "fputs, so no call tears another. But a record written in three calls - head, body, "
        "newline - is three steps, and another thread's record can come between any two of "
        "them: thread-safe calls do not make a thread-safe sequence (the same lesson as "
        "atomicity.load_then_store, with a library's lock instead of atomics). The buggy "
        "variant forces it once: writer 0 writes its head, writer 1 a whole record, writer "
        "0 the rest, so two lines come out broken; reading the file back shows them. Fix 1 "
        "holds the FILE's own lock over the whole record with flockfile()/funlockfile() - "
        "the lock each call takes inside, recursive for that reason. Fix 2 builds the "
        "record in a private buffer and writes it in one call.",
    .detector_note = "TSan is silent here, by design: glibc locks the FILE inside every "
                     "call, and its own code is not instrumented, so no access of the "
                     "process's instrumented code races - the calls are each correct, only "
                     "their order is wrong. Helgrind and DRD are silent too. Only the oracle, "
                     "reading the file back, shows the broken records, under every detector.",
    .threads = 2, .min_threads = 2, .max_threads = MAX_WRITERS,
    .iterations = 100, .max_iterations = 100000,
    .own_locking = "its fixes use the FILE's own lock (flockfile) or one stdio call; no lock "
                   "of the lab's",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "oracle:violated",
         .about = "a record as three fputs calls, without flockfile"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "flockfile()/funlockfile() around the record's three calls"},
        {.name = "fixed-one-call", .role = TL_ROLE_FIXED, .entry = fixed_one_call, .expect = "",
         .about = "the record formatted in a private buffer, written in one fputs"},
    },
};
