/* SPDX-License-Identifier: MIT */
/* The writer side of the monitor table (tl_track.h). Every write to a slot is
 * bracketed by its sequence counter: odd while writing, even when done. Only
 * the owning thread writes a thread slot, and only the creating thread an
 * object slot, so writers never contend; the reader is another process.
 *
 * Cost matters here: with the monitor on, every lock() passes through. So
 * these functions are not instrumented by TSan (the table is never read
 * inside the process, so there is nothing for TSan to check), the sequence
 * counters are volatile stores ordered by x86-64's total store order (a
 * release fence elsewhere), and source files are recorded by index, cached
 * per thread, never copied per call. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tl_sanitizer.h"
#include "tl_annotate.h"
#include "tl_track.h"
#include "tl_track_coro.h"

#if defined(__clang__)
#define NOT_INSTRUMENTED __attribute__((no_sanitize("thread")))
#else
#define NOT_INSTRUMENTED __attribute__((no_sanitize_thread))
#endif

tl_track_table *tl__track_table;
static _Thread_local tl_track_thread *self;
static _Thread_local uint32_t self_index = TL_TRACK_NONE;

/* What this thread holds, kept here and published only when the thread
 * starts to wait: the monitor needs a thread's locks only when that thread
 * is part of something stuck, and a stuck thread is a waiting one. So an
 * uncontended lock/unlock pair touches no shared memory at all. */
typedef struct {
    uint32_t nheld;
    uint32_t held[TL_TRACK_HELD];
    uint32_t held_line[TL_TRACK_HELD];
    const char *held_file[TL_TRACK_HELD];
    uint32_t held_shared; /* bit i: held[i] is held in shared mode */
    uint64_t acquisitions;
    bool waiting;
} local_state;
static _Thread_local local_state local;

static void fork_registry_add(uint32_t index); /* the fork section, at the end */

/* Acquisition counts are published every this many (and at every wait and
 * exit): the share figures may lag by that much, the fast path stays fast. */
enum { PUBLISH_EVERY = 256 };

void tl_track_attach(tl_track_table *t)
{
    t->magic = TL_TRACK_MAGIC;
    t->version = TL_TRACK_VERSION;
    tl__track_table = t; /* set once, before the scenario starts any thread */
    /* Valgrind: the table is written by every thread under its own protocol
     * and read by the runner, another process; its words are not the
     * scenario's, and turning their checking off orders nothing. */
    if (TL__ANN_ACTIVE())
        TL__ANN_PRIVATE(t, sizeof *t);
    tl__track_fork_install();
}

