/* SPDX-License-Identifier: MIT */
/* process.mutex_copy: after fork() the child's mutex is a copy - a separate
 * lock that excludes nobody in the parent. */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tl_scenario.h"

/* Memory both processes see (MAP_SHARED survives fork as one mapping, not a
 * copy): the counter, the process-shared lock of the fix, the handshake. */
typedef struct {
    unsigned long counter;
    pthread_mutex_t shared_lock; /* fixed-pshared: PTHREAD_PROCESS_SHARED */
    tl_turns_t turns;            /* atomics work across processes in shared memory */
} shared_t;

static shared_t *shm;
/* The buggy lock: in private memory, so fork copies it. */
static pthread_mutex_t copied_lock = PTHREAD_MUTEX_INITIALIZER;

typedef enum { WAY_COPIED, WAY_PSHARED, WAY_ATOMIC } way_t;

typedef struct {
    tl_ctx *ctx;
    way_t way;
} run_t;

static void add_many(const run_t *r)
{
    for (unsigned long i = 0; i < r->ctx->iterations; i++) {
        if (r->way == WAY_ATOMIC) {
            /* relaxed: a counter read only after both processes are done
             * (waitpid orders that); no other data hangs on it. */
            __atomic_fetch_add(&shm->counter, 1, __ATOMIC_RELAXED);
            continue;
        }
        pthread_mutex_t *m = r->way == WAY_COPIED ? &copied_lock : &shm->shared_lock;
        pthread_mutex_lock(m);
        shm->counter++;
        pthread_mutex_unlock(m);
    }
}

/* Buggy, forced: the parent reads the counter under "the" lock; the child
 * takes its copy of the lock - which succeeds at once, the parent's hold is
 * not in it - and adds; the parent writes back its stale sum: one update
 * lost, every run. */
static void parent_forced_step(void)
{
    pthread_mutex_lock(&copied_lock);
    unsigned long seen = shm->counter;
    tl_turn_pass(&shm->turns);      /* step 1: I hold the lock and have read */
    tl_turn_wait(&shm->turns, 2);   /* the child has added, "under the lock" */
    shm->counter = seen + 1;
    pthread_mutex_unlock(&copied_lock);
}

static void child_forced_step(void)
{
    tl_turn_wait(&shm->turns, 1);
    pthread_mutex_lock(&copied_lock); /* its own copy: free, not the parent's */
    shm->counter++;
    pthread_mutex_unlock(&copied_lock);
    tl_turn_pass(&shm->turns);
}

static void *forker(void *arg)
{
    run_t *r = arg;
    pid_t pid = fork();               /* no lock is held by anyone here */
    if (pid == 0) {
        /* The child: only its own thread, no new ones (TSan forbids them
         * after a multithreaded fork), and no stdio. */
        if (r->way == WAY_COPIED)
            child_forced_step();
        add_many(r);
        _exit(0);
    }
    if (pid < 0) {
        tl_oracle(r->ctx, "fork", false, "fork failed: errno %d", errno);
        return NULL;
    }
    if (r->way == WAY_COPIED)
        parent_forced_step();
    add_many(r);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    return NULL;
}

static void run(tl_ctx *ctx, way_t way)
{
    shm = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED) {
        tl_oracle(ctx, "mmap", false, "mmap failed: errno %d", errno);
        return;
    }
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    /* The lock's memory is shared and the kernel is told so: a waiter in
     * one process is woken by an unlock in the other (a shared futex, not
     * a private one). */
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&shm->shared_lock, &attr);
    pthread_mutexattr_destroy(&attr);
    run_t r = {.ctx = ctx, .way = way};
    tl_thread_t t;
    tl_thread_start(&t, "forker", forker, &r);
    tl_thread_join(&t);
    unsigned long extra = way == WAY_COPIED ? 2 : 0;
    tl_oracle_expect_u64(ctx, "counter after both processes", 2 * ctx->iterations + extra,
                         shm->counter);
    pthread_mutex_destroy(&shm->shared_lock);
    munmap(shm, sizeof *shm);
}

static void buggy(tl_ctx *ctx) { run(ctx, WAY_COPIED); }
static void fixed_pshared(tl_ctx *ctx) { run(ctx, WAY_PSHARED); }
static void fixed_atomic(tl_ctx *ctx) { run(ctx, WAY_ATOMIC); }

TL_SCENARIO(process_mutex_copy) = {
    .name = "process.mutex_copy",
    .category = "process",
    .summary = "a mutex copied by fork() does not exclude the other process",
    .concept = "processes share no memory unless asked: a lock is per process",
    .teaching =
        "Threads share their process's memory, so one mutex excludes them all; processes "
        "do not. fork() gives the child a copy of the parent's memory, and a mutex in "
        "that memory becomes two mutexes: locking the child's copy says nothing to the "
        "parent. Here the counter lives in memory both processes really share "
        "(MAP_SHARED), but the mutex 'protecting' it lives in ordinary memory, copied at "
        "the fork. The parent takes its mutex and reads the counter; the child takes its "
        "copy - at once, the parent's hold is not in it - and adds; the parent writes "
        "back a stale sum (forced), and the loops that follow lose more: the oracle "
        "counts the updates lost. Fix 1 puts the mutex itself in the shared mapping and "
        "makes it process-shared (pthread_mutexattr_setpshared), so both processes use "
        "one lock and the kernel wakes a waiter in either. The lab's own futex mutex would "
        "not do, even in shared memory: it waits with FUTEX_WAIT_PRIVATE, which matches "
        "wakers of its own process only. Fix 2 drops the lock: an atomic add on the "
        "shared counter is one indivisible step in whichever process makes it.",
    .detector_note =
        "TSan watches one process: each process here has one thread touching the counter, "
        "so it reports nothing, and the lost updates are the oracle's to count. The "
        "forced step uses the lab's handshake in the shared mapping (atomics work across "
        "processes); the child starts no thread, as TSan requires after a multithreaded "
        "fork.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 100000, .max_iterations = 10000000,
    .own_locking = "its lock is a pthread mutex whose place is the point: copied by fork, "
                   "or process-shared in a shared mapping",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy, .expect = "oracle:violated",
         .about = "the mutex in private memory, copied by fork; one lost update forced"},
        {.name = "fixed-pshared", .role = TL_ROLE_FIXED, .entry = fixed_pshared, .expect = "",
         .about = "a PTHREAD_PROCESS_SHARED mutex in the shared mapping: one lock for both"},
        {.name = "fixed-atomic", .role = TL_ROLE_FIXED, .entry = fixed_atomic, .expect = "",
         .about = "no lock: an atomic add on the shared counter"},
    },
};
