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

void tl_litmus_init(tl_litmus_t *m, uint64_t budget_ns)
{
    m->end_ns = now_ns() + budget_ns;
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

bool tl_litmus_meet(tl_litmus_t *m, uint32_t t)
{
    uint64_t start;
    /* relaxed: the count only tells first from second; go_trial's
     * release/acquire carries go_at. */
    if (tl_atomic_fetch_add_u32(&m->arrivals, 1, tl_relaxed) % 2 == 1) {
        start = now_ns();
        start = start < m->end_ns ? start + LEAD_NS : 0;
        atomic_store_explicit(&m->go_at, start, memory_order_relaxed);
        tl_atomic_store_u32(&m->go_trial, t, tl_release);
    } else {
        /* Yield now and then: the partner may be descheduled (a busy
         * machine), or Valgrind may run one thread at a time. */
        for (unsigned spins = 1; tl_atomic_load_u32(&m->go_trial, tl_acquire) != t; spins++)
            if (spins % 1024 == 0)
                sched_yield();
        start = atomic_load_explicit(&m->go_at, memory_order_relaxed);
    }
    if (start == 0)
        return false;
    while (now_ns() < start)
        ;
    return true;
}