const char *tl_track_file_name(const tl_track_table *t, uint32_t index)
{
    return index < TL_TRACK_FILES ? t->file[index].name : "";
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Orders this thread's stores to the table as seen from another process.
 * On x86-64 stores are never reordered with stores, so keeping the compiler
 * from reordering is enough; elsewhere a release fence does it. */
static inline void store_order(void)
{
#if defined(__x86_64__)
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
#else
    __atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}

/* The odd count goes out before the slot's new data, the even one after. */
NOT_INSTRUMENTED static inline void write_begin(tl_atomic_u32 *seq)
{
    volatile uint32_t *v = &seq->raw;
    *v = *v + 1;
    store_order();
}

NOT_INSTRUMENTED static inline void write_end(tl_atomic_u32 *seq)
{
    volatile uint32_t *v = &seq->raw;
    store_order();
    *v = *v + 1;
}

NOT_INSTRUMENTED static void copy_name(char *to, size_t size, const char *from)
{
    size_t i = 0;
    for (; from && from[i] && i + 1 < size; i++)
        to[i] = from[i];
    to[i] = '\0';
}

/* The index of a source file in the table. Calls come from few sites, so a
 * tiny per-thread cache (by pointer) answers almost every lookup; a miss
 * searches the table by name and adds the file if new. Two threads adding
 * the same file at once get two indices for one name: harmless. */
NOT_INSTRUMENTED static uint32_t file_index(const char *file)
{
    enum { CACHE = 8 };
    static _Thread_local const char *cached[CACHE];
    static _Thread_local uint32_t cached_index[CACHE];
    static _Thread_local unsigned next;
    if (!file)
        return TL_TRACK_NONE;
    for (unsigned i = 0; i < CACHE; i++)
        if (cached[i] == file)
            return cached_index[i];
    tl_track_table *t = tl__track_table;
    /* A path longer than a slot keeps its end: the monitor shows it from the
     * project's root ("scenarios/x.c"), which a VPATH build's long prefix
     * (/tmp/.../src/scenarios/eventloop_blocking_callback.c) would
     * otherwise have cut off. */
    size_t len = strlen(file), room = sizeof t->file[0].name - 1;
    const char *kept = len > room ? file + (len - room) : file;
    uint32_t n = *(volatile uint32_t *)&t->nfiles.raw, found = TL_TRACK_NONE;
    for (uint32_t i = 0; i < n && i < TL_TRACK_FILES && found == TL_TRACK_NONE; i++)
        if ((*(volatile uint32_t *)&t->file[i].seq.raw & 1) == 0 &&
            strncmp(t->file[i].name, kept, sizeof t->file[i].name) == 0)
            found = i;
    if (found == TL_TRACK_NONE) {
        found = __atomic_fetch_add(&t->nfiles.raw, 1, __ATOMIC_RELAXED);
        if (found >= TL_TRACK_FILES)
            return TL_TRACK_NONE;
        write_begin(&t->file[found].seq);
        copy_name(t->file[found].name, sizeof t->file[found].name, kept);
        write_end(&t->file[found].seq);
    }
    cached[next % CACHE] = file;
    cached_index[next % CACHE] = found;
    next++;
    return found;
}

NOT_INSTRUMENTED uint32_t tl_track_object_new(tl_track_obj_type type, unsigned flags,
                                              const char *name, const char *kind)
{
    if (!tl__track_table)
        return TL_TRACK_NONE;
    /* relaxed: only hands out distinct indices; the slot's seq publishes it. */
    uint32_t i = __atomic_fetch_add(&tl__track_table->nobjects.raw, 1, __ATOMIC_RELAXED);
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

NOT_INSTRUMENTED uint32_t tl_track_thread_reserve(const char *name)
{
    if (!tl__track_table)
        return TL_TRACK_NONE;
    /* relaxed: only hands out distinct indices. */
    uint32_t i = __atomic_fetch_add(&tl__track_table->nthreads.raw, 1, __ATOMIC_RELAXED);
    if (i >= TL_TRACK_THREADS)
        return TL_TRACK_NONE;
    /* The reserving thread writes the slot once, before the thread it is for
     * exists (pthread_create orders this before the new thread's writes). */
    tl_track_thread *t = &tl__track_table->thread[i];
    write_begin(&t->seq);
    copy_name(t->name, sizeof t->name, name);
    t->state = TL_TS_RUNNING;
    t->wait_obj = TL_TRACK_NONE;
    t->wait_file = TL_TRACK_NONE;
    write_end(&t->seq);
    return i;
}

/* The thread records its kernel id here, in its own slot: the monitor
 * judges starvation and livelock by each thread's CPU time, which the runner
 * reads from /proc/PID/task/TID, so time a thread spent descheduled or
 * stopped never counts against it. */
NOT_INSTRUMENTED void tl_track_thread_adopt(uint32_t index)
{
    if (!tl__track_table || self || index >= TL_TRACK_THREADS)
        return;
    self = &tl__track_table->thread[index];
    self_index = index;
    write_begin(&self->seq);
    self->tid = (int32_t)gettid();
    self->pid = (int32_t)getpid();
    write_end(&self->seq);
    fork_registry_add(index);
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

NOT_INSTRUMENTED void tl_track_thread_end(void)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    /* The held list goes out one last time: a lock its owner never released
     * is what keeps others waiting (a missing unlock). */
    uint32_t held_file[TL_TRACK_HELD];
    for (uint32_t i = 0; i < local.nheld; i++)
        held_file[i] = file_index(local.held_file[i]);
    write_begin(&t->seq);
    t->state = TL_TS_EXITED;
    t->nheld = local.nheld;
    t->held_shared = local.held_shared;
    for (uint32_t i = 0; i < local.nheld; i++) {
        t->held[i] = local.held[i];
        t->held_line[i] = local.held_line[i];
        t->held_file[i] = held_file[i];
    }
    t->acquisitions = local.acquisitions;
    write_end(&t->seq);
}

/* Every wait starts here; `shared` only for lock waits in shared mode. */
NOT_INSTRUMENTED static void wait_begin(tl_track_state state, uint32_t obj, bool timed,
                                        bool shared, const char *file, int line)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    uint64_t now = now_ns();
    uint32_t f = file_index(file);
    uint32_t held_file[TL_TRACK_HELD];
    for (uint32_t i = 0; i < local.nheld; i++)
        held_file[i] = file_index(local.held_file[i]);
    write_begin(&t->seq);
    t->state = state;
    t->wait_obj = obj;
    t->wait_timed = timed;
    t->wait_shared = shared;
    t->wait_line = (uint32_t)line;
    t->wait_file = f;
    t->wait_since_ns = now;
    t->wait_serial++;
    /* relaxed: a snapshot for the monitor's comparison, nothing more. */
    t->wait_arg = obj < TL_TRACK_OBJECTS
                      ? __atomic_load_n(&tl__track_table->object[obj].count.raw, __ATOMIC_RELAXED)
                      : 0;
    t->nheld = local.nheld;
    t->held_shared = local.held_shared;
    for (uint32_t i = 0; i < local.nheld; i++) {
        t->held[i] = local.held[i];
        t->held_line[i] = local.held_line[i];
        t->held_file[i] = held_file[i];
    }
    t->acquisitions = local.acquisitions;
    write_end(&t->seq);
    local.waiting = true;
}

void tl_track_wait(tl_track_state state, uint32_t obj, bool timed, const char *file, int line)
{
    wait_begin(state, obj, timed, false, file, line);
}

void tl_track_wait_lock(uint32_t obj, bool shared, const char *file, int line)
{
    wait_begin(TL_TS_WAIT_LOCK, obj, false, shared, file, line);
}

NOT_INSTRUMENTED void tl_track_wait_end(void)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    write_begin(&t->seq);
    t->state = TL_TS_RUNNING;
    t->wait_obj = TL_TRACK_NONE;
    write_end(&t->seq);
    local.waiting = false;
}

