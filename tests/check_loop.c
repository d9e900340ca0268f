/* SPDX-License-Identifier: MIT */
/* The event loop (tl_loop.h): posted work runs on the loop thread and in
 * order, timers fire (one-shot once, periodic until cancelled), an fd
 * callback sees the data written to its fd, stop from another thread ends
 * run, and the loop refuses registrations from a foreign thread while it
 * runs. Nothing here depends on how long anything takes; the deadlines are
 * Check's. In tests/unit-tsan the same run under TSan, which fails on any
 * report: the posts' data must reach the loop thread through the queue. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "suites.h"
#include "tl_atomic.h"
#include "tl_loop.h"

enum { POSTERS = 2, POSTS = 200 };

/* --- posted work: on the loop thread, in each poster's order ------------------ */
typedef struct {
    tl_loop *loop;
    pthread_t loop_thread;
    int seen[POSTERS * POSTS];   /* loop thread only */
    int nseen;
    int off_thread;              /* posts that ran on another thread */
    unsigned payload[POSTERS][POSTS]; /* written by the poster, read by the loop */
    int payload_bad;
    int done_posters;            /* loop thread only */
} post_state;

typedef struct {
    post_state *st;
    int poster, index;
} post_arg;

static post_arg args[POSTERS][POSTS];

static void on_post(tl_loop *loop, void *p)
{
    post_arg *a = p;
    post_state *st = a->st;
    if (!pthread_equal(pthread_self(), st->loop_thread) || !tl_loop_in_loop_thread(loop))
        st->off_thread++;
    /* Plain data the poster wrote before posting: the queue orders it. */
    if (st->payload[a->poster][a->index] != (unsigned)(a->poster * 100000 + a->index))
        st->payload_bad++;
    st->seen[st->nseen++] = a->poster * POSTS + a->index;
    if (a->index == POSTS - 1 && ++st->done_posters == POSTERS)
        tl_loop_stop(loop);
}

static post_state pst;

static void *poster(void *p)
{
    int who = (int)(intptr_t)p;
    for (int i = 0; i < POSTS; i++) {
        pst.payload[who][i] = (unsigned)(who * 100000 + i);
        args[who][i] = (post_arg){.st = &pst, .poster = who, .index = i};
        ck_assert_int_eq(tl_loop_post(pst.loop, on_post, &args[who][i]), 0);
    }
    return NULL;
}

