/* SPDX-License-Identifier: MIT */
/* The live monitor: reads the table a running host writes (tl_track.h) every
 * few milliseconds and says what kind of stuck it is, with the evidence.
 *
 *   deadlock    a cycle in the wait-for graph (thread -> lock -> its owner,
 *               thread -> thread it joins), every thread in it waiting in the
 *               same wait in two successive snapshots; a relock of one's own
 *               lock is a cycle of one. A reader-writer lock may have several
 *               holders: a writer waits for every one of them, a reader for
 *               the writer holding it, and with writer preference also for
 *               every writer waiting for it (who bars new readers), so a
 *               thread can have several edges and the cycle is searched
 *               depth-first.
 *   hang        every live thread blocked in an untimed wait, no cycle, for
 *               two successive snapshots and at least TL_MON_HANG_MIN_NS.
 *   livelock    (scenarios that mark progress) no thread blocked, retries
 *               rising, nobody's progress moving for a window, in which
 *               every thread still in the game (not joining) burned at
 *               least window / TL_MON_LIVELOCK_CPU_DIV of its own CPU time.
 *   starvation  (scenarios that mark progress) one thread wanting (retrying
 *               or waiting for a lock) without progress for a window of its
 *               own CPU time, while others progress as it runs.
 *   pool-deadlock every worker of a thread pool waits for a task queued
 *               behind them (monitor_pool.h).
 *
 * Livelock and starvation rest on each thread's own CPU time (cpu_ns,
 * filled by the runner from /proc), never on wall-clock time alone: a
 * thread that is not running - stopped, or descheduled on a busy machine -
 * cannot be starved or livelocked, and must not be judged so when it runs
 * again. A livelock's threads may spend most of a round asleep in their
 * back-off (livelock.polite's burn about 14% of a core), hence a fraction of
 * the window for them; a starved thread wants all the time, hence the whole
 * window. A snapshot without CPU times (has_cpu false) falls back to
 * wall-clock time for every thread.
 *
 * Pure functions over snapshots, so the classification is unit-tested on
 * synthetic tables. */
#ifndef TL_MONITOR_H
#define TL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "tl_track.h"

#define TL_MON_POLL_NS (2 * 1000 * 1000ull)       /* how often the runner looks */
#define TL_MON_HANG_MIN_NS (10 * 1000 * 1000ull)  /* youngest wait before "hang" */
#define TL_MON_WINDOW_NS (200 * 1000 * 1000ull)   /* livelock/starvation window */
#define TL_MON_LIVELOCK_CPU_DIV 8                 /* livelock: CPU time each, window / 8 */

typedef struct {
    uint64_t taken_ns;               /* CLOCK_MONOTONIC */
    uint32_t nthreads, nobjects;
    bool torn[TL_TRACK_THREADS];     /* a slot that kept changing while copied */
    tl_track_thread thread[TL_TRACK_THREADS];
    tl_track_object object[TL_TRACK_OBJECTS];
    uint32_t nfiles;
    tl_track_file file[TL_TRACK_FILES];
    /* Each thread's CPU time so far (ns on a CPU, from the kernel), filled
     * by whoever took the snapshot; has_cpu false when it did not. */
    bool has_cpu;
    uint64_t cpu_ns[TL_TRACK_THREADS];
} tl_mon_snapshot;

typedef enum {
    TL_MON_NONE,
    TL_MON_DEADLOCK,
    TL_MON_HANG,
    TL_MON_LIVELOCK,
    TL_MON_STARVATION,
    /* A forked child waits for a lock a parent thread held at the fork, a
     * thread the child does not have (monitor_fork.c). */
    TL_MON_FORK_DEADLOCK = 8,
    TL_MON_POOL_DEADLOCK = 5, /* every worker of a pool waits for a task queued
                               * behind it (monitor_pool.h) */
} tl_mon_kind;

typedef struct {
    tl_mon_kind kind;
    uint64_t since_ns;               /* the first moment the condition held */
    uint64_t verdict_ns;             /* when the monitor said so */
    uint32_t cycle[TL_TRACK_THREADS];/* deadlock: the threads of the cycle, in wait order */
    int ncycle;
    uint32_t starved;                /* starvation: the thread */
    tl_mon_snapshot at;              /* the snapshot the verdict rests on */
    /* fork-deadlock: the child's slot, the lock it waits for, the parent
     * thread that held it at the fork, and the entry of the child's
     * fork_held[] that says so. */
    uint32_t fork_child, fork_lock, fork_holder, fork_entry;
} tl_mon_verdict;

