/* SPDX-License-Identifier: MIT */
/* eventloop.blocking_callback: one callback that blocks holds up every other
 * connection and timer of its event loop; handing the blocking work to a
 * worker thread, which posts the result back, keeps the loop serving. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tl_loop.h"
#include "tl_scenario.h"

/* Two connections (socketpairs with message boundaries: each read is one
 * request) and a "database" the lookup of connection A must ask. The
 * database answers only once client B has been served: it stands for a slow
 * backend, and makes the order of events - not their timing - decide the
 * outcome. A loop that blocks on the database while B waits can never serve
 * B, so the database never answers: the stall is certain, and the monitor's
 * verdict (or the run's deadline) ends it. */
enum { END_CLIENT, END_SERVER };
static int conn_a[2], conn_b[2], db[2];
static tl_loop *loop;
static tl_tsem_t a_started; /* the loop began A's lookup: B may send */
static tl_tsem_t b_served;  /* B got its answer: the database may answer */
static bool blocking;       /* the variant; set before any thread starts */

/* Loop-owned: touched by the loop thread only. */
static unsigned served, ticks;
static long lookups_done;

static void on_heartbeat(tl_loop *l, void *arg)
{
    (void)l;
    (void)arg;
    ticks++; /* a periodic duty, e.g. closing idle connections */
}

static void reply(int fd, const char *msg)
{
    ssize_t n = write(fd, msg, strlen(msg));
    TL_KEEP(n);
}

static void answered(void)
{
    if (++served == 2)
        tl_loop_stop(loop);
}

/* Fixed: a worker started with the server (creating a thread inside a
 * callback could itself hold the loop: under TSan pthread_create waits for
 * the new thread to start), handed the lookup through a semaphore; its
 * result is posted back to the loop thread. */
typedef struct {
    char answer[32];
    tl_thread_t thread;
    tl_tsem_t ready; /* posted by the loop: the lookup is the worker's */
} lookup_job;
static lookup_job job;

static void on_lookup_done(tl_loop *l, void *arg)
{
    (void)l;
    lookup_job *j = arg;
    lookups_done++;
    reply(conn_a[END_SERVER], j->answer);
    answered();
}

/* The blocking step: ask the database and wait for its answer. */
static void ask_database(char *answer, size_t size)
{
    reply(db[END_SERVER], "lookup");
    ssize_t n = read(db[END_SERVER], answer, size - 1);
    answer[n > 0 ? n : 0] = '\0';
}

static void *lookup_worker(void *arg)
{
    lookup_job *j = arg;
    tl_tsem_wait(&j->ready);
    ask_database(j->answer, sizeof j->answer); /* blocks this worker, not the loop */
    tl_loop_post(loop, on_lookup_done, j);
    return NULL;
}

static void on_request(tl_loop *l, int fd, unsigned events, void *arg)
{
    (void)events;
    (void)arg;
    char req[32];
    ssize_t n = read(fd, req, sizeof req - 1);
    if (n <= 0) {
        tl_loop_unwatch(l, fd);
        return;
    }
    req[n] = '\0';
    if (strcmp(req, "ping") == 0) {
        reply(fd, "pong");
        answered();
        return;
    }
    /* A's lookup. */
    tl_tsem_post(&a_started);
    if (blocking) {
        char answer[32];
        ask_database(answer, sizeof answer); /* the loop thread waits here */
        lookups_done++;
        reply(fd, answer);
        answered();
    } else {
        tl_tsem_post(&job.ready); /* the worker blocks for it; the loop goes on */
    }
}

static void *loop_main(void *arg)
{
    (void)arg;
    tl_loop_run(loop);
    return NULL;
}

static void *database(void *arg)
{
    (void)arg;
    char q[32];
    ssize_t n = read(db[END_CLIENT], q, sizeof q);
    TL_KEEP(n);
    tl_tsem_wait(&b_served); /* slow: it answers after B is served */
    reply(db[END_CLIENT], "answer-42");
    return NULL;
}

static char got_a[32], got_b[32];

static void *client_a(void *arg)
{
    (void)arg;
    reply(conn_a[END_CLIENT], "lookup");
    ssize_t n = read(conn_a[END_CLIENT], got_a, sizeof got_a - 1);
    got_a[n > 0 ? n : 0] = '\0';
    return NULL;
}

