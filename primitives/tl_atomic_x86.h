/* SPDX-License-Identifier: MIT */
/* The x86-64 inline-assembly backend of tl_atomic, so a reader can see the
 * instructions each C11 operation becomes on this machine:
 *
 *   load (any order)          mov        x86 loads are already acquire (TSO)
 *   store relaxed/release     mov        x86 stores are already release
 *   store seq_cst             xchg       the implicit lock drains the store buffer
 *   exchange                  xchg       always a full barrier (implicit lock)
 *   compare-exchange          lock cmpxchg
 *   fetch-add                 lock xadd
 *   fence seq_cst             mfence     the only fence x86 needs in hardware
 *   fence acquire/release     (none)     a compiler barrier only
 *
 * The memory order still matters to the compiler: every order stronger than
 * relaxed adds a "memory" clobber, which stops the compiler from moving other
 * loads and stores across the instruction. Relaxed operations name only their
 * own word ("+m"), so the compiler may reorder around them, exactly as C11
 * allows. TSan cannot see any of this, so the TSan build never uses it. */
#ifndef TL_ATOMIC_X86_H
#define TL_ATOMIC_X86_H

#include <stdbool.h>
#include <stdint.h>

/* An order stronger than relaxed needs a compiler barrier around the access. */
#define TL__X86_BARRIER(mo) \
    do { if ((mo) != tl_relaxed) __asm__ __volatile__("" ::: "memory"); } while (0)

static inline uint32_t tl_atomic_x86_load_u32(tl_atomic_u32 *a, tl_memorder mo)
{
    uint32_t v;
    __asm__ __volatile__("movl %1, %0" : "=r"(v) : "m"(a->raw));
    TL__X86_BARRIER(mo);
    return v;
}

static inline void tl_atomic_x86_store_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{
    TL__X86_BARRIER(mo);
    if (mo == tl_seq_cst)
        __asm__ __volatile__("xchgl %0, %1" : "+r"(v), "+m"(a->raw) : : "memory");
    else
        __asm__ __volatile__("movl %1, %0" : "=m"(a->raw) : "r"(v));
}

static inline uint32_t tl_atomic_x86_exchange_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{
    TL__X86_BARRIER(mo);
    __asm__ __volatile__("xchgl %0, %1" : "+r"(v), "+m"(a->raw));
    TL__X86_BARRIER(mo);
    return v;
}

static inline bool tl_atomic_x86_cas_u32(tl_atomic_u32 *a, uint32_t *expected, uint32_t desired,
                                         tl_memorder success, tl_memorder failure)
{
    bool ok;
    (void)failure;
    TL__X86_BARRIER(success);
    /* cmpxchg compares eax with the word; on failure it loads the word into eax. */
    __asm__ __volatile__("lock cmpxchgl %3, %1\n\tsete %0"
                         : "=q"(ok), "+m"(a->raw), "+a"(*expected)
                         : "r"(desired));
    TL__X86_BARRIER(success);
    return ok;
}

static inline uint32_t tl_atomic_x86_fetch_add_u32(tl_atomic_u32 *a, uint32_t v, tl_memorder mo)
{
    TL__X86_BARRIER(mo);
    __asm__ __volatile__("lock xaddl %0, %1" : "+r"(v), "+m"(a->raw));
    TL__X86_BARRIER(mo);
    return v;
}

static inline void *tl_atomic_x86_load_ptr(tl_atomic_ptr *a, tl_memorder mo)
{
    void *v;
    __asm__ __volatile__("movq %1, %0" : "=r"(v) : "m"(a->raw));
    TL__X86_BARRIER(mo);
    return v;
}

static inline void tl_atomic_x86_store_ptr(tl_atomic_ptr *a, void *v, tl_memorder mo)
{
    TL__X86_BARRIER(mo);
    if (mo == tl_seq_cst)
        __asm__ __volatile__("xchgq %0, %1" : "+r"(v), "+m"(a->raw) : : "memory");
    else
        __asm__ __volatile__("movq %1, %0" : "=m"(a->raw) : "r"(v));
}

static inline void *tl_atomic_x86_exchange_ptr(tl_atomic_ptr *a, void *v, tl_memorder mo)
{
    TL__X86_BARRIER(mo);
    __asm__ __volatile__("xchgq %0, %1" : "+r"(v), "+m"(a->raw));
    TL__X86_BARRIER(mo);
    return v;
}

static inline bool tl_atomic_x86_cas_ptr(tl_atomic_ptr *a, void **expected, void *desired,
                                         tl_memorder success, tl_memorder failure)
{
    bool ok;
    (void)failure;
    TL__X86_BARRIER(success);
    __asm__ __volatile__("lock cmpxchgq %3, %1\n\tsete %0"
                         : "=q"(ok), "+m"(a->raw), "+a"(*expected)
                         : "r"(desired));
    TL__X86_BARRIER(success);
    return ok;
}

static inline void tl_atomic_x86_fence(tl_memorder mo)
{
    if (mo == tl_seq_cst)
        __asm__ __volatile__("mfence" ::: "memory");
    else
        TL__X86_BARRIER(mo);
}

#endif
