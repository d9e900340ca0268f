/* SPDX-License-Identifier: MIT */
/* Litmus trials for the memory-model scenarios: two threads, each on a CPU
 * of its own, meet before every trial and start it at the same moment, so
 * that an outcome the memory model allows but sequential consistency
 * forbids (a store still in one core's store buffer while the other core's
 * load reads memory) shows at a measurable rate instead of almost never.
 * No handshake can force such an outcome - the handshake's own ordering
 * would hide it - so these scenarios count it over many trials instead.
 *
 * The meeting's words are the harness's, not the test's: they are declared
 * to Valgrind's tools as bookkeeping (tl_oracle_words). */
#ifndef TL_LITMUS_H
#define TL_LITMUS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "tl_atomic.h"

typedef struct {
    _Alignas(64) tl_atomic_u32 arrivals; /* two per trial */
    _Alignas(64) tl_atomic_u32 go_trial; /* the trial whose start time is set */
    _Atomic uint64_t go_at;              /* its start, CLOCK_MONOTONIC ns; 0: stop */
    _Alignas(64) tl_atomic_u32 outcomes; /* forbidden outcomes reported so far */
    uint64_t end_ns;                     /* no trial starts after this */
    uint32_t min_trials, max_trials;
    bool until_seen;
} tl_litmus_t;

/* Trials run from 1 to at least min_trials. With until_seen (a buggy
 * variant, whose run is a demonstration) they go on past min_trials while
 * no forbidden outcome has been reported, up to max_trials; without it (a
 * fixed variant) they stop at min_trials. budget_ns bounds both: on a busy
 * machine the two pinned threads are seldom running at once and a meeting
 * can take a scheduler round, so the budget keeps the run inside its
 * deadline; the scenario reports how many trials it did. */
void tl_litmus_init(tl_litmus_t *m, uint64_t budget_ns, uint32_t min_trials,
                    uint32_t max_trials, bool until_seen);
/* A forbidden outcome was seen (any thread, any time). */
void tl_litmus_report(tl_litmus_t *m);
bool tl_litmus_pin(unsigned party);
/* Both parties call it for trials 1, 2, 3, ... in order. Returns true when
 * both are running and the agreed start of trial t has come: the second to
 * arrive sets it a little ahead, so the first (spinning) can learn it in
 * time, and both then wait for the clock. Returns false, to both, when the
 * trials are over (above) or the budget is spent: the second to arrive
 * decides for both, so they stop at the same trial. */
bool tl_litmus_meet(tl_litmus_t *m, uint32_t t);

/* The accesses under test, seq_cst or relaxed. Each order is a constant in
 * its own branch: gcc compiles an atomic whose order is only known at run
 * time as seq_cst (an xchg for the store), which would hide the bug.
 *
 * In a TSan build a relaxed access is a call into TSan's runtime, and its
 * shadow-memory bookkeeping between a store and the next load gives the
 * store buffer time to drain: under gcc 12's runtime the forbidden outcome
 * fell from 4-17% of trials (no detector) to about 1 in 25000, and on a CI
 * machine's CPU to none in a whole 5 s budget - a demonstration that fails
 * is a broken one. So under TSan on x86-64 the relaxed accesses are the
 * plain moves the compiler emits without TSan (tl_atomic_x86.h), which TSan
 * does not see. It loses nothing: every access here is atomic, there is no
 * race for TSan to report, and it does not model store buffers. The seq_cst
 * accesses (the fix) still go through TSan. */
static inline void tl_litmus_store_u32(tl_atomic_u32 *a, uint32_t v, bool seq_cst)
{
    if (seq_cst)
        tl_atomic_store_u32(a, v, tl_seq_cst);
    else
#if TL_TSAN && TL_ATOMIC_HAVE_X86
        tl_atomic_x86_store_u32(a, v, tl_relaxed);
#else
        tl_atomic_store_u32(a, v, tl_relaxed);
#endif
}

static inline uint32_t tl_litmus_load_u32(tl_atomic_u32 *a, bool seq_cst)
{
    if (seq_cst)
        return tl_atomic_load_u32(a, tl_seq_cst);
#if TL_TSAN && TL_ATOMIC_HAVE_X86
    return tl_atomic_x86_load_u32(a, tl_relaxed);
#else
    return tl_atomic_load_u32(a, tl_relaxed);
#endif
}

#endif
