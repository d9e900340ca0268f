/* SPDX-License-Identifier: MIT */
/* The event loop of tl_loop.h: epoll for descriptors, an eventfd to wake the
 * loop when another thread posts work or asks it to stop, and a sorted list
 * of timers whose earliest deadline bounds each epoll_wait.
 *
 * Ownership: watches, timers and the running/stop bookkeeping belong to the
 * loop thread. The one piece of state shared with other threads is the post
 * queue, under the lab's mutex (a tl_lock_t, which TSan and the monitor
 * both see): a post made under the lock happens before the loop's pop of it
 * under the same lock, so whatever the poster wrote before posting is
 * visible to the posted function - that is the whole "post it back to the
 * loop" discipline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "tl_lock.h"
#include "tl_loop.h"
#include "tl_track.h"

/* Where a callback came from, for the monitor. */
typedef struct {
    const char *name;
    uint32_t file; /* tl_track_file_index, TL_TRACK_NONE when off */
    uint32_t line;
} origin;

typedef struct watch {
    int fd;
    uint32_t generation; /* tells a stale event of an unwatched fd from a new watch */
    tl_loop_fd_fn *fn;
    void *arg;
    origin from;
} watch;

typedef struct timer {
    struct timer *next;  /* the list is sorted by due time */
    uint64_t id, due_ns, period_ns;
    tl_loop_fn *fn;
    void *arg;
    origin from;
} timer;

typedef struct post {
    struct post *next;
    tl_loop_fn *fn;
    void *arg;
    uint64_t posted_ns;
    origin from;
} post;

struct tl_loop {
    tl_lock_t queue_lock; /* first: tl_lock_t wants its cache-line alignment */
    post *head, *tail;    /* under queue_lock */
    uint32_t queued;      /* under queue_lock */
    int epfd, wakefd;
    tl_atomic_u32 stop;   /* any thread sets it (release), run reads it (acquire) */
    /* The running thread's kernel id, 0 when not running: written by the
     * loop thread, read by any caller of the register functions to refuse
     * foreign ones. relaxed: a caller comparing it with its own id only
     * needs to tell "me" from "not me", and its own store is always seen. */
    tl_atomic_u32 owner;
    /* The loop thread's own state. */
    watch **watches;      /* by fd */
    int nwatches;         /* size of watches[] */
    uint32_t generation;
    timer *timers;
    uint64_t next_timer_id;
    uint64_t firing_id;   /* the timer whose callback runs now, 0 if none */
    bool firing_cancelled;
    uint32_t track;       /* the loop's slot in the monitor table */
    uint64_t stall_bound_ns;
};

/* epoll data of the eventfd; a watch's data is its fd and generation. */
#define WAKE_TOKEN UINT64_MAX

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static origin origin_of(const char *name, const char *file, int line)
{
    return (origin){.name = name, .file = tl_track_file_index(file), .line = (uint32_t)line};
}

/* Register calls from a thread other than the running loop's are refused. */
static bool foreign_caller(tl_loop *loop)
{
    uint32_t owner = tl_atomic_load_u32(&loop->owner, tl_relaxed);
    return owner != 0 && owner != (uint32_t)gettid();
}

tl_loop *tl_loop_new(const char *name)
{
    size_t size = (sizeof(tl_loop) + TL_CACHE_LINE - 1) / TL_CACHE_LINE * TL_CACHE_LINE;
    tl_loop *loop = aligned_alloc(TL_CACHE_LINE, size);
    if (!loop)
        return NULL;
    memset(loop, 0, sizeof *loop);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    loop->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TOKEN};
    if (loop->epfd < 0 || loop->wakefd < 0 ||
        epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) != 0) {
        int e = errno;
        if (loop->epfd >= 0)
            close(loop->epfd);
        if (loop->wakefd >= 0)
            close(loop->wakefd);
        free(loop);
        errno = e;
        return NULL;
    }
    tl_lock_init_by_name(&loop->queue_lock, "mutex", "loop-queue");
    loop->stall_bound_ns = TL_LOOP_STALL_BOUND_NS;
    loop->track = tl_track_loop_new(name ? name : "loop", loop->stall_bound_ns);
    return loop;
}