typedef struct {
    tl_mon_snapshot prev;
    bool have_prev;
    bool judge_progress;             /* the scenario marks progress */
    uint64_t window_ns;
    uint64_t progress_seen[TL_TRACK_THREADS];
    uint64_t progress_moved_ns[TL_TRACK_THREADS]; /* last time a thread's progress rose */
    uint64_t retries_at_move[TL_TRACK_THREADS];   /* its retries at that time */
    uint64_t any_progress_ns;        /* last time anyone's progress rose */
    uint64_t retries_at_any;         /* total retries then */
    uint64_t started_ns;
    /* Per thread, in its own clock (CPU time, or wall-clock time without
     * it): at its last progress, at anyone's last progress, at the last look
     * where another thread progressed (and that look's wall-clock time), and
     * at the first look in its current lock wait. */
    bool seen[TL_TRACK_THREADS];
    uint64_t clock_at_move[TL_TRACK_THREADS];
    uint64_t clock_at_any[TL_TRACK_THREADS];
    uint64_t clock_at_others[TL_TRACK_THREADS];
    uint64_t others_moved_ns[TL_TRACK_THREADS];
    uint64_t clock_at_wait[TL_TRACK_THREADS];
    uint64_t wait_serial_seen[TL_TRACK_THREADS];
} tl_monitor;

/* Copies the shared table into snap, slot by slot under each slot's sequence
 * counter (a slot being rewritten is retried, then marked torn). */
void tl_monitor_snapshot(const tl_track_table *shared, tl_mon_snapshot *snap, uint64_t now_ns);

void tl_monitor_init(tl_monitor *m, bool judge_progress, uint64_t window_ns, uint64_t now_ns);
/* Feeds one snapshot; returns true (and fills v) once a verdict is reached. */
bool tl_monitor_observe(tl_monitor *m, const tl_mon_snapshot *now, tl_mon_verdict *v);

const char *tl_mon_kind_name(tl_mon_kind k);  /* "deadlock", ... */
const char *tl_track_state_name(uint32_t state);

/* A source file recorded in a snapshot, as a path from the project root;
 * "?" when unknown. */
const char *tl_mon_file(const tl_mon_snapshot *s, uint32_t index);

/* A holder of a lock in a snapshot - its writer when it has one - or
 * TL_TRACK_NONE. Held lists are published when a thread starts to wait and
 * when it exits, so only waiting and exited threads are ever found. */
uint32_t tl_monitor_owner(const tl_mon_snapshot *s, uint32_t obj);
/* Every holder of a lock found as above, at most `max`, each with whether it
 * holds it shared (shared may be NULL); returns how many. */
unsigned tl_monitor_holders(const tl_mon_snapshot *s, uint32_t obj, uint32_t *threads,
                            bool *shared, unsigned max);
/* The threads thread t waits for, at most `max`: the holders of its lock
 * whose mode excludes the one it asks for (itself too: a relock), on a
 * writer-preferring lock also the writers waiting when it asks to read,
 * or the thread it joins. Returns how many. */
unsigned tl_monitor_waits_for(const tl_mon_snapshot *s, uint32_t t, uint32_t *out, unsigned max);

/* The fork rule (monitor_fork.c): true, with v's fork_* members, cycle[0]
 * and since_ns filled, when a forked child has been in the same wait in
 * `prev` and `now` for a lock a parent thread held at the fork that no
 * thread of the child's process holds. */
/* Whether slots a and b are threads of one process. fork copies a lock's
 * memory, so after a fork one object index names a separate lock in each
 * process: a thread waits only for holders in its own process. */
bool tl__monitor_same_process(const tl_mon_snapshot *s, uint32_t a, uint32_t b);
bool tl__monitor_fork_deadlock(const tl_mon_snapshot *prev, const tl_mon_snapshot *now,
                               tl_mon_verdict *v);

#endif
