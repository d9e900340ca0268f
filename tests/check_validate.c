/* SPDX-License-Identifier: MIT */
/* The generic lock validator run over every correct lock kind, plus trylock
 * semantics and forced-order FIFO tests. In tests/unit-tsan the same tests run
 * under TSan, where any report fails the test (TSan exits 66). */
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include "suites.h"
#include "tl_lock.h"
#include "validate.h"

/* The i-th correct kind having every flag in `need`, in table order; loop
 * tests index into this. */
static const tl_lock_kind *kind_with(unsigned need, int i)
{
    int seen = 0;
    for (size_t k = 0; k < tl_lock_kind_count(); k++) {
        const tl_lock_kind *kind = tl_lock_kind_at(k);
        if (!tl_lock_kind_is_broken(kind) && (kind->flags & need) == need && seen++ == i)
            return kind;
    }
    return NULL;
}

static int kinds_with(unsigned need)
{
    int n = 0;
    while (kind_with(need, n))
        n++;
    return n;
}

static const tl_lock_kind *correct_kind(int i) { return kind_with(0, i); }

static void check_validator(const tl_lock_kind *k, unsigned threads, unsigned long iterations)
{
    tl_validate_result r;
    ck_assert_int_eq(tl_validate_run(k, threads, iterations, &r), 0);
    ck_assert_msg(r.overlaps == 0, "%s: %lu entries found another owner inside", k->name, r.overlaps);
    ck_assert_msg(r.counted == r.expected, "%s: expected %lu, counted %lu", k->name, r.expected,
                  r.counted);
}

/* As many threads as the machine has cores: every acquisition contended. */
START_TEST(test_exclusion_two_threads)
{
    check_validator(correct_kind(_i), 2, 100000 / TL_TEST_SCALE);
}
END_TEST

/* More threads than cores: owners get preempted inside the critical section,
 * which is where a lock's hand-off protocol is really exercised. */
START_TEST(test_exclusion_oversubscribed)
{
    check_validator(correct_kind(_i), 5, 2000 / TL_TEST_SCALE);
}
END_TEST

typedef struct {
    tl_lock_t *lock;
    int got;
} try_arg;

static void *try_from_other_thread(void *p)
{
    try_arg *a = p;
    a->got = tl_lock_trylock(a->lock);
    if (a->got)
        tl_lock_unlock(a->lock);
    return NULL;
}

START_TEST(test_trylock_semantics)
{
    const tl_lock_kind *k = correct_kind(_i);
    tl_lock_t l;
    pthread_t t;
    tl_lock_init(&l, k, "try");
    try_arg a = {.lock = &l};

    ck_assert_msg(tl_lock_trylock(&l), "%s: trylock on a free lock failed", k->name);
    pthread_create(&t, NULL, try_from_other_thread, &a);
    pthread_join(t, NULL);
    ck_assert_msg(!a.got, "%s: trylock succeeded on a held lock", k->name);
    tl_lock_unlock(&l);

    pthread_create(&t, NULL, try_from_other_thread, &a);
    pthread_join(t, NULL);
    ck_assert_msg(a.got, "%s: trylock failed after unlock", k->name);
    tl_lock_destroy(&l);
}
END_TEST

/* --- FIFO: the order in which waiters queued is the order they get in. --- */
enum { FIFO_WAITERS = 4 };
typedef struct {
    tl_lock_t lock;
    int order[FIFO_WAITERS];
    int done;
} fifo_shared;
typedef struct {
    fifo_shared *sh;
    int id;
} fifo_arg;

static void *fifo_waiter(void *p)
{
    fifo_arg *a = p;
    tl_lock_lock(&a->sh->lock);
    a->sh->order[a->sh->done++] = a->id; /* protected by the lock */
    tl_lock_unlock(&a->sh->lock);
    return NULL;
}

START_TEST(test_fifo_order)
{
    const tl_lock_kind *k = kind_with(TL_KIND_FIFO, _i);
    static fifo_shared sh;
    memset(&sh, 0, sizeof sh);
    fifo_arg args[FIFO_WAITERS];
    pthread_t t[FIFO_WAITERS];
    tl_lock_init(&sh.lock, k, "fifo");
    tl_lock_lock(&sh.lock);
    /* Start the waiters one at a time and let each join the queue before the
     * next starts: the arrival order is forced, not hoped for. */
    for (int i = 0; i < FIFO_WAITERS; i++) {
        args[i] = (fifo_arg){.sh = &sh, .id = i};
        pthread_create(&t[i], NULL, fifo_waiter, &args[i]);
        while (tl_lock_waiters(&sh.lock) != (unsigned)i + 1)
            sched_yield();
    }
    tl_lock_unlock(&sh.lock);
    for (int i = 0; i < FIFO_WAITERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < FIFO_WAITERS; i++)
        ck_assert_msg(sh.order[i] == i, "%s: position %d went to waiter %d", k->name, i, sh.order[i]);
    tl_lock_destroy(&sh.lock);
}
END_TEST