void tl_loop_destroy(tl_loop *loop)
{
    if (!loop)
        return;
    for (post *p = loop->head, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    for (timer *t = loop->timers, *next; t; t = next) {
        next = t->next;
        free(t);
    }
    for (int fd = 0; fd < loop->nwatches; fd++)
        free(loop->watches[fd]);
    free(loop->watches);
    close(loop->epfd);
    close(loop->wakefd);
    tl_lock_destroy(&loop->queue_lock);
    free(loop);
}

bool tl_loop_in_loop_thread(tl_loop *loop)
{
    return tl_atomic_load_u32(&loop->owner, tl_relaxed) == (uint32_t)gettid();
}

/* Wakes the loop out of epoll_wait. An eventfd adds up: writes made while
 * the loop is busy leave one readiness, read away in one go. */
static void wake(tl_loop *loop)
{
    uint64_t one = 1;
    ssize_t n;
    do
        n = write(loop->wakefd, &one, sizeof one);
    while (n < 0 && errno == EINTR);
    /* EAGAIN: the counter is at its maximum, so the loop is woken anyway. */
}

void tl_loop_stop(tl_loop *loop)
{
    /* release: what the stopper did before is visible once run sees stop. */
    tl_atomic_store_u32(&loop->stop, 1, tl_release);
    wake(loop);
}

/* --- fd watches ------------------------------------------------------------ */
static uint32_t to_epoll(unsigned events)
{
    return ((events & TL_LOOP_READ) ? EPOLLIN | EPOLLRDHUP : 0) |
           ((events & TL_LOOP_WRITE) ? EPOLLOUT : 0);
}

int tl_loop_watch_at(tl_loop *loop, int fd, unsigned events, tl_loop_fd_fn *fn, void *arg,
                     const char *name, const char *file, int line)
{
    if (foreign_caller(loop)) {
        errno = EPERM;
        return -1;
    }
    if (fd < 0 || !fn) {
        errno = EINVAL;
        return -1;
    }
    if (fd < loop->nwatches && loop->watches[fd]) {
        errno = EEXIST;
        return -1;
    }
    if (fd >= loop->nwatches) {
        int n = loop->nwatches ? loop->nwatches : 16;
        while (n <= fd)
            n *= 2;
        watch **w = realloc(loop->watches, (size_t)n * sizeof *w);
        if (!w)
            return -1;
        memset(w + loop->nwatches, 0, (size_t)(n - loop->nwatches) * sizeof *w);
        loop->watches = w;
        loop->nwatches = n;
    }
    watch *w = malloc(sizeof *w);
    if (!w)
        return -1;
    *w = (watch){.fd = fd, .generation = ++loop->generation, .fn = fn, .arg = arg,
                 .from = origin_of(name, file, line)};
    struct epoll_event ev = {.events = to_epoll(events),
                             .data.u64 = (uint64_t)w->generation << 32 | (uint32_t)fd};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        free(w);
        return -1;
    }
    loop->watches[fd] = w;
    return 0;
}

int tl_loop_unwatch(tl_loop *loop, int fd)
{
    if (foreign_caller(loop)) {
        errno = EPERM;
        return -1;
    }
    if (fd < 0 || fd >= loop->nwatches || !loop->watches[fd]) {
        errno = ENOENT;
        return -1;
    }
    /* The fd may be closed already (then the kernel dropped it itself). */
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    free(loop->watches[fd]);
    loop->watches[fd] = NULL; /* events of this batch for it are now stale */
    return 0;
}

/* --- timers ---------------------------------------------------------------- */
static void publish_timers(tl_loop *loop)
{
    tl_track_loop_timer_due(loop->track, loop->timers ? loop->timers->due_ns : 0);
}

static void timer_insert(tl_loop *loop, timer *t)
{
    timer **at = &loop->timers;
    while (*at && (*at)->due_ns <= t->due_ns) /* after equals: arming order */
        at = &(*at)->next;
    t->next = *at;
    *at = t;
}

