/* SPDX-License-Identifier: MIT */
/* tl_atomic: the lab's atomics, every operation with an explicit memory order.
 *
 * Two backends implement the same operations: C11 <stdatomic.h>
 * (tl_atomic_c11.h) and x86-64 inline assembly (tl_atomic_x86.h). The plain
 * build uses the one chosen with ./configure --with-atomics=c11|x86asm; the TSan
 * build always uses C11, because TSan only sees atomics it instruments and
 * inline assembly is invisible to it (the lock built on it would look like no
 * synchronisation at all). Both backends stay callable by their own prefix,
 * so tests can check one against the other. */
#ifndef TL_ATOMIC_H
#define TL_ATOMIC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tl_sanitizer.h"

typedef enum {
    tl_relaxed = memory_order_relaxed,
    tl_acquire = memory_order_acquire,
    tl_release = memory_order_release,
    tl_acq_rel = memory_order_acq_rel,
    tl_seq_cst = memory_order_seq_cst,
} tl_memorder;

/* The raw member gives the assembly backend a plain lvalue for the same word;
 * both members have the same size and representation on every target we build. */
typedef union {
    _Atomic uint32_t v;
    uint32_t raw;
} tl_atomic_u32;

typedef union {
    _Atomic(void *) v;
    void *raw;
} tl_atomic_ptr;

#define TL_ATOMIC_INIT(value) { .raw = (value) }

#include "tl_atomic_c11.h"
#if defined(__x86_64__)
#include "tl_atomic_x86.h"
#define TL_ATOMIC_HAVE_X86 1
#else
#define TL_ATOMIC_HAVE_X86 0
#endif

#if defined(TL_ATOMICS_X86ASM) && TL_ATOMIC_HAVE_X86 && !TL_TSAN
#define TL_ATOMIC_BACKEND "x86asm"
#define TL__ATOMIC(op) tl_atomic_x86_##op
#else
#define TL_ATOMIC_BACKEND "c11"
#define TL__ATOMIC(op) tl_atomic_c11_##op
#endif

static inline uint32_t tl_atomic_load_u32(tl_atomic_u32 *a, tl_memorder mo)
{ return TL__ATOMIC(load_u32)(a, mo); }
static inline void tl_atomic_store_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{ TL__ATOMIC(store_u32)(a, v, mo); }
static inline uint32_t tl_atomic_exchange_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{ return TL__ATOMIC(exchange_u32)(a, v, mo); }
static inline bool tl_atomic_cas_u32(tl_atomic_u32 *a, uint32_t *expected, uint32_t desired,
                                     tl_memorder success, tl_memorder failure)
{ return TL__ATOMIC(cas_u32)(a, expected, desired, success, failure); }
static inline uint32_t tl_atomic_fetch_add_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{ return TL__ATOMIC(fetch_add_u32)(a, v, mo); }
static inline void *tl_atomic_load_ptr(tl_atomic_ptr *a, tl_memorder mo)
{ return TL__ATOMIC(load_ptr)(a, mo); }
static inline void tl_atomic_store_ptr(tl_atomic_ptr *a, void *v, tl_memorder mo)
{ TL__ATOMIC(store_ptr)(a, v, mo); }
static inline void *tl_atomic_exchange_ptr(tl_atomic_ptr *a, void *v, tl_memorder mo)
{ return TL__ATOMIC(exchange_ptr)(a, v, mo); }
static inline bool tl_atomic_cas_ptr(tl_atomic_ptr *a, void **expected, void *desired,
                                     tl_memorder success, tl_memorder failure)
{ return TL__ATOMIC(cas_ptr)(a, expected, desired, success, failure); }
static inline void tl_atomic_fence(tl_memorder mo)
{ TL__ATOMIC(fence)(mo); }

/* A spin-wait hint: `pause` tells an x86 core it is in a spin loop, which
 * saves power and avoids a memory-order mis-speculation when the wait ends. */
static inline void tl_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

#endif
