/* SPDX-License-Identifier: MIT */
/* race.file_offset: two threads lseek + write on one descriptor. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tl_scenario.h"

/* A file of fixed-size records, each in its own slot: writer t's record k
 * goes to slot k * threads + t. The descriptor - and with it the kernel's
 * file offset - is shared by every thread of the process. */
enum { REC = 16, MAX_WRITERS = 8 };

static int fd = -1;
static tl_turns_t turns = TL_TURNS_INIT;

typedef struct {
    tl_ctx *ctx;
    unsigned index;
} writer_arg;

static void format_record(char rec[REC + 1], unsigned writer, unsigned long k)
{
    snprintf(rec, REC + 1, "w%u rec %06lu  \n", writer, k % 1000000);
}

static void must_write(ssize_t n, const char *what)
{
    if (n != REC) {
        perror(what);
        abort();
    }
}

static off_t slot_offset(tl_ctx *ctx, unsigned writer, unsigned long k)
{
    return (off_t)(k * ctx->threads + writer) * REC;
}

/* Buggy: "go to my slot, then write" is two system calls on one shared
 * offset. Another thread's lseek or write between them moves the offset, and
 * the record lands where that thread left it. Forced once: writer 0 seeks to
 * slot 0; writer 1 seeks to slot 1 and writes (the offset is now slot 2);
 * writer 0 writes - into slot 2, which its next record (slot 2 is its own)
 * then overwrites. Writer 0's record 0 is lost and slot 0 stays a hole, for
 * good: nothing else ever seeks to slot 0. The rest runs freely. */
static void *writer_seek(void *p)
{
    writer_arg *w = p;
    tl_ctx *ctx = w->ctx;
    char rec[REC + 1];
    for (unsigned long k = 0; k < ctx->iterations; k++) {
        format_record(rec, w->index, k);
        if (w->index == 1 && k == 0)
            tl_turn_wait(&turns, 1); /* after writer 0's first seek */
        if (w->index == 1 && k == 1)
            tl_turn_wait(&turns, 3); /* after writer 0's second record */
        lseek(fd, slot_offset(ctx, w->index, k), SEEK_SET);
        if (w->index == 0 && k == 0) {
            tl_turn_pass(&turns);    /* step 1: writer 0 has sought */
            tl_turn_wait(&turns, 2); /* writer 1 seeks and writes meanwhile */
        }
        must_write(write(fd, rec, REC), "write");
        if ((w->index == 1 && k == 0) || (w->index == 0 && k == 1))
            tl_turn_pass(&turns);    /* steps 2 and 3 */
    }
    return NULL;
}

/* Fix 1: pwrite takes the offset as an argument and neither reads nor moves
 * the shared one: placing and writing the record is one system call. */
static void *writer_pwrite(void *p)
{
    writer_arg *w = p;
    tl_ctx *ctx = w->ctx;
    char rec[REC + 1];
    for (unsigned long k = 0; k < ctx->iterations; k++) {
        format_record(rec, w->index, k);
        must_write(pwrite(fd, rec, REC, slot_offset(ctx, w->index, k)), "pwrite");
    }
    return NULL;
}

/* Fix 2: O_APPEND. The kernel moves the offset to the end and writes in one
 * step under the file's lock, so no write lands on another; the records are
 * then in arrival order, not in slots (a log). */
static void *writer_append(void *p)
{
    writer_arg *w = p;
    char rec[REC + 1];
    for (unsigned long k = 0; k < w->ctx->iterations; k++) {
        format_record(rec, w->index, k);
        must_write(write(fd, rec, REC), "write");
    }
    return NULL;
}

/* Reads the file back: every record written must be there exactly once,
 * whole, and no slot may be a hole. */
