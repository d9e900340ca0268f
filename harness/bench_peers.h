/* SPDX-License-Identifier: MIT */
/* Peers in `threadlab bench`: each hand-built lock kind beside another
 * library's lock of the same algorithm (Concurrency Kit's, when configure
 * found libck-dev), measured in the same run by the same body, repetitions
 * alternating between the two so drift hits both alike.
 *
 * Both sides of a comparison are called the same way: through a raw-call
 * table of out-of-line functions with one signature, on a lock that has a
 * 128-byte block of its own, the protected data on another, each thread's
 * context (a queue node, for MCS and CLH) on a third. */
#ifndef TL_BENCH_PEERS_H
#define TL_BENCH_PEERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "bench_engine.h"
#include "bench_judge.h"

enum {
    TL_BENCH_LINE = 128,       /* two 64-byte lines: the adjacent-line prefetcher pairs them */
    TL_BENCH_LOCK_BYTES = 256, /* room for any lock measured, and CLH's first node */
    TL_BENCH_CTX_BYTES = 128,  /* one thread's context (queue node) */
    TL_BENCH_MAX_PEERS = 12,
};

/* A lock through its raw calls. `lock` points at TL_BENCH_LOCK_BYTES zeroed,
 * 128-byte-aligned bytes, `ctx` at one thread's TL_BENCH_CTX_BYTES (zeroed,
 * aligned, used by one thread only, alive until the measurement ends). */
typedef struct tl_bench_raw {
    const char *name;
    void (*init)(void *lock);
    void (*ctx_init)(void *lock, void *ctx); /* NULL: nothing per thread */
    void (*lock)(void *lock, void *ctx);
    void (*unlock)(void *lock, void *ctx);
} tl_bench_raw;

/* Another library's lock and the hand-built kind of the same algorithm. */
typedef struct tl_bench_peer {
    tl_bench_raw raw;
    const char *kind;  /* the hand-built kind it is set beside */
    const char *about; /* one line: what it does differently */
} tl_bench_peer;

/* bench_peers_ck.c: Concurrency Kit's locks. found is false (and count 0)
 * when threadlab was built without libck-dev. */
bool tl_bench_ck_found(void);
size_t tl_bench_ck_peer_count(void);
const tl_bench_peer *tl_bench_ck_peer_at(size_t i);

/* The control pair: a peer and a second copy of its raw calls (the same
 * code at another address); NULL without Concurrency Kit. */
const tl_bench_peer *tl_bench_ck_control(const tl_bench_raw **copy);
/* bench_peers_tl.c: a hand-built kind's raw calls in the same shape, or NULL
 * when the kind has none (or does not exist in this build). */
const tl_bench_raw *tl_bench_handbuilt_raw(const char *kind);
/* bench_peers_tl.c: glibc's pthread_spin_lock in the same shape, as the
 * peer of ttas (the target "ttas throughput >= pthread-spin"). */
const tl_bench_peer *tl_bench_libc_spin_peer(void);

/* One side's contended figures. */
typedef struct {
    tl_bench_figure ns_per_acq;   /* wall time / acquisitions of all threads */
    tl_bench_figure per_handover; /* acquisitions between two changes of owner (a run) */
    double share[TL_BENCH_MAX_THREADS]; /* % of acquisitions, of the median repetition */
    double jain;                  /* Jain's index of those shares */
} tl_bench_peer_side;

enum { TL_PEER_OURS = 0, TL_PEER_THEIRS = 1 };

typedef struct tl_bench_peer_result {
    const tl_bench_peer *peer;
    const tl_bench_raw *ours;          /* NULL: no hand-built kind yet, shown against the floor */
    tl_bench_figure uncontended[2];    /* ns per lock+unlock pair, [TL_PEER_OURS], [TL_PEER_THEIRS] */
    tl_bench_figure uncontended_ratio; /* ours / theirs, paired per repetition */
    tl_bench_figure x_floor[2];        /* each side / one exchange, in the same rotation */
    struct {
        unsigned threads;
        tl_bench_peer_side side[2];
        tl_bench_figure ratio;         /* ns/acq ours / theirs, paired per repetition */
        /* Measured only when `ratio` missed its target: the pair again,
         * with the spin kinds' yields (tl_spin.h; CK's locks have none) and
         * without, in turns - whether they account for the miss. */
        bool has_without_yields;
        tl_bench_figure again_with_yields, without_yields;
    } contended[TL_BENCH_MAX_TCOUNTS];
} tl_bench_peer_result;

struct tl_bench_peers {
    bool found;  /* the peer library was there */
    size_t n;
    tl_bench_peer_result r[TL_BENCH_MAX_PEERS];
    /* Measured with the pairs (when any pair was): the control, a peer
     * against a copy of itself, on the "ours" side. Its ratios are the
     * spread two identical locks show in this run. */
    bool has_control;
    tl_bench_peer_result control;
};

/* Measures the peers b asks for (see tl_bench's peers fields). */
void tl_bench_peers_run(tl_bench *b);
/* Measures ttas beside glibc's spinlock as a pair (b->ttas_beside_libc),
 * when b selects both ttas and pthread-spin; whether or not peers are. */
void tl_bench_libc_pair_run(tl_bench *b);
/* Measures one pair as the peers are (b gives seconds, repeat, thread counts,
 * cores); ours may be NULL (the peer alone). Also for experiments: any raw
 * calls may stand on either side. */
void tl_bench_peer_measure(tl_bench *b, const tl_bench_peer *peer, const tl_bench_raw *ours,
                           tl_bench_peer_result *p);
/* Measures one lock on its own, as the peers are measured: ns per pair
 * uncontended; one contended repetition, giving ns per acquisition, the
 * average run (acquisitions in a row by one thread, i.e. between changes of
 * owner), each thread's share in %, and pinned cleared when a thread could
 * not be pinned. Returns false when the critical sections overlapped (the
 * protected count disagrees with the threads' own). */
double tl_bench_raw_uncontended_ns(const tl_bench_raw *raw, double seconds);
bool tl_bench_raw_contended(const tl_bench_raw *raw, unsigned threads, double seconds,
                            long cores, double *ns_per_acq, double *per_run, double *share,
                            bool *pinned);

/* bench_peers_print.c */
void tl_bench_peers_print(FILE *to, const tl_bench *b);
void tl_bench_peers_targets(FILE *to, const tl_bench *b, tl_target_tally *tally);
json_t *tl_bench_peers_json(const tl_bench *b);
/* Beside a pair's contended target: its second look, with the spin kinds'
 * yields and without (bench_peers.c), when it had one. */
void tl_bench_pair_second_look(FILE *to, const tl_bench_peer_result *p, size_t tc);
/* One pair's figures as the peers' JSON gives them. */
json_t *tl_bench_pair_json(const tl_bench *b, const tl_bench_peer_result *p);

#endif