START_TEST(test_posts_run_on_loop_thread_in_order)
{
    memset(&pst, 0, sizeof pst);
    pst.loop = tl_loop_new("test-loop");
    ck_assert_ptr_nonnull(pst.loop);
    pst.loop_thread = pthread_self();
    pthread_t t[POSTERS];
    for (int i = 0; i < POSTERS; i++)
        pthread_create(&t[i], NULL, poster, (void *)(intptr_t)i);
    ck_assert_int_eq(tl_loop_run(pst.loop), 0);
    for (int i = 0; i < POSTERS; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(pst.nseen, POSTERS * POSTS);
    ck_assert_int_eq(pst.off_thread, 0);
    ck_assert_int_eq(pst.payload_bad, 0);
    /* Each poster's posts in the order it made them. */
    int next[POSTERS] = {0};
    for (int i = 0; i < pst.nseen; i++) {
        int who = pst.seen[i] / POSTS, index = pst.seen[i] % POSTS;
        ck_assert_int_eq(index, next[who]);
        next[who]++;
    }
    tl_loop_destroy(pst.loop);
}
END_TEST

/* --- timers ------------------------------------------------------------------ */
typedef struct {
    int once, periodic;
    uint64_t periodic_id;
} timer_state;

static void on_once(tl_loop *loop, void *p)
{
    (void)loop;
    ((timer_state *)p)->once++;
}

static void on_tick(tl_loop *loop, void *p)
{
    timer_state *st = p;
    if (++st->periodic == 5) {
        ck_assert(tl_loop_timer_cancel(loop, st->periodic_id)); /* from its own callback */
        tl_loop_stop(loop);
    }
}

static void on_never(tl_loop *loop, void *p)
{
    (void)loop;
    (void)p;
    ck_abort_msg("a cancelled timer fired");
}

START_TEST(test_timers_fire)
{
    timer_state st = {0};
    tl_loop *loop = tl_loop_new("timers");
    ck_assert_ptr_nonnull(loop);
    ck_assert_uint_ne(tl_loop_timer(loop, 1000000, 0, on_once, &st), 0);
    uint64_t never = tl_loop_timer(loop, 500000, 0, on_never, NULL);
    ck_assert(tl_loop_timer_cancel(loop, never));
    ck_assert(!tl_loop_timer_cancel(loop, never));
    /* The periodic timer is due after the one-shot, and ticks five times. */
    st.periodic_id = tl_loop_timer(loop, 2000000, 1000000, on_tick, &st);
    ck_assert_uint_ne(st.periodic_id, 0);
    ck_assert_int_eq(tl_loop_run(loop), 0);
    ck_assert_int_eq(st.once, 1);
    ck_assert_int_eq(st.periodic, 5);
    tl_loop_destroy(loop);
}
END_TEST

/* --- fd readiness ------------------------------------------------------------- */
typedef struct {
    char got[64];
    size_t len;
    bool hup;
} fd_state;

static void on_readable(tl_loop *loop, int fd, unsigned events, void *p)
{
    fd_state *st = p;
    if (events & TL_LOOP_READ) {
        ssize_t n = read(fd, st->got + st->len, sizeof st->got - 1 - st->len);
        if (n > 0)
            st->len += (size_t)n;
        if (n == 0)
            st->hup = true; /* the writer closed: end of data */
    } else if (events & TL_LOOP_HUP) {
        st->hup = true;
    }
    if (st->hup) {
        ck_assert_int_eq(tl_loop_unwatch(loop, fd), 0);
        tl_loop_stop(loop);
    }
}

static void *writer(void *p)
{
    int fd = (int)(intptr_t)p;
    const char *msg = "hello, loop";
    ck_assert_int_eq(write(fd, msg, strlen(msg)), (ssize_t)strlen(msg));
    close(fd);
    return NULL;
}

START_TEST(test_fd_callback_sees_data)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fd_state st = {0};
    tl_loop *loop = tl_loop_new("fds");
    ck_assert_int_eq(tl_loop_watch(loop, fds[0], TL_LOOP_READ, on_readable, &st), 0);
    errno = 0;
    ck_assert_int_eq(tl_loop_watch(loop, fds[0], TL_LOOP_READ, on_readable, &st), -1);
    ck_assert_int_eq(errno, EEXIST);
    pthread_t t;
    pthread_create(&t, NULL, writer, (void *)(intptr_t)fds[1]);
    ck_assert_int_eq(tl_loop_run(loop), 0);
    pthread_join(t, NULL);
    st.got[st.len] = '\0';
    ck_assert_str_eq(st.got, "hello, loop");
    ck_assert(st.hup);
    close(fds[0]);
    tl_loop_destroy(loop);
}
END_TEST

/* --- stop from another thread; foreign registrations refused -------------------- */
typedef struct {
    tl_loop *loop;
    tl_atomic_u32 running; /* set by a posted function: the loop runs */
    int rc;
} runner_state;

static void mark_running(tl_loop *loop, void *p)
{
    (void)loop;
    tl_atomic_store_u32(&((runner_state *)p)->running, 1, tl_release);
}

static void *run_loop(void *p)
{
    runner_state *st = p;
    st->rc = tl_loop_run(st->loop);
    return NULL;
}

static void nothing(tl_loop *loop, void *p)
{
    (void)loop;
    (void)p;
}

START_TEST(test_stop_from_another_thread)
{
    runner_state st = {.loop = tl_loop_new("stoppable")};
    /* The monitor's bound is the loop's own: set by its owner, never 0. */
    ck_assert_int_eq(tl_loop_set_stall_bound(st.loop, 50 * 1000 * 1000), 0);
    errno = 0;
    ck_assert_int_eq(tl_loop_set_stall_bound(st.loop, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(tl_loop_post(st.loop, mark_running, &st), 0);
    pthread_t t;
    pthread_create(&t, NULL, run_loop, &st);
    while (!tl_atomic_load_u32(&st.running, tl_acquire))
        usleep(100);
    /* The loop now sits in epoll_wait with nothing to do. A foreign thread
     * may not touch its watches or timers... */
    errno = 0;
    ck_assert_uint_eq(tl_loop_timer(st.loop, 1000, 0, nothing, NULL), 0);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(tl_loop_watch(st.loop, 0, TL_LOOP_READ, NULL, NULL), -1);
    errno = 0;
    ck_assert_int_eq(tl_loop_set_stall_bound(st.loop, 1000), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert(!tl_loop_in_loop_thread(st.loop));
    /* ...but may stop it. */
    tl_loop_stop(st.loop);
    pthread_join(t, NULL);
    ck_assert_int_eq(st.rc, 0);
    tl_loop_destroy(st.loop);
}
END_TEST

Suite *tl_suite_loop(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("event loop");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_posts_run_on_loop_thread_in_order);
    tcase_add_test(tc, test_timers_fire);
    tcase_add_test(tc, test_fd_callback_sees_data);
    tcase_add_test(tc, test_stop_from_another_thread);
    suite_add_tcase(s, tc);
    return s;
}
