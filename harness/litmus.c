/* SPDX-License-Identifier: MIT */
/* Litmus trials (tl_litmus.h). */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include "tl_litmus.h"
#include "tl_scenario.h"

/* How far ahead the second arrival sets the start: long enough for the
 * first, spinning on go_trial, to see it (a cache-line transfer, slower
 * under a sanitizer), short enough to keep trials cheap. */
#define LEAD_NS 2000u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tl_litmus_init(tl_litmus_t *m, uint64_t budget_ns, uint32_t min_trials,
                    uint32_t max_trials, bool until_seen)
{
    m->end_ns = now_ns() + budget_ns;
    m->min_trials = min_trials;
    m->max_trials = max_trials;
    m->until_seen = until_seen;
    tl_atomic_store_u32(&m->outcomes, 0, tl_relaxed);
    tl_oracle_words(&m->outcomes, sizeof m->outcomes);
    /* relaxed: before the threads exist. */
    tl_atomic_store_u32(&m->arrivals, 0, tl_relaxed);
    tl_atomic_store_u32(&m->go_trial, 0, tl_relaxed);
    atomic_store_explicit(&m->go_at, 0, memory_order_relaxed);
    tl_oracle_words(&m->arrivals, sizeof m->arrivals);
    tl_oracle_words(&m->go_trial, sizeof m->go_trial);
    tl_oracle_words(&m->go_at, sizeof m->go_at);
}

bool tl_litmus_pin(unsigned party)
{
    cpu_set_t allowed, mine;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return false;
    for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        if ((unsigned)seen++ == party) {
            CPU_ZERO(&mine);
            CPU_SET(cpu, &mine);
            return pthread_setaffinity_np(pthread_self(), sizeof mine, &mine) == 0;
        }
    }
    return false;
}

void tl_litmus_report(tl_litmus_t *m)
{
    /* relaxed: only decides whether more trials are needed. */
    tl_atomic_fetch_add_u32(&m->outcomes, 1, tl_relaxed);
}

/* Decided by the second to arrive, for both. */
static bool another_trial(tl_litmus_t *m, uint32_t t, uint64_t now)
{
    if (now >= m->end_ns || t > m->max_trials)
        return false;
    if (t <= m->min_trials)
        return true;
    return m->until_seen && tl_atomic_load_u32(&m->outcomes, tl_relaxed) == 0;
}

bool tl_litmus_meet(tl_litmus_t *m, uint32_t t)
{
    uint64_t start;
    /* acq_rel: the second to arrive decides, and must see the outcomes the
     * first reported before it arrived (the count's read-modify-writes form
     * one chain). go_trial's release/acquire carries go_at to the first. */
    if (tl_atomic_fetch_add_u32(&m->arrivals, 1, tl_acq_rel) % 2 == 1) {
        start = now_ns();
        start = another_trial(m, t, start) ? start + LEAD_NS : 0;
        atomic_store_explicit(&m->go_at, start, memory_order_relaxed);
        tl_atomic_store_u32(&m->go_trial, t, tl_release);
    } else {
        /* Spin, keeping this CPU: the partner is pinned to the other one,
         * so spinning here never keeps it from running, and a waiter that
         * yields is often off its CPU when the start comes (on a machine
         * with a load of 25, yielding every 1024 spins made the trials 10
         * to 30 times slower and the forbidden outcome rarer). A yield after
         * a million spins is for Valgrind, which runs one thread at a time;
         * there the budget ends the trials. */
        for (unsigned spins = 1; tl_atomic_load_u32(&m->go_trial, tl_acquire) != t; spins++)
            if (spins % (1u << 20) == 0)
                sched_yield();
        start = atomic_load_explicit(&m->go_at, memory_order_relaxed);
    }
    if (start == 0)
        return false;
    while (now_ns() < start)
        ;
    return true;
}
