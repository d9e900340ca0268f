/* SPDX-License-Identifier: MIT */
/* The peer measurements: one body for every lock, hand-built or not, through
 * its raw calls (tl_bench_raw). Within each repetition the two sides of a
 * pair take turns in short slices, and each ratio is taken within one
 * repetition (ours / theirs) before the median, so that frequency changes
 * and a busy neighbour, which move both figures of a repetition alike,
 * cancel out of the ratio. */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_peers.h"

enum { CHUNK = 1024, MAX_REPEAT = 101 };

/* The two sides of a pair take turns in slices of SLICE_S, `seconds` each in
 * all, within one repetition: whatever the machine does meanwhile (a
 * neighbour's build, a frequency change) falls on both nearly alike, so
 * their ratio is the locks' and not the moment either ran in. Contended, the
 * threads switch sides together at the main thread's word, after a batch of
 * ROUNDS acquisitions; a waiter still inside the old side's lock() finishes
 * that acquisition first, a few microseconds of the slice (a backing-off
 * waiter up to its backoff cap). */
#define SLICE_S 0.02
enum { ROUNDS = 64 };

/* One side's shared part, each piece on lines of its own: the lock (a lock
 * sharing its line with the data would be measured with the data's misses)
 * and the critical section's data. */
typedef struct {
    _Alignas(TL_BENCH_LINE) unsigned char lock[TL_BENCH_LOCK_BYTES];
    _Alignas(TL_BENCH_LINE) struct {
        unsigned long count;     /* acquisitions, checked against the threads' sum */
        unsigned long runs;      /* changes of owner, the first acquisition included */
        unsigned owner;          /* index of the last thread inside */
    } cs;
} arena;

/* The flags every thread reads after each batch and nobody writes during a
 * slice, on a line of their own. */
typedef struct {
    _Alignas(TL_BENCH_LINE) atomic_int go; /* 0 wait, 1 run, 2 stop */
    atomic_int side;                       /* the side to run now */
} flags;

/* One thread: a context (queue node) per side on lines of its own, then its
 * bookkeeping on the next. */
typedef struct {
    _Alignas(TL_BENCH_LINE) unsigned char ctx[2][TL_BENCH_CTX_BYTES];
    _Alignas(TL_BENCH_LINE) const tl_bench_raw *const *raw;
    arena *a;   /* one per side */
    flags *f;
    unsigned index;
    long cores;
    /* Per side, published after each batch (relaxed: a progress count the
     * main thread only looks at; the join publishes the final one). */
    atomic_ulong acquisitions[2];
    bool pinned;
} contender;

