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

#endif