/* A deadline far shorter than the work: the threads stop early, the result
 * says so, and what they did is still checked. 2 x 10^8 acquisitions cannot
 * fit in 50 ms at any speed (the floor is a few ns each), so this holds on
 * any machine; nothing here measures time. */
START_TEST(test_deadline_stops_the_run)
{
    const tl_lock_kind *k = correct_kind(_i);
    tl_validate_opts o = {.timeout_s = 0.05};
    tl_validate_result r;
    ck_assert_int_eq(tl_validate_run_opts(k, 2, 100000000, &o, &r), 0);
    ck_assert_msg(!r.finished, "%s: finished 2 x 10^8 acquisitions in 50 ms", k->name);
    ck_assert_uint_lt(r.expected, 200000000UL);
    ck_assert_msg(r.overlaps == 0 && r.counted == r.expected, "%s: expected %lu, counted %lu, %lu overlaps",
                  k->name, r.expected, r.counted, r.overlaps);
}
END_TEST

typedef struct {
    int calls;
    unsigned long last_done, planned;
} progress_seen;

static void count_progress(void *arg, unsigned long done, unsigned long planned, double seconds)
{
    progress_seen *p = arg;
    (void)seconds;
    p->calls++;
    p->last_done = done;
    p->planned = planned;
}

/* Progress calls come from the starting thread while the work runs; a run
 * that cannot end before its 100 ms deadline gets the 10 ms ones. */
START_TEST(test_progress_is_reported)
{
    progress_seen seen = {0};
    tl_validate_opts o = {.timeout_s = 0.1, .progress_every_s = 0.01, .progress = count_progress,
                          .progress_arg = &seen};
    tl_validate_result r;
    ck_assert_int_eq(tl_validate_run_opts(tl_lock_kind_find("mutex"), 2, 100000000, &o, &r), 0);
    ck_assert_int_ge(seen.calls, 1);
    ck_assert_uint_eq(seen.planned, 200000000UL);
    ck_assert_uint_le(seen.last_done, r.expected);
}
END_TEST

/* Without a deadline the whole plan runs and counts as finished. */
START_TEST(test_finished_without_deadline)
{
    tl_validate_result r;
    ck_assert_int_eq(tl_validate_run(tl_lock_kind_find("mutex"), 2, 1000, &r), 0);
    ck_assert(r.finished);
    ck_assert_uint_eq(r.expected, 2000);
    ck_assert(tl_validate_ok(&r));
}
END_TEST

START_TEST(test_unknown_kind_rejected)
{
    tl_lock_t l;
    ck_assert_int_eq(tl_lock_init_by_name(&l, "spinny", NULL), -1);
    ck_assert_ptr_null(tl_lock_kind_find("spinny"));
    ck_assert_ptr_nonnull(strstr(tl_lock_kind_names(), "ticket"));
    ck_assert_ptr_nonnull(strstr(tl_lock_kind_names(), "broken-tas (BROKEN)"));
}
END_TEST

START_TEST(test_kind_table)
{
    /* The twelve correct kinds and two broken ones the lab promises. */
    const char *want[] = {"mutex",     "fifo-mutex", "tas",           "ttas",        "ttas-eb",
                          "ticket",    "mcs",        "clh",           "rwlock-rp",   "rwlock-wp",
                          "pthread-mutex", "pthread-spin"};
    ck_assert_int_eq(kinds_with(0), 12);
    ck_assert_int_eq(kinds_with(TL_KIND_FIFO), 4);
    ck_assert_int_eq(kinds_with(TL_KIND_SHARED), 2);
    for (int i = 0; i < 12; i++)
        ck_assert_str_eq(correct_kind(i)->name, want[i]);
    ck_assert(tl_lock_kind_is_broken(tl_lock_kind_find("broken-tas")));
    ck_assert(tl_lock_kind_is_broken(tl_lock_kind_find("relaxed-tas")));
    ck_assert(tl_lock_kind_find("ticket")->flags & TL_KIND_FIFO);
    ck_assert(tl_lock_kind_find("fifo-mutex")->flags & TL_KIND_FIFO);
    ck_assert(tl_lock_kind_find("fifo-mutex")->flags & TL_KIND_SLEEPS);
    ck_assert(tl_lock_kind_find("mcs")->flags & TL_KIND_FIFO);
    ck_assert(tl_lock_kind_find("clh")->flags & TL_KIND_FIFO);
    ck_assert(tl_lock_kind_find("rwlock-wp")->flags & TL_KIND_WRITER_PREF);
    ck_assert(!(tl_lock_kind_find("rwlock-rp")->flags & TL_KIND_WRITER_PREF));
    ck_assert_str_eq(tl_lock_kind_shared_names(), "rwlock-rp, rwlock-wp");
}
END_TEST

