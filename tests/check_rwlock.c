/* SPDX-License-Identifier: MIT */
/* The reader-writer kinds through the generic interface, each property shown
 * by handshakes, never by timing: readers share, a writer excludes readers
 * and writers, writer preference (rwlock-wp) and reader preference
 * (rwlock-rp) really hold, no update is lost when readers and writers mix.
 * In tests/unit-tsan the same run under TSan, which fails a test on any
 * report: readers reading data a writer wrote under the lock must not be
 * reported, and concurrent readers must not be ordered by anything but the
 * lock. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include "suites.h"
#include "tl_lock.h"

/* The i-th kind with a shared mode, in table order; NULL past the last. */
static const tl_lock_kind *shared_kind(int i)
{
    int seen = 0;
    for (size_t k = 0; k < tl_lock_kind_count(); k++) {
        const tl_lock_kind *kind = tl_lock_kind_at(k);
        if (tl_lock_kind_has_shared(kind) && seen++ == i)
            return kind;
    }
    return NULL;
}

static int shared_kinds(void)
{
    int n = 0;
    while (shared_kind(n))
        n++;
    return n;
}

static tl_lock_t lock;
static tl_atomic_u32 flag_a, flag_b; /* handshake flags, seq_cst: the test's own order */

static void set(tl_atomic_u32 *f) { tl_atomic_store_u32(f, 1, tl_seq_cst); }
static bool is_set(tl_atomic_u32 *f) { return tl_atomic_load_u32(f, tl_seq_cst) != 0; }
static void wait_set(tl_atomic_u32 *f)
{
    while (!is_set(f))
        sched_yield();
}

static void setup(int i)
{
    tl_lock_init(&lock, shared_kind(i), "rw");
    tl_atomic_store_u32(&flag_a, 0, tl_seq_cst);
    tl_atomic_store_u32(&flag_b, 0, tl_seq_cst);
}

/* --- readers share ---------------------------------------------------------
 * Two readers meet at a barrier inside their read sections: the barrier
 * opens only when both are inside at once. A lock that did not share would
 * keep the second out, and the test would never end (Check's timeout). */
static pthread_barrier_t both_inside;

static void *reader_meets(void *p)
{
    (void)p;
    tl_lock_rdlock(&lock);
    pthread_barrier_wait(&both_inside);
    tl_lock_rdunlock(&lock);
    return NULL;
}

