/* SPDX-License-Identifier: MIT */
/* eventloop.echo_styles: one loopback echo server written in the book's
 * styles - thread per connection, process per connection, event loop - each
 * counting the bytes it echoed in one statistic. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tl_loop.h"
#include "tl_scenario.h"

/* Every message is this long, so a client knows when its echo is complete
 * whatever pieces TCP cuts it into. */
enum { MSG = 16, MAX_CONNS = 8, IO_TIMEOUT_S = 20 };

static int listen_fd;
static struct sockaddr_in server_addr;
static unsigned nconns;
static unsigned long per_conn;

/* The server's statistic: bytes echoed, shared by every connection. */
static unsigned long bytes_echoed;
static tl_atomic_u32 bytes_echoed_atomic;

/* --- the clients (threads of the host, like any client program) --------------- */
static tl_atomic_u32 client_errors; /* the oracle's bookkeeping */

static bool read_exactly(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

static bool write_all(int fd, const char *buf, size_t n)
{
    size_t put = 0;
    while (put < n) {
        ssize_t w = write(fd, buf + put, n - put);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        put += (size_t)w;
    }
    return true;
}

static void *client(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {IO_TIMEOUT_S, 0}; /* bounded: a dead server fails the client */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr) == 0;
    for (unsigned long i = 0; ok && i < per_conn; i++) {
        char msg[MSG + 1], echo[MSG];
        snprintf(msg, sizeof msg, "c%02u-m%06lu-echo", id % 100, i % 1000000);
        ok = write_all(fd, msg, MSG) && read_exactly(fd, echo, MSG) &&
             memcmp(msg, echo, MSG) == 0;
    }
    if (!ok)
        tl_atomic_fetch_add_u32(&client_errors, 1, tl_relaxed);
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* --- thread per connection ------------------------------------------------------ */
static tl_turns_t turns = TL_TURNS_INIT;
static bool use_atomic; /* the variant; set before any thread starts */

typedef struct {
    int fd;
    unsigned index; /* accept order */
    tl_thread_t thread;
} connection;

/* Buggy: counted with a plain read-modify-write. The first message of the
 * first two connections is forced into one lost update (connection 0 reads
 * the total, connection 1 adds its bytes, connection 0 writes its stale sum
 * back): the race is shown on every run, not when the scheduler obliges. */
static void count_unsynchronised(const connection *c, unsigned long n, bool first)
{
    if (first && c->index == 0) {
        unsigned long seen = bytes_echoed;
        tl_turn_pass(&turns);
        tl_turn_wait(&turns, 2);
        bytes_echoed = seen + n;
    } else if (first && c->index == 1) {
        tl_turn_wait(&turns, 1);
        bytes_echoed += n;
        tl_turn_pass(&turns);
    } else {
        bytes_echoed += n;
    }
}

static void *serve_connection(void *arg)
{
    connection *c = arg;
    char buf[256];
    bool first = true;
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (!write_all(c->fd, buf, (size_t)n))
            break;
        if (use_atomic)
            /* relaxed: a count read only after every connection is joined. */
            tl_atomic_fetch_add_u32(&bytes_echoed_atomic, (uint32_t)n, tl_relaxed);
        else
            count_unsynchronised(c, (unsigned long)n, first);
        first = false;
    }
    close(c->fd);
    return NULL;
}

static connection conns[MAX_CONNS];

static unsigned long thread_per_connection(void)
{
    for (unsigned i = 0; i < nconns; i++) {
        conns[i].fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        conns[i].index = i;
        if (conns[i].fd < 0)
            return 0;
        const char *name = i == 0 ? "conn-0" : i == 1 ? "conn-1" : "conn";
        tl_thread_start(&conns[i].thread, name, serve_connection, &conns[i]);
    }
    for (unsigned i = 0; i < nconns; i++)
        tl_thread_join(&conns[i].thread);
    return use_atomic ? tl_atomic_load_u32(&bytes_echoed_atomic, tl_relaxed) : bytes_echoed;
}

/* --- process per connection ------------------------------------------------------ */
/* The child: a copy of the parent that runs only this - reads, writes and
 * _exit, no allocation, no lock, no thread - because it was forked from a
 * process with other threads, whose locks it may have copied held. Its
 * bytes_echoed is its own copy; the parent hears the count only because the
 * child writes it to the pipe (one write of 8 bytes: atomic on a pipe). */
