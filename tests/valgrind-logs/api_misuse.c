/* SPDX-License-Identifier: MIT */
/* Misuses of the pthread API, one per function, for capturing what Helgrind
 * and DRD say about each (tests/valgrind-logs/README.md). Not built by make:
 * compiled by hand with gcc -g -gdwarf-4 -pthread. Every wait is timed and
 * every misuse is one whose glibc behaviour returns, so the program ends
 * under both tools. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void report(const char *what, int err)
{
    printf("%-28s -> %s\n", what, err ? strerror(err) : "ok");
}

static struct timespec in_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    return ts;
}

/* An initialised mutex that nobody locked, unlocked. */
static NOINLINE void unlock_unlocked(void)
{
    pthread_mutex_t m;
    pthread_mutex_init(&m, NULL);
    report("unlock of an unlocked mutex", pthread_mutex_unlock(&m));
}

/* A mutex locked by a thread that then exits, unlocked by main. */
static pthread_mutex_t foreign = PTHREAD_MUTEX_INITIALIZER;
static void *lock_and_leave(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&foreign);
    return NULL;
}
static NOINLINE void unlock_foreign(void)
{
    pthread_t t;
    pthread_create(&t, NULL, lock_and_leave, NULL);
    pthread_join(t, NULL);
    report("unlock of another's mutex", pthread_mutex_unlock(&foreign));
}

/* Destroying a mutex this thread holds. */
static NOINLINE void destroy_locked(void)
{
    pthread_mutex_t m;
    pthread_mutex_init(&m, NULL);
    pthread_mutex_lock(&m);
    report("destroy of a locked mutex", pthread_mutex_destroy(&m));
    pthread_mutex_unlock(&m);
    pthread_mutex_destroy(&m);
}

/* Relocking an error-checking mutex: EDEADLK instead of a hang. */
static NOINLINE void relock(void)
{
    pthread_mutexattr_t a;
    pthread_mutex_t m;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m, &a);
    pthread_mutex_lock(&m);
    report("relock of a held mutex", pthread_mutex_lock(&m));
    pthread_mutex_unlock(&m);
    pthread_mutex_destroy(&m);
}

/* Unlocking memory that was never made a mutex (zeroes, which glibc takes
 * for an unlocked normal mutex). */
static NOINLINE void unlock_bogus(void)
{
    static pthread_mutex_t never_seen;
    memset(&never_seen, 0, sizeof never_seen);
    report("unlock of a never-seen mutex", pthread_mutex_unlock(&never_seen));
}

/* Signalling a condition variable while its mutex is not held. */
static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_flag;
static void *cv_waiter(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "cv-waiter");
    pthread_mutex_lock(&cv_lock);
    for (int round = 0; !cv_flag && round < 20; round++) {
        struct timespec ts = in_ms(100);
        pthread_cond_timedwait(&cv, &cv_lock, &ts);
    }
    pthread_mutex_unlock(&cv_lock);
    return NULL;
}
static NOINLINE void signal_unlocked(void)
{
    pthread_t t;
    pthread_create(&t, NULL, cv_waiter, NULL);
    usleep(300 * 1000); /* the waiter is inside pthread_cond_timedwait */
    cv_flag = 1;        /* the bug: neither this store nor the signal hold cv_lock */
    report("signal without the lock", pthread_cond_signal(&cv));
    pthread_join(t, NULL);
}

/* Waiting on a condition variable with a mutex this thread does not hold. */
static NOINLINE void wait_unheld(void)
{
    pthread_mutexattr_t a;
    pthread_mutex_t m;
    pthread_cond_t c;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m, &a);
    pthread_cond_init(&c, NULL);
    struct timespec ts = in_ms(10);
    report("wait with an unheld mutex", pthread_cond_timedwait(&c, &m, &ts));
    pthread_cond_destroy(&c);
    pthread_mutex_destroy(&m);
}

/* Unlocking a reader-writer lock nobody holds. */
static NOINLINE void rwlock_unlock_unlocked(void)
{
    static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    pthread_rwlock_init(&rw, NULL);
    pthread_rwlock_wrlock(&rw);
    pthread_rwlock_unlock(&rw);
    report("unlock of an unlocked rwlock", pthread_rwlock_unlock(&rw));
}

