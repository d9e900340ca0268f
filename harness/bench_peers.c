/* SPDX-License-Identifier: MIT */
/* The peer measurements: one body for every lock, hand-built or not, through
 * its raw calls (tl_bench_raw). Repetitions alternate between the two sides
 * of a pair, and each ratio is taken within one repetition (ours / theirs)
 * before the median, so that frequency changes and a busy neighbour, which
 * move both figures of a repetition alike, cancel out of the ratio. */
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

/* The shared part of one measurement, each piece on lines of its own: the
 * lock (a lock sharing its line with the data would be measured with the
 * data's misses), the critical section's data, and the start/stop flag,
 * which every thread reads on every turn and nobody writes while running. */
typedef struct {
    _Alignas(TL_BENCH_LINE) unsigned char lock[TL_BENCH_LOCK_BYTES];
    _Alignas(TL_BENCH_LINE) struct {
        unsigned long count;     /* acquisitions, checked against the threads' sum */
        unsigned long runs;      /* changes of owner, the first acquisition included */
        unsigned owner;          /* index of the last thread inside */
    } cs;
    _Alignas(TL_BENCH_LINE) atomic_int go; /* 0 wait, 1 run, 2 stop */
} arena;

/* One thread: its context (queue node) on a line of its own, then its
 * bookkeeping on the next. */
typedef struct {
    _Alignas(TL_BENCH_LINE) unsigned char ctx[TL_BENCH_CTX_BYTES];
    _Alignas(TL_BENCH_LINE) const tl_bench_raw *raw;
    arena *a;
    unsigned index;
    long cores;
    unsigned long acquisitions;
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

double tl_bench_raw_uncontended_ns(const tl_bench_raw *raw, double seconds)
{
    arena *a = zalloc_aligned(sizeof *a);
    contender *c = zalloc_aligned(sizeof *c);
    raw->init(a->lock);
    if (raw->ctx_init)
        raw->ctx_init(a->lock, c->ctx);
    /* Locals: the calls could write any memory as far as the compiler knows,
     * so the table would otherwise be read again on every turn. */
    void (*lock)(void *, void *) = raw->lock, (*unlock)(void *, void *) = raw->unlock;
    void *l = a->lock, *ctx = c->ctx;
    unsigned long pairs = 0;
    double t0 = tl_bench_now(), t;
    do {
        for (unsigned i = 0; i < CHUNK; i++) {
            lock(l, ctx);
            unlock(l, ctx);
        }
        pairs += CHUNK;
    } while ((t = tl_bench_now()) - t0 < seconds);
    free(c);
    free(a);
    return (t - t0) * 1e9 / (double)pairs;
}

static void *contender_main(void *arg)
{
    contender *c = arg;
    arena *a = c->a;
    c->pinned = tl_bench_pin(c->index, c->cores);
    if (c->raw->ctx_init)
        c->raw->ctx_init(a->lock, c->ctx);
    /* acquire: the lock's initialisation, done before the flag went to 1. */
    while (atomic_load_explicit(&a->go, memory_order_acquire) == 0)
        sched_yield();
    void (*lock)(void *, void *) = c->raw->lock, (*unlock)(void *, void *) = c->raw->unlock;
    void *l = a->lock, *ctx = c->ctx;
    unsigned me = c->index;
    unsigned long n = 0;
    /* relaxed: only a stop flag; the join publishes the counts. */
    while (atomic_load_explicit(&a->go, memory_order_relaxed) == 1) {
        lock(l, ctx);
        /* Plain accesses: the lock under test orders them, and the count
         * checked after the join says whether it did. */
        if (a->cs.owner != me) {
            a->cs.owner = me;
            a->cs.runs++;
        }
        a->cs.count++;
        unlock(l, ctx);
        n++;
    }
    c->acquisitions = n;
    return NULL;
}

bool tl_bench_raw_contended(const tl_bench_raw *raw, unsigned threads, double seconds,
                            long cores, double *ns_per_acq, double *per_run, double *share,
                            bool *pinned)
{
    arena *a = zalloc_aligned(sizeof *a);
    contender *c = zalloc_aligned(sizeof *c * threads);
    pthread_t t[TL_BENCH_MAX_THREADS];
    raw->init(a->lock);
    a->cs.owner = UINT_MAX; /* nobody yet: the first acquisition starts a run */
    for (unsigned i = 0; i < threads; i++) {
        c[i].raw = raw;
        c[i].a = a;
        c[i].index = i;
        c[i].cores = cores;
        pthread_create(&t[i], NULL, contender_main, &c[i]);
    }
    struct timespec start_delay = {0, 2000000}; /* let every contender reach the line */
    nanosleep(&start_delay, NULL);
    double t0 = tl_bench_now();
    atomic_store_explicit(&a->go, 1, memory_order_release);
    struct timespec run = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&run, NULL);
    atomic_store_explicit(&a->go, 2, memory_order_relaxed);
    unsigned long total = 0;
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += c[i].acquisitions;
        *pinned = *pinned && c[i].pinned;
    }
    double elapsed = tl_bench_now() - t0;
    *ns_per_acq = total ? elapsed * 1e9 / (double)total : 0;
    *per_run = a->cs.runs ? (double)total / (double)a->cs.runs : 0;
    for (unsigned i = 0; i < threads; i++)
        share[i] = total ? 100.0 * (double)c[i].acquisitions / (double)total : 0;
    /* The joins order the last critical section before this read. */
    bool exclusive = a->cs.count == total;
    free(c);
    free(a);
    return exclusive;
}

