/* SPDX-License-Identifier: MIT */
/* The C11 <stdatomic.h> backend of tl_atomic. It is the only backend the TSan
 * build uses: TSan instruments these calls and turns acquire/release pairs into
 * happens-before edges, while it cannot see inside inline assembly. */
#ifndef TL_ATOMIC_C11_H
#define TL_ATOMIC_C11_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

static inline uint32_t tl_atomic_c11_load_u32(tl_atomic_u32 *a, tl_memorder mo)
{
    return atomic_load_explicit(&a->v, (memory_order)mo);
}

static inline void tl_atomic_c11_store_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{
    atomic_store_explicit(&a->v, v, (memory_order)mo);
}

static inline uint32_t tl_atomic_c11_exchange_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{
    return atomic_exchange_explicit(&a->v, v, (memory_order)mo);
}

static inline bool tl_atomic_c11_cas_u32(tl_atomic_u32 *a, uint32_t *expected, uint32_t desired,
                                         tl_memorder success, tl_memorder failure)
{
    return atomic_compare_exchange_strong_explicit(&a->v, expected, desired,
                                                   (memory_order)success, (memory_order)failure);
}

static inline uint32_t tl_atomic_c11_fetch_add_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{
    return atomic_fetch_add_explicit(&a->v, v, (memory_order)mo);
}

static inline void *tl_atomic_c11_load_ptr(tl_atomic_ptr *a, tl_memorder mo)
{
    return atomic_load_explicit(&a->v, (memory_order)mo);
}

static inline void tl_atomic_c11_store_ptr(tl_atomic_ptr *a, void *v, tl_memorder mo)
{
    atomic_store_explicit(&a->v, v, (memory_order)mo);
}

static inline void *tl_atomic_c11_exchange_ptr(tl_atomic_ptr *a, void *v, tl_memorder mo)
{
    return atomic_exchange_explicit(&a->v, v, (memory_order)mo);
}

static inline bool tl_atomic_c11_cas_ptr(tl_atomic_ptr *a, void **expected, void *desired,
                                         tl_memorder success, tl_memorder failure)
{
    return atomic_compare_exchange_strong_explicit(&a->v, expected, desired,
                                                   (memory_order)success, (memory_order)failure);
}

/* TSan does not model fences, and gcc says so (-Wtsan) wherever one is
 * compiled with -fsanitize=thread: a fence orders nothing TSan can see. The
 * lab fences only for the live monitor's seqlock, whose writers (track*.c,
 * in instrumented hosts) order stores for a reader in another process
 * (harness/monitor*.c, never instrumented) that TSan does not see at all,
 * and in this wrapper's own tests; code that TSan must see ordered uses
 * acquire and release operations instead. */
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
static inline void tl_atomic_c11_fence(tl_memorder mo)
{
    atomic_thread_fence((memory_order)mo);
}
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

#endif
