/* SPDX-License-Identifier: MIT */
/* The measurements. Each runs for a fixed time (not a fixed count), checking
 * the clock only every CHUNK iterations so the clock is not what is measured;
 * each is repeated and the median kept, because one repetition can always be
 * hit by the scheduler, and a median ignores such outliers where a mean
 * would not. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_engine.h"
#include "bench_peers.h"
#include "tl_sem.h"

enum { CHUNK = 1024 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static tl_bench_figure summarise(double *v, unsigned n)
{
    qsort(v, n, sizeof v[0], by_value);
    return (tl_bench_figure){.median = v[n / 2], .min = v[0], .max = v[n - 1]};
}

double tl_bench_jain(const double *x, unsigned n)
{
    double sum = 0, squares = 0;
    for (unsigned i = 0; i < n; i++) {
        sum += x[i];
        squares += x[i] * x[i];
    }
    return squares > 0 ? sum * sum / (n * squares) : 0;
}

/* Pins the calling thread to one core (round robin); false if not allowed. */
static bool pin(unsigned index, long cores)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)(index % (unsigned)(cores > 0 ? cores : 1)), &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

tl_bench_figure tl_bench_summarise(double *v, unsigned n) { return summarise(v, n); }
bool tl_bench_pin(unsigned index, long cores) { return pin(index, cores); }
double tl_bench_now(void) { return now_s(); }

/* --- raw calls, one adaptor per kind -------------------------------------- */
typedef struct {
    tl_lock_t lock;        /* the generic lock, also storage for the raw one */
    tl_mcs_node_t node;    /* the raw MCS calls take the caller's node */
} bench_lock;

static void raw_pair(bench_lock *b)
{
    /* The same lock word the generic interface uses, through the primitive's
     * own calls: the difference is the interface's cost. */
    tl_lock_t *l = &b->lock;
    const char *k = l->kind->name;
    if (!strcmp(k, "mutex")) {
        tl_mutex_lock(&l->u.mutex);
        tl_mutex_unlock(&l->u.mutex);
    } else if (!strcmp(k, "tas")) {
        tl_spin_tas_lock(&l->u.tas);
        tl_spin_tas_unlock(&l->u.tas);
    } else if (!strcmp(k, "ttas")) {
        tl_spin_ttas_lock(&l->u.ttas);
        tl_spin_ttas_unlock(&l->u.ttas);
    } else if (!strcmp(k, "ttas-eb")) {
        tl_spin_ttas_eb_lock(&l->u.ttas_eb);
        tl_spin_ttas_eb_unlock(&l->u.ttas_eb);
    } else if (!strcmp(k, "ticket")) {
        tl_spin_ticket_lock(&l->u.ticket);
        tl_spin_ticket_unlock(&l->u.ticket);
    } else if (!strcmp(k, "mcs")) {
        tl_spin_mcs_lock(&l->u.mcs.queue, &b->node);
        tl_spin_mcs_unlock(&l->u.mcs.queue, &b->node);
    } else if (!strcmp(k, "pthread-mutex")) {
        pthread_mutex_lock(&l->u.pthread_mutex);
        pthread_mutex_unlock(&l->u.pthread_mutex);
    } else if (!strcmp(k, "pthread-spin")) {
        pthread_spin_lock(&l->u.pthread_spin);
        pthread_spin_unlock(&l->u.pthread_spin);
    } else {
        (tl_lock_lock)(l);
        tl_lock_unlock(l);
    }
}

/* The raw loop dispatches once per chunk, not once per pair. */
#define RAW_LOOP(lock_call, unlock_call)                                                   \
    do {                                                                                   \
        for (unsigned i = 0; i < CHUNK; i++) {                                             \
            lock_call;                                                                     \
            unlock_call;                                                                   \
        }                                                                                  \
    } while (0)

static void raw_chunk(bench_lock *b)
{
    tl_lock_t *l = &b->lock;
    const char *k = l->kind->name;
    if (!strcmp(k, "mutex"))
        RAW_LOOP(tl_mutex_lock(&l->u.mutex), tl_mutex_unlock(&l->u.mutex));
    else if (!strcmp(k, "tas"))
        RAW_LOOP(tl_spin_tas_lock(&l->u.tas), tl_spin_tas_unlock(&l->u.tas));
    else if (!strcmp(k, "ttas"))
        RAW_LOOP(tl_spin_ttas_lock(&l->u.ttas), tl_spin_ttas_unlock(&l->u.ttas));
    else if (!strcmp(k, "ttas-eb"))
        RAW_LOOP(tl_spin_ttas_eb_lock(&l->u.ttas_eb), tl_spin_ttas_eb_unlock(&l->u.ttas_eb));
    else if (!strcmp(k, "ticket"))
        RAW_LOOP(tl_spin_ticket_lock(&l->u.ticket), tl_spin_ticket_unlock(&l->u.ticket));
    else if (!strcmp(k, "mcs"))
        RAW_LOOP(tl_spin_mcs_lock(&l->u.mcs.queue, &b->node),
                 tl_spin_mcs_unlock(&l->u.mcs.queue, &b->node));
    else if (!strcmp(k, "pthread-mutex"))
        RAW_LOOP(pthread_mutex_lock(&l->u.pthread_mutex),
                 pthread_mutex_unlock(&l->u.pthread_mutex));
    else if (!strcmp(k, "pthread-spin"))
        RAW_LOOP(pthread_spin_lock(&l->u.pthread_spin), pthread_spin_unlock(&l->u.pthread_spin));
    else
        for (unsigned i = 0; i < CHUNK; i++)
            raw_pair(b);
}

