/* SPDX-License-Identifier: MIT */
/* An event loop, as the book's server chapter draws it: one thread asks the
 * kernel to watch many descriptors (epoll) and runs a short callback for
 * each ready one, for each due timer, and for each piece of work other
 * threads posted back to it. Everything the loop owns - its watches, its
 * timers, and the state its callbacks keep - is touched by the loop thread
 * only, so it needs no lock; another thread that wants to change it posts a
 * function to the loop (tl_loop_post) instead of touching it.
 *
 * Thread rules:
 *   - tl_loop_post and tl_loop_stop: any thread, any time.
 *   - tl_loop_watch / tl_loop_unwatch / tl_loop_timer / tl_loop_timer_cancel
 *     / tl_loop_set_stall_bound: the loop thread (from a callback), or any
 *     one thread before tl_loop_run starts. Called from another thread while
 *     the loop runs, they refuse with EPERM.
 *   - a callback must not block: while it runs, nothing else on the loop
 *     does. The live monitor judges a callback that holds the loop longer
 *     than the loop's stall bound while work waits a "stalled loop".
 *
 * With the monitor on (tl_track.h), the loop records the callback it runs
 * (its name and the source line that registered or posted it), its earliest
 * timer, and the posted work waiting. */
#ifndef TL_LOOP_H
#define TL_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tl_loop tl_loop;

/* Readiness a watch asks for / a callback is told about. */
enum { TL_LOOP_READ = 1u << 0, TL_LOOP_WRITE = 1u << 1, TL_LOOP_HUP = 1u << 2 };

typedef void tl_loop_fn(tl_loop *loop, void *arg);
typedef void tl_loop_fd_fn(tl_loop *loop, int fd, unsigned events, void *arg);

/* The monitor's default stall bound: a callback may hold the loop this long. */
#define TL_LOOP_STALL_BOUND_NS (20 * 1000 * 1000ull)

/* A new loop named `name` (for reports); NULL with errno set on failure. */
tl_loop *tl_loop_new(const char *name);
/* Frees the loop; posted work never run is dropped. Not while it runs. */
void tl_loop_destroy(tl_loop *loop);

/* Runs the loop on the calling thread until tl_loop_stop. Returns 0, or -1
 * with errno set if epoll failed. */
int tl_loop_run(tl_loop *loop);
/* Any thread: run returns once the callback running now (if any) is done. */
void tl_loop_stop(tl_loop *loop);
/* Whether the calling thread is the one running the loop. */
bool tl_loop_in_loop_thread(tl_loop *loop);

/* Watches fd for `events` (TL_LOOP_READ, TL_LOOP_WRITE; level-triggered):
 * fn(loop, fd, ready, arg) runs on each iteration while fd is ready. One
 * watch per fd. Returns 0, or -1 with errno (EEXIST, EPERM, epoll's). */
int tl_loop_watch_at(tl_loop *loop, int fd, unsigned events, tl_loop_fd_fn *fn, void *arg,
                     const char *name, const char *file, int line);
#define tl_loop_watch(loop, fd, events, fn, arg) \
    tl_loop_watch_at((loop), (fd), (events), (fn), (arg), #fn, __FILE__, __LINE__)
/* Stops watching fd (safe from fd's own callback). 0, or -1 with errno. */
int tl_loop_unwatch(tl_loop *loop, int fd);

/* A timer: fn(loop, arg) runs once delay_ns from now, then every period_ns
 * if period_ns > 0. Returns its id (> 0), or 0 with errno set. */
uint64_t tl_loop_timer_at(tl_loop *loop, uint64_t delay_ns, uint64_t period_ns, tl_loop_fn *fn,
                          void *arg, const char *name, const char *file, int line);
#define tl_loop_timer(loop, delay_ns, period_ns, fn, arg) \
    tl_loop_timer_at((loop), (delay_ns), (period_ns), (fn), (arg), #fn, __FILE__, __LINE__)
/* Cancels a timer (safe from its own callback); false if it was not armed. */
bool tl_loop_timer_cancel(tl_loop *loop, uint64_t id);

/* Any thread: fn(loop, arg) runs later on the loop thread. Posts run in the
 * order they were made (one poster's posts in its order; posts of several
 * threads in the order they took the queue lock). 0, or -1 with ENOMEM. */
int tl_loop_post_at(tl_loop *loop, tl_loop_fn *fn, void *arg, const char *name,
                    const char *file, int line);
#define tl_loop_post(loop, fn, arg) \
    tl_loop_post_at((loop), (fn), (arg), #fn, __FILE__, __LINE__)

/* The monitor's bound for this loop (TL_LOOP_STALL_BOUND_NS by default). */
int tl_loop_set_stall_bound(tl_loop *loop, uint64_t bound_ns);

#endif