static void *client_b(void *arg)
{
    (void)arg;
    tl_tsem_wait(&a_started); /* forced: B's request comes while A's lookup is on */
    reply(conn_b[END_CLIENT], "ping");
    ssize_t n = read(conn_b[END_CLIENT], got_b, sizeof got_b - 1);
    got_b[n > 0 ? n : 0] = '\0';
    tl_tsem_post(&b_served);
    return NULL;
}

static void run(tl_ctx *ctx, bool block)
{
    blocking = block;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, conn_a) != 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, conn_b) != 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, db) != 0) {
        tl_oracle(ctx, "setup", false, "socketpair: %s", strerror(errno));
        return;
    }
    tl_tsem_init(&a_started, 0, "a_started");
    tl_tsem_init(&b_served, 0, "b_served");
    loop = tl_loop_new("server");
    tl_loop_watch(loop, conn_a[END_SERVER], TL_LOOP_READ, on_request, NULL);
    tl_loop_watch(loop, conn_b[END_SERVER], TL_LOOP_READ, on_request, NULL);
    tl_loop_timer(loop, 2000000, 2000000, on_heartbeat, NULL);
    tl_thread_t lt, dbt, ca, cb;
    tl_tsem_init(&job.ready, 0, "lookup_ready");
    if (!block)
        tl_thread_start(&job.thread, "lookup-worker", lookup_worker, &job);
    tl_thread_start(&lt, "loop", loop_main, NULL);
    tl_thread_start(&dbt, "database", database, NULL);
    tl_thread_start(&ca, "client-a", client_a, NULL);
    tl_thread_start(&cb, "client-b", client_b, NULL);
    tl_thread_join(&ca);
    tl_thread_join(&cb);
    tl_thread_join(&dbt);
    tl_thread_join(&lt);
    if (!block)
        tl_thread_join(&job.thread);
    tl_oracle(ctx, "client B is served while A's lookup is pending", strcmp(got_b, "pong") == 0,
              "B got '%s'", got_b);
    tl_oracle(ctx, "client A gets its lookup", strcmp(got_a, "answer-42") == 0, "A got '%s'",
              got_a);
    tl_oracle_expect_u64(ctx, "requests served", 2, served);
    tl_note(ctx, "the heartbeat timer ticked %u times; %ld lookup(s) done", ticks, lookups_done);
    tl_loop_destroy(loop);
    for (int i = 0; i < 2; i++) {
        close(conn_a[i]);
        close(conn_b[i]);
        close(db[i]);
    }
}

static void buggy(tl_ctx *ctx) { run(ctx, true); }
static void fixed(tl_ctx *ctx) { run(ctx, false); }

TL_SCENARIO(eventloop_blocking_callback) = {
    .name = "eventloop.blocking_callback",
    .category = "eventloop",
    .summary = "a callback that blocks stalls every other connection and timer of its loop",
    .concept = "the event loop must never block",
    .teaching =
        "An event loop serves many connections with one thread: it asks the kernel which "
        "descriptors are ready (epoll_wait) and runs a short callback for each. While a "
        "callback runs, nothing else on that loop does - so a callback must never block. The "
        "buggy server answers connection A's request by asking a database and waiting for the "
        "reply inside the callback. Connection B's ping arrives meanwhile and the heartbeat "
        "timer falls due, but the loop thread is stuck in read(): B is never served, the "
        "timer never fires, and here the database answers only after B is served, so the "
        "wait never ends (a slow backend makes the same stall, only shorter). The live "
        "monitor names it a stalled loop: the callback, the line that registered it, how "
        "long it has held the loop and what waits. The fix is the reactor with workers: the "
        "callback hands the blocking lookup to a worker thread (started with the server, as "
        "a pool's workers are) and returns at once; the worker blocks instead of the loop, "
        "and posts the result back with tl_loop_post, so "
        "the reply is written by the loop thread, which owns the connection. B is served "
        "while A's lookup is pending, and A gets its answer.",
    .detector_note = "No detector sees this: nothing is unsynchronised, the loop thread is "
                     "merely blocked. The live monitor sees the loop's callback outlast its "
                     "bound (20 ms) while a timer is overdue.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its loop's queue uses the lab's mutex, and the fix is a worker thread",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "monitor:stalled-loop",
         .about = "the request callback waits for the database on the loop thread"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the callback hands the lookup to a worker thread, which posts the result "
                  "back to the loop"},
    },
};
