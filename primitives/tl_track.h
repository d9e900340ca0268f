/* SPDX-License-Identifier: MIT */
/* Recording for the live monitor: a fixed-size table in memory shared with
 * the harness, where the lab's lock layer, condition variable, tracked
 * semaphore and thread helpers write each thread's state (running, waiting
 * for which object since when and from which source line, joining whom),
 * the locks it holds, and its progress and retry counters.
 *
 * Each thread slot and each object slot is written by one thread only; the
 * reader (another process) copies a slot under its sequence counter (odd
 * while a write is in progress) and retries on a torn copy, so no lock is
 * shared with the monitor and a dead or stopped thread cannot block it.
 *
 * Off unless the process was handed a table (tl_track_attach): then every
 * hook costs one well-predicted branch. The bare primitives never call it. */
#ifndef TL_TRACK_H
#define TL_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tl_atomic.h"

enum {
    TL_TRACK_MAGIC = 0x746c6d31, /* "tlm1" */
    TL_TRACK_VERSION = 4,       /* 2: thread slots carry the kernel tid; 3: a lock
                                 * held or awaited may be in shared mode; 4: forked
                                 * children, pools, loops and coroutines */
    TL_TRACK_THREADS = 64,
    TL_TRACK_OBJECTS = 256,
    TL_TRACK_HELD = 8,
    TL_TRACK_FILES = 128,       /* distinct source files of blocking calls */
    TL_TRACK_NONE = UINT32_MAX, /* no object / no thread */
};

enum {
    /* Locks other threads held at a fork that a forked child's slot records. */
    TL_TRACK_FORK_HELD = 16,
};

typedef enum {
    TL_OBJ_LOCK = 1,
    TL_OBJ_SEM,
    TL_OBJ_COND,
    TL_OBJ_POOL = 4, /* a thread pool (tl_track_pool.h) */
    TL_OBJ_TASK = 5, /* a task of a pool (tl_track_pool.h) */
} tl_track_obj_type;

enum tl_track_obj_flags {
    TL_OBJ_EXCLUSIVE = 1u << 0, /* at most one holder (a mutex, a spinlock) */
    TL_OBJ_SPINS = 1u << 1,     /* waiters spin instead of sleeping */
    TL_OBJ_FIFO = 1u << 2,
    TL_OBJ_BROKEN = 1u << 3,    /* a teaching kind: exclusion not guaranteed */
    /* A reader-writer lock: with TL_OBJ_EXCLUSIVE it may be held by one
     * thread exclusively, or by several in shared mode at once. */
    TL_OBJ_SHARED = 1u << 4,
    TL_OBJ_WRITER_PREF = 1u << 5, /* shared: a waiting writer blocks new readers */
};

typedef enum {
    TL_TS_UNUSED = 0,
    TL_TS_RUNNING,
    TL_TS_WAIT_LOCK,   /* wait_obj: the lock */
    TL_TS_WAIT_SEM,    /* wait_obj: the semaphore */
    TL_TS_WAIT_COND,   /* wait_obj: the condition variable */
    TL_TS_JOINING,     /* wait_obj: the thread slot being joined */
    TL_TS_EXITED,
    /* Coroutines (tl_track_coro.h): */
    TL_TS_SUSPENDED = 12, /* a coroutine stopped at a yield; wait_obj: the thread slot
                           * that must resume it, or TL_TRACK_NONE (any thread may) */
    TL_TS_RUNS_CORO = 13, /* a thread running a coroutine; wait_obj: its slot */
    TL_TS_WAIT_TASK = 7, /* wait_obj: the pool task (tl_track_pool.h) */
} tl_track_state;

typedef struct {
    tl_atomic_u32 seq;
    uint32_t type, flags;
    char name[32];
    char kind[24];     /* lock kind name, "semaphore", "condvar" */
    /* Written by any thread, atomically (outside seq): a semaphore's posts
     * not yet taken, a condition variable's signals so far. They let the
     * monitor tell "blocked" from "about to wake, but not scheduled yet". */
    tl_atomic_u32 count;
} tl_track_object;