static void generic_chunk(bench_lock *b)
{
    for (unsigned i = 0; i < CHUNK; i++) {
        (tl_lock_lock)(&b->lock); /* the function, as any caller through the interface */
        tl_lock_unlock(&b->lock);
    }
}

/* ns per pair of `chunk` called for `seconds`. */
static double time_chunks(void (*chunk)(bench_lock *), bench_lock *b, double seconds)
{
    unsigned long pairs = 0;
    double t0 = now_s(), t;
    do {
        chunk(b);
        pairs += CHUNK;
    } while ((t = now_s()) - t0 < seconds);
    return (t - t0) * 1e9 / (double)pairs;
}

/* --- the idle second thread -------------------------------------------------
 * glibc's pthread_mutex skips its atomics while a process has one thread, so
 * an uncontended figure taken single-threaded flatters libc. A second thread
 * stays alive, asleep, for every uncontended measurement. */
typedef struct {
    pthread_t thread;
    tl_sem_t wake;
} idle_thread;

static void *idle_main(void *arg)
{
    tl_sem_wait(&((idle_thread *)arg)->wake);
    return NULL;
}

static void idle_start(idle_thread *t)
{
    tl_sem_init(&t->wake, 0);
    pthread_create(&t->thread, NULL, idle_main, t);
}

static void idle_stop(idle_thread *t)
{
    tl_sem_post(&t->wake);
    pthread_join(t->thread, NULL);
}

/* --- floors --------------------------------------------------------------- */
static atomic_uint floor_word;
static volatile unsigned plain_word;

static double floor_ns(int which, double seconds)
{
    unsigned long ops = 0;
    double t0 = now_s(), t;
    do {
        for (unsigned i = 0; i < CHUNK; i++) {
            if (which == 0)
                plain_word = i; /* volatile: one real store per iteration, kept */
            else if (which == 1)
                /* seq_cst: the locked instruction a lock's acquire costs (xchg) */
                atomic_exchange_explicit(&floor_word, i, memory_order_seq_cst);
            else
                atomic_fetch_add_explicit(&floor_word, 1, memory_order_seq_cst);
        }
        ops += CHUNK;
    } while ((t = now_s()) - t0 < seconds);
    return (t - t0) * 1e9 / (double)ops;
}

/* --- contended ------------------------------------------------------------- */
typedef struct {
    bench_lock *lock;
    unsigned index;
    long cores;
    atomic_int *go;          /* 0 wait, 1 run, 2 stop */
    unsigned long acquisitions;
    unsigned long *shared;   /* the critical section's data */
    bool pinned;
} contender;

static void *contender_main(void *arg)
{
    contender *c = arg;
    c->pinned = pin(c->index, c->cores);
    /* acquire: the start signal; the data set up before it is visible. */
    while (atomic_load_explicit(c->go, memory_order_acquire) == 0)
        sched_yield();
    unsigned long n = 0;
    /* relaxed: only a stop flag; the join publishes the counts. */
    while (atomic_load_explicit(c->go, memory_order_relaxed) == 1) {
        (tl_lock_lock)(&c->lock->lock);
        (*c->shared)++;
        tl_lock_unlock(&c->lock->lock);
        n++;
    }
    c->acquisitions = n;
    return NULL;
}

static void contended_once(bench_lock *b, unsigned threads, double seconds, long cores,
                           double *ns, double *share, bool *pinned)
{
    contender c[TL_BENCH_MAX_THREADS];
    pthread_t t[TL_BENCH_MAX_THREADS];
    atomic_int go = 0;
    unsigned long shared = 0;
    for (unsigned i = 0; i < threads; i++) {
        c[i] = (contender){.lock = b, .index = i, .cores = cores, .go = &go, .shared = &shared};
        pthread_create(&t[i], NULL, contender_main, &c[i]);
    }
    struct timespec start_delay = {0, 2000000}; /* let every contender reach the line */
    nanosleep(&start_delay, NULL);
    double t0 = now_s();
    atomic_store_explicit(&go, 1, memory_order_release);
    struct timespec run = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&run, NULL);
    atomic_store_explicit(&go, 2, memory_order_relaxed);
    unsigned long total = 0;
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += c[i].acquisitions;
        *pinned = *pinned && c[i].pinned;
    }
    double elapsed = now_s() - t0;
    *ns = total ? elapsed * 1e9 / (double)total : 0;
    for (unsigned i = 0; i < threads; i++)
        share[i] = total ? 100.0 * (double)c[i].acquisitions / (double)total : 0;
}