/* Destroying a barrier twice. */
static NOINLINE void barrier_destroy_twice(void)
{
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 2);
    pthread_barrier_destroy(&b);
    report("barrier destroyed twice", pthread_barrier_destroy(&b));
}

/* A barrier for no thread at all. */
static NOINLINE void barrier_count_zero(void)
{
    pthread_barrier_t b;
    report("barrier of count zero", pthread_barrier_init(&b, NULL, 0));
}

/* Posting a semaphore after destroying it. Static: on the stack it would
 * share its address with the failed barrier above, which DRD 3.19 still
 * records as a barrier and then asserts on ("drd-internal-error" sample). */
static NOINLINE void sem_post_destroyed(void)
{
    static sem_t s;
    sem_init(&s, 0, 0);
    sem_destroy(&s);
    report("post of a destroyed semaphore", sem_post(&s));
}

/* Signalling a condition variable after destroying it. */
static NOINLINE void signal_destroyed(void)
{
    pthread_cond_t c;
    pthread_cond_init(&c, NULL);
    pthread_cond_destroy(&c);
    report("signal of a destroyed cond", pthread_cond_signal(&c));
}

/* One condition variable waited on with two different mutexes at once. */
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t shared_cv = PTHREAD_COND_INITIALIZER;
static void *wait_with_first(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&first_lock);
    struct timespec ts = in_ms(400);
    pthread_cond_timedwait(&shared_cv, &first_lock, &ts);
    pthread_mutex_unlock(&first_lock);
    return NULL;
}
static NOINLINE void wait_two_mutexes(void)
{
    pthread_t t;
    pthread_create(&t, NULL, wait_with_first, NULL);
    usleep(100 * 1000);
    pthread_mutex_lock(&second_lock);
    struct timespec ts = in_ms(50);
    report("wait with a second mutex", pthread_cond_timedwait(&shared_cv, &second_lock, &ts));
    pthread_mutex_unlock(&second_lock);
    pthread_join(t, NULL);
}

/* Destroying a semaphore a thread is waiting on (its wait is timed). */
static sem_t waited;
static void *wait_on_semaphore(void *arg)
{
    (void)arg;
    struct timespec ts = in_ms(400);
    sem_timedwait(&waited, &ts);
    return NULL;
}
static NOINLINE void sem_destroy_waited(void)
{
    pthread_t t;
    sem_init(&waited, 0, 0);
    pthread_create(&t, NULL, wait_on_semaphore, NULL);
    usleep(100 * 1000);
    report("destroy of a waited semaphore", sem_destroy(&waited));
    pthread_join(t, NULL);
}

/* Detaching a thread already joined: its id is no thread's any more
 * (undefined behaviour; glibc's cached thread stacks make it return). */
static void *quick(void *arg)
{
    return arg;
}
static NOINLINE void detach_joined(void)
{
    pthread_t t;
    pthread_create(&t, NULL, quick, NULL);
    pthread_join(t, NULL);
    report("detach of a joined thread", pthread_detach(t));
}

/* Joining oneself: EDEADLK. */
static NOINLINE void join_self(void)
{
    report("join of oneself", pthread_join(pthread_self(), NULL));
}

/* Holding a mutex for 100 ms (DRD's --exclusive-threshold). */
static NOINLINE void hold_long(void)
{
    pthread_mutex_t m;
    pthread_mutex_init(&m, NULL);
    pthread_mutex_lock(&m);
    usleep(100 * 1000);
    pthread_mutex_unlock(&m);
    pthread_mutex_destroy(&m);
}

int main(void)
{
    unlock_unlocked();
    unlock_foreign();
    destroy_locked();
    relock();
    unlock_bogus();
    signal_unlocked();
    wait_unheld();
    rwlock_unlock_unlocked();
    barrier_destroy_twice();
    barrier_count_zero();
    sem_post_destroyed();
    signal_destroyed();
    wait_two_mutexes();
    sem_destroy_waited();
    detach_joined();
    join_self();
    hold_long();
    return 0;
}