uint64_t tl_loop_timer_at(tl_loop *loop, uint64_t delay_ns, uint64_t period_ns, tl_loop_fn *fn,
                          void *arg, const char *name, const char *file, int line)
{
    if (foreign_caller(loop)) {
        errno = EPERM;
        return 0;
    }
    if (!fn) {
        errno = EINVAL;
        return 0;
    }
    timer *t = malloc(sizeof *t);
    if (!t)
        return 0;
    *t = (timer){.id = ++loop->next_timer_id, .due_ns = now_ns() + delay_ns,
                 .period_ns = period_ns, .fn = fn, .arg = arg,
                 .from = origin_of(name, file, line)};
    timer_insert(loop, t);
    publish_timers(loop);
    return t->id;
}

bool tl_loop_timer_cancel(tl_loop *loop, uint64_t id)
{
    if (foreign_caller(loop))
        return false;
    if (id != 0 && id == loop->firing_id) {
        loop->firing_cancelled = true; /* run_timers drops it after the callback */
        return true;
    }
    for (timer **at = &loop->timers; *at; at = &(*at)->next)
        if ((*at)->id == id) {
            timer *t = *at;
            *at = t->next;
            free(t);
            publish_timers(loop);
            return true;
        }
    return false;
}

/* Runs every timer due by now. A periodic timer's next deadline counts from
 * its last one, not from when it ran, so it keeps its rate; one that fell
 * more than a period behind skips the missed ticks instead of firing them
 * back to back. */
static void run_timers(tl_loop *loop)
{
    uint64_t now = now_ns();
    while (loop->timers && loop->timers->due_ns <= now &&
           !tl_atomic_load_u32(&loop->stop, tl_acquire)) {
        timer *t = loop->timers;
        loop->timers = t->next;
        loop->firing_id = t->id;
        loop->firing_cancelled = false;
        publish_timers(loop); /* the running timer is not waiting: it is running */
        tl_track_loop_callback(loop->track, TL_LOOP_CB_TIMER, t->from.name, t->from.file,
                               t->from.line);
        t->fn(loop, t->arg);
        tl_track_loop_callback_end(loop->track);
        loop->firing_id = 0;
        if (t->period_ns && !loop->firing_cancelled) {
            uint64_t after = now_ns();
            t->due_ns += t->period_ns;
            if (t->due_ns <= after)
                t->due_ns = after + t->period_ns;
            timer_insert(loop, t);
        } else {
            free(t);
        }
        publish_timers(loop);
    }
}

