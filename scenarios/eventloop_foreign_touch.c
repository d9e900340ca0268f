/* SPDX-License-Identifier: MIT */
/* eventloop.foreign_touch: a worker thread updates state the event loop owns
 * directly (a data race with the loop thread) instead of posting the change
 * back to the loop. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tl_loop.h"
#include "tl_scenario.h"

/* The loop's own statistics: by the loop's rule, read and written only by
 * the loop thread, so they need no lock. */
typedef struct {
    unsigned long requests;  /* requests received */
    unsigned long completed; /* requests whose slow work is done */
} server_stats;
static server_stats stats;

static tl_loop *loop;
static pthread_t loop_thread;
static int conn[2];
static bool post_back; /* the variant; set before any thread starts */
static tl_thread_t worker;
/* The loop hands the request's slow part to the worker through it. The
 * worker is started with the server, as a pool's are: creating a thread
 * inside a callback could itself hold the loop up. */
static tl_tsem_t work_ready;
/* The oracle's bookkeeping: changes to the loop's state made by another
 * thread. Atomic, so it is no race of its own. */
static tl_atomic_u32 foreign_changes;
/* Set (relaxed) by the worker once it has done its part: the loop's report
 * timer polls it. relaxed on purpose - in the buggy variant it must give
 * the loop no happens-before edge from the worker's write, or TSan would
 * see the accesses ordered (on x86-64 the write is visible by then anyway);
 * in the fixed variant the queue orders everything, the flag nothing. */
static tl_atomic_u32 worker_done;

static void count_completed(void)
{
    if (!pthread_equal(pthread_self(), loop_thread))
        tl_atomic_fetch_add_u32(&foreign_changes, 1, tl_relaxed);
    stats.completed++;
}

/* Fixed: the change, run by the loop thread. */
static void on_work_done(tl_loop *l, void *arg)
{
    (void)l;
    (void)arg;
    count_completed();
}

static void *slow_work(void *arg)
{
    (void)arg;
    tl_tsem_wait(&work_ready);
    /* ... the slow part of the request, off the loop ... */
    if (post_back)
        tl_loop_post(loop, on_work_done, NULL); /* the loop applies it */
    else
        count_completed(); /* the worker writes the loop's state itself */
    tl_atomic_store_u32(&worker_done, 1, tl_relaxed);
    return NULL;
}

static void on_request(tl_loop *l, int fd, unsigned events, void *arg)
{
    (void)l;
    (void)events;
    (void)arg;
    char req[32];
    if (read(fd, req, sizeof req) <= 0)
        return;
    stats.requests++;
    tl_tsem_post(&work_ready); /* the worker takes it from here */
}

/* The loop's periodic report, which reads its own statistics: once the
 * worker is through, the in-flight count is reported and the server stops. */
static unsigned long in_flight_seen = ~0ul;

static void on_report(tl_loop *l, void *arg)
{
    (void)arg;
    if (!tl_atomic_load_u32(&worker_done, tl_relaxed))
        return;
    unsigned long in_flight = stats.requests - stats.completed;
    if (in_flight == 0 || !post_back) {
        in_flight_seen = in_flight;
        tl_loop_stop(l);
    }
}

static void *loop_main(void *arg)
{
    (void)arg;
    loop_thread = pthread_self();
    tl_loop_run(loop);
    return NULL;
}

static void run(tl_ctx *ctx, bool post)
{
    post_back = post;
    tl_oracle_words(&foreign_changes, sizeof foreign_changes);
    tl_oracle_words(&worker_done, sizeof worker_done);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, conn) != 0) {
        tl_oracle(ctx, "setup", false, "socketpair: %s", strerror(errno));
        return;
    }
    loop = tl_loop_new("server");
    tl_loop_watch(loop, conn[1], TL_LOOP_READ, on_request, NULL);
    tl_loop_timer(loop, 1000000, 1000000, on_report, NULL);
    tl_thread_t lt;
    tl_tsem_init(&work_ready, 0, "work_ready");
    tl_thread_start(&worker, "worker", slow_work, NULL);
    tl_thread_start(&lt, "loop", loop_main, NULL);
    ssize_t n = write(conn[0], "work", 4); /* one request */
    TL_KEEP(n);
    tl_thread_join(&lt);
    tl_thread_join(&worker);
    uint32_t foreign = tl_atomic_load_u32(&foreign_changes, tl_relaxed);
    tl_oracle(ctx, "only the loop thread changes the loop's state", foreign == 0,
              "%u change(s) to the loop's statistics made by another thread", foreign);
    tl_oracle_expect_u64(ctx, "completed requests", 1, stats.completed);
    tl_note(ctx, "the loop's report saw %lu request(s) in flight", in_flight_seen);
    tl_loop_destroy(loop);
    close(conn[0]);
    close(conn[1]);
}

static void buggy(tl_ctx *ctx) { run(ctx, false); }
static void fixed(tl_ctx *ctx) { run(ctx, true); }

TL_SCENARIO(eventloop_foreign_touch) = {
    .name = "eventloop.foreign_touch",
    .category = "eventloop",
    .summary = "a worker thread writes state the event loop owns instead of posting to it",
    .concept = "event loop + workers: results go back through the loop",
    .teaching =
        "An event loop's state - its connections, buffers, statistics - is touched by the "
        "loop thread only, and that single owner is why it needs no lock. The reactor adds "
        "worker threads for slow work, and the work's result must come back to the loop. The "
        "buggy worker updates the loop's statistics itself (completed++) while the loop "
        "thread reads them in its periodic report: two threads, one plain variable, no "
        "synchronisation - a data race, and the loop's 'no lock needed' reasoning is broken "
        "behind its back. The fix keeps the single owner: the worker posts a function to the "
        "loop (tl_loop_post) and the loop thread applies the change. The post goes through "
        "the loop's queue, whose lock orders everything the worker did before posting before "
        "the posted function runs - the same hand-off the book's reactor makes when a worker "
        "returns its result to the loop.",
    .detector_note = "TSan reports the worker's write and the loop's read of the statistics "
                     "as a data race; the oracle counts changes made off the loop thread, "
                     "which --detector none shows too.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "the loop's state is owned by the loop thread; its queue has its own mutex",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "the worker writes the loop's statistics itself"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the worker posts the change to the loop thread, which applies it"},
    },
};
