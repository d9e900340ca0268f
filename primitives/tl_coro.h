/* SPDX-License-Identifier: MIT */
/* Coroutines built by hand (the book's chapter 4): a function that can stop
 * in the middle (tl_coro_yield) and be resumed later where it stopped, with
 * its locals intact, because it runs on a stack of its own. The switch is
 * ucontext's swapcontext: it saves the registers of the side that stops and
 * loads those of the side that goes on; nothing else moves. In particular
 * thread-local storage is not switched: it belongs to the thread that
 * happens to run the coroutine (coroutine.tls_migration shows why that
 * matters).
 *
 * Stacks are mmap'd, with one PROT_NONE guard page below the lowest address
 * (stacks grow down on x86-64): an overflow faults at once instead of
 * quietly overwriting the next coroutine's stack.
 *
 * ThreadSanitizer: in a TSan build each coroutine is also a TSan fiber, and
 * every switch tells TSan first (__tsan_switch_to_fiber, then swapcontext),
 * so TSan keeps one shadow stack and one vector clock per coroutine, not per
 * thread. The switch synchronises (flags 0): everything the side that stops
 * did happens before what the side that goes on does next. That is the
 * truth for a cooperative switch, and it is what keeps coroutines sharing
 * data on one thread clean, while coroutines run at once on two threads
 * still race in TSan's eyes.
 *
 * The live monitor: with a table attached, each coroutine records under a
 * slot of its own (track_coro.c), so a lock it takes is held by it, not by
 * the thread that ran it at the time.
 *
 * A coroutine is resumed by one thread at a time; which thread may change
 * between resumes, as long as something orders the two resumes (the
 * scheduler's run-queue lock does). */
#ifndef TL_CORO_H
#define TL_CORO_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tl_coro tl_coro;
/* The coroutine's body: gets the value of the first resume; what it returns
 * is the value of the resume it finishes in. */
typedef void *(*tl_coro_fn)(void *arg);

enum { TL_CORO_STACK_DEFAULT = 256 * 1024 }; /* TSan's frames are big: room for them */

/* A new coroutine, not started: the first tl_coro_resume runs fn from its
 * beginning. NULL (errno set) when no stack could be mapped. `name` shows
 * in the monitor's reports (at most 15 characters kept). */
tl_coro *tl_coro_create(const char *name, tl_coro_fn fn, size_t stack_size);
/* Runs co on the calling thread until it yields or finishes. `in` is the
 * value its tl_coro_yield returns (or fn's argument, on the first resume);
 * returns the value it yielded, or fn's result when it finished. Resuming a
 * finished coroutine returns NULL and does nothing. */
void *tl_coro_resume_at(tl_coro *co, void *in, const char *file, int line);
#define tl_coro_resume(co, in) tl_coro_resume_at((co), (in), __FILE__, __LINE__)
/* From inside a coroutine: stops it, hands `out` to the resume that ran it,
 * and returns the `in` of the resume that continues it. */
void *tl_coro_yield_at(void *out, const char *file, int line);
#define tl_coro_yield(out) tl_coro_yield_at((out), __FILE__, __LINE__)
/* (file and line: where the monitor says the coroutine stopped, or where
 * its thread went into it.) */
bool tl_coro_finished(const tl_coro *co);
const char *tl_coro_name(const tl_coro *co);
/* The coroutine running on the calling thread; NULL on a thread's own stack. */
tl_coro *tl_coro_self(void);
/* Frees a coroutine that is not running. One that never finished is simply
 * dropped: its stack is unmapped without unwinding (no cleanup runs). */
void tl_coro_destroy(tl_coro *co);

/* For the monitor (track_coro.c): the thread slot that must resume co when
 * it yields, because a scheduler pins it there, or TL_TRACK_NONE (any
 * thread may, which is the default). Set by the scheduler. */
void tl_coro_pin(tl_coro *co, unsigned thread_slot);

/* --- a round-robin scheduler ------------------------------------------------
 * A FIFO run queue: a worker takes the head, resumes it until it yields,
 * puts it back at the tail unless it finished, and goes on until every
 * coroutine has finished. With one thread the caller of tl_coro_sched_run
 * is the worker and each coroutine is pinned to it; with more, that many
 * worker threads share the queue under the lab's futex mutex, and a
 * coroutine goes to whichever worker takes it next. */
typedef struct tl_coro_sched tl_coro_sched;
/* `capacity`: most coroutines at once; NULL when out of memory. */
tl_coro_sched *tl_coro_sched_new(unsigned capacity);
/* Queues co (not started, or suspended); false when the queue is full. */
bool tl_coro_sched_add(tl_coro_sched *s, tl_coro *co, void *arg);
/* Runs until every queued coroutine has finished, on `threads` threads
 * (1: the calling thread alone). Returns the number of resumes made. */
unsigned long tl_coro_sched_run(tl_coro_sched *s, unsigned threads);
void tl_coro_sched_free(tl_coro_sched *s);

#endif