/* A forked child holds a copy of every descriptor its parent had open -
 * here the clients' own sockets too. A copy of a client's socket kept open
 * in a child means that client's close never reaches its server as end of
 * file, and the servers wait for ever. So the child closes every descriptor
 * above stderr except its connection and the report pipe. */
static void close_range_raw(unsigned lo, unsigned hi)
{
    if (lo > hi)
        return;
#if defined(SYS_close_range)
    if (syscall(SYS_close_range, lo, hi, 0) == 0)
        return;
#endif
    for (unsigned f = lo; f <= hi && f < 4096; f++) /* kernels before 5.9 */
        close((int)f);
}

static void close_all_but(int a, int b)
{
    unsigned lo = (unsigned)(a < b ? a : b), hi = (unsigned)(a < b ? b : a);
    close_range_raw(3, lo - 1);
    close_range_raw(lo + 1, hi - 1);
    close_range_raw(hi + 1, ~0u);
}

static void child_serves(int fd, int report_fd)
{
    char buf[256];
    close_all_but(fd, report_fd);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || !write_all(fd, buf, (size_t)n))
            break;
        bytes_echoed += (unsigned long)n; /* the child's copy */
    }
    uint64_t count = bytes_echoed;
    _exit(write(report_fd, &count, sizeof count) == sizeof count ? 0 : 1);
}

static unsigned long parent_counter_after_fork;

static unsigned long process_per_connection(tl_ctx *ctx)
{
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0)
        return 0;
    pid_t pid[MAX_CONNS];
    unsigned forked = 0;
    for (unsigned i = 0; i < nconns; i++) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            break;
        pid[forked] = fork();
        if (pid[forked] == 0)
            child_serves(fd, report[1]); /* never returns */
        close(fd); /* the child has its own copy of the connection */
        if (pid[forked] > 0)
            forked++;
    }
    close(report[1]);
    unsigned long reported = 0;
    uint64_t count;
    while (read_exactly(report[0], (char *)&count, sizeof count))
        reported += count;
    close(report[0]);
    unsigned failed = 0;
    for (unsigned i = 0; i < forked; i++) {
        int status;
        if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            failed++;
    }
    tl_oracle(ctx, "every connection process exited cleanly", failed == 0 && forked == nconns,
              "%u of %u forked, %u failed", forked, nconns, failed);
    parent_counter_after_fork = bytes_echoed; /* the parent's own: never touched */
    return reported;
}

/* --- the event loop ---------------------------------------------------------------- */
static unsigned closed_conns; /* loop-owned */

static void on_echo(tl_loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    (void)arg;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    /* Small messages, one in flight per client: the socket's send buffer
     * always has room, so the echo is written whole without blocking. */
    if (n > 0 && write_all(fd, buf, (size_t)n)) {
        bytes_echoed += (unsigned long)n; /* loop-owned: only this thread counts */
        return;
    }
    tl_loop_unwatch(loop, fd);
    close(fd);
    if (++closed_conns == nconns)
        tl_loop_stop(loop);
}

static void on_accept(tl_loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    (void)arg;
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn >= 0)
        tl_loop_watch(loop, conn, TL_LOOP_READ, on_echo, NULL);
}

static unsigned long event_loop(void)
{
    tl_loop *loop = tl_loop_new("echo-server");
    fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
    tl_loop_watch(loop, listen_fd, TL_LOOP_READ, on_accept, NULL);
    tl_loop_run(loop); /* on this thread: one thread serves every connection */
    tl_loop_destroy(loop);
    return bytes_echoed;
}

/* --- the run ----------------------------------------------------------------------- */
typedef enum { THREADS_RACY, THREADS_ATOMIC, PROCESSES, LOOP } style;

