/* SPDX-License-Identifier: MIT */
/* The event loops' records in the monitor table (tl_track.h). The part of a
 * loop slot under its sequence counter is written by the loop's own thread
 * only (one writer, as for a thread slot); the posts_* words by posters,
 * which hold the loop's queue lock, so those writers never race either.
 * Like track.c, not instrumented by TSan: nothing in the process reads the
 * table, the reader is the runner. */
#include <string.h>
#include <time.h>

#include "tl_track.h"

#if defined(__clang__)
#define NOT_INSTRUMENTED __attribute__((no_sanitize("thread")))
#else
#define NOT_INSTRUMENTED __attribute__((no_sanitize_thread))
#endif

/* The odd count goes out before the new data, the even one after; the
 * fences keep the compiler (and a weakly ordered CPU) from moving the data
 * stores across them. */
NOT_INSTRUMENTED static void slot_begin(tl_track_loop *l)
{
    volatile uint32_t *v = &l->seq.raw;
    *v = *v + 1;
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

NOT_INSTRUMENTED static void slot_end(tl_track_loop *l)
{
    volatile uint32_t *v = &l->seq.raw;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    *v = *v + 1;
}

static tl_track_loop *slot(uint32_t loop)
{
    return tl__track_table && loop < TL_TRACK_LOOPS ? &tl__track_table->loop[loop] : NULL;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

NOT_INSTRUMENTED uint32_t tl_track_loop_new(const char *name, uint64_t stall_bound_ns)
{
    if (!tl__track_table)
        return TL_TRACK_NONE;
    /* relaxed: only hands out distinct indices; the slot's seq publishes it. */
    uint32_t i = __atomic_fetch_add(&tl__track_table->nloops.raw, 1, __ATOMIC_RELAXED);
    if (i >= TL_TRACK_LOOPS)
        return TL_TRACK_NONE;
    uint32_t obj = tl_track_object_new(TL_OBJ_LOOP, 0, name, "event loop");
    tl_track_loop *l = &tl__track_table->loop[i];
    slot_begin(l);
    l->object = obj;
    l->thread = TL_TRACK_NONE;
    l->cb_kind = 0;
    l->cb_file = TL_TRACK_NONE;
    l->stall_bound_ns = stall_bound_ns;
    slot_end(l);
    return i;
}

NOT_INSTRUMENTED void tl_track_loop_thread(uint32_t loop, bool running)
{
    tl_track_loop *l = slot(loop);
    if (!l)
        return;
    uint32_t self = running ? tl_track_self() : TL_TRACK_NONE;
    slot_begin(l);
    l->thread = self;
    l->cb_kind = 0;
    l->cb_since_ns = 0;
    slot_end(l);
}

NOT_INSTRUMENTED void tl_track_loop_callback(uint32_t loop, tl_track_loop_cb kind,
                                             const char *name, uint32_t file, uint32_t line)
{
    tl_track_loop *l = slot(loop);
    if (!l)
        return;
    uint64_t now = now_ns();
    slot_begin(l);
    l->cb_kind = kind;
    l->cb_file = file;
    l->cb_line = line;
    size_t i = 0;
    for (; name && name[i] && i + 1 < sizeof l->cb_name; i++)
        l->cb_name[i] = name[i];
    l->cb_name[i] = '\0';
    l->cb_since_ns = now;
    l->cb_serial++;
    slot_end(l);
}

NOT_INSTRUMENTED void tl_track_loop_callback_end(uint32_t loop)
{
    tl_track_loop *l = slot(loop);
    if (!l)
        return;
    slot_begin(l);
    l->cb_kind = 0;
    l->cb_since_ns = 0;
    slot_end(l);
}

NOT_INSTRUMENTED void tl_track_loop_timer_due(uint32_t loop, uint64_t due_ns)
{
    tl_track_loop *l = slot(loop);
    if (!l)
        return;
    slot_begin(l);
    l->timer_due_ns = due_ns;
    slot_end(l);
}

NOT_INSTRUMENTED void tl_track_loop_bound(uint32_t loop, uint64_t stall_bound_ns)
{
    tl_track_loop *l = slot(loop);
    if (!l)
        return;
    slot_begin(l);
    l->stall_bound_ns = stall_bound_ns;
    slot_end(l);
}

/* The order of the two stores is what the monitor's reading relies on: it
 * loads the count first, then the time. Work arriving on an empty queue
 * stores the time before the count, so a count it sees non-zero comes with
 * a time at least as old as that work's; a queue emptied stores the count
 * (0) first. release/acquire pairs with monitor_loop.c's loads. */
NOT_INSTRUMENTED void tl_track_loop_posts(uint32_t loop, uint32_t waiting, uint64_t since_ns)
{
    tl_track_loop *l = slot(loop);
    if (!l)
        return;
    if (waiting) {
        __atomic_store_n(&l->posts_since_ns, since_ns, __ATOMIC_RELEASE);
        __atomic_store_n(&l->posts_waiting.raw, waiting, __ATOMIC_RELEASE);
    } else {
        __atomic_store_n(&l->posts_waiting.raw, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&l->posts_since_ns, 0, __ATOMIC_RELEASE);
    }
}