static void check(tl_ctx *ctx)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        abort();
    unsigned long expected = ctx->threads * ctx->iterations;
    unsigned long slots = (unsigned long)st.st_size / REC, holes = 0, found = 0, dups = 0;
    unsigned char *seen = calloc(expected, 1);
    char *data = malloc((size_t)st.st_size + 1);
    if (!seen || !data || pread(fd, data, (size_t)st.st_size, 0) != st.st_size)
        abort();
    for (unsigned long s = 0; s < slots; s++) {
        const char *r = data + s * REC;
        unsigned writer;
        unsigned long k;
        if (r[0] == '\0') {
            holes++;
            continue;
        }
        if (sscanf(r, "w%u rec %lu", &writer, &k) != 2 || writer >= ctx->threads ||
            k >= ctx->iterations)
            continue;
        unsigned long id = k * ctx->threads + writer;
        if (seen[id]++)
            dups++;
        else
            found++;
    }
    tl_oracle(ctx, "every record in the file once", found == expected && holes == 0 && dups == 0,
              "%lu of %lu records found, %lu lost, %lu holes, %lu duplicates (%lu bytes)",
              found, expected, expected - found, holes, dups, slots * REC);
    free(seen);
    free(data);
}

static void run(tl_ctx *ctx, void *(*writer)(void *), bool append)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/threadlab-file-offset-XXXXXX", dir && *dir ? dir : "/tmp");
    fd = mkstemp(path);
    if (fd < 0) {
        perror(path);
        abort();
    }
    unlink(path); /* the scenario's file: gone from the directory at once, even if
                   * the run dies; the descriptor keeps it until close */
    if (append && fcntl(fd, F_SETFL, O_APPEND) != 0)
        abort();
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
    close(fd);
}

static void buggy(tl_ctx *ctx) { run(ctx, writer_seek, false); }
static void fixed(tl_ctx *ctx) { run(ctx, writer_pwrite, false); }
static void fixed_append(tl_ctx *ctx) { run(ctx, writer_append, true); }

TL_SCENARIO(race_file_offset) = {
    .name = "race.file_offset",
    .category = "race",
    .summary = "lseek + write on one shared descriptor: records land in the wrong place",
    .concept = "open files are shared: one descriptor, one file offset",
    .teaching =
        "Open files belong to the process, not to a thread: every thread that uses a "
        "descriptor uses the same open file, and the same file offset the kernel keeps for "
        "it. Writing a record at its place as lseek() then write() is two system calls on "
        "that one offset, and another thread's lseek or write between them moves it: the "
        "record lands wherever the other thread left the offset, over someone else's "
        "record or its own next one. The buggy variant forces that once - writer 0 seeks "
        "to slot 0, writer 1 seeks to slot 1 and writes, writer 0 writes into slot 2, where "
        "its next record overwrites it - so a record is lost and slot 0 stays a hole; "
        "reading the file back shows it. This is the check-then-act pattern of "
        "race.check_then_act on kernel state. Fix 1 uses pwrite(), which takes the "
        "offset as an argument and leaves the shared one alone: one call places and writes. "
        "Fix 2 opens the file O_APPEND, so that the kernel moves to the end and writes as "
        "one step: a log whose records never overwrite each other, in arrival order.",
    .detector_note = "TSan is silent here, by design: the file offset is the kernel's state, "
                     "not memory of the process, and each system call is indivisible in the "
                     "kernel, so no instrumented access races. Helgrind and DRD are silent "
                     "for the same reason. Only the oracle, reading the file back, shows the "
                     "lost record and the hole - under every detector.",
    .threads = 2, .min_threads = 2, .max_threads = MAX_WRITERS,
    .iterations = 100, .max_iterations = 100000,
    .own_locking = "its fixes use the kernel's own indivisible calls (pwrite, O_APPEND); no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "oracle:violated",
         .about = "lseek() to the record's slot, then write(), on one shared descriptor"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "pwrite() at the slot's offset: one call, the shared offset untouched"},
        {.name = "fixed-append", .role = TL_ROLE_FIXED, .entry = fixed_append, .expect = "",
         .about = "O_APPEND: the kernel seeks to the end and writes as one step (a log)"},
    },
};
