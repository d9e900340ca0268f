/* SPDX-License-Identifier: MIT */
/* process.stdio_double: output buffered before fork() is written twice. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tl_scenario.h"

typedef enum { CHILD_CLOSES_STREAM, CHILD_WRITES_RAW } child_way;

typedef struct {
    tl_ctx *ctx;
    FILE *log;          /* fully buffered, over a pipe the run reads back */
    bool flush_first;   /* fflush(NULL) before fork */
    child_way child;
} run_t;

/* The logger: writes its lines into the stream's buffer. Buffered output is
 * not output yet: it sits in this process's memory until a flush. */
static void *logger(void *arg)
{
    run_t *r = arg;
    for (unsigned long i = 0; i < r->ctx->iterations; i++)
        fprintf(r->log, "log: line %lu\n", i);
    return NULL;
}

static void child_main(run_t *r)
{
    static const char line[] = "child: hello\n";
    if (r->child == CHILD_CLOSES_STREAM) {
        /* As exit() would do to every open stream: flush and close. The
         * flush writes this process's copy of the buffer - the parent's
         * unwritten lines included. (The lab calls fclose on this stream
         * rather than exit(), which would also flush the host's own.) */
        fputs(line, r->log);
        fclose(r->log);
    } else {
        /* Only async-signal-safe calls: write(2) past the buffer, _exit(2)
         * without flushing. The copied buffer dies with the child. */
        ssize_t n = write(fileno(r->log), line, sizeof line - 1);
        (void)n;
    }
    _exit(0);
}

/* The forker: forks, says its own line, closes the stream, and waits. */
static void *forker(void *arg)
{
    run_t *r = arg;
    if (r->flush_first)
        fflush(NULL); /* every stream: the buffers the child gets are empty */
    pid_t pid = fork();
    if (pid == 0)
        child_main(r);
    if (pid < 0)
        tl_oracle(r->ctx, "fork", false, "fork failed: errno %d", errno);
    fputs("parent: done\n", r->log);
    fclose(r->log);
    if (pid > 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            continue;
    }
    return NULL;
}

/* Counts the lines of each kind in everything read from `fd` until EOF
 * (every copy of the write end closed: the child's with its exit). */
static void count_lines(int fd, unsigned long *log, unsigned long *child, unsigned long *parent)
{
    char buf[4096], line[64];
    size_t len = 0;
    ssize_t n;
    *log = *child = *parent = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (len + 1 < sizeof line)
                    line[len++] = buf[i];
                continue;
            }
            line[len] = '\0';
            len = 0;
            *log += strncmp(line, "log: ", 5) == 0;
            *child += strcmp(line, "child: hello") == 0;
            *parent += strcmp(line, "parent: done") == 0;
        }
}

static void run(tl_ctx *ctx, bool flush_first, child_way child)
{
    int fds[2];
    if (pipe(fds) != 0) {
        tl_oracle(ctx, "pipe", false, "pipe failed: errno %d", errno);
        return;
    }
    run_t r = {.ctx = ctx, .flush_first = flush_first, .child = child};
    r.log = fdopen(fds[1], "w");
    /* Fully buffered, as a stream to a pipe or file is by default; the
     * buffer holds every line the logger writes (8 KiB: at most 64 lines
     * of under 32 bytes each, see max_iterations). */
    static char buffer[8192];
    setvbuf(r.log, buffer, _IOFBF, sizeof buffer);
    tl_thread_t t;
    tl_thread_start(&t, "logger", logger, &r);
    tl_thread_join(&t);
    tl_thread_start(&t, "forker", forker, &r);
    tl_thread_join(&t);
    unsigned long log, child_lines, parent_lines;
    count_lines(fds[0], &log, &child_lines, &parent_lines);
    close(fds[0]);
    tl_oracle_expect_u64(ctx, "log lines read back", ctx->iterations, log);
    tl_oracle_expect_u64(ctx, "child lines read back", 1, child_lines);
    tl_oracle_expect_u64(ctx, "parent lines read back", 1, parent_lines);
}

static void buggy(tl_ctx *ctx) { run(ctx, false, CHILD_CLOSES_STREAM); }
static void fixed_fflush(tl_ctx *ctx) { run(ctx, true, CHILD_CLOSES_STREAM); }
static void fixed_exit(tl_ctx *ctx) { run(ctx, false, CHILD_WRITES_RAW); }

TL_SCENARIO(process_stdio_double) = {
    .name = "process.stdio_double",
    .category = "process",
    .summary = "output buffered before fork() is written twice",
    .concept = "fork copies memory: a stdio buffer too",
    .teaching =
        "fork() copies the process's memory, and a stdio stream's buffer is memory: lines "
        "a program has printf'ed but not yet flushed are not output yet, they sit in the "
        "buffer - and after fork they sit in two buffers. Thread 'logger' writes its lines "
        "into a fully buffered stream (a pipe, read back by the run), thread 'forker' "
        "forks, and the child ends as exit() ends a process: flushing every stream. The "
        "child writes its copy of the parent's unwritten lines, the parent writes them "
        "again at its own flush: every log line arrives twice (the oracle counts them). "
        "On a terminal stdout is line-buffered and the bug hides; redirect the output to a "
        "file or pipe and it appears. Fix 1 flushes every stream (fflush(NULL)) before "
        "fork, so the buffers the child inherits are empty. Fix 2 keeps the child off the "
        "buffer: it writes with write(2) and ends with _exit(2), which flushes nothing - "
        "and both are async-signal-safe, which is all the child of a multithreaded "
        "process may call.",
    .detector_note =
        "Nothing for a race detector to see: one thread writes the stream at a time "
        "(joined), and the duplicate is written by another process. The oracle reads "
        "back what reached the pipe and counts the lines. The buggy child uses stdio, "
        "which is not async-signal-safe; it is safe here only because no other thread "
        "touches this stream at the fork (process.fork_with_lock_held shows what happens "
        "when one does), and the child starts no thread, as TSan requires.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 3, .max_iterations = 64,
    .own_locking = "its variants take no lock: the point is a stream's buffer across fork",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "lines buffered before fork; the child flushes its copy as exit() would"},
        {.name = "fixed-fflush", .role = TL_ROLE_FIXED, .entry = fixed_fflush, .expect = "",
         .about = "fflush(NULL) before fork: the child inherits empty buffers"},
        {.name = "fixed-exit", .role = TL_ROLE_FIXED, .entry = fixed_exit, .expect = "",
         .about = "the child writes with write(2) and ends with _exit(2): no flush of the "
                  "copied buffer"},
    },
};
