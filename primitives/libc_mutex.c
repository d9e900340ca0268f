/* SPDX-License-Identifier: MIT */
/* libc's pthread_mutex_t as a lock kind: the baseline the hand-built kinds
 * are measured against. Never annotated by the lab: TSan and Helgrind know
 * pthread mutexes already. */
#include <pthread.h>
#include "tl_lock_kind.h"

TL_LOCK_KIND_FITS(pthread_mutex_t);

static void init(void *s) { pthread_mutex_init(s, NULL); }
static void lock(void *s) { pthread_mutex_lock(s); }
static bool trylock(void *s) { return pthread_mutex_trylock(s) == 0; }
static void unlock(void *s) { pthread_mutex_unlock(s); }
static void destroy(void *s) { pthread_mutex_destroy(s); }

static void raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    pthread_mutex_t *m = s;
    TL_LOCK_BENCH_ROUNDS(body, rounds, pthread_mutex_lock(m), pthread_mutex_unlock(m));
}

const tl_lock_kind tl_kind_pthread_mutex = {
    .name = "pthread-mutex",
    .summary = "libc pthread_mutex_t (baseline)",
    .flags = TL_KIND_SLEEPS,
    .size = sizeof(pthread_mutex_t),
    .align = _Alignof(pthread_mutex_t),
    .init = init,
    .lock = lock,
    .trylock = trylock,
    .unlock = unlock,
    .destroy = destroy,
    .raw = raw,
    .rmws = 2, /* glibc: a swap in, an exchange or decrement out */
    .libc = TL_LIBC_PTHREAD_MUTEX,
};