START_TEST(test_readers_share)
{
    setup(_i);
    pthread_barrier_init(&both_inside, NULL, 2);
    pthread_t a, b;
    pthread_create(&a, NULL, reader_meets, NULL);
    pthread_create(&b, NULL, reader_meets, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_barrier_destroy(&both_inside);
    /* And a reader is let in beside another one without waiting. */
    tl_lock_rdlock(&lock);
    ck_assert_msg(tl_lock_tryrdlock(&lock), "%s: a second reader was refused", lock.kind->name);
    tl_lock_rdunlock(&lock);
    tl_lock_rdunlock(&lock);
    tl_lock_destroy(&lock);
}
END_TEST

/* --- a writer excludes readers and writers --------------------------------- */
typedef struct {
    bool read_ok, write_ok;
} tries;

static void *try_both(void *p)
{
    tries *t = p;
    t->read_ok = tl_lock_tryrdlock(&lock);
    if (t->read_ok)
        tl_lock_rdunlock(&lock);
    t->write_ok = tl_lock_trylock(&lock);
    if (t->write_ok)
        tl_lock_unlock(&lock);
    return NULL;
}

static unsigned long written;  /* plain: the lock orders it */
static unsigned long seen_by_reader;

static void *blocked_reader(void *p)
{
    (void)p;
    set(&flag_a);
    tl_lock_rdlock(&lock);
    seen_by_reader = written;
    tl_lock_rdunlock(&lock);
    return NULL;
}

START_TEST(test_writer_excludes)
{
    setup(_i);
    pthread_t t;
    tries got;
    tl_lock_lock(&lock);
    pthread_create(&t, NULL, try_both, &got);
    pthread_join(t, NULL);
    ck_assert_msg(!got.read_ok, "%s: a reader got in beside a writer", lock.kind->name);
    ck_assert_msg(!got.write_ok, "%s: a writer got in beside a writer", lock.kind->name);
    /* A reader that asks while the writer is inside gets in after it,
     * seeing everything it wrote. */
    written = 0;
    pthread_create(&t, NULL, blocked_reader, NULL);
    wait_set(&flag_a);
    for (int i = 0; i < 1000; i++) {
        written++;
        sched_yield(); /* give a wrongly admitted reader every chance to look */
    }
    tl_lock_unlock(&lock);
    pthread_join(t, NULL);
    ck_assert_uint_eq(seen_by_reader, 1000);
    /* Readers inside keep a writer out too; free again, both may enter. */
    tl_lock_rdlock(&lock);
    pthread_create(&t, NULL, try_both, &got);
    pthread_join(t, NULL);
    ck_assert_msg(got.read_ok && !got.write_ok, "%s: with a reader inside: read %d write %d",
                  lock.kind->name, got.read_ok, got.write_ok);
    tl_lock_rdunlock(&lock);
    pthread_create(&t, NULL, try_both, &got);
    pthread_join(t, NULL);
    ck_assert_msg(got.read_ok && got.write_ok, "%s: free: read %d write %d", lock.kind->name,
                  got.read_ok, got.write_ok);
    tl_lock_destroy(&lock);
}
END_TEST

/* --- preferences -------------------------------------------------------------
 * The test thread reads; a writer comes and waits (tl_lock_waiters counts
 * it: the handshake that says it is registered, not merely started); then a
 * second reader comes. */
static tl_atomic_u32 writer_was_in;

static void *waiting_writer(void *p)
{
    (void)p;
    tl_lock_lock(&lock);
    tl_atomic_store_u32(&writer_was_in, 1, tl_relaxed); /* the lock orders it */
    tl_lock_unlock(&lock);
    return NULL;
}

static void *late_reader(void *p)
{
    bool *writer_first = p;
    tl_lock_rdlock(&lock);
    *writer_first = tl_atomic_load_u32(&writer_was_in, tl_relaxed) != 0;
    set(&flag_b); /* inside */
    tl_lock_rdunlock(&lock);
    return NULL;
}

static void start_waiting_writer(pthread_t *w)
{
    tl_atomic_store_u32(&writer_was_in, 0, tl_seq_cst);
    tl_lock_rdlock(&lock);
    pthread_create(w, NULL, waiting_writer, NULL);
    while (tl_lock_waiters(&lock) != 1)
        sched_yield();
}

/* Writer preference: the waiting writer bars the second reader, which gets
 * in only after the writer has been in. */
START_TEST(test_writer_preference)
{
    tl_lock_init(&lock, tl_lock_kind_find("rwlock-wp"), "wp");
    tl_atomic_store_u32(&flag_b, 0, tl_seq_cst);
    pthread_t w, r;
    start_waiting_writer(&w);
    tries got;
    pthread_t t;
    pthread_create(&t, NULL, try_both, &got);
    pthread_join(t, NULL);
    ck_assert_msg(!got.read_ok, "rwlock-wp: a new reader got in while a writer waited");
    bool writer_first = false;
    pthread_create(&r, NULL, late_reader, &writer_first);
    tl_lock_rdunlock(&lock); /* the writer goes, then the reader */
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    ck_assert_msg(writer_first, "rwlock-wp: the late reader went before the waiting writer");
    tl_lock_destroy(&lock);
}
END_TEST

/* Reader preference: the second reader gets in beside the first although a
 * writer waits; the test thread keeps its read lock until that reader has
 * been inside, so a lock that barred it would never let the test end. */
START_TEST(test_reader_preference)
{
    tl_lock_init(&lock, tl_lock_kind_find("rwlock-rp"), "rp");
    tl_atomic_store_u32(&flag_b, 0, tl_seq_cst);
    pthread_t w, r;
    start_waiting_writer(&w);
    tries got;
    pthread_t t;
    pthread_create(&t, NULL, try_both, &got);
    pthread_join(t, NULL);
    ck_assert_msg(got.read_ok, "rwlock-rp: a new reader was refused while a writer waited");
    bool writer_first = true;
    pthread_create(&r, NULL, late_reader, &writer_first);
    wait_set(&flag_b);
    ck_assert_msg(!writer_first, "rwlock-rp: the writer got in while a reader held the lock");
    tl_lock_rdunlock(&lock);
    pthread_join(r, NULL);
    pthread_join(w, NULL);
    ck_assert_uint_eq(tl_atomic_load_u32(&writer_was_in, tl_seq_cst), 1);
    tl_lock_destroy(&lock);
}
END_TEST

/* --- mixed load: no lost update, no torn read -------------------------------
 * Writers add to two plain counters under the write lock, keeping them
 * equal; readers check under the read lock that they are equal. More
 * threads than cores, so holders are preempted inside. */
enum { MIXED_WRITERS = 2, MIXED_READERS = 3 };
static unsigned long count_a, count_b; /* plain on purpose: only the lock guards them */
static tl_atomic_u32 torn;

static void *mixed_writer(void *p)
{
    unsigned long n = *(unsigned long *)p;
    for (unsigned long i = 0; i < n; i++) {
        tl_lock_lock(&lock);
        count_a++;
        count_b++;
        tl_lock_unlock(&lock);
    }
    return NULL;
}

static void *mixed_reader(void *p)
{
    unsigned long n = *(unsigned long *)p;
    for (unsigned long i = 0; i < n; i++) {
        tl_lock_rdlock(&lock);
        if (count_a != count_b)
            tl_atomic_fetch_add_u32(&torn, 1, tl_relaxed);
        tl_lock_rdunlock(&lock);
    }
    return NULL;
}

START_TEST(test_mixed_no_lost_update)
{
    setup(_i);
    unsigned long n = 20000 / TL_TEST_SCALE;
    count_a = count_b = 0;
    tl_atomic_store_u32(&torn, 0, tl_relaxed);
    pthread_t t[MIXED_WRITERS + MIXED_READERS];
    for (int i = 0; i < MIXED_WRITERS + MIXED_READERS; i++)
        pthread_create(&t[i], NULL, i < MIXED_WRITERS ? mixed_writer : mixed_reader, &n);
    for (int i = 0; i < MIXED_WRITERS + MIXED_READERS; i++)
        pthread_join(t[i], NULL);
    ck_assert_msg(count_a == MIXED_WRITERS * n, "%s: expected %lu, counted %lu",
                  lock.kind->name, MIXED_WRITERS * n, count_a);
    ck_assert_msg(tl_atomic_load_u32(&torn, tl_relaxed) == 0, "%s: %u reads saw a writer inside",
                  lock.kind->name, tl_atomic_load_u32(&torn, tl_relaxed));
    tl_lock_destroy(&lock);
}
END_TEST

/* --- TSan: readers of data a writer published under the lock ---------------
 * A writer fills a table under the write lock and then raises a flag with a
 * relaxed store; once the test thread sees it, two readers read the table
 * under read locks at the same time (they meet inside, again with relaxed
 * atomics). Relaxed atomics give TSan no happens-before, so only the lock
 * orders the readers after the writer. In the TSan build any report fails
 * the test: the read lock must order each reader after the writer's unlock,
 * and readers reading side by side are no race. */
static int table[64];
static tl_atomic_u32 table_written;

static void *table_reader(void *p)
{
    tl_atomic_u32 *mine = p, *theirs = mine == &flag_a ? &flag_b : &flag_a;
    long sum = 0;
    tl_lock_rdlock(&lock);
    /* relaxed: a meeting, not an ordering; TSan must see none. */
    tl_atomic_store_u32(mine, 1, tl_relaxed);
    while (tl_atomic_load_u32(theirs, tl_relaxed) == 0)
        sched_yield();
    for (int i = 0; i < 64; i++)
        sum += table[i];
    tl_lock_rdunlock(&lock);
    return (void *)sum;
}

static void *table_writer(void *p)
{
    (void)p;
    tl_lock_lock(&lock);
    for (int i = 0; i < 64; i++)
        table[i] = i;
    tl_lock_unlock(&lock);
    tl_atomic_store_u32(&table_written, 1, tl_relaxed); /* relaxed: see above */
    return NULL;
}

START_TEST(test_readers_of_written_data_are_not_raced)
{
    setup(_i);
    tl_atomic_store_u32(&table_written, 0, tl_relaxed);
    pthread_t w, a, b;
    void *sa, *sb;
    pthread_create(&w, NULL, table_writer, NULL);
    while (tl_atomic_load_u32(&table_written, tl_relaxed) == 0)
        sched_yield();
    pthread_create(&a, NULL, table_reader, &flag_a);
    pthread_create(&b, NULL, table_reader, &flag_b);
    pthread_join(a, &sa);
    pthread_join(b, &sb);
    pthread_join(w, NULL);
    ck_assert_int_eq((long)sa, 2016);
    ck_assert_int_eq((long)sb, 2016);
    tl_lock_destroy(&lock);
}
END_TEST

/* --- a kind without a shared mode: a clear abort --------------------------- */
START_TEST(test_rdlock_on_a_mutex_aborts)
{
    tl_lock_t l;
    tl_lock_init_by_name(&l, "mutex", "plain");
    tl_lock_rdlock(&l); /* "threadlab: tl_lock_rdlock on lock 'plain' of kind 'mutex', ..." */
}
END_TEST

START_TEST(test_has_shared)
{
    tl_lock_t l;
    for (size_t k = 0; k < tl_lock_kind_count(); k++) {
        const tl_lock_kind *kind = tl_lock_kind_at(k);
        tl_lock_init(&l, kind, "l");
        ck_assert_int_eq(tl_lock_has_shared(&l), (kind->flags & TL_KIND_SHARED) != 0);
        ck_assert_int_eq(tl_lock_has_shared(&l), kind->shared != NULL);
        tl_lock_destroy(&l);
    }
}
END_TEST

Suite *tl_suite_rwlock(void)
{
    Suite *s = suite_create("reader-writer kinds");
    TCase *tc = tcase_create("shared mode");
    int n = shared_kinds();
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_readers_share, 0, n);
    tcase_add_loop_test(tc, test_writer_excludes, 0, n);
    tcase_add_test(tc, test_writer_preference);
    tcase_add_test(tc, test_reader_preference);
    tcase_add_loop_test(tc, test_mixed_no_lost_update, 0, n);
    tcase_add_loop_test(tc, test_readers_of_written_data_are_not_raced, 0, n);
    tcase_add_test_raise_signal(tc, test_rdlock_on_a_mutex_aborts, SIGABRT);
    tcase_add_test(tc, test_has_shared);
    suite_add_tcase(s, tc);
    return s;
}