/* Every descriptor keeps the rules of tl_lock.h, and each rule fires on a
 * made-up descriptor that breaks it. */
static void op(void *s) { (void)s; }
static bool try_op(void *s) { (void)s; return true; }
static void raw_op(void *s, unsigned long n, tl_lock_bench_body *b) { (void)s; *b->count += n; }
static void wait_op(void *s, uint32_t seen) { (void)s; (void)seen; }
static const tl_lock_shared_ops no_shared = {op, try_op, NULL};

START_TEST(test_descriptors_keep_the_rules)
{
    for (size_t k = 0; k < tl_lock_kind_count(); k++) {
        const char *broken = tl_lock_kind_check(tl_lock_kind_at(k));
        ck_assert_msg(!broken, "%s: %s", tl_lock_kind_at(k)->name, broken);
    }
    const tl_lock_kind good = {.name = "made-up", .summary = "s", .flags = TL_KIND_HANDBUILT,
                               .size = 4, .align = 4, .init = op, .lock = op,
                               .trylock = try_op, .unlock = op, .raw = raw_op};
    ck_assert_ptr_null(tl_lock_kind_check(&good));
    enum { NBAD = 17 };
    tl_lock_kind bad[NBAD];
    for (int i = 0; i < NBAD; i++)
        bad[i] = good;
    bad[0].name = "a-name-longer-than-the-column";
    bad[1].name = "Upper";
    bad[2].lock = NULL;
    bad[3].raw = NULL;
    bad[4].size = TL_LOCK_STORAGE + 1;
    bad[5].align = 128;
    bad[6].node_size = 64;
    bad[7].flags |= TL_KIND_SHARED;
    bad[8].shared = &no_shared;
    bad[8].flags |= TL_KIND_SHARED;
    bad[9].flags |= TL_KIND_FIFO; /* without waiters */
    bad[10].flags = TL_KIND_BROKEN;
    bad[11].flags |= TL_KIND_WRITER_PREF;
    /* inline word paths */
    const tl_lock_word word = {.free = 0, .held = 1, .take = TL_WORD_CAS,
                               .release = TL_WORD_EXCHANGE, .lock_wait = wait_op,
                               .unlock_wake = wait_op};
    tl_lock_kind with_word = good;
    with_word.word = word;
    ck_assert_ptr_null(tl_lock_kind_check(&with_word));
    for (int i = 12; i < NBAD; i++)
        bad[i].word = word;
    bad[12].word.lock_wait = NULL;
    bad[13].word.unlock_wake = NULL;
    bad[14].word.release = TL_WORD_NONE;
    bad[15].flags |= TL_KIND_BROKEN;
    bad[16].libc = TL_LIBC_PTHREAD_MUTEX; /* hand-built, and too small for one */
    for (int i = 0; i < NBAD; i++)
        ck_assert_msg(tl_lock_kind_check(&bad[i]) != NULL, "rule %d did not fire", i);
}
END_TEST

/* The layout tl_lock.h promises: the kind's words alone on their own cache
 * line, after a line of what the generic layer reads. */
START_TEST(test_lock_layout)
{
    static tl_lock_t l[2];
    ck_assert_uint_eq(offsetof(tl_lock_t, storage) % TL_CACHE_LINE, 0);
    ck_assert_uint_ge(offsetof(tl_lock_t, storage), offsetof(tl_lock_t, track_id) + 1);
    ck_assert_uint_eq(sizeof(tl_lock_t), offsetof(tl_lock_t, storage) + TL_LOCK_STORAGE);
    ck_assert_uint_eq((uintptr_t)l[1].storage % TL_CACHE_LINE, 0);
}
END_TEST

Suite *tl_suite_validate(void)
{
    Suite *s = suite_create("lock validator");
    TCase *tc = tcase_create("every correct kind");
    int n = kinds_with(0);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_exclusion_two_threads, 0, n);
    tcase_add_loop_test(tc, test_exclusion_oversubscribed, 0, n);
    tcase_add_loop_test(tc, test_trylock_semantics, 0, n);
    tcase_add_loop_test(tc, test_fifo_order, 0, kinds_with(TL_KIND_FIFO));
    tcase_add_loop_test(tc, test_deadline_stops_the_run, 0, n);
    tcase_add_test(tc, test_progress_is_reported);
    tcase_add_test(tc, test_finished_without_deadline);
    tcase_add_test(tc, test_unknown_kind_rejected);
    tcase_add_test(tc, test_kind_table);
    tcase_add_test(tc, test_descriptors_keep_the_rules);
    tcase_add_test(tc, test_lock_layout);
    suite_add_tcase(s, tc);
    return s;
}