/* --- semaphore -------------------------------------------------------------- */
static double sem_post_wait_ns(double seconds)
{
    tl_sem_t s;
    tl_sem_init(&s, 0);
    unsigned long ops = 0;
    double t0 = now_s(), t;
    do {
        for (unsigned i = 0; i < CHUNK; i++) {
            tl_sem_post(&s);
            tl_sem_wait(&s);
        }
        ops += CHUNK;
    } while ((t = now_s()) - t0 < seconds);
    return (t - t0) * 1e9 / (double)ops;
}

typedef struct {
    tl_sem_t ping, pong;
    atomic_int stop;
    long cores;
} ping_pong;

static void *ponger(void *arg)
{
    ping_pong *p = arg;
    pin(1, p->cores);
    for (;;) {
        tl_sem_wait(&p->ping);
        /* relaxed: the flag is set before the last ping, which orders it. */
        if (atomic_load_explicit(&p->stop, memory_order_relaxed))
            return NULL;
        tl_sem_post(&p->pong);
    }
}

static double sem_ping_pong_ns(double seconds, long cores)
{
    ping_pong p = {.cores = cores};
    tl_sem_init(&p.ping, 0);
    tl_sem_init(&p.pong, 0);
    pthread_t t;
    pthread_create(&t, NULL, ponger, &p);
    unsigned long rounds = 0;
    double t0 = now_s(), now;
    do {
        for (unsigned i = 0; i < 64; i++) {
            tl_sem_post(&p.ping);
            tl_sem_wait(&p.pong);
        }
        rounds += 64;
    } while ((now = now_s()) - t0 < seconds);
    atomic_store_explicit(&p.stop, 1, memory_order_relaxed);
    tl_sem_post(&p.ping);
    pthread_join(t, NULL);
    return (now - t0) * 1e9 / (double)rounds;
}

/* --- the whole run ------------------------------------------------------------ */
void tl_bench_run(tl_bench *b)
{
    double v[101], w[101];
    unsigned r = b->repeat < 101 ? b->repeat : 101;
    b->cores = sysconf(_SC_NPROCESSORS_ONLN);
    b->pinned = pin(0, b->cores);
    idle_thread idle;
    idle_start(&idle);

    for (int which = 0; which < 3; which++) {
        for (unsigned i = 0; i < r; i++)
            v[i] = floor_ns(which, b->seconds);
        tl_bench_figure f = summarise(v, r);
        *(which == 0 ? &b->floor_store : which == 1 ? &b->floor_exchange : &b->floor_fetch_add) = f;
    }
    for (unsigned i = 0; i < r; i++)
        v[i] = sem_post_wait_ns(b->seconds);
    b->sem_post_wait = summarise(v, r);

    for (size_t k = 0; k < b->nkinds; k++) {
        bench_lock lock;
        memset(&lock, 0, sizeof lock);
        tl_lock_init(&lock.lock, b->kinds[k], "bench");
        tl_bench_kind *out = &b->kind[k];
        out->kind = b->kinds[k];
        /* Alternate generic and raw, so drift (frequency, neighbours) hits both. */
        for (unsigned i = 0; i < r; i++) {
            v[i] = time_chunks(generic_chunk, &lock, b->seconds);
            w[i] = time_chunks(raw_chunk, &lock, b->seconds);
        }
        out->generic = summarise(v, r);
        out->raw = summarise(w, r);
        tl_lock_destroy(&lock.lock);
    }
    /* The peers' uncontended figures want the idle thread alive too. */
    if (!b->no_peers)
        tl_bench_peers_run(b);
    idle_stop(&idle);

    for (unsigned i = 0; i < r; i++)
        v[i] = sem_ping_pong_ns(b->seconds, b->cores);
    b->sem_ping_pong = summarise(v, r);

    for (size_t k = 0; k < b->nkinds; k++)
        for (size_t tc = 0; tc < b->ntcounts; tc++) {
            tl_bench_contended *c = &b->kind[k].contended[tc];
            double shares[101][TL_BENCH_MAX_THREADS];
            c->threads = b->tcounts[tc];
            for (unsigned i = 0; i < r; i++) {
                bench_lock lock;
                memset(&lock, 0, sizeof lock);
                tl_lock_init(&lock.lock, b->kinds[k], "bench");
                contended_once(&lock, c->threads, b->seconds, b->cores, &v[i], shares[i],
                               &b->pinned);
                w[i] = v[i];
                tl_lock_destroy(&lock.lock);
            }
            c->ns_per_acq = summarise(v, r);
            /* The shares of the median repetition, not a blend of several. */
            for (unsigned i = 0; i < r; i++)
                if (w[i] == c->ns_per_acq.median) {
                    memcpy(c->share, shares[i], sizeof c->share);
                    break;
                }
            c->jain = tl_bench_jain(c->share, c->threads);
        }
}
