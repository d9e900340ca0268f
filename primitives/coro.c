/* SPDX-License-Identifier: MIT */
/* Coroutines on ucontext (tl_coro.h). A coroutine's life:
 *
 *   created --resume--> running --yield--> suspended --resume--> running ...
 *                          |
 *                          +--fn returns--> finished (resume does nothing)
 *
 * `caller` holds the registers of whoever resumed it, so a yield (or the
 * end of fn) goes back there; `ctx` holds the coroutine's own while it is
 * suspended. Both are touched only by the thread running the coroutine at
 * the time, and resumes of one coroutine are ordered by whoever hands it
 * from thread to thread, so no field needs an atomic. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "tl_sanitizer.h"
#if TL_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#include "tl_coro.h"
#include "tl_track.h"
#include "tl_track_coro.h"

struct tl_coro {
    ucontext_t ctx;         /* the coroutine's registers while suspended */
    ucontext_t caller;      /* the resumer's registers while the coroutine runs */
    tl_coro_fn fn;
    void *transfer;         /* the value crossing the current switch */
    tl_coro *outer;         /* what ran on this thread before the resume (nesting) */
    unsigned char *map;     /* the mapping: guard page, then the stack */
    size_t map_size;
    bool started, finished;
    char name[16];
    tl_track_coro *track;   /* its slot in the monitor table, or NULL */
#if TL_TSAN
    void *fiber;            /* TSan's context for this coroutine */
    void *caller_fiber;     /* TSan's context of the resumer */
#endif
};

static _Thread_local tl_coro *current;

/* The first code on a new coroutine's stack. makecontext can pass only int
 * arguments, so the coroutine comes through `current`, set by the resume
 * that starts it. */
static void trampoline(void)
{
    tl_coro *co = current;
    void *result = co->fn(co->transfer);
    co->finished = true;
    co->transfer = result;
    tl_track_coro_leave(co->track, true, __FILE__, __LINE__);
#if TL_TSAN
    __tsan_switch_to_fiber(co->caller_fiber, 0);
#endif
    /* Never comes back: a finished coroutine is not resumed again. */
    setcontext(&co->caller);
    abort();
}

/* The first switch into co starts trampoline on the new stack. Apart from
 * tl_coro_create because getcontext returns twice in gcc's eyes: no local
 * of the caller should live across it. */
static void prepare(tl_coro *co, unsigned char *stack, size_t size)
{
    getcontext(&co->ctx);
    co->ctx.uc_stack.ss_sp = stack;
    co->ctx.uc_stack.ss_size = size;
    co->ctx.uc_link = NULL; /* trampoline never returns */
    makecontext(&co->ctx, trampoline, 0);
}

tl_coro *tl_coro_create(const char *name, tl_coro_fn fn, size_t stack_size)
{
    long page = sysconf(_SC_PAGESIZE);
    if (stack_size == 0)
        stack_size = TL_CORO_STACK_DEFAULT;
    stack_size = (stack_size + (size_t)page - 1) & ~((size_t)page - 1);
    tl_coro *co = calloc(1, sizeof *co);
    if (!co)
        return NULL;
    co->map_size = stack_size + (size_t)page;
    void *map = mmap(NULL, co->map_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (map == MAP_FAILED) {
        free(co);
        return NULL;
    }
    co->map = map;
    /* The guard: the page below the stack's lowest address. */
    if (mprotect(co->map, (size_t)page, PROT_NONE) != 0) {
        int e = errno;
        munmap(co->map, co->map_size);
        free(co);
        errno = e;
        return NULL;
    }
    co->fn = fn;
    size_t i = 0;
    for (; name && name[i] && i + 1 < sizeof co->name; i++)
        co->name[i] = name[i];
    co->name[i] = '\0';
    prepare(co, co->map + page, stack_size);
    co->track = tl_track_coro_new(co->name);
#if TL_TSAN
    co->fiber = __tsan_create_fiber(0);
    __tsan_set_fiber_name(co->fiber, co->name);
#endif
    return co;
}

void *tl_coro_resume_at(tl_coro *co, void *in, const char *file, int line)
{
    if (co->finished)
        return NULL;
    co->transfer = in;
    co->outer = current;
    current = co;
    co->started = true;
    tl_track_coro_enter(co->track, file, line);
#if TL_TSAN
    co->caller_fiber = __tsan_get_current_fiber();
    /* Right before the switch, as TSan asks: from here on it attributes
     * accesses to the coroutine, and swapcontext is not instrumented. */
    __tsan_switch_to_fiber(co->fiber, 0);
#endif
    swapcontext(&co->caller, &co->ctx);
    /* Back on the resumer's stack: the coroutine yielded or finished. */
    current = co->outer;
    return co->transfer;
}

void *tl_coro_yield_at(void *out, const char *file, int line)
{
    tl_coro *co = current;
    if (!co)
        return NULL; /* not in a coroutine: nothing to yield to */
    co->transfer = out;
    tl_track_coro_leave(co->track, false, file, line);
#if TL_TSAN
    __tsan_switch_to_fiber(co->caller_fiber, 0);
#endif
    swapcontext(&co->ctx, &co->caller);
    /* Resumed, perhaps by another thread: co, not `current` as read before
     * the switch, is who we are (current is per thread). */
    return co->transfer;
}

bool tl_coro_finished(const tl_coro *co)
{
    return co->finished;
}

const char *tl_coro_name(const tl_coro *co)
{
    return co->name;
}

tl_coro *tl_coro_self(void)
{
    return current;
}

void tl_coro_pin(tl_coro *co, unsigned thread_slot)
{
    tl_track_coro_pin(co->track, thread_slot);
}

void tl_coro_destroy(tl_coro *co)
{
    if (!co)
        return;
    tl_track_coro_free(co->track);
#if TL_TSAN
    __tsan_destroy_fiber(co->fiber);
#endif
    munmap(co->map, co->map_size);
    free(co);
}