typedef struct {
    tl_atomic_u32 seq;
    uint32_t state;
    uint32_t wait_obj;          /* object index, or thread index when joining */
    uint32_t wait_line;
    uint32_t wait_file;         /* source file of the blocking call (files[]) */
    uint64_t wait_since_ns;     /* CLOCK_MONOTONIC, comparable across processes */
    uint64_t wait_serial;       /* changes with every new wait */
    bool wait_timed;            /* the wait can time out: not a hang */
    bool wait_shared;           /* lock waits: for shared (reader) mode */
    uint32_t wait_arg;          /* condition waits: the object's count at the start */
    uint32_t nheld;             /* locks held: published when a wait starts */
    uint32_t held[TL_TRACK_HELD];
    uint32_t held_line[TL_TRACK_HELD];
    uint32_t held_file[TL_TRACK_HELD];
    uint32_t held_shared;       /* bit i: held[i] is held in shared mode */
    uint64_t progress;          /* useful work done (tl_track_progress) */
    uint64_t retries;           /* failed attempts (trylock failures count) */
    uint64_t acquisitions;      /* locks taken */
    int32_t tid;                /* kernel thread id, 0 until the thread adopts the slot:
                                 * the monitor reads its CPU time from /proc */
    char name[16];
    /* Processes (fork): which process the slot's thread runs in, and for the
     * one thread of a forked child, the parent thread it was forked from and
     * the locks the parent's other threads held at that instant (the child
     * has the locks' memory, copied, but not those threads). Written once,
     * by the child's atfork handler (track_fork.c). */
    int32_t pid;                /* 0 until the thread adopts the slot */
    bool forked;                /* the only thread of a forked child */
    uint32_t fork_parent;       /* forked: the slot of the thread that forked */
    uint32_t fork_nheld;        /* forked: entries of fork_held[] */
    uint32_t fork_held[TL_TRACK_FORK_HELD];   /* lock objects held at the fork */
    uint32_t fork_holder[TL_TRACK_FORK_HELD]; /* by this parent thread's slot */
    uint32_t fork_held_line[TL_TRACK_FORK_HELD];
    uint32_t fork_held_file[TL_TRACK_FORK_HELD];
    uint32_t fork_held_shared;  /* bit i: fork_held[i] was held in shared mode */
    uint32_t coro;              /* 1: a coroutine's slot (tl_track_coro.h), not a thread's */
} tl_track_thread;

/* Source file names, written once each: a slot records a file by index, so a
 * lock() costs no string copy. */
typedef struct {
    tl_atomic_u32 seq;
    char name[60];
} tl_track_file;

typedef struct {
    uint32_t magic, version;
    tl_atomic_u32 nthreads, nobjects, nfiles; /* slots handed out so far */
    tl_track_file file[TL_TRACK_FILES];
    tl_track_thread thread[TL_TRACK_THREADS];
    tl_track_object object[TL_TRACK_OBJECTS];
} tl_track_table;

/* The name behind a file index; "" when unknown. */
const char *tl_track_file_name(const tl_track_table *t, uint32_t index);

/* --- writer side (the host) ---------------------------------------------- */
/* Starts recording into `table` (already sized and zeroed by the harness). */
void tl_track_attach(tl_track_table *table);
/* Called by tl_track_attach: a forked child's thread gets a slot of its own,
 * which records the locks the parent's other threads held at the fork. */
void tl__track_fork_install(void);
extern tl_track_table *tl__track_table; /* NULL: recording is off */
static inline bool tl_track_enabled(void)
{
    return tl__track_table != NULL;
}

/* Registers an object; returns its index, or TL_TRACK_NONE when off or full. */
uint32_t tl_track_object_new(tl_track_obj_type type, unsigned flags, const char *name,
                             const char *kind);
/* Registers the calling thread under `name` (an unregistered thread is
 * registered on its first hook, under its pthread name). */
void tl_track_thread_begin(const char *name);
/* For a thread about to be created: its creator reserves the slot (so it
 * knows the index to join on at once), the new thread adopts it. */
uint32_t tl_track_thread_reserve(const char *name);
void tl_track_thread_adopt(uint32_t index);
void tl_track_thread_end(void);
/* The calling thread's slot index, or TL_TRACK_NONE. */
uint32_t tl_track_self(void);

void tl_track_wait(tl_track_state state, uint32_t obj, bool timed, const char *file, int line);
/* A lock wait, for shared (reader) or exclusive mode. */
void tl_track_wait_lock(uint32_t obj, bool shared, const char *file, int line);
void tl_track_wait_end(void);                    /* woke without acquiring */
void tl_track_acquired(uint32_t obj, const char *file, int line); /* ends a wait too */
void tl_track_acquired_shared(uint32_t obj, const char *file, int line); /* the same, shared */
void tl_track_released(uint32_t obj);
void tl_track_retry(void);
/* Semaphores and condition variables: what would wake a waiter (a
 * semaphore's available posts, a condition variable's signals). */
void tl_track_count_add(uint32_t obj, int32_t delta);
void tl_track_progress(void);

#endif