static void run(tl_ctx *ctx, style how)
{
    nconns = ctx->threads;
    per_conn = ctx->iterations;
    use_atomic = how == THREADS_ATOMIC;
    tl_oracle_words(&client_errors, sizeof client_errors);
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    server_addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = 0,
                                       .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof server_addr;
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&server_addr, sizeof server_addr) ||
        listen(listen_fd, MAX_CONNS) ||
        getsockname(listen_fd, (struct sockaddr *)&server_addr, &len)) {
        tl_oracle(ctx, "setup", false, "listening on 127.0.0.1: %s", strerror(errno));
        return;
    }
    tl_thread_t clients[MAX_CONNS];
    for (unsigned i = 0; i < nconns; i++)
        tl_thread_start(&clients[i], "client", client, (void *)(uintptr_t)i);
    unsigned long counted = how == PROCESSES ? process_per_connection(ctx)
                            : how == LOOP    ? event_loop()
                                             : thread_per_connection();
    for (unsigned i = 0; i < nconns; i++)
        tl_thread_join(&clients[i]);
    close(listen_fd);
    uint32_t errors = tl_atomic_load_u32(&client_errors, tl_relaxed);
    tl_oracle(ctx, "every client got every echo back", errors == 0, "%u client(s) failed",
              errors);
    tl_oracle_expect_u64(ctx, "bytes echoed, as the server counted them",
                         (uint64_t)nconns * per_conn * MSG, counted);
    if (how == PROCESSES)
        /* The teaching point, checked: a child's additions never reach the
         * parent's memory; only what the children reported is known. */
        tl_oracle(ctx, "children's counts never reach the parent's counter",
                  parent_counter_after_fork == 0,
                  "the parent's counter reads %lu; the %lu bytes came back through the pipe",
                  parent_counter_after_fork, counted);
    tl_note(ctx, "127.0.0.1:%u, %u connection(s) x %lu message(s) of %d bytes",
            ntohs(server_addr.sin_port), nconns, per_conn, MSG);
}

static void buggy(tl_ctx *ctx) { run(ctx, THREADS_RACY); }
static void fixed_atomic(tl_ctx *ctx) { run(ctx, THREADS_ATOMIC); }
static void fixed_fork(tl_ctx *ctx) { run(ctx, PROCESSES); }
static void fixed_loop(tl_ctx *ctx) { run(ctx, LOOP); }

TL_SCENARIO(eventloop_echo_styles) = {
    .name = "eventloop.echo_styles",
    .category = "eventloop",
    .summary = "an echo server per connection in threads, in processes, and as an event loop",
    .concept = "process per connection, thread per connection, event loop",
    .teaching =
        "The same loopback echo server in the book's three styles, each counting the bytes it "
        "echoed. Thread per connection is cheap to write, but the threads share the "
        "process's memory: the buggy variant adds to one global counter from every "
        "connection's thread without synchronisation, and two connections' read-modify-"
        "write steps interleave (forced here on the first message) so bytes go uncounted - "
        "a data race. fixed-atomic makes the addition one atomic step. fixed-fork serves "
        "each connection in its own process: nothing is shared, so there is no race, but "
        "also no shared counter - each child adds to its own copy, the parent's stays at "
        "zero, and the total exists only because every child reports its count back through "
        "a pipe (processes talk through IPC, threads through memory). The child, forked from "
        "a process with threads, only reads, writes and exits: it inherited copies of "
        "locks other threads may have held, and a copy of every open descriptor, which it "
        "closes first (a client's socket still open in some child would keep that client's "
        "server from ever seeing end of file). fixed-loop is the event loop: one thread "
        "watches the listening socket and every connection with epoll and echoes whatever "
        "is ready; the counter has one owner, the loop thread, and needs no lock. At the "
        "C10K scale the loop is what remains affordable: no stack and no process per "
        "connection.",
    .detector_note = "TSan reports the connection threads' unsynchronised additions as a "
                     "data race; the oracle sees the lost bytes, also under --detector none. "
                     "The forked children are single-threaded copies: TSan follows them "
                     "without complaint as long as they start no thread.",
    .threads = 3, .min_threads = 2, .max_threads = MAX_CONNS,
    .iterations = 20, .max_iterations = 1000,
    .own_locking = "the fix is an atomic counter, separate processes, or a single owner",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "thread per connection; the shared byte counter is a plain read-modify-"
                  "write, one lost update forced"},
        {.name = "fixed-atomic", .role = TL_ROLE_FIXED, .entry = fixed_atomic, .expect = "",
         .about = "thread per connection; the counter is one atomic fetch-and-add"},
        {.name = "fixed-fork", .role = TL_ROLE_FIXED, .entry = fixed_fork, .expect = "",
         .about = "process per connection: nothing shared; each child reports its count "
                  "through a pipe"},
        {.name = "fixed-loop", .role = TL_ROLE_FIXED, .entry = fixed_loop, .expect = "",
         .about = "one event-loop thread serves every connection; the counter has one owner"},
    },
};
