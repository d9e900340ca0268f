/* SPDX-License-Identifier: MIT */
/* The measurements. Each runs for a fixed time (not a fixed count), checking
 * the clock only every CHUNK iterations so the clock is not what is measured;
 * each is repeated and the median kept, because one repetition can always be
 * hit by the scheduler, and a median ignores such outliers where a mean
 * would not. */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_engine.h"
#include "bench_judge.h"
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

/* P(the k-th smallest and k-th largest of n independent draws bracket the
 * median) = 1 - 2 P(Binomial(n, 1/2) <= k - 1). */
static double bracket_confidence(unsigned n, unsigned k)
{
    double term = 1, tail = 0, all = 1; /* term: C(n, i), i = 0 .. k-1; all: 2^n */
    for (unsigned i = 0; i < k; i++) {
        tail += term;
        term = term * (double)(n - i) / (double)(i + 1);
    }
    for (unsigned i = 0; i < n; i++)
        all *= 2;
    return 1 - 2 * tail / all;
}

static tl_bench_figure summarise(double *v, unsigned n)
{
    qsort(v, n, sizeof v[0], by_value);
    tl_bench_figure f = {.median = v[n / 2], .min = v[0], .max = v[n - 1]};
    unsigned k = 1;
    while (2 * (k + 1) <= n && bracket_confidence(n, k + 1) >= 0.90)
        k++;
    f.lo = v[k - 1];
    f.hi = v[n - k];
    f.confidence = n ? bracket_confidence(n, k) : 0;
    return f;
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

/* --- one body, through the interface or through the kind's raw calls -----
 * Every round is lock, the body, unlock: a critical section as small as a
 * real one gets (a shared count's increment, and the thread's hand-overs
 * counted in registers: tl_lock_bench_body), the same on both sides, so the
 * difference between them is the interface's cost. The generic side calls
 * the interface as a scenario does (the inline fast path of tl_lock.h); the
 * raw side is the kind's own loop over its bare calls (its descriptor's raw
 * hook), dispatched once per batch. */
/* The generic side's two bodies in functions of their own: in one
 * function, the counting loop's registers cost the plain one a spill of
 * the lock's address (MCS, ticket: generic - raw +0.73 -> +1.22 ns). */
__attribute__((noinline)) static void generic_rounds_plain(tl_lock_t *l, unsigned long rounds,
                                                           unsigned long *count)
{
    for (unsigned long i = 0; i < rounds; i++) {
        tl_lock_lock(l);
        (*count)++;
        tl_lock_unlock(l);
    }
}

__attribute__((noinline)) static void generic_rounds_counted(tl_lock_t *l, unsigned long rounds,
                                                             tl_lock_bench_body *body)
{
    TL_LOCK_BENCH_ROUNDS(body, rounds, tl_lock_lock(l), tl_lock_unlock(l));
}

static void generic_rounds(tl_lock_t *l, unsigned long rounds, tl_lock_bench_body *body)
{
    if (body->handovers_counted)
        generic_rounds_counted(l, rounds, body);
    else
        generic_rounds_plain(l, rounds, body->count);
}

static void raw_rounds(tl_lock_t *l, unsigned long rounds, tl_lock_bench_body *body)
{
    l->kind->raw(l->storage, rounds, body);
}

/* --- generic and raw, interleaved ------------------------------------------
 * Generic and raw take turns in slices of SLICE_S, `seconds` each in all,
 * in pairs of adjacent slices (generic first in even pairs, raw first in odd
 * ones, so a drift in one direction favours neither). Whatever the machine
 * does meanwhile - a neighbour's build, a frequency change, a preemption -
 * falls on both sides of most pairs alike, so the interface's cost is taken
 * within each pair (a difference uncontended, a ratio contended) and the
 * median over the pairs keeps the few pairs a preemption split unevenly
 * from moving it. The totals give the figures themselves. Uncontended, a
 * slice of the floor follows each pair, and raw / floor is taken with the
 * pair's raw slice the same way. */
#define SLICE_S 0.005
enum { MAX_PAIRS = 4096 };

typedef struct {
    double generic, raw; /* ns per pair (uncontended) or per acquisition (contended) */
    double paired;       /* median over the pairs of generic - raw, or generic / raw */
    double raw_x_floor;  /* uncontended: median over the pairs of raw / the floor's slice */
    /* Contended: acquisitions per hand-over (tl_lock_bench_body), all
     * threads together, generic and raw; 0 when none was counted. */
    double per_handover[2];
} interleaved;

static double median_of(double *v, unsigned n)
{
    return n ? summarise(v, n).median : 0;
}

/* One slice of the one-RMW floor (a seq_cst exchange, as floor_ns below),
 * ns per exchange: timed in turn with a kind's two sides, so a floor
 * target divides figures of the same moment. Its word on a line of its
 * own, apart from the lock's. */
static double floor_slice_ns(void)
{
    static _Alignas(128) atomic_uint word;
    unsigned long n = 0;
    double t0 = now_s(), t;
    do {
        for (unsigned i = 0; i < CHUNK; i++)
            atomic_exchange_explicit(&word, i, memory_order_seq_cst);
        n += CHUNK;
    } while ((t = now_s()) - t0 < SLICE_S);
    return (t - t0) * 1e9 / (double)n;
}

static void time_interleaved(tl_lock_t *l, double seconds, interleaved *out)
{
    static double diff[MAX_PAIRS], x_floor[MAX_PAIRS];
    double spent[2] = {0, 0}, pairs[2] = {0, 0};
    unsigned long data = 0;
    tl_lock_bench_body body = {.count = &data};
    unsigned npairs = 0;
    while ((spent[0] < seconds || spent[1] < seconds) && npairs < MAX_PAIRS) {
        double ns[2];
        for (int half = 0; half < 2; half++) {
            int m = (int)(npairs & 1) ^ half; /* 0 generic, 1 raw */
            unsigned long n = 0;
            double t0 = now_s(), t;
            do {
                (m ? raw_rounds : generic_rounds)(l, CHUNK, &body);
                n += CHUNK;
            } while ((t = now_s()) - t0 < SLICE_S);
            spent[m] += t - t0;
            pairs[m] += (double)n;
            ns[m] = (t - t0) * 1e9 / (double)n;
        }
        x_floor[npairs] = ns[1] / floor_slice_ns();
        diff[npairs++] = ns[0] - ns[1];
    }
    out->generic = spent[0] * 1e9 / pairs[0];
    out->raw = spent[1] * 1e9 / pairs[1];
    out->paired = median_of(diff, npairs);
    out->raw_x_floor = median_of(x_floor, npairs);
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

/* A two-RMW lock's round without the lock: the exchange that enqueues, the
 * critical section's increment (a load and a store, as the rounds'
 * (*data)++ through a pointer the calls escape), the compare-and-swap that
 * leaves. The orders are MCS's (acq_rel in, release out); on x86-64 both
 * are locked instructions whatever the order, and the second must first
 * drain the increment's store. */
static void two_rmw_round(unsigned i)
{
    atomic_exchange_explicit(&floor_word, i, memory_order_acq_rel);
    plain_word++;
    unsigned expected = i;
    atomic_compare_exchange_strong_explicit(&floor_word, &expected, 0, memory_order_release,
                                            memory_order_relaxed);
}

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
            else if (which == 2)
                atomic_fetch_add_explicit(&floor_word, 1, memory_order_seq_cst);
            else
                two_rmw_round(i);
        }
        ops += CHUNK;
    } while ((t = now_s()) - t0 < seconds);
    return (t - t0) * 1e9 / (double)ops;
}