NOT_INSTRUMENTED static void acquired(uint32_t obj, bool shared, const char *file, int line)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t || obj == TL_TRACK_NONE)
        return;
    if (local.nheld < TL_TRACK_HELD) {
        local.held[local.nheld] = obj;
        local.held_line[local.nheld] = (uint32_t)line;
        local.held_file[local.nheld] = file;
        if (shared)
            local.held_shared |= 1u << local.nheld;
        else
            local.held_shared &= ~(1u << local.nheld);
        local.nheld++;
    }
    local.acquisitions++;
    if (!local.waiting && local.acquisitions % PUBLISH_EVERY != 0)
        return; /* the fast path: nothing shared to write */
    write_begin(&t->seq);
    t->state = TL_TS_RUNNING;
    t->wait_obj = TL_TRACK_NONE;
    t->acquisitions = local.acquisitions;
    write_end(&t->seq);
    local.waiting = false;
}

void tl_track_acquired(uint32_t obj, const char *file, int line)
{
    acquired(obj, false, file, line);
}

void tl_track_acquired_shared(uint32_t obj, const char *file, int line)
{
    acquired(obj, true, file, line);
}

NOT_INSTRUMENTED void tl_track_released(uint32_t obj)
{
    if (!tl__track_table || obj == TL_TRACK_NONE)
        return;
    /* Locks need not be released in reverse order: remove wherever it is. */
    for (uint32_t i = local.nheld; i-- > 0;)
        if (local.held[i] == obj) {
            for (uint32_t k = i; k + 1 < local.nheld; k++) {
                local.held[k] = local.held[k + 1];
                local.held_line[k] = local.held_line[k + 1];
                local.held_file[k] = local.held_file[k + 1];
            }
            /* The shared bits above i move down one place with their entries. */
            uint32_t below = local.held_shared & ((1u << i) - 1);
            local.held_shared = below | ((local.held_shared >> 1) & ~((1u << i) - 1));
            local.nheld--;
            return;
        }
}

