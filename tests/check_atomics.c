/* SPDX-License-Identifier: MIT */
/* Each tl_atomic operation's result and returned old value, on both backends:
 * the C11 one and, on x86-64, the inline-assembly one. One body, run once per
 * backend through a table of function pointers. */
#include <pthread.h>
#include <stdint.h>
#include "suites.h"
#include "tl_atomic.h"

typedef struct {
    const char *name;
    uint32_t (*load)(tl_atomic_u32 *, tl_memorder);
    void (*store)(tl_atomic_u32 *, uint32_t, tl_memorder);
    uint32_t (*exchange)(tl_atomic_u32 *, uint32_t, tl_memorder);
    bool (*cas)(tl_atomic_u32 *, uint32_t *, uint32_t, tl_memorder, tl_memorder);
    uint32_t (*fetch_add)(tl_atomic_u32 *, uint32_t, tl_memorder);
    void *(*load_ptr)(tl_atomic_ptr *, tl_memorder);
    void (*store_ptr)(tl_atomic_ptr *, void *, tl_memorder);
    void *(*exchange_ptr)(tl_atomic_ptr *, void *, tl_memorder);
    bool (*cas_ptr)(tl_atomic_ptr *, void **, void *, tl_memorder, tl_memorder);
    void (*fence)(tl_memorder);
} backend;

#define BACKEND(prefix)                                                                        \
    {#prefix, prefix##_load_u32, prefix##_store_u32, prefix##_exchange_u32, prefix##_cas_u32, \
     prefix##_fetch_add_u32, prefix##_load_ptr, prefix##_store_ptr, prefix##_exchange_ptr,   \
     prefix##_cas_ptr, prefix##_fence}

static const backend backends[] = {
    BACKEND(tl_atomic_c11),
#if TL_ATOMIC_HAVE_X86 && !defined(TL_UNIT_TSAN)
    BACKEND(tl_atomic_x86), /* TSan cannot see inline assembly: plain build only */
#endif
};
enum { NBACKENDS = sizeof backends / sizeof backends[0] };

static const tl_memorder orders[] = {tl_relaxed, tl_acquire, tl_release, tl_acq_rel, tl_seq_cst};

START_TEST(test_u32_operations)
{
    const backend *b = &backends[_i];
    tl_atomic_u32 a = TL_ATOMIC_INIT(0);
    for (unsigned o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        tl_memorder mo = orders[o];
        tl_memorder load_mo = (mo == tl_release || mo == tl_acq_rel) ? tl_acquire : mo;
        tl_memorder store_mo = (mo == tl_acquire || mo == tl_acq_rel) ? tl_release : mo;
        b->store(&a, 41, store_mo);
        ck_assert_uint_eq(b->load(&a, load_mo), 41);
        ck_assert_uint_eq(b->exchange(&a, 7, mo), 41); /* returns the old value */
        ck_assert_uint_eq(b->load(&a, tl_relaxed), 7);
        ck_assert_uint_eq(b->fetch_add(&a, 5, mo), 7);  /* returns the old value */
        ck_assert_uint_eq(b->load(&a, tl_relaxed), 12);
        ck_assert_uint_eq(b->fetch_add(&a, UINT32_MAX, mo), 12); /* wraps: -1 */
        ck_assert_uint_eq(b->load(&a, tl_relaxed), 11);

        uint32_t expected = 11;
        ck_assert(b->cas(&a, &expected, 99, mo, tl_relaxed));
        ck_assert_uint_eq(expected, 11);
        ck_assert_uint_eq(b->load(&a, tl_relaxed), 99);
        expected = 5; /* wrong guess: fails, reports the current value, no write */
        ck_assert(!b->cas(&a, &expected, 1, mo, tl_relaxed));
        ck_assert_uint_eq(expected, 99);
        ck_assert_uint_eq(b->load(&a, tl_relaxed), 99);
        b->fence(mo);
    }
    b->store(&a, UINT32_MAX, tl_seq_cst);
    ck_assert_uint_eq(b->exchange(&a, 0, tl_seq_cst), UINT32_MAX);
}
END_TEST

START_TEST(test_ptr_operations)
{
    const backend *b = &backends[_i];
    int x, y, z;
    tl_atomic_ptr p = TL_ATOMIC_INIT(NULL);
    b->store_ptr(&p, &x, tl_release);
    ck_assert_ptr_eq(b->load_ptr(&p, tl_acquire), &x);
    b->store_ptr(&p, &y, tl_seq_cst);
    ck_assert_ptr_eq(b->load_ptr(&p, tl_seq_cst), &y);
    ck_assert_ptr_eq(b->exchange_ptr(&p, &z, tl_acq_rel), &y);
    void *expected = &z;
    ck_assert(b->cas_ptr(&p, &expected, NULL, tl_acq_rel, tl_relaxed));
    ck_assert_ptr_eq(b->load_ptr(&p, tl_relaxed), NULL);
    expected = &x;
    ck_assert(!b->cas_ptr(&p, &expected, &y, tl_acq_rel, tl_relaxed));
    ck_assert_ptr_eq(expected, NULL);
}
END_TEST

/* The backends agree on a concurrent fetch-add: no increment is lost. */
typedef struct {
    const backend *b;
    tl_atomic_u32 *a;
} adder_arg;

static void *adder(void *p)
{
    adder_arg *arg = p;
    for (int i = 0; i < 100000 / TL_TEST_SCALE; i++)
        arg->b->fetch_add(arg->a, 1, tl_relaxed);
    return NULL;
}

START_TEST(test_fetch_add_is_atomic)
{
    tl_atomic_u32 a = TL_ATOMIC_INIT(0);
    adder_arg arg = {&backends[_i], &a};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, adder, &arg);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    ck_assert_uint_eq(tl_atomic_load_u32(&a, tl_seq_cst), 3 * (100000 / TL_TEST_SCALE));
}
END_TEST

START_TEST(test_backend_name)
{
#if defined(TL_UNIT_TSAN)
    ck_assert_str_eq(TL_ATOMIC_BACKEND, "c11"); /* TSan always gets the visible backend */
    ck_assert_int_eq(NBACKENDS, 1);
#else
    ck_assert_int_eq(NBACKENDS, 1 + TL_ATOMIC_HAVE_X86); /* both tested where both exist */
#endif
}
END_TEST

Suite *tl_suite_atomics(void)
{
    Suite *s = suite_create("atomics");
    TCase *tc = tcase_create("both backends");
    tcase_add_loop_test(tc, test_u32_operations, 0, NBACKENDS);
    tcase_add_loop_test(tc, test_ptr_operations, 0, NBACKENDS);
    tcase_add_loop_test(tc, test_fetch_add_is_atomic, 0, NBACKENDS);
    tcase_add_test(tc, test_backend_name);
    suite_add_tcase(s, tc);
    return s;
}