static bool kind_selected(const tl_bench *b, const char *kind)
{
    for (size_t k = 0; k < b->nkinds; k++)
        if (strcmp(b->kinds[k]->name, kind) == 0)
            return true;
    return false;
}

/* The order of the two sides in repetition i: ours first in even ones. */
static const tl_bench_raw *side_at(const tl_bench_peer_result *p, unsigned i, int slot)
{
    int first = (int)(i & 1);
    int side = slot == 0 ? first : 1 - first;
    return side == TL_PEER_OURS ? p->ours : &p->peer->raw;
}

static int side_of(const tl_bench_peer_result *p, const tl_bench_raw *raw)
{
    return raw == p->ours ? TL_PEER_OURS : TL_PEER_THEIRS;
}

static void measure_uncontended(const tl_bench *b, tl_bench_peer_result *p, unsigned r)
{
    double v[2][MAX_REPEAT], ratio[MAX_REPEAT];
    for (unsigned i = 0; i < r; i++) {
        for (int slot = 0; slot < 2; slot++) {
            const tl_bench_raw *raw = side_at(p, i, slot);
            if (raw)
                v[side_of(p, raw)][i] = tl_bench_raw_uncontended_ns(raw, b->seconds);
        }
        if (p->ours)
            ratio[i] = v[TL_PEER_OURS][i] / v[TL_PEER_THEIRS][i];
    }
    p->uncontended[TL_PEER_THEIRS] = tl_bench_summarise(v[TL_PEER_THEIRS], r);
    if (p->ours) {
        p->uncontended[TL_PEER_OURS] = tl_bench_summarise(v[TL_PEER_OURS], r);
        p->uncontended_ratio = tl_bench_summarise(ratio, r);
    }
}

static void measure_contended(tl_bench *b, tl_bench_peer_result *p, size_t tc, unsigned r)
{
    static double shares[2][MAX_REPEAT][TL_BENCH_MAX_THREADS];
    double ns[2][MAX_REPEAT], sorted[MAX_REPEAT], runs[2][MAX_REPEAT], ratio[MAX_REPEAT];
    unsigned threads = b->tcounts[tc];
    p->contended[tc].threads = threads;
    for (unsigned i = 0; i < r; i++) {
        for (int slot = 0; slot < 2; slot++) {
            const tl_bench_raw *raw = side_at(p, i, slot);
            if (!raw)
                continue;
            int s = side_of(p, raw);
            if (!tl_bench_raw_contended(raw, threads, b->seconds, b->cores, &ns[s][i],
                                        &runs[s][i], shares[s][i], &b->pinned))
                fprintf(stderr, "threadlab: bench: %s lost updates: its critical sections "
                                "overlapped\n", raw->name);
        }
        if (p->ours)
            ratio[i] = ns[TL_PEER_OURS][i] / ns[TL_PEER_THEIRS][i];
    }
    for (int s = 0; s < 2; s++) {
        if (s == TL_PEER_OURS && !p->ours)
            continue;
        tl_bench_peer_side *out = &p->contended[tc].side[s];
        memcpy(sorted, ns[s], sizeof sorted[0] * r);
        out->ns_per_acq = tl_bench_summarise(sorted, r);
        out->per_handover = tl_bench_summarise(runs[s], r);
        /* The shares of the median repetition, not a blend of several. */
        for (unsigned i = 0; i < r; i++)
            if (ns[s][i] == out->ns_per_acq.median) {
                memcpy(out->share, shares[s][i], sizeof out->share);
                break;
            }
        out->jain = tl_bench_jain(out->share, threads);
    }
    if (p->ours)
        p->contended[tc].ratio = tl_bench_summarise(ratio, r);
}

void tl_bench_peers_run(tl_bench *b)
{
    /* One run at a time (the CLI's), so the results may live here. */
    static struct tl_bench_peers peers;
    memset(&peers, 0, sizeof peers);
    b->peers = &peers;
    peers.found = tl_bench_ck_found();
    unsigned r = b->repeat < MAX_REPEAT ? b->repeat : MAX_REPEAT;
    for (size_t i = 0; i < tl_bench_ck_peer_count() && peers.n < TL_BENCH_MAX_PEERS; i++) {
        const tl_bench_peer *peer = tl_bench_ck_peer_at(i);
        bool exists = tl_lock_kind_find(peer->kind) != NULL;
        if (exists ? !kind_selected(b, peer->kind) : !b->peers_unmatched)
            continue;
        tl_bench_peer_result *p = &peers.r[peers.n++];
        p->peer = peer;
        p->ours = exists ? tl_bench_handbuilt_raw(peer->kind) : NULL;
        measure_uncontended(b, p, r);
        for (size_t tc = 0; tc < b->ntcounts; tc++)
            measure_contended(b, p, tc, r);
    }
}
