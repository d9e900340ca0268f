/* SPDX-License-Identifier: MIT */
/* libc's pthread_spinlock_t as a lock kind: the baseline for the hand-built
 * spinlocks. Never annotated by the lab: TSan and Helgrind know it already. */
#include <pthread.h>
#include "tl_lock_kind.h"

TL_LOCK_KIND_FITS(pthread_spinlock_t);

static void init(void *s) { pthread_spin_init(s, PTHREAD_PROCESS_PRIVATE); }
static void lock(void *s) { pthread_spin_lock(s); }
static bool trylock(void *s) { return pthread_spin_trylock(s) == 0; }
static void unlock(void *s) { pthread_spin_unlock(s); }
static void destroy(void *s) { pthread_spin_destroy(s); }

static void raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    pthread_spinlock_t *l = s;
    TL_LOCK_BENCH_ROUNDS(body, rounds, pthread_spin_lock(l), pthread_spin_unlock(l));
}

const tl_lock_kind tl_kind_pthread_spin = {
    .name = "pthread-spin",
    .summary = "libc pthread_spinlock_t (baseline)",
    .flags = 0,
    .size = sizeof(pthread_spinlock_t),
    .align = _Alignof(pthread_spinlock_t),
    .init = init,
    .lock = lock,
    .trylock = trylock,
    .unlock = unlock,
    .destroy = destroy,
    .raw = raw,
    .rmws = 1, /* glibc: one locked exchange or swap in, a store out */
    .libc = TL_LIBC_PTHREAD_SPIN,
};