/* --- contended -------------------------------------------------------------
 * Each contender runs rounds ROUNDS at a time between looks at the mode and
 * the stop flag. */
enum { ROUNDS = 64 };

/* The contenders switch between generic and raw together, every SLICE_S,
 * at the main thread's word (see time_interleaved for why). Each contender
 * publishes how many rounds it has done; the main thread counts the rounds
 * done between two switches for the slice's mode (a batch that straddles a
 * switch counts for the next slice: under 2% of one, on either side). */
typedef struct {
    atomic_int go;           /* 0 wait, 1 run, 2 stop */
    atomic_int mode;         /* 0 generic, 1 raw */
    bool raw_both;           /* the control: mode 0 runs the raw loop too */
    /* The critical section's data, on a line of its own: the flags above
     * are read by every batch and must not move with it. */
    _Alignas(64) unsigned long shared;
} contest;

typedef struct {
    /* Written by its thread alone, read by the main thread: a line each. */
    _Alignas(64) atomic_ulong done;
    tl_lock_t *lock;
    contest *ct;
    unsigned index;
    long cores;
    unsigned long acquisitions[2]; /* per mode, for the shares */
    unsigned long handovers[2];    /* per mode: acquisitions after another thread's */
    bool pinned;
} contender;

static void *contender_main(void *arg)
{
    contender *c = arg;
    c->pinned = pin(c->index, c->cores);
    /* acquire: the start signal; the data set up before it is visible. */
    while (atomic_load_explicit(&c->ct->go, memory_order_acquire) == 0)
        sched_yield();
    unsigned long n[2] = {0, 0};
    /* One body per mode: its `seen` is the count as this thread's last
     * acquisition in that mode left it (ULONG_MAX: the first one counts as
     * a hand-over, as the peers count the first run). A mode's first
     * acquisition after a switch counts one too: one in a slice of
     * thousands. */
    tl_lock_bench_body body[2] = {
        {.count = &c->ct->shared, .handovers_counted = true, .seen = ULONG_MAX},
        {.count = &c->ct->shared, .handovers_counted = true, .seen = ULONG_MAX}};
    /* relaxed: a stop flag, a mode switch and a published count only; the
     * join publishes the final counts, and the lock orders the shared data. */
    while (atomic_load_explicit(&c->ct->go, memory_order_relaxed) == 1) {
        int m = atomic_load_explicit(&c->ct->mode, memory_order_relaxed);
        (m || c->ct->raw_both ? raw_rounds : generic_rounds)(c->lock, ROUNDS, &body[m]);
        n[m] += ROUNDS;
        atomic_store_explicit(&c->done, n[0] + n[1], memory_order_relaxed);
    }
    c->acquisitions[0] = n[0];
    c->acquisitions[1] = n[1];
    c->handovers[0] = body[0].handovers;
    c->handovers[1] = body[1].handovers;
    return NULL;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static unsigned long rounds_done(contender *c, unsigned threads)
{
    unsigned long sum = 0;
    for (unsigned i = 0; i < threads; i++)
        sum += atomic_load_explicit(&c[i].done, memory_order_relaxed);
    return sum;
}

/* ns per acquisition of all threads together, generic and raw, their
 * paired ratio, and each thread's share of the generic acquisitions. With
 * raw_both, the "generic" side runs the raw loop too: the control. */
static void contended_once(const tl_lock_kind *kind, unsigned threads, double seconds, long cores,
                           bool raw_both, interleaved *out, double *share, bool *pinned)
{
    static tl_lock_t lock; /* static: a fresh lock each time, off the stack */
    static contest ct;
    static contender c[TL_BENCH_MAX_THREADS];
    static double ratio[MAX_PAIRS];
    pthread_t t[TL_BENCH_MAX_THREADS];
    memset(&ct, 0, sizeof ct);
    ct.raw_both = raw_both; /* before the threads start: pthread_create orders it */
    tl_lock_init(&lock, kind, "bench");
    for (unsigned i = 0; i < threads; i++) {
        c[i] = (contender){.lock = &lock, .ct = &ct, .index = i, .cores = cores};
        pthread_create(&t[i], NULL, contender_main, &c[i]);
    }
    sleep_s(0.002); /* let every contender reach the line */
    double spent[2] = {0, 0}, acquired[2] = {0, 0};
    unsigned npairs = 0, nratios = 0;
    unsigned long last = 0;
    atomic_store_explicit(&ct.go, 1, memory_order_release);
    double t0 = now_s();
    /* Until both sides have had their time and made at least one
     * acquisition each: on a machine busy enough that the contenders got
     * no core for all of `seconds`, a figure of 0 ns would be a lie. Bounded
     * by MAX_PAIRS (about 20 s of slices). */
    while ((spent[0] < seconds || spent[1] < seconds || acquired[0] == 0 || acquired[1] == 0) &&
           npairs < MAX_PAIRS) {
        double ns[2];
        for (int half = 0; half < 2; half++) {
            int m = (int)(npairs & 1) ^ half;
            atomic_store_explicit(&ct.mode, m, memory_order_relaxed);
            sleep_s(SLICE_S);
            double t1 = now_s();
            unsigned long done = rounds_done(c, threads), n = done - last;
            last = done;
            spent[m] += t1 - t0;
            acquired[m] += (double)n;
            ns[m] = n ? (t1 - t0) * 1e9 / (double)n : 0;
            t0 = t1;
        }
        npairs++;
        if (ns[0] > 0 && ns[1] > 0) /* a slice with no round at all says nothing */
            ratio[nratios++] = ns[0] / ns[1];
    }
    atomic_store_explicit(&ct.go, 2, memory_order_relaxed);
    unsigned long generic_total = 0, acq[2] = {0, 0}, handovers[2] = {0, 0};
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        generic_total += c[i].acquisitions[0];
        *pinned = *pinned && c[i].pinned;
        for (int m = 0; m < 2; m++) {
            acq[m] += c[i].acquisitions[m];
            handovers[m] += c[i].handovers[m];
        }
    }
    for (int m = 0; m < 2; m++)
        out->per_handover[m] = handovers[m] ? (double)acq[m] / (double)handovers[m] : 0;
    out->generic = acquired[0] ? spent[0] * 1e9 / acquired[0] : 0;
    out->raw = acquired[1] ? spent[1] * 1e9 / acquired[1] : 0;
    /* No pair with rounds on both sides (a machine so busy the contenders
     * got no core for whole slices): the totals' ratio is all there is. */
    out->paired = nratios ? median_of(ratio, nratios)
                  : out->raw > 0 ? out->generic / out->raw
                                 : 0;
    for (unsigned i = 0; i < threads; i++)
        share[i] = generic_total ? 100.0 * (double)c[i].acquisitions[0] / (double)generic_total : 0;
    tl_lock_destroy(&lock);
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
    double v[101], w[101], d[101], f[101];
    unsigned r = b->repeat < 101 ? b->repeat : 101;
    /* Set before any thread of the run starts and put back after the last
     * is joined: the creation and the join order every waiter's reads. */
    unsigned saved_yield_after = tl__spin_yield_after;
    if (b->spin_yields_off)
        tl__spin_yield_after = UINT_MAX;
    b->cores = sysconf(_SC_NPROCESSORS_ONLN);
    b->pinned = pin(0, b->cores);
    idle_thread idle;
    idle_start(&idle);

    tl_bench_figure *floors[] = {&b->floor_store, &b->floor_exchange, &b->floor_fetch_add,
                                 &b->floor_two_rmw};
    for (int which = 0; which < 4; which++) {
        for (unsigned i = 0; i < r; i++)
            v[i] = floor_ns(which, b->seconds);
        *floors[which] = summarise(v, r);
    }
    for (unsigned i = 0; i < r; i++)
        v[i] = sem_post_wait_ns(b->seconds);
    b->sem_post_wait = summarise(v, r);

    for (size_t k = 0; k < b->nkinds; k++) {
        static tl_lock_t lock; /* static: aligned as the type asks, off the stack */
        tl_lock_init(&lock, b->kinds[k], "bench");
        tl_bench_kind *out = &b->kind[k];
        out->kind = b->kinds[k];
        /* Generic and raw interleaved, so drift (frequency, neighbours) hits both. */
        for (unsigned i = 0; i < r; i++) {
            interleaved x;
            time_interleaved(&lock, b->seconds, &x);
            v[i] = x.generic;
            w[i] = x.raw;
            d[i] = x.paired;
            f[i] = x.raw_x_floor;
        }
        out->generic = summarise(v, r);
        out->raw = summarise(w, r);
        out->overhead = summarise(d, r);
        out->raw_x_floor = summarise(f, r);
        tl_lock_destroy(&lock);
    }
    /* The peers' uncontended figures want the idle thread alive too. */
    if (!b->no_peers)
        tl_bench_peers_run(b);
    tl_bench_libc_pair_run(b);
    idle_stop(&idle);

    for (unsigned i = 0; i < r; i++)
        v[i] = sem_ping_pong_ns(b->seconds, b->cores);
    b->sem_ping_pong = summarise(v, r);

    for (size_t k = 0; k < b->nkinds; k++)
        for (size_t tc = 0; tc < b->ntcounts; tc++) {
            tl_bench_contended *c = &b->kind[k].contended[tc];
            static double shares[101][TL_BENCH_MAX_THREADS];
            double raw[101], jains[101], runs[2][101];
            c->threads = b->tcounts[tc];
            /* Generic and raw interleaved in each repetition, their ratio
             * taken within it. */
            for (unsigned i = 0; i < r; i++) {
                interleaved x;
                contended_once(b->kinds[k], c->threads, b->seconds, b->cores, false, &x,
                               shares[i], &b->pinned);
                v[i] = w[i] = x.generic;
                raw[i] = x.raw;
                d[i] = x.paired;
                runs[0][i] = x.per_handover[0];
                runs[1][i] = x.per_handover[1];
                jains[i] = tl_bench_jain(shares[i], c->threads);
            }
            c->per_handover = summarise(runs[0], r);
            c->raw_per_handover = summarise(runs[1], r);
            c->jain_each = summarise(jains, r);
            c->ns_per_acq = summarise(v, r);
            c->raw_ns_per_acq = summarise(raw, r);
            c->ratio = summarise(d, r);
            /* The shares of the median repetition, not a blend of several. */
            for (unsigned i = 0; i < r; i++)
                if (w[i] == c->ns_per_acq.median) {
                    memcpy(c->share, shares[i], sizeof c->share);
                    break;
                }
            c->jain = tl_bench_jain(c->share, c->threads);
            /* A ratio whose interval alone does not keep the target gets
             * its control: how far this pairing moves one loop set beside
             * itself, so the verdict can tell a cost from the bench's own
             * scatter (tl_bench_ratio_at_most). Measured only then: it
             * doubles the kind's contended time. */
            c->has_control = tl_bench_at_most(&c->ratio, TL_BENCH_CONTENDED_LIMIT) !=
                             TL_TARGET_MET;
            for (unsigned i = 0; c->has_control && i < r; i++) {
                interleaved x;
                double unused[TL_BENCH_MAX_THREADS];
                contended_once(b->kinds[k], c->threads, b->seconds, b->cores, true, &x, unused,
                               &b->pinned);
                d[i] = x.paired;
            }
            if (c->has_control)
                c->control = summarise(d, r);
        }
    tl__spin_yield_after = saved_yield_after;
}
