/* SPDX-License-Identifier: MIT */
/* The writer side of the monitor table (tl_track.h). Every write to a slot is
 * bracketed by its sequence counter: odd while writing, even when done. Only
 * the owning thread writes a thread slot, and only the creating thread an
 * object slot, so writers never contend; the reader is another process. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tl_track.h"

tl_track_table *tl__track_table;
static _Thread_local tl_track_thread *self;
static _Thread_local uint32_t self_index = TL_TRACK_NONE;

void tl_track_attach(tl_track_table *t)
{
    t->magic = TL_TRACK_MAGIC;
    t->version = TL_TRACK_VERSION;
    tl__track_table = t; /* set once, before the scenario starts any thread */
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* relaxed + release fence: the odd count must be visible before any of the
 * slot's new data, so a reader that sees new data also sees "in progress". */
static void write_begin(tl_atomic_u32 *seq)
{
    tl_atomic_store_u32(seq, tl_atomic_load_u32(seq, tl_relaxed) + 1, tl_relaxed);
    tl_atomic_fence(tl_release);
}

/* release: the data written must be visible before the even count is. */
static void write_end(tl_atomic_u32 *seq)
{
    tl_atomic_store_u32(seq, tl_atomic_load_u32(seq, tl_relaxed) + 1, tl_release);
}

static void copy_name(char *to, size_t size, const char *from)
{
    snprintf(to, size, "%s", from ? from : "");
}

uint32_t tl_track_object_new(tl_track_obj_type type, unsigned flags, const char *name,
                             const char *kind)
{
    if (!tl__track_table)
        return TL_TRACK_NONE;
    /* relaxed: only hands out distinct indices; the slot's seq publishes it. */
    uint32_t i = tl_atomic_fetch_add_u32(&tl__track_table->nobjects, 1, tl_relaxed);
    if (i >= TL_TRACK_OBJECTS)
        return TL_TRACK_NONE;
    tl_track_object *o = &tl__track_table->object[i];
    write_begin(&o->seq);
    o->type = type;
    o->flags = flags;
    copy_name(o->name, sizeof o->name, name);
    copy_name(o->kind, sizeof o->kind, kind);
    write_end(&o->seq);
    return i;
}

uint32_t tl_track_thread_reserve(const char *name)
{
    if (!tl__track_table)
        return TL_TRACK_NONE;
    /* relaxed: only hands out distinct indices. */
    uint32_t i = tl_atomic_fetch_add_u32(&tl__track_table->nthreads, 1, tl_relaxed);
    if (i >= TL_TRACK_THREADS)
        return TL_TRACK_NONE;
    /* The reserving thread writes the slot once, before the thread it is for
     * exists (pthread_create orders this before the new thread's writes). */
    tl_track_thread *t = &tl__track_table->thread[i];
    write_begin(&t->seq);
    copy_name(t->name, sizeof t->name, name);
    t->state = TL_TS_RUNNING;
    t->wait_obj = TL_TRACK_NONE;
    write_end(&t->seq);
    return i;
}

void tl_track_thread_adopt(uint32_t index)
{
    if (!tl__track_table || self || index >= TL_TRACK_THREADS)
        return;
    self = &tl__track_table->thread[index];
    self_index = index;
}

void tl_track_thread_begin(const char *name)
{
    if (!tl__track_table || self)
        return;
    tl_track_thread_adopt(tl_track_thread_reserve(name));
}

/* The calling thread's slot, registering it on first use. */
static tl_track_thread *me(void)
{
    if (!self && tl__track_table) {
        char name[16] = "thread";
        pthread_getname_np(pthread_self(), name, sizeof name);
        tl_track_thread_begin(name);
    }
    return self;
}

uint32_t tl_track_self(void)
{
    me();
    return self_index;
}

void tl_track_thread_end(void)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    write_begin(&t->seq);
    t->state = TL_TS_EXITED;
    t->nheld = 0;
    write_end(&t->seq);
}

void tl_track_wait(tl_track_state state, uint32_t obj, bool timed, const char *file, int line)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    uint64_t now = now_ns();
    write_begin(&t->seq);
    t->state = state;
    t->wait_obj = obj;
    t->wait_timed = timed;
    t->wait_line = (uint32_t)line;
    copy_name(t->wait_file, sizeof t->wait_file, file);
    t->wait_since_ns = now;
    t->wait_serial++;
    write_end(&t->seq);
}

void tl_track_wait_end(void)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    write_begin(&t->seq);
    t->state = TL_TS_RUNNING;
    t->wait_obj = TL_TRACK_NONE;
    write_end(&t->seq);
}

void tl_track_acquired(uint32_t obj, const char *file, int line)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t || obj == TL_TRACK_NONE)
        return;
    write_begin(&t->seq);
    t->state = TL_TS_RUNNING;
    t->wait_obj = TL_TRACK_NONE;
    t->acquisitions++;
    if (t->nheld < TL_TRACK_HELD) {
        t->held[t->nheld] = obj;
        t->held_line[t->nheld] = (uint32_t)line;
        copy_name(t->held_file[t->nheld], sizeof t->held_file[0], file);
        t->nheld++;
    }
    write_end(&t->seq);
}

void tl_track_released(uint32_t obj)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t || obj == TL_TRACK_NONE)
        return;
    write_begin(&t->seq);
    /* Locks need not be released in reverse order: remove wherever it is. */
    for (uint32_t i = t->nheld; i-- > 0;)
        if (t->held[i] == obj) {
            for (uint32_t k = i; k + 1 < t->nheld; k++) {
                t->held[k] = t->held[k + 1];
                t->held_line[k] = t->held_line[k + 1];
                memcpy(t->held_file[k], t->held_file[k + 1], sizeof t->held_file[0]);
            }
            t->nheld--;
            break;
        }
    write_end(&t->seq);
}

void tl_track_retry(void)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    write_begin(&t->seq);
    t->retries++;
    write_end(&t->seq);
}

void tl_track_progress(void)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    write_begin(&t->seq);
    t->progress++;
    write_end(&t->seq);
}