NOT_INSTRUMENTED void tl_track_retry(void)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    write_begin(&t->seq);
    t->retries++;
    write_end(&t->seq);
}

NOT_INSTRUMENTED void tl_track_progress(void)
{
    tl_track_thread *t = tl__track_table ? me() : NULL;
    if (!t)
        return;
    write_begin(&t->seq);
    t->progress++;
    write_end(&t->seq);
}

/* relaxed: a counter the monitor compares over milliseconds; it orders nothing. */
void tl_track_count_add(uint32_t obj, int32_t delta)
{
    if (tl__track_table && obj < TL_TRACK_OBJECTS)
        __atomic_fetch_add(&tl__track_table->object[obj].count.raw, (uint32_t)delta,
                           __ATOMIC_RELAXED);
}

/* --- fork ------------------------------------------------------------------
 * fork() copies the whole address space but only the calling thread. The
 * child's one thread must not go on writing its parent thread's slot (the
 * table is shared memory: the parent's thread is still alive there), so the
 * child handler gives it a slot of its own. And a lock another thread held
 * at the fork stays locked in the child with no thread there to unlock it:
 * the handler records those holds, read from the copied per-thread state of
 * the threads the child does not have (their memory is copied too; they
 * just never run again). Each thread's state is found through a registry
 * of pointers to its thread-local `local`, set when the thread adopts its
 * slot and cleared by a key destructor when it exits (before its memory
 * goes), so the handler never follows a pointer into a freed stack. */
static local_state *thread_locals[TL_TRACK_THREADS];
static pthread_key_t locals_key;
static bool locals_key_made;

NOT_INSTRUMENTED static void fork_registry_forget(void *index_plus_one)
{
    uintptr_t i = (uintptr_t)index_plus_one - 1;
    if (i < TL_TRACK_THREADS)
        thread_locals[i] = NULL;
}

/* Written by the thread itself; read only in a forked child, where no other
 * thread runs: no ordering is needed beyond fork's own. */
NOT_INSTRUMENTED static void fork_registry_add(uint32_t index)
{
    if (index >= TL_TRACK_THREADS || !locals_key_made)
        return;
    thread_locals[index] = &local;
    pthread_setspecific(locals_key, (void *)(uintptr_t)(index + 1));
    /* Valgrind: the forked child reads this state and the registry with no
     * happens-before from their writers (fork orders them; the tools do not
     * know). The monitor's bookkeeping, not the scenario's: unchecked. */
    if (TL__ANN_ACTIVE()) {
        TL__ANN_PRIVATE(&local, sizeof local);
        TL__ANN_PRIVATE(&thread_locals[index], sizeof thread_locals[index]);
    }
}

/* The child's name: its parent thread's, shortened, and "-child". */
NOT_INSTRUMENTED static void child_name(char *to, size_t size, const char *parent)
{
    static const char suffix[] = "-child";
    size_t keep = size - sizeof suffix, i = 0;
    for (; parent && parent[i] && i < keep; i++)
        to[i] = parent[i];
    for (size_t k = 0; k < sizeof suffix; k++)
        to[i + k] = suffix[k];
}

