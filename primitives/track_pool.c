/* SPDX-License-Identifier: MIT */
/* A pool and its tasks in the monitor table (tl_track_pool.h). Objects are
 * registered by track.c; here only their counts change, each one a single
 * atomic word that any thread may write, as a semaphore's count. */
#include "tl_track_pool.h"

/* relaxed everywhere below: the monitor compares these words across
 * snapshots milliseconds apart, and they order nothing in the process. */
static void set_count(uint32_t obj, uint32_t value)
{
    if (tl__track_table && obj < TL_TRACK_OBJECTS)
        tl_atomic_store_u32(&tl__track_table->object[obj].count, value, tl_relaxed);
}

uint32_t tl_track_pool_new(const char *name, unsigned workers)
{
    uint32_t obj = tl_track_object_new(TL_OBJ_POOL, 0, name, "pool");
    set_count(obj, workers);
    return obj;
}

void tl_track_pool_worker_gone(uint32_t pool)
{
    tl_track_count_add(pool, -1);
}

uint32_t tl_track_task_new(const char *name, uint32_t pool)
{
    if (pool == TL_TRACK_NONE)
        return TL_TRACK_NONE; /* a task of an untracked pool could not be judged */
    uint32_t obj = tl_track_object_new(TL_OBJ_TASK, 0, name, "task");
    set_count(obj, TL_TASK_QUEUED | pool);
    return obj;
}

void tl_track_task_running(uint32_t task)
{
    uint32_t self = tl_track_self();
    if (task != TL_TRACK_NONE && self != TL_TRACK_NONE)
        set_count(task, TL_TASK_RUNNING | self);
}

void tl_track_task_done(uint32_t task)
{
    set_count(task, TL_TASK_DONE);
}