static void *zalloc_aligned(size_t size)
{
    /* aligned_alloc wants a multiple of the alignment; every caller's type is. */
    void *p = aligned_alloc(TL_BENCH_LINE, size);
    if (!p) {
        fprintf(stderr, "threadlab: bench: out of memory\n");
        abort();
    }
    return memset(p, 0, size);
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The one-RMW floor, taken in the same rotation as the locks: a seq_cst
 * exchange (the locked instruction a lock's acquire costs), CHUNK per look
 * at the clock, as bench_engine.c's floor. Its own line. */
typedef struct {
    _Alignas(TL_BENCH_LINE) atomic_uint word;
} floor_word;

static unsigned long floor_chunk(floor_word *f)
{
    for (unsigned i = 0; i < CHUNK; i++)
        atomic_exchange_explicit(&f->word, i, memory_order_seq_cst);
    return CHUNK;
}

/* ns per lock+unlock pair of each side, alternating slices, `seconds` each;
 * with floor_ns, the floor takes a slice of its own in each round too. */
static void uncontended_sides(const tl_bench_raw *const raw[], int nsides, double seconds,
                              double *ns, double *floor_ns)
{
    arena *a = zalloc_aligned(sizeof *a * 2);
    contender *c = zalloc_aligned(sizeof *c);
    floor_word *fw = zalloc_aligned(sizeof *fw);
    int turns = nsides + (floor_ns != NULL); /* the floor is turn nsides */
    double spent[3] = {0, 0, 0}, pairs[3] = {0, 0, 0};
    for (int s = 0; s < nsides; s++) {
        raw[s]->init(a[s].lock);
        if (raw[s]->ctx_init)
            raw[s]->ctx_init(a[s].lock, c->ctx[s]);
    }
    for (unsigned slice = 0;; slice++) {
        int s = (int)(slice % (unsigned)turns);
        if (spent[s] >= seconds)
            break;
        unsigned long n = 0;
        double t0 = tl_bench_now(), t;
        if (s == nsides) {
            do
                n += floor_chunk(fw);
            while ((t = tl_bench_now()) - t0 < SLICE_S && t - t0 < seconds);
        } else {
            /* Locals: the calls could write any memory as far as the compiler
             * knows, so the table would otherwise be read again on every turn. */
            void (*lock)(void *, void *) = raw[s]->lock, (*unlock)(void *, void *) = raw[s]->unlock;
            void *l = a[s].lock, *ctx = c->ctx[s];
            do {
                for (unsigned i = 0; i < CHUNK; i++) {
                    lock(l, ctx);
                    unlock(l, ctx);
                }
                n += CHUNK;
            } while ((t = tl_bench_now()) - t0 < SLICE_S && t - t0 < seconds);
        }
        spent[s] += t - t0;
        pairs[s] += (double)n;
    }
    for (int s = 0; s < nsides; s++)
        ns[s] = spent[s] * 1e9 / pairs[s];
    if (floor_ns)
        *floor_ns = spent[nsides] * 1e9 / pairs[nsides];
    free(fw);
    free(c);
    free(a);
}

double tl_bench_raw_uncontended_ns(const tl_bench_raw *raw, double seconds)
{
    double ns;
    uncontended_sides(&raw, 1, seconds, &ns, NULL);
    return ns;
}

static void *contender_main(void *arg)
{
    contender *c = arg;
    c->pinned = tl_bench_pin(c->index, c->cores);
    for (int s = 0; s < 2; s++)
        if (c->raw[s] && c->raw[s]->ctx_init)
            c->raw[s]->ctx_init(c->a[s].lock, c->ctx[s]);
    /* acquire: the locks' initialisation, done before the flag went to 1. */
    while (atomic_load_explicit(&c->f->go, memory_order_acquire) == 0)
        sched_yield();
    unsigned me = c->index;
    unsigned long n[2] = {0, 0};
    /* relaxed: a stop flag and a side switch only; the join publishes the
     * counts, and each lock orders its own data. */
    while (atomic_load_explicit(&c->f->go, memory_order_relaxed) == 1) {
        int s = atomic_load_explicit(&c->f->side, memory_order_relaxed);
        arena *a = &c->a[s];
        void (*lock)(void *, void *) = c->raw[s]->lock, (*unlock)(void *, void *) = c->raw[s]->unlock;
        void *l = a->lock, *ctx = c->ctx[s];
        for (unsigned i = 0; i < ROUNDS; i++) {
            lock(l, ctx);
            /* Plain accesses: the lock under test orders them, and the count
             * checked after the join says whether it did. */
            if (a->cs.owner != me) {
                a->cs.owner = me;
                a->cs.runs++;
            }
            a->cs.count++;
            unlock(l, ctx);
        }
        n[s] += ROUNDS;
        atomic_store_explicit(&c->acquisitions[s], n[s], memory_order_relaxed);
    }
    return NULL;
}

/* Acquisitions of side s so far, all threads together. */
static unsigned long side_total(contender *c, unsigned threads, int s)
{
    unsigned long total = 0;
    for (unsigned i = 0; i < threads; i++)
        total += atomic_load_explicit(&c[i].acquisitions[s], memory_order_relaxed);
    return total;
}

/* One side's figures from one contended repetition. */
typedef struct {
    double ns, per_run, share[TL_BENCH_MAX_THREADS];
    bool exclusive;
} side_figures;

static void contended_sides(const tl_bench_raw *const raw[], int nsides, unsigned threads,
                            double seconds, long cores, bool *pinned, side_figures *out)
{
    const tl_bench_raw *sides[2] = {raw[0], nsides > 1 ? raw[1] : NULL};
    arena *a = zalloc_aligned(sizeof *a * 2);
    flags *f = zalloc_aligned(sizeof *f);
    contender *c = zalloc_aligned(sizeof *c * threads);
    pthread_t t[TL_BENCH_MAX_THREADS];
    for (int s = 0; s < nsides; s++) {
        sides[s]->init(a[s].lock);
        a[s].cs.owner = UINT_MAX; /* nobody yet: the first acquisition starts a run */
    }
    for (unsigned i = 0; i < threads; i++) {
        c[i].raw = sides;
        c[i].a = a;
        c[i].f = f;
        c[i].index = i;
        c[i].cores = cores;
        pthread_create(&t[i], NULL, contender_main, &c[i]);
    }
    sleep_s(0.002); /* let every contender reach the line */
    double spent[2] = {0, 0};
    double t0 = tl_bench_now();
    atomic_store_explicit(&f->go, 1, memory_order_release);
    for (unsigned slice = 0;; slice++) {
        int s = (int)(slice % (unsigned)nsides);
        if (spent[s] >= seconds)
            break;
        atomic_store_explicit(&f->side, s, memory_order_relaxed);
        sleep_s(SLICE_S < seconds ? SLICE_S : seconds);
        double t1 = tl_bench_now();
        spent[s] += t1 - t0;
        t0 = t1;
    }
    /* On a busy machine a short measurement can pass with no thread of a
     * side scheduled at all: such a side gets more slices (up to 100), so
     * every figure rests on some acquisitions. */
    for (int extra = 0, s = 0; extra < 2000; extra++) {
        for (s = 0; s < nsides && side_total(c, threads, s) > 0; s++)
            ;
        if (s == nsides)
            break;
        atomic_store_explicit(&f->side, s, memory_order_relaxed);
        sleep_s(SLICE_S);
        double t1 = tl_bench_now();
        spent[s] += t1 - t0;
        t0 = t1;
    }
    atomic_store_explicit(&f->go, 2, memory_order_relaxed);
    unsigned long total[2] = {0, 0};
    for (unsigned i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    for (unsigned i = 0; i < threads; i++)
        *pinned = *pinned && c[i].pinned;
    for (int s = 0; s < nsides; s++)
        total[s] = side_total(c, threads, s);
    for (int s = 0; s < nsides; s++) {
        out[s].ns = total[s] ? spent[s] * 1e9 / (double)total[s] : 0;
        out[s].per_run = a[s].cs.runs ? (double)total[s] / (double)a[s].cs.runs : 0;
        for (unsigned i = 0; i < threads; i++)
            out[s].share[i] =
                total[s] ? 100.0 *
                               (double)atomic_load_explicit(&c[i].acquisitions[s],
                                                            memory_order_relaxed) /
                               (double)total[s]
                         : 0;
        /* The joins order the last critical section before this read. */
        out[s].exclusive = a[s].cs.count == total[s];
    }
    free(c);
    free(f);
    free(a);
}

bool tl_bench_raw_contended(const tl_bench_raw *raw, unsigned threads, double seconds,
                            long cores, double *ns_per_acq, double *per_run, double *share,
                            bool *pinned)
{
    side_figures f;
    contended_sides(&raw, 1, threads, seconds, cores, pinned, &f);
    *ns_per_acq = f.ns;
    *per_run = f.per_run;
    memcpy(share, f.share, sizeof f.share[0] * threads);
    return f.exclusive;
}

static bool kind_selected(const tl_bench *b, const char *kind)
{
    for (size_t k = 0; k < b->nkinds; k++)
        if (strcmp(b->kinds[k]->name, kind) == 0)
            return true;
    return false;
}

/* The sides in repetition i's order: ours first in even repetitions, so
 * neither side always has the first slice. A missing hand-built side leaves
 * the peer alone. Returns how many sides; order[k] says which side is k. */
static int sides_of(const tl_bench_peer_result *p, unsigned i, const tl_bench_raw *raw[2],
                    int order[2])
{
    if (!p->ours) {
        raw[0] = &p->peer->raw;
        order[0] = TL_PEER_THEIRS;
        return 1;
    }
    int first = (i & 1) ? TL_PEER_THEIRS : TL_PEER_OURS;
    order[0] = first;
    order[1] = 1 - first;
    for (int k = 0; k < 2; k++)
        raw[k] = order[k] == TL_PEER_OURS ? p->ours : &p->peer->raw;
    return 2;
}

static void measure_uncontended(const tl_bench *b, tl_bench_peer_result *p, unsigned r)
{
    double v[2][MAX_REPEAT], ratio[MAX_REPEAT], to_floor[2][MAX_REPEAT];
    for (unsigned i = 0; i < r; i++) {
        const tl_bench_raw *raw[2];
        int order[2];
        double ns[2], floor;
        int n = sides_of(p, i, raw, order);
        uncontended_sides(raw, n, b->seconds, ns, &floor);
        for (int k = 0; k < n; k++) {
            v[order[k]][i] = ns[k];
            to_floor[order[k]][i] = ns[k] / floor;
        }
        if (p->ours)
            ratio[i] = v[TL_PEER_OURS][i] / v[TL_PEER_THEIRS][i];
    }
    for (int s = 0; s < 2; s++) {
        if (s == TL_PEER_OURS && !p->ours)
            continue;
        p->uncontended[s] = tl_bench_summarise(v[s], r);
        p->x_floor[s] = tl_bench_summarise(to_floor[s], r);
    }
    if (p->ours)
        p->uncontended_ratio = tl_bench_summarise(ratio, r);
}

/* Repetitions first .. first + r - 1 (which side goes first alternates
 * with the repetition's number). */
static void measure_contended(tl_bench *b, tl_bench_peer_result *p, size_t tc, unsigned first,
                              unsigned r)
{
    static side_figures fig[2][MAX_REPEAT];
    double ns[MAX_REPEAT], runs[MAX_REPEAT], ratio[MAX_REPEAT];
    unsigned threads = b->tcounts[tc];
    p->contended[tc].threads = threads;
    for (unsigned i = 0; i < r; i++) {
        const tl_bench_raw *raw[2];
        int order[2];
        side_figures got[2];
        int n = sides_of(p, first + i, raw, order);
        contended_sides(raw, n, threads, b->seconds, b->cores, &b->pinned, got);
        for (int k = 0; k < n; k++) {
            fig[order[k]][i] = got[k];
            if (!got[k].exclusive)
                fprintf(stderr, "threadlab: bench: %s lost updates: its critical sections "
                                "overlapped\n", raw[k]->name);
        }
        if (p->ours)
            ratio[i] = fig[TL_PEER_OURS][i].ns / fig[TL_PEER_THEIRS][i].ns;
    }
    for (int s = 0; s < 2; s++) {
        if (s == TL_PEER_OURS && !p->ours)
            continue;
        tl_bench_peer_side *out = &p->contended[tc].side[s];
        for (unsigned i = 0; i < r; i++) {
            ns[i] = fig[s][i].ns;
            runs[i] = fig[s][i].per_run;
        }
        out->ns_per_acq = tl_bench_summarise(ns, r);
        out->per_handover = tl_bench_summarise(runs, r);
        /* The shares of the median repetition, not a blend of several. */
        for (unsigned i = 0; i < r; i++)
            if (fig[s][i].ns == out->ns_per_acq.median) {
                memcpy(out->share, fig[s][i].share, sizeof out->share);
                break;
            }
        out->jain = tl_bench_jain(out->share, threads);
    }
    if (p->ours)
        p->contended[tc].ratio = tl_bench_summarise(ratio, r);
}

/* A pair whose hand-built side missed its contended target is measured
 * again, R repetitions with every spin kind's yields on and R with them
 * off (tl__spin_yield_after, tl_spin.h: a waiter then pauses for ever
 * instead of calling sched_yield() every 2048 pauses, as CK's locks do),
 * taking turns: on, off, off, on, on, off ... The yields are the lab's
 * busy-machine safety and stay; this says whether they are what the miss
 * costs. Both halves, because a contended ratio scatters from one window
 * to the next: a lone second look without the yields read 0.99x - 1.11x
 * three times against first looks of 1.30x - 1.57x (ttas-eb against
 * ck_spinlock_cas_eb), but a second look with the yields still on read
 * 1.42x - 1.52x and three more without them 1.29x - 1.43x: only the two
 * measured in turn can tell. Threads are created after the switch and
 * joined before it is put back, which orders their reads of it. */
static void measure_without_yields(tl_bench *b, tl_bench_peer_result *p, unsigned r)
{
    static tl_bench_peer_result again;
    if (b->spin_yields_off)
        return; /* the run itself is the look without them (--spin-yields off) */
    unsigned saved = tl__spin_yield_after;
    for (size_t tc = 0; tc < b->ntcounts; tc++) {
        if (!p->ours || tl_bench_at_most(&p->contended[tc].ratio, TL_BENCH_CONTENDED_LIMIT) == TL_TARGET_MET)
            continue;
        double ratio[2][MAX_REPEAT]; /* [0] yields on, [1] off */
        for (unsigned i = 0; i < 2 * r; i++) {
            int off = (int)(((i + 1) >> 1) & 1); /* on, off, off, on, on, off, ... */
            again = *p;
            tl__spin_yield_after = off ? UINT_MAX : saved;
            measure_contended(b, &again, tc, i, 1);
            tl__spin_yield_after = saved;
            ratio[off][i / 2] = again.contended[tc].ratio.median;
        }
        p->contended[tc].has_without_yields = true;
        p->contended[tc].again_with_yields = tl_bench_summarise(ratio[0], r);
        p->contended[tc].without_yields = tl_bench_summarise(ratio[1], r);
    }
}

void tl_bench_peers_run(tl_bench *b)
{
    /* One run at a time (the CLI's), so the results may live here. */
    static struct tl_bench_peers peers;
    memset(&peers, 0, sizeof peers);
    b->peers = &peers;
    peers.found = tl_bench_ck_found();
    for (size_t i = 0; i < tl_bench_ck_peer_count() && peers.n < TL_BENCH_MAX_PEERS; i++) {
        const tl_bench_peer *peer = tl_bench_ck_peer_at(i);
        bool exists = tl_lock_kind_find(peer->kind) != NULL;
        if (exists ? !kind_selected(b, peer->kind) : !b->peers_unmatched)
            continue;
        tl_bench_peer_measure(b, peer, exists ? tl_bench_handbuilt_raw(peer->kind) : NULL,
                              &peers.r[peers.n++]);
    }
    const tl_bench_raw *copy;
    const tl_bench_peer *control = tl_bench_ck_control(&copy);
    if (control && peers.n > 0) {
        tl_bench_peer_measure(b, control, copy, &peers.control);
        peers.has_control = true;
    }
}

void tl_bench_libc_pair_run(tl_bench *b)
{
    static tl_bench_peer_result pair; /* one run at a time, as the peers */
    b->ttas_beside_libc = NULL;
    const tl_bench_raw *ttas = tl_bench_handbuilt_raw("ttas");
    if (!ttas || !kind_selected(b, "ttas") || !kind_selected(b, "pthread-spin"))
        return;
    tl_bench_peer_measure(b, tl_bench_libc_spin_peer(), ttas, &pair);
    b->ttas_beside_libc = &pair;
}

void tl_bench_peer_measure(tl_bench *b, const tl_bench_peer *peer, const tl_bench_raw *ours,
                           tl_bench_peer_result *p)
{
    unsigned r = b->repeat < MAX_REPEAT ? b->repeat : MAX_REPEAT;
    memset(p, 0, sizeof *p);
    p->peer = peer;
    p->ours = ours;
    measure_uncontended(b, p, r);
    for (size_t tc = 0; tc < b->ntcounts; tc++)
        measure_contended(b, p, tc, 0, r);
    measure_without_yields(b, p, r);
}