/* Runs in the child, right after fork, on its only thread. Only plain memory
 * accesses and async-signal-safe calls (getpid, gettid, clock reads). */
NOT_INSTRUMENTED static void track_fork_child(void)
{
    tl_track_table *t = tl__track_table;
    if (!t)
        return;
    uint32_t parent = self_index;
    uint32_t n = 0, held[TL_TRACK_FORK_HELD], holder[TL_TRACK_FORK_HELD],
             line[TL_TRACK_FORK_HELD], shared = 0;
    const char *file[TL_TRACK_FORK_HELD];
    for (uint32_t i = 0; i < TL_TRACK_THREADS; i++) {
        const local_state *other = thread_locals[i];
        if (i == parent || !other)
            continue;
        for (uint32_t h = 0; h < other->nheld && h < TL_TRACK_HELD && n < TL_TRACK_FORK_HELD;
             h++) {
            held[n] = other->held[h];
            holder[n] = i;
            line[n] = other->held_line[h];
            file[n] = other->held_file[h];
            if ((other->held_shared >> h) & 1)
                shared |= 1u << n;
            n++;
        }
    }
    /* The forking thread's own holds stay with this thread: it is that
     * thread, in the child, and can release them. */
    if (parent < TL_TRACK_THREADS)
        thread_locals[parent] = NULL;
    char name[16];
    child_name(name, sizeof name, self ? self->name : "main");
    self = NULL;
    self_index = TL_TRACK_NONE;
    local.waiting = false;
    tl_track_thread_adopt(tl_track_thread_reserve(name));
    if (!self)
        return; /* the table is full: the child goes unrecorded */
    uint32_t held_file[TL_TRACK_FORK_HELD];
    for (uint32_t i = 0; i < n; i++)
        held_file[i] = file_index(file[i]);
    write_begin(&self->seq);
    self->forked = true;
    self->fork_parent = parent;
    self->fork_nheld = n;
    self->fork_held_shared = shared;
    for (uint32_t i = 0; i < n; i++) {
        self->fork_held[i] = held[i];
        self->fork_holder[i] = holder[i];
        self->fork_held_line[i] = line[i];
        self->fork_held_file[i] = held_file[i];
    }
    write_end(&self->seq);
}

void tl__track_fork_install(void)
{
    static bool installed;
    if (installed)
        return;
    installed = true;
    locals_key_made = pthread_key_create(&locals_key, fork_registry_forget) == 0;
    pthread_atfork(NULL, NULL, track_fork_child);
}

/* --- coroutines (tl_track_coro.h) -------------------------------------------
 * A coroutine records as itself: its own slot and its own private held list,
 * swapped in for the thread's while it runs. Both live here because `self`
 * and `local` are this file's. */
struct tl__track_ident {
    tl_track_thread *self;
    uint32_t self_index;
    local_state local;
};

NOT_INSTRUMENTED void *tl__track_ident_new(const char *name, uint32_t *slot)
{
    uint32_t i = tl_track_thread_reserve(name);
    if (i == TL_TRACK_NONE)
        return NULL;
    struct tl__track_ident *id = calloc(1, sizeof *id);
    if (!id)
        return NULL;
    id->self = &tl__track_table->thread[i];
    id->self_index = i;
    /* Not started yet: suspended, and no thread is bound to resume it. */
    write_begin(&id->self->seq);
    id->self->coro = 1;
    id->self->state = TL_TS_SUSPENDED;
    write_end(&id->self->seq);
    *slot = i;
    return id;
}

/* Thread-local state only: nothing another thread or process reads. */
void tl__track_ident_swap(void *ident)
{
    struct tl__track_ident *id = ident;
    struct tl__track_ident mine = {self, self_index, local};
    self = id->self;
    self_index = id->self_index;
    local = id->local;
    *id = mine;
}

uint32_t tl_track_file_index(const char *file)
{
    return tl__track_table ? file_index(file) : TL_TRACK_NONE;
}