/* --- posted work ----------------------------------------------------------- */
int tl_loop_post_at(tl_loop *loop, tl_loop_fn *fn, void *arg, const char *name,
                    const char *file, int line)
{
    post *p = malloc(sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    *p = (post){.fn = fn, .arg = arg, .posted_ns = now_ns(), .from = origin_of(name, file, line)};
    tl_lock_lock(&loop->queue_lock);
    bool was_empty = loop->head == NULL;
    if (loop->tail)
        loop->tail->next = p;
    else
        loop->head = p;
    loop->tail = p;
    loop->queued++;
    tl_track_loop_posts(loop->track, loop->queued, loop->head->posted_ns);
    tl_lock_unlock(&loop->queue_lock);
    /* Only the post onto an empty queue wakes the loop: the loop stops
     * taking work only when it finds the queue empty under the lock, so a
     * post that finds it non-empty will be taken by the same drain. */
    if (was_empty)
        wake(loop);
    return 0;
}

static post *take_post(tl_loop *loop)
{
    tl_lock_lock(&loop->queue_lock);
    post *p = loop->head;
    if (p) {
        loop->head = p->next;
        if (!loop->head)
            loop->tail = NULL;
        loop->queued--;
        tl_track_loop_posts(loop->track, loop->queued, loop->head ? loop->head->posted_ns : 0);
    }
    tl_lock_unlock(&loop->queue_lock);
    return p;
}

/* Runs the posts queued now, at most as many as were queued when it began:
 * work a posted function posts runs on the next turn, after the fds and
 * timers that are ready, so a function that keeps posting cannot starve
 * them. Returns whether more is queued. */
static bool run_posts(tl_loop *loop)
{
    uint64_t drained;
    ssize_t n;
    do
        n = read(loop->wakefd, &drained, sizeof drained);
    while (n < 0 && errno == EINTR);
    tl_lock_lock(&loop->queue_lock);
    uint32_t budget = loop->queued;
    tl_lock_unlock(&loop->queue_lock);
    for (; budget > 0 && !tl_atomic_load_u32(&loop->stop, tl_acquire); budget--) {
        post *p = take_post(loop);
        if (!p)
            return false;
        tl_track_loop_callback(loop->track, TL_LOOP_CB_POST, p->from.name, p->from.file,
                               p->from.line);
        p->fn(loop, p->arg);
        tl_track_loop_callback_end(loop->track);
        free(p);
    }
    tl_lock_lock(&loop->queue_lock);
    bool more = loop->head != NULL;
    tl_lock_unlock(&loop->queue_lock);
    return more;
}

/* --- the loop -------------------------------------------------------------- */
/* Milliseconds until the first timer is due, rounded up so the loop never
 * wakes just before it; -1: no timer, wait for an event. */
static int wait_ms(const tl_loop *loop)
{
    if (!loop->timers)
        return -1;
    uint64_t now = now_ns();
    if (loop->timers->due_ns <= now)
        return 0;
    uint64_t ms = (loop->timers->due_ns - now + 999999) / 1000000;
    return ms > 60000 ? 60000 : (int)ms;
}

static unsigned from_epoll(uint32_t ev)
{
    return ((ev & EPOLLIN) ? TL_LOOP_READ : 0) | ((ev & EPOLLOUT) ? TL_LOOP_WRITE : 0) |
           ((ev & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) ? TL_LOOP_HUP : 0);
}

int tl_loop_run(tl_loop *loop)
{
    enum { BATCH = 64 };
    struct epoll_event ev[BATCH];
    tl_atomic_store_u32(&loop->owner, (uint32_t)gettid(), tl_relaxed);
    tl_track_loop_thread(loop->track, true);
    bool more_posts = true; /* work posted before run began */
    int rc = 0;
    while (!tl_atomic_load_u32(&loop->stop, tl_acquire)) {
        int n = epoll_wait(loop->epfd, ev, BATCH, more_posts ? 0 : wait_ms(loop));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        bool woken = more_posts;
        for (int i = 0; i < n && !tl_atomic_load_u32(&loop->stop, tl_acquire); i++) {
            if (ev[i].data.u64 == WAKE_TOKEN) {
                woken = true;
                continue;
            }
            int fd = (int)(uint32_t)ev[i].data.u64;
            uint32_t generation = (uint32_t)(ev[i].data.u64 >> 32);
            watch *w = fd < loop->nwatches ? loop->watches[fd] : NULL;
            if (!w || w->generation != generation)
                continue; /* unwatched by an earlier callback of this batch */
            tl_track_loop_callback(loop->track, TL_LOOP_CB_FD, w->from.name, w->from.file,
                                   w->from.line);
            w->fn(loop, fd, from_epoll(ev[i].events), w->arg);
            tl_track_loop_callback_end(loop->track);
        }
        run_timers(loop);
        more_posts = woken && !tl_atomic_load_u32(&loop->stop, tl_acquire) && run_posts(loop);
    }
    tl_track_loop_thread(loop->track, false);
    tl_atomic_store_u32(&loop->owner, 0, tl_relaxed);
    /* Ready for another run: the stop was this run's. */
    tl_atomic_store_u32(&loop->stop, 0, tl_relaxed);
    return rc;
}

int tl_loop_set_stall_bound(tl_loop *loop, uint64_t bound_ns)
{
    if (foreign_caller(loop)) {
        errno = EPERM;
        return -1;
    }
    if (bound_ns == 0) {
        errno = EINVAL;
        return -1;
    }
    loop->stall_bound_ns = bound_ns;
    tl_track_loop_bound(loop->track, bound_ns);
    return 0;
}
