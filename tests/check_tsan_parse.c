/* SPDX-License-Identifier: MIT */
/* The TSan report parser against real logs captured from clang 14 and gcc 12
 * (tests/tsan-logs/{clang,gcc}/, see the README there: it names each log's
 * program and compiler). The racy programs lived under /tmp/tlcap/scenarios/
 * (external-race's under /tmp/tlcap/outside/, to have no own frame), so the
 * line numbers asserted here are those of that capture; they are the same
 * for both compilers, columns are clang-only. Each log test is a loop test: _i 0 = clang, 1 = gcc. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsan_layout.h"
#include "tsan_options.h"
#include "tsan_parse.h"

#ifndef TL_TEST_SRCDIR
#define TL_TEST_SRCDIR "."
#endif

Suite *tl_suite_tsan_parse(void);

static const char *const compilers[] = {"clang", "gcc"};
enum { NCOMPILERS = sizeof compilers / sizeof compilers[0] };

/* Every single-report log and its kind. */
static const struct {
    const char *name;
    tl_bug_kind kind;
    const char *token;
} logs[] = {
    {"data-race-global", TL_BUG_DATA_RACE, "data-race"},
    {"data-race-heap", TL_BUG_DATA_RACE, "data-race"},
    {"data-race-stack", TL_BUG_DATA_RACE, "data-race"},
    {"data-race-tls", TL_BUG_DATA_RACE, "data-race"},
    {"data-race-atomic", TL_BUG_DATA_RACE, "data-race"},
    {"data-race-mutexes", TL_BUG_DATA_RACE, "data-race"},
    {"lock-order-inversion", TL_BUG_LOCK_ORDER_INVERSION, "lock-order-inversion"},
    {"double-lock", TL_BUG_DOUBLE_LOCK, "double-lock"},
    {"heap-use-after-free", TL_BUG_HEAP_USE_AFTER_FREE, "heap-use-after-free"},
    {"thread-leak", TL_BUG_THREAD_LEAK, "thread-leak"},
    {"bad-unlock", TL_BUG_BAD_UNLOCK, "bad-unlock"},
    {"destroy-locked", TL_BUG_DESTROY_LOCKED, "destroy-locked"},
    {"read-lock-of-write-locked-mutex", TL_BUG_READ_LOCK_WRITE_LOCKED,
     "read-lock-of-write-locked-mutex"},
    {"read-unlock-of-write-locked-mutex", TL_BUG_READ_UNLOCK_WRITE_LOCKED,
     "read-unlock-of-write-locked-mutex"},
    {"external-race", TL_BUG_EXTERNAL_RACE, "external-race"},
    {"lock-cycle-10", TL_BUG_LOCK_ORDER_INVERSION, "lock-order-inversion"},
};
enum { NLOGS = sizeof logs / sizeof logs[0] };

/* ---- helpers ---------------------------------------------------------- */

typedef struct {
    char *text;
    size_t len;
} log_text;

static log_text read_log(const char *cc, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/tsan-logs/%s/%s.log", TL_TEST_SRCDIR, cc, name);
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    log_text lt = {NULL, 0};
    size_t cap = 0;
    for (;;) {
        if (lt.len == cap) {
            cap = cap ? cap * 2 : 4096;
            lt.text = realloc(lt.text, cap + 1);
            ck_assert_ptr_nonnull(lt.text);
        }
        size_t got = fread(lt.text + lt.len, 1, cap - lt.len, fp);
        if (got == 0)
            break;
        lt.len += got;
    }
    fclose(fp);
    lt.text[lt.len] = '\0';
    return lt;
}

/* Parses a log that must hold exactly one report. */
static void parse_single(const char *cc, const char *name, tl_finding *f)
{
    log_text lt = read_log(cc, name);
    size_t n = tl_tsan_parse(lt.text, lt.len, f, 1);
    ck_assert_msg(n == 1, "%s/%s: %zu reports", cc, name, n);
    /* The pid is the one in the header. */
    char pid[32];
    snprintf(pid, sizeof pid, "(pid=%d)", f->pid);
    ck_assert_int_gt(f->pid, 0);
    ck_assert_ptr_nonnull(strstr(lt.text, pid));
    free(lt.text);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* col is clang's column; gcc prints none. */
static void assert_frame(const tl_frame *fr, const char *base, int line, int col,
                         const char *fn, bool clang)
{
    ck_assert_msg(fr->found, "no own frame (expected %s in %s)", fn, base);
    ck_assert_str_eq(base_name(fr->file), base);
    ck_assert_int_eq(fr->line, line);
    ck_assert_int_eq(fr->column, clang ? col : 0);
    ck_assert_str_eq(fr->function, fn);
    ck_assert_ptr_nonnull(strstr(fr->file, "/tmp/tlcap/"));
}

static void assert_access(const tl_access *a, tl_access_op op, int size, bool atomic,
                          bool previous, int thread, const char *name)
{
    ck_assert_int_eq(a->op, op);
    ck_assert_int_eq(a->size, size);
    ck_assert_int_eq(a->atomic, atomic);
    ck_assert_int_eq(a->previous, previous);
    ck_assert_int_eq(a->thread, thread);
    ck_assert_str_eq(a->thread_name, name);
}

/* The SUMMARY of a report whose top frame is in the program. */
static void assert_src_summary(const tl_finding *f, const char *kind_text, const char *file,
                               int line, int col, const char *fn, bool clang)
{
    char want[512];
    if (clang)
        snprintf(want, sizeof want, "%s /tmp/tlcap/scenarios/%s:%d:%d in %s", kind_text, file,
                 line, col, fn);
    else
        snprintf(want, sizeof want, "%s /tmp/tlcap/scenarios/%s:%d in %s", kind_text, file, line,
                 fn);
    ck_assert_str_eq(f->summary, want);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- data races ------------------------------------------------------- */

START_TEST(test_data_race_global)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "data-race-global", &f);
    ck_assert_int_eq(f.kind, TL_BUG_DATA_RACE);
    ck_assert_str_eq(f.kind_text, "data race");
    ck_assert_int_eq(f.naccess, 2);
    assert_access(&f.access[0], TL_ACC_READ, 4, false, false, 2, "reader");
    assert_frame(&f.access[0].frame, "race_global.c", 19, 13, "reader_main", clang);
    assert_access(&f.access[1], TL_ACC_WRITE, 4, false, true, 1, "writer");
    assert_frame(&f.access[1].frame, "race_global.c", 11, 13, "writer_main", clang);
    assert_frame(&f.frame, "race_global.c", 19, 13, "reader_main", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_GLOBAL);
    ck_assert_str_eq(f.location.name, "counter");
    ck_assert_int_eq(f.location.size, 4);
    ck_assert_int_eq(f.location.thread, -1);
    ck_assert_int_eq(f.ncycle, 0);
    assert_src_summary(&f, "data race", "race_global.c", 19, 13, "reader_main", clang);
}
END_TEST

START_TEST(test_data_race_heap)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "data-race-heap", &f);
    ck_assert_int_eq(f.kind, TL_BUG_DATA_RACE);
    ck_assert_int_eq(f.naccess, 2);
    assert_access(&f.access[0], TL_ACC_READ, 4, false, false, 0, "main");
    assert_frame(&f.access[0].frame, "race_heap.c", 19, 13, "main", clang);
    assert_access(&f.access[1], TL_ACC_WRITE, 4, false, true, 1, "");
    assert_frame(&f.access[1].frame, "race_heap.c", 9, 14, "heap_writer", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_HEAP);
    ck_assert_int_eq(f.location.size, 40);
    ck_assert_str_eq(f.location.name, "");
    ck_assert_int_eq(f.location.thread, -1);
    ck_assert(strncmp(f.location.text, "Location is heap block of size 40 at 0x", 39) == 0);
    ck_assert(ends_with(f.location.text, "allocated by main thread:"));
    assert_src_summary(&f, "data race", "race_heap.c", 19, 13, "main", clang);
}
END_TEST

START_TEST(test_data_race_stack)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "data-race-stack", &f);
    ck_assert_int_eq(f.kind, TL_BUG_DATA_RACE);
    ck_assert_int_eq(f.naccess, 2);
    assert_access(&f.access[0], TL_ACC_WRITE, 4, false, false, 2, "");
    assert_frame(&f.access[0].frame, "race_stack.c", 9, 8, "stack_peeker", clang);
    assert_access(&f.access[1], TL_ACC_WRITE, 4, false, true, 1, "");
    assert_frame(&f.access[1].frame, "race_stack.c", 18, 11, "stack_owner", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_STACK);
    ck_assert_int_eq(f.location.thread, 1);
    ck_assert_str_eq(f.location.text, "Location is stack of thread T1.");
    assert_src_summary(&f, "data race", "race_stack.c", 9, 8, "stack_peeker", clang);
}
END_TEST

START_TEST(test_data_race_tls)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "data-race-tls", &f);
    ck_assert_int_eq(f.kind, TL_BUG_DATA_RACE);
    ck_assert_int_eq(f.naccess, 2);
    assert_access(&f.access[0], TL_ACC_WRITE, 4, false, false, 2, "");
    assert_frame(&f.access[0].frame, "race_tls.c", 11, 8, "tls_peeker", clang);
    assert_access(&f.access[1], TL_ACC_WRITE, 4, false, true, 1, "");
    assert_frame(&f.access[1].frame, "race_tls.c", 19, 15, "tls_owner", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_TLS);
    ck_assert_int_eq(f.location.thread, 1);
    ck_assert_str_eq(f.location.text, "Location is TLS of thread T1.");
    assert_src_summary(&f, "data race", "race_tls.c", 11, 8, "tls_peeker", clang);
}
END_TEST

START_TEST(test_data_race_atomic)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "data-race-atomic", &f);
    ck_assert_int_eq(f.kind, TL_BUG_DATA_RACE);
    ck_assert_int_eq(f.naccess, 2);
    assert_access(&f.access[0], TL_ACC_WRITE, 4, false, false, 0, "main");
    assert_frame(&f.access[0].frame, "race_atomic.c", 18, 10, "main", clang);
    assert_access(&f.access[1], TL_ACC_WRITE, 4, true, true, 1, "");
    assert_frame(&f.access[1].frame, "race_atomic.c", 9, 5, "atomic_setter", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_GLOBAL);
    ck_assert_str_eq(f.location.name, "flag");
    assert_src_summary(&f, "data race", "race_atomic.c", 18, 10, "main", clang);
}
END_TEST

/* The previous access holds a mutex: "by thread T1 (mutexes: write M0):". */
START_TEST(test_data_race_mutexes)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "data-race-mutexes", &f);
    ck_assert_int_eq(f.naccess, 2);
    /* "balance -= 5": clang reports the write of the read-modify-write,
     * gcc the read. */
    assert_access(&f.access[0], clang ? TL_ACC_WRITE : TL_ACC_READ, 8, false, false, 0,
                  "main");
    assert_frame(&f.access[0].frame, "race_mutexes.c", 21, 13, "main", clang);
    assert_access(&f.access[1], TL_ACC_WRITE, 8, false, true, 1, "");
    assert_frame(&f.access[1].frame, "race_mutexes.c", 11, 13, "locked_deposit", clang);
    ck_assert_str_eq(f.location.name, "balance");
    ck_assert_int_eq(f.location.size, 8);
}
END_TEST

/* ---- other kinds ------------------------------------------------------ */

START_TEST(test_lock_order_inversion)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "lock-order-inversion", &f);
    ck_assert_int_eq(f.kind, TL_BUG_LOCK_ORDER_INVERSION);
    ck_assert_str_eq(f.kind_text, "lock-order-inversion (potential deadlock)");
    ck_assert_int_eq(f.naccess, 0);
    ck_assert_int_eq(f.ncycle, 3);
    ck_assert_int_eq(f.cycle_len, 3);
    ck_assert(!f.cycle_cut);
    ck_assert_str_eq(f.cycle[0], "M0");
    ck_assert_str_eq(f.cycle[1], "M1");
    ck_assert_str_eq(f.cycle[2], "M0");
    /* The first stack: "Mutex M1 acquired here while holding mutex M0". */
    assert_frame(&f.frame, "lock_order.c", 11, 5, "take_a_then_b", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_NONE);
    if (clang) {
        /* clang's SUMMARY names the interceptor, not the source. */
        ck_assert(strncmp(f.summary, "lock-order-inversion (potential deadlock) (/tmp/tlcap/", 54) ==
                  0);
        ck_assert(ends_with(f.summary, " in __interceptor_pthread_mutex_lock"));
    } else {
        assert_src_summary(&f, "lock-order-inversion (potential deadlock)", "lock_order.c", 11, 5,
                           "take_a_then_b", clang);
    }
}
END_TEST

/* The lock is taken through primitives/spin.c; the scenario frame wins. */
START_TEST(test_double_lock)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "double-lock", &f);
    ck_assert_int_eq(f.kind, TL_BUG_DOUBLE_LOCK);
    ck_assert_str_eq(f.kind_text, "double lock of a mutex");
    ck_assert_int_eq(f.naccess, 0);
    assert_frame(&f.frame, "double_lock.c", 20, 5, "main", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_GLOBAL);
    ck_assert_str_eq(f.location.name, "guard");
    if (clang)
        ck_assert(ends_with(f.summary, " in __tsan_mutex_post_lock"));
    else
        ck_assert_str_eq(f.summary,
                         "double lock of a mutex /tmp/tlcap/primitives/spin.c:16 in spin_lock");
}
END_TEST

START_TEST(test_heap_use_after_free)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "heap-use-after-free", &f);
    ck_assert_int_eq(f.kind, TL_BUG_HEAP_USE_AFTER_FREE);
    ck_assert_int_eq(f.naccess, 2);
    assert_access(&f.access[0], TL_ACC_WRITE, 8, false, false, 1, "");
    assert_frame(&f.access[0].frame, "use_after_free.c", 10, 14, "late_writer", clang);
    /* The "previous write" is the free(); its own frame is the caller. */
    assert_access(&f.access[1], TL_ACC_WRITE, 8, false, true, 0, "main");
    assert_frame(&f.access[1].frame, "use_after_free.c", 20, 5, "main", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_NONE);
    assert_src_summary(&f, "heap-use-after-free", "use_after_free.c", 10, 14, "late_writer",
                       clang);
}
END_TEST

START_TEST(test_thread_leak)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "thread-leak", &f);
    ck_assert_int_eq(f.kind, TL_BUG_THREAD_LEAK);
    ck_assert_int_eq(f.naccess, 0);
    /* Only stack: "Thread T1 ... created by main thread at:". */
    assert_frame(&f.frame, "thread_leak.c", 13, 5, "main", clang);
    if (clang)
        ck_assert(ends_with(f.summary, " in pthread_create"));
    else
        assert_src_summary(&f, "thread leak", "thread_leak.c", 13, 5, "main", clang);
}
END_TEST

START_TEST(test_bad_unlock)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "bad-unlock", &f);
    ck_assert_int_eq(f.kind, TL_BUG_BAD_UNLOCK);
    ck_assert_str_eq(f.kind_text, "unlock of an unlocked mutex (or by a wrong thread)");
    ck_assert_int_eq(f.naccess, 0);
    /* Frames straight after the header, under the pthread_mutex_unlock one. */
    assert_frame(&f.frame, "bad_unlock.c", 10, 5, "release_twice", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_GLOBAL);
    ck_assert_str_eq(f.location.name, "never_locked");
    ck_assert_int_eq(f.location.size, 40);
    if (!clang)
        assert_src_summary(&f, "unlock of an unlocked mutex (or by a wrong thread)",
                           "bad_unlock.c", 10, 5, "release_twice", clang);
}
END_TEST

/* A stack mutex: TSan prints "Location is stack of main thread." and then a
 * bogus "Location is global '??'" (clang) / "'<null>'" (gcc). */
START_TEST(test_destroy_locked)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "destroy-locked", &f);
    ck_assert_int_eq(f.kind, TL_BUG_DESTROY_LOCKED);
    assert_frame(&f.frame, "destroy_locked.c", 9, 5, "main", clang);
    ck_assert_int_eq(f.location.kind, TL_LOC_STACK);
    ck_assert_int_eq(f.location.thread, 0);
    ck_assert_str_eq(f.location.text, "Location is stack of main thread.");
}
END_TEST

/* ---- kinds added for issue 10 (logs captured as the README says) ------- */

/* Parses a log that must hold exactly one finding, without the pid check of
 * parse_single: a runtime message need not print one. */
static void parse_one(const char *cc, const char *name, tl_finding *f, size_t *len)
{
    log_text lt = read_log(cc, name);
    size_t n = tl_tsan_parse(lt.text, lt.len, f, 1);
    ck_assert_msg(n == 1, "%s/%s: %zu findings", cc, name, n);
    *len = lt.len;
    free(lt.text);
}

/* A pthread_rwlock_t write-locked, wiped behind TSan's back, then read-locked. */
START_TEST(test_read_lock_write_locked)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "read-lock-of-write-locked-mutex", &f);
    ck_assert_int_eq(f.kind, TL_BUG_READ_LOCK_WRITE_LOCKED);
    ck_assert_str_eq(tl_bug_kind_token(f.kind), "read-lock-of-write-locked-mutex");
    ck_assert_str_eq(f.kind_text, "read lock of a write locked mutex");
    ck_assert_int_eq(f.naccess, 0);
    assert_frame(&f.frame, "rw_read_lock.c", 11, 5, "main", clang);
    ck_assert(f.frame.own);
    ck_assert_int_eq(f.location.kind, TL_LOC_GLOBAL);
    ck_assert_str_eq(f.location.name, "table_lock");
    ck_assert_int_eq(f.location.size, 56);
    if (clang)
        ck_assert(ends_with(f.summary, " in pthread_rwlock_rdlock"));
    else
        assert_src_summary(&f, "read lock of a write locked mutex", "rw_read_lock.c", 11, 5,
                           "main", clang);
}
END_TEST

/* A lock annotated with __tsan_mutex_*, write-locked, released as a read lock. */
START_TEST(test_read_unlock_write_locked)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "read-unlock-of-write-locked-mutex", &f);
    ck_assert_int_eq(f.kind, TL_BUG_READ_UNLOCK_WRITE_LOCKED);
    ck_assert_str_eq(tl_bug_kind_token(f.kind), "read-unlock-of-write-locked-mutex");
    ck_assert_str_eq(f.kind_text, "read unlock of a write locked mutex");
    assert_frame(&f.frame, "rw_read_unlock.c", 7, 5, "rw_read_release", clang);
    ck_assert_str_eq(f.location.name, "rw_word");
    ck_assert_int_eq(f.location.size, 4);
    if (clang)
        ck_assert(ends_with(f.summary, " in __tsan_mutex_pre_unlock"));
    else
        assert_src_summary(&f, "read unlock of a write locked mutex", "rw_read_unlock.c", 7, 5,
                           "rw_read_release", clang);
}
END_TEST

/* __tsan_external_write on a "WorkQueue" tag from two threads, in a program
 * under /tmp/tlcap/outside/: no own frame anywhere, so every location is the
 * out-of-tree fallback, and the libc frames under main (which have source
 * lines: Debian's libc debug info) are not taken. */
START_TEST(test_external_race)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "external-race", &f);
    ck_assert_int_eq(f.kind, TL_BUG_EXTERNAL_RACE);
    ck_assert_str_eq(tl_bug_kind_token(f.kind), "external-race");
    ck_assert_str_eq(f.kind_text, "race on WorkQueue");
    ck_assert_int_eq(f.naccess, 2);
    assert_access(&f.access[0], TL_ACC_WRITE, 0, false, false, 0, "main");
    assert_access(&f.access[1], TL_ACC_WRITE, 0, false, true, 1, "");
    for (int i = 0; i < 2; i++) {
        assert_frame(&f.access[i].frame, "ext_race.c", 12, 5, "queue_push", clang);
        ck_assert(!f.access[i].frame.own);
        ck_assert_str_eq(f.access[i].frame.file, "/tmp/tlcap/outside/ext_race.c");
    }
    assert_frame(&f.frame, "ext_race.c", 12, 5, "queue_push", clang);
    ck_assert(!f.frame.own);
    ck_assert_int_eq(f.location.kind, TL_LOC_GLOBAL);
    ck_assert_str_eq(f.location.name, "queue_obj");
    ck_assert_int_eq(f.location.size, 8);
    if (clang)
        ck_assert_str_eq(f.summary,
                         "race on WorkQueue /tmp/tlcap/outside/ext_race.c:12:5 in queue_push");
    else
        ck_assert_str_eq(f.summary,
                         "race on WorkQueue /tmp/tlcap/outside/ext_race.c:12 in queue_push");
}
END_TEST

/* Ten mutexes taken pairwise in a ring: TSan prints all eleven ids of the
 * cycle, the finding keeps eight and says so. */
START_TEST(test_lock_cycle_10)
{
    bool clang = _i == 0;
    tl_finding f;
    parse_single(compilers[_i], "lock-cycle-10", &f);
    ck_assert_int_eq(f.kind, TL_BUG_LOCK_ORDER_INVERSION);
    ck_assert_int_eq(f.ncycle, TL_FINDING_MAX_CYCLE);
    ck_assert_int_eq(f.cycle_len, 11);
    ck_assert(f.cycle_cut);
    for (int i = 0; i < TL_FINDING_MAX_CYCLE; i++) {
        char id[16];
        snprintf(id, sizeof id, "M%d", i);
        ck_assert_str_eq(f.cycle[i], id);
    }
    /* "Mutex M1 acquired here while holding mutex M0": the inner lock. */
    assert_frame(&f.frame, "lock_cycle10.c", 9, 5, "take_pair", clang);
    if (!clang)
        assert_src_summary(&f, "lock-order-inversion (potential deadlock)", "lock_cycle10.c", 9,
                           5, "take_pair", clang);
}
END_TEST

/* T1 calls AnnotateIgnoreReadsBegin and exits: TSan prints no WARNING block,
 * only a message and two stacks, and kills the process. The message is a
 * finding whose frame is that of the first stack ("created at:"). */
START_TEST(test_ignores_thread)
{
    bool clang = _i == 0;
    tl_finding f;
    size_t len;
    parse_one(compilers[_i], "ignores-thread", &f, &len);
    ck_assert_int_eq(f.kind, TL_BUG_RUNTIME_MESSAGE);
    ck_assert_str_eq(tl_bug_kind_token(f.kind), "runtime-message");
    ck_assert_str_eq(f.kind_text,
                     "ThreadSanitizer: thread T1  finished with ignores enabled, created at:");
    ck_assert_str_eq(f.summary, f.kind_text);
    ck_assert_int_eq(f.pid, 0);
    ck_assert_int_eq(f.naccess, 0);
    assert_frame(&f.frame, "ignores_left.c", 15, 5, "main", clang);
    ck_assert(f.frame.own);
    ck_assert_uint_eq(f.start, 0);
    ck_assert_uint_eq(f.end, len);
}
END_TEST

START_TEST(test_ignores_main)
{
    bool clang = _i == 0;
    tl_finding f;
    size_t len;
    parse_one(compilers[_i], "ignores-main", &f, &len);
    ck_assert_int_eq(f.kind, TL_BUG_RUNTIME_MESSAGE);
    ck_assert_str_eq(f.kind_text, "ThreadSanitizer: main thread finished with ignores enabled");
    /* "Ignore was enabled at:" is the only stack. */
    assert_frame(&f.frame, "ignores_main.c", 5, 5, "main", clang);
    ck_assert_uint_eq(f.end, len);
}
END_TEST

START_TEST(test_kind_of_every_log)
{
    for (int k = 0; k < NLOGS; k++) {
        tl_finding f;
        parse_single(compilers[_i], logs[k].name, &f);
        ck_assert_msg(f.kind == logs[k].kind, "%s: kind %d", logs[k].name, (int)f.kind);
        ck_assert_str_eq(tl_bug_kind_token(f.kind), logs[k].token);
        ck_assert(f.summary[0] != '\0');
        ck_assert(f.frame.found);
    }
}
END_TEST

/* ---- report boundaries ------------------------------------------------ */

START_TEST(test_block_offsets)
{
    log_text lt = read_log(compilers[_i], "data-race-global");
    tl_finding f;
    ck_assert_uint_eq(tl_tsan_parse(lt.text, lt.len, &f, 1), 1);
    ck_assert_uint_eq(f.start, 0);
    ck_assert(strncmp(lt.text + f.end - 19, "==================\n", 19) == 0);
    ck_assert(strncmp(lt.text + f.end, "ThreadSanitizer: reported 1 warnings", 36) == 0);
    free(lt.text);
}
END_TEST

START_TEST(test_two_reports)
{
    bool clang = _i == 0;
    log_text lt = read_log(compilers[_i], "two-reports");
    tl_finding f[3];
    ck_assert_uint_eq(tl_tsan_parse(lt.text, lt.len, f, 3), 2);

    ck_assert_int_eq(f[0].kind, TL_BUG_DATA_RACE);
    ck_assert_str_eq(f[0].location.name, "hits");
    assert_frame(&f[0].access[0].frame, "two_reports.c", 22, 10, "main", clang);
    assert_frame(&f[0].access[1].frame, "two_reports.c", 11, 10, "two_racer", clang);
    assert_src_summary(&f[0], "data race", "two_reports.c", 22, 10, "main", clang);

    ck_assert_int_eq(f[1].kind, TL_BUG_DATA_RACE);
    ck_assert_int_eq(f[1].location.kind, TL_LOC_HEAP);
    ck_assert_int_eq(f[1].location.size, 4);
    assert_frame(&f[1].access[0].frame, "two_reports.c", 23, 11, "main", clang);
    assert_frame(&f[1].access[1].frame, "two_reports.c", 12, 11, "two_racer", clang);
    assert_src_summary(&f[1], "data race", "two_reports.c", 23, 11, "main", clang);

    /* The blocks are back to back: the second starts at its own rule. */
    ck_assert_uint_eq(f[0].start, 0);
    ck_assert_uint_eq(f[1].start, f[0].end);
    ck_assert(strncmp(lt.text + f[1].start, "==================\nWARNING:", 27) == 0);
    ck_assert_uint_lt(f[1].end, lt.len);
    free(lt.text);
}
END_TEST

START_TEST(test_max_smaller_than_count)
{
    log_text lt = read_log(compilers[_i], "two-reports");
    tl_finding f[2];
    memset(f, 0xab, sizeof f);
    ck_assert_uint_eq(tl_tsan_parse(lt.text, lt.len, f, 1), 2);
    ck_assert_int_eq(f[0].kind, TL_BUG_DATA_RACE);
    ck_assert_str_eq(f[0].location.name, "hits");
    const unsigned char *untouched = (const unsigned char *)&f[1];
    for (size_t i = 0; i < sizeof f[1]; i++)
        ck_assert_uint_eq(untouched[i], 0xab);
    /* Counting only. */
    ck_assert_uint_eq(tl_tsan_parse(lt.text, lt.len, NULL, 0), 2);
    ck_assert_uint_eq(tl_tsan_parse(lt.text, lt.len, f, 0), 2);
    free(lt.text);
}
END_TEST

/* tests/tsan-logs/clang/truncated.log is two-reports.log cut inside the
 * second report's second stack; gcc/truncated.log is data-race-global.log
 * cut inside the "Thread T2 'reader'" line. */
START_TEST(test_truncated)
{
    bool clang = _i == 0;
    log_text lt = read_log(compilers[_i], "truncated");
    tl_finding f[3];
    size_t n = tl_tsan_parse(lt.text, lt.len, f, 3);
    if (clang) {
        ck_assert_uint_eq(n, 2);
        ck_assert_str_eq(f[0].location.name, "hits");
        ck_assert(f[0].summary[0] != '\0');
        ck_assert_int_eq(f[1].kind, TL_BUG_DATA_RACE);
        ck_assert_int_eq(f[1].naccess, 2);
        assert_frame(&f[1].access[0].frame, "two_reports.c", 23, 11, "main", clang);
        /* The cut frame keeps its function and partial path. */
        ck_assert(f[1].access[1].frame.found);
        ck_assert_str_eq(f[1].access[1].frame.function, "two_racer");
        ck_assert_str_eq(f[1].access[1].frame.file, "/tmp/tlcap/scenarios/two_re");
        ck_assert_int_eq(f[1].access[1].frame.line, 0);
        ck_assert_int_eq(f[1].location.kind, TL_LOC_NONE);
        ck_assert_str_eq(f[1].summary, "");
        ck_assert_uint_eq(f[1].end, lt.len);
    } else {
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(f[0].kind, TL_BUG_DATA_RACE);
        ck_assert_int_eq(f[0].naccess, 2);
        assert_frame(&f[0].frame, "race_global.c", 19, 0, "reader_main", clang);
        /* The name was cut before its closing quote: not taken. */
        ck_assert_int_eq(f[0].access[0].thread, 2);
        ck_assert_str_eq(f[0].access[0].thread_name, "");
        ck_assert_str_eq(f[0].location.name, "counter");
        ck_assert_str_eq(f[0].summary, "");
        ck_assert_uint_eq(f[0].end, lt.len);
    }
    free(lt.text);
}
END_TEST

/* Every prefix of every log, each in a buffer of exactly that size (no NUL),
 * so a sanitizer build catches any read past len. */
START_TEST(test_every_prefix)
{
    static const char *const extra[] = {"two-reports", "truncated", "ignores-thread",
                                        "ignores-main"};
    enum { NEXTRA = sizeof extra / sizeof extra[0] };
    for (int k = 0; k < NLOGS + NEXTRA; k++) {
        const char *name = k < NLOGS ? logs[k].name : extra[k - NLOGS];
        log_text lt = read_log(compilers[_i], name);
        size_t full = tl_tsan_parse(lt.text, lt.len, NULL, 0);
        for (size_t cut = 0; cut <= lt.len; cut++) {
            char *buf = malloc(cut ? cut : 1);
            ck_assert_ptr_nonnull(buf);
            memcpy(buf, lt.text, cut);
            tl_finding f[2];
            size_t n = tl_tsan_parse(buf, cut, f, 2);
            ck_assert_uint_le(n, full);
            for (size_t r = 0; r < n && r < 2; r++) {
                ck_assert_int_ge(f[r].kind, 0);
                ck_assert_int_le(f[r].kind, TL_BUG_OTHER);
                ck_assert_uint_le(f[r].end, cut);
                ck_assert_uint_lt(f[r].start, f[r].end);
                ck_assert_int_le(f[r].naccess, TL_FINDING_MAX_ACCESSES);
                ck_assert_uint_lt(strlen(f[r].summary), sizeof f[r].summary);
            }
            free(buf);
        }
        free(lt.text);
    }
}
END_TEST

/* A log saved with CRLF line ends parses the same. */
START_TEST(test_crlf)
{
    bool clang = _i == 0;
    log_text lt = read_log(compilers[_i], "data-race-global");
    char *crlf = malloc(lt.len * 2 + 1);
    ck_assert_ptr_nonnull(crlf);
    size_t n = 0;
    for (size_t i = 0; i < lt.len; i++) {
        if (lt.text[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = lt.text[i];
    }
    tl_finding f;
    ck_assert_uint_eq(tl_tsan_parse(crlf, n, &f, 1), 1);
    assert_access(&f.access[0], TL_ACC_READ, 4, false, false, 2, "reader");
    assert_frame(&f.access[0].frame, "race_global.c", 19, 13, "reader_main", clang);
    ck_assert_str_eq(f.location.name, "counter");
    assert_src_summary(&f, "data race", "race_global.c", 19, 13, "reader_main", clang);
    free(crlf);
    free(lt.text);
}
END_TEST

/* ---- synthetic input: rules the captures do not exercise ----------------- */

static size_t parse_str(const char *s, tl_finding *f, size_t max)
{
    return tl_tsan_parse(s, strlen(s), f, max);
}

/* harness/ beats primitives/; a runtime function is never own even in an
 * own file; "contests/" is not "tests/"; a name may come on the access line. */
START_TEST(test_frame_preference)
{
    static const char text[] =
        "==================\n"
        "WARNING: ThreadSanitizer: data race (pid=7)\n"
        "  Write of size 4 at 0x10 by thread T3 'w k':\n"
        "    #0 __tsan_write4 /w/scenarios/fake.c:1:1 (p+0x1)\n"
        "    #1 tl_spin_lock /w/primitives/tl_spin.c:40:3 (p+0x2) (BuildId: 00ff)\n"
        "    #2 run_one /w/harness/runner.c:88:9 (p+0x3)\n"
        "    #3 <null> <null> (libc.so.6+0x4)\n"
        "\n"
        "  Previous read of size 2 at 0x10 by thread T4:\n"
        "    #0 helper /w/contests/x.c:5 (p+0x5)\n"
        "    #1 lock_inner /w/primitives/tl_mutex.c:12 (p+0x6)\n"
        "\n"
        "  Location is file descriptor 5 created by main thread at:\n"
        "    #0 open <null> (p+0x7)\n"
        "\n"
        "SUMMARY: ThreadSanitizer: data race /w/primitives/tl_spin.c:40:3 in tl_spin_lock\n"
        "==================\n";
    tl_finding f;
    ck_assert_uint_eq(parse_str(text, &f, 1), 1);
    ck_assert_int_eq(f.naccess, 2);
    ck_assert_str_eq(f.access[0].thread_name, "w k");
    ck_assert_str_eq(f.access[0].frame.function, "run_one");
    ck_assert_str_eq(f.access[0].frame.file, "/w/harness/runner.c");
    ck_assert_int_eq(f.access[0].frame.line, 88);
    ck_assert_int_eq(f.access[0].frame.column, 9);
    ck_assert_int_eq(f.access[1].op, TL_ACC_READ);
    ck_assert_int_eq(f.access[1].size, 2);
    ck_assert_int_eq(f.access[1].thread, 4);
    ck_assert_str_eq(f.access[1].thread_name, "");
    ck_assert_str_eq(f.access[1].frame.function, "lock_inner");
    ck_assert_str_eq(f.frame.function, "run_one");
    ck_assert_int_eq(f.location.kind, TL_LOC_OTHER);
    ck_assert_int_eq(f.location.thread, -1);
}
END_TEST

/* Without accesses the report frame comes from the first stack that has an
 * own frame; an access stack without one leaves access.frame.found false. */
START_TEST(test_frame_first_own_stack)
{
    static const char text[] =
        "==================\n"
        "WARNING: ThreadSanitizer: thread leak (pid=8)\n"
        "  Thread T1 (tid=9, finished) created by main thread at:\n"
        "    #0 pthread_create <null> (p+0x1)\n"
        "    #1 start_pool /usr/lib/libpool.so.1 (libpool.so.1+0x2)\n"
        "\n"
        "  Thread T1 (tid=9, finished) created by main thread at:\n"
        "    #0 pthread_create <null> (p+0x1)\n"
        "    #1 spawn /w/tests/check_pool.c:77 (p+0x3)\n"
        "\n"
        "SUMMARY: ThreadSanitizer: thread leak /w/tests/check_pool.c:77 in spawn\n"
        "==================\n"
        "==================\n"
        "WARNING: ThreadSanitizer: data race (pid=8)\n"
        "  Write of size 1 at 0x1 by main thread:\n"
        "    #0 memset <null> (p+0x1)\n"
        "\n";
    tl_finding f[2];
    ck_assert_uint_eq(parse_str(text, f, 2), 2);
    ck_assert_int_eq(f[0].kind, TL_BUG_THREAD_LEAK);
    ck_assert(f[0].frame.found);
    ck_assert_str_eq(f[0].frame.function, "spawn");
    ck_assert_int_eq(f[0].frame.line, 77);
    ck_assert_int_eq(f[0].frame.column, 0);
    ck_assert_int_eq(f[1].naccess, 1);
    ck_assert(!f[1].access[0].frame.found);
    ck_assert(!f[1].frame.found);
}
END_TEST

/* A header without a rule before it, a report cut short by the next header,
 * a rule pair around someone else's banner. */
START_TEST(test_loose_structure)
{
    static const char text[] =
        "program output\n"
        "==================\n"
        "not a tsan banner\n"
        "==================\n"
        "WARNING: ThreadSanitizer: data race (pid=11)\n"
        "  Read of size 8 at 0x1 by thread T1:\n"
        "WARNING: ThreadSanitizer: read lock of a write locked mutex (pid=11)\n"
        "    #0 f /w/scenarios/rw.c:3 (p+0x1)\n"
        "SUMMARY: ThreadSanitizer: read lock of a write locked mutex /w/scenarios/rw.c:3 in f\n"
        "==================\n"
        "WARNING: ThreadSanitizer: signal handler spoils errno (pid=11)\n";
    tl_finding f[4];
    ck_assert_uint_eq(parse_str(text, f, 4), 3);
    ck_assert_int_eq(f[0].kind, TL_BUG_DATA_RACE);
    ck_assert_int_eq(f[0].pid, 11);
    ck_assert_int_eq(f[0].naccess, 1);
    ck_assert_int_eq(f[0].access[0].thread, 1);
    ck_assert(strncmp(text + f[0].start, "==================\nWARNING", 26) == 0);
    ck_assert(strncmp(text + f[0].end, "WARNING: ThreadSanitizer: read lock", 35) == 0);
    ck_assert_int_eq(f[1].kind, TL_BUG_READ_LOCK_WRITE_LOCKED);
    ck_assert_str_eq(tl_bug_kind_token(f[1].kind), "read-lock-of-write-locked-mutex");
    ck_assert_str_eq(f[1].kind_text, "read lock of a write locked mutex");
    ck_assert_str_eq(f[1].frame.function, "f");
    ck_assert_uint_eq(f[1].start, f[0].end);
    ck_assert_int_eq(f[2].kind, TL_BUG_SIGNAL_ERRNO);
    ck_assert_uint_eq(f[2].end, strlen(text));
}
END_TEST

/* Every header text the clang 14, clang 19 and gcc 12 runtimes can print
 * (from `strings` on libclang_rt.tsan-x86_64.a and libtsan.so), exactly. */
START_TEST(test_every_runtime_kind)
{
    static const struct {
        const char *header;
        const char *token;
    } cases[] = {
        {"data race", "data-race"},
        {"data race on vptr (ctor/dtor vs virtual call)", "data-race-vptr"},
        {"heap-use-after-free", "heap-use-after-free"},
        {"heap-use-after-free (virtual call vs free)", "heap-use-after-free-vptr"},
        {"thread leak", "thread-leak"},
        {"destroy of a locked mutex", "destroy-locked"},
        {"double lock of a mutex", "double-lock"},
        {"unlock of an unlocked mutex (or by a wrong thread)", "bad-unlock"},
        {"read lock of a write locked mutex", "read-lock-of-write-locked-mutex"},
        {"read unlock of a write locked mutex", "read-unlock-of-write-locked-mutex"},
        {"signal-unsafe call inside of a signal", "signal-unsafe-call"},
        {"signal handler spoils errno", "signal-spoils-errno"},
        {"lock-order-inversion (potential deadlock)", "lock-order-inversion"},
        {"use of an invalid mutex (e.g. uninitialized or destroyed)", "invalid-mutex"},
        {"mutex held in the wrong context", "mutex-wrong-context"},
        {"race on external object", "external-race"},
        {"race on MyLibrary::Handle", "external-race"},
        {"some kind from a future runtime", "other"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "==================\nWARNING: ThreadSanitizer: %s (pid=5)\n",
                 cases[i].header);
        tl_finding f;
        ck_assert_uint_eq(parse_str(text, &f, 1), 1);
        ck_assert_str_eq(tl_bug_kind_token(f.kind), cases[i].token);
        ck_assert_str_eq(f.kind_text, cases[i].header);
        ck_assert_int_eq(f.pid, 5);
    }
}
END_TEST

/* What TSan prints outside WARNING blocks is kept: a CHECK failure with
 * sanitizer_common's "==PID==" prefix, a FATAL line, and a message that cuts
 * a report short. Column-0 program output ends a message; the routine
 * "reported N warnings" line is no finding, also when the log ends in it. */
START_TEST(test_runtime_messages)
{
    static const char text[] =
        "==================\n"
        "WARNING: ThreadSanitizer: data race (pid=21)\n"
        "  Write of size 4 at 0x1 by thread T1:\n"
        "    #0 w /w/scenarios/a.c:3 (p+0x1)\n"
        "==21==ThreadSanitizer: CHECK failed: tsan_rtl.cpp:80 \"((x)) != (0)\" (0x0, 0x0) "
        "(tid=22)\n"
        "    #0 __tsan::CheckUnwind() <null> (p+0x2)\n"
        "    #1 helper /home/u/proj/b.c:9:2 (p+0x3)\n"
        "program output at column 0\n"
        "    #0 not_a_frame_of_the_message /w/scenarios/c.c:1 (p+0x4)\n"
        "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f00-0x7f10\n"
        "ThreadSanitizerX: not ours\n"
        "ThreadSanitizer: reported 1 warnings\n"
        "ThreadSanitizer: repo";
    tl_finding f[4];
    ck_assert_uint_eq(parse_str(text, f, 4), 3);
    ck_assert_int_eq(f[0].kind, TL_BUG_DATA_RACE);
    ck_assert_str_eq(f[0].frame.function, "w");
    ck_assert(strncmp(text + f[0].end, "==21==", 6) == 0);

    ck_assert_int_eq(f[1].kind, TL_BUG_RUNTIME_MESSAGE);
    ck_assert_int_eq(f[1].pid, 21);
    ck_assert(strncmp(f[1].kind_text, "ThreadSanitizer: CHECK failed: tsan_rtl.cpp:80 ", 47) == 0);
    ck_assert(ends_with(f[1].summary, "(tid=22)"));
    ck_assert_uint_eq(f[1].start, f[0].end);
    ck_assert(strncmp(text + f[1].end, "program output", 14) == 0);
    ck_assert(f[1].frame.found);
    ck_assert(!f[1].frame.own);
    ck_assert_str_eq(f[1].frame.function, "helper");
    ck_assert_int_eq(f[1].frame.line, 9);

    ck_assert_int_eq(f[2].kind, TL_BUG_RUNTIME_MESSAGE);
    ck_assert_int_eq(f[2].pid, 0);
    ck_assert_str_eq(f[2].kind_text,
                     "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f00-0x7f10");
    ck_assert(!f[2].frame.found);
    ck_assert(strncmp(text + f[2].end, "ThreadSanitizerX", 16) == 0);
}
END_TEST

/* The out-of-tree fallback: runtime sources, libc with debug info, frames
 * without a line and runtime functions are skipped; an own frame in any
 * stack beats an out-of-tree one in an earlier access. */
START_TEST(test_frame_fallback)
{
    static const char text[] =
        "==================\n"
        "WARNING: ThreadSanitizer: data race (pid=31)\n"
        "  Write of size 4 at 0x1 by thread T1:\n"
        "    #0 __interceptor_memcpy /home/u/x.c:1 (p+0x1)\n"
        "    #1 memcpy ../../../../src/libsanitizer/sanitizer_common/x.inc:827 (libtsan.so.2+0x1)\n"
        "    #2 start_thread ./nptl/pthread_create.c:442:8 (libc.so.6+0x2)\n"
        "    #3 libfn /usr/lib/libfoo.so.1 (libfoo.so.1+0x3)\n"
        "    #4 copier /home/u/proj/copy.c:14:7 (prog+0x4) (BuildId: 12ab)\n"
        "    #5 caller /home/u/proj/main.c:30:3 (prog+0x5)\n"
        "\n"
        "  Previous read of size 4 at 0x1 by main thread:\n"
        "    #0 reader /home/u/proj/read.c:5 (prog+0x6)\n"
        "\n"
        "  Thread T1 (tid=32, running) created by main thread at:\n"
        "    #0 pthread_create <null> (prog+0x7)\n"
        "    #1 spawn /w/scenarios/spawn.c:8 (prog+0x8)\n"
        "\n"
        "==================\n"
        "==================\n"
        "WARNING: ThreadSanitizer: thread leak (pid=31)\n"
        "  Thread T2 (tid=33, finished) created by main thread at:\n"
        "    #0 pthread_create <null> (prog+0x7)\n"
        "    #1 __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16 "
        "(libc.so.6+0x27249) (BuildId: 93ac)\n"
        "\n"
        "==================\n";
    tl_finding f[2];
    ck_assert_uint_eq(parse_str(text, f, 2), 2);
    ck_assert_str_eq(f[0].access[0].frame.function, "copier");
    ck_assert_str_eq(f[0].access[0].frame.file, "/home/u/proj/copy.c");
    ck_assert_int_eq(f[0].access[0].frame.line, 14);
    ck_assert_int_eq(f[0].access[0].frame.column, 7);
    ck_assert(f[0].access[0].frame.found);
    ck_assert(!f[0].access[0].frame.own);
    ck_assert_str_eq(f[0].access[1].frame.function, "reader");
    /* The own "created at" frame wins over both out-of-tree accesses. */
    ck_assert_str_eq(f[0].frame.function, "spawn");
    ck_assert(f[0].frame.own);
    /* Only the runtime and libc: no location at all. */
    ck_assert(!f[1].frame.found);
    ck_assert(!f[1].frame.own);
}
END_TEST

/* Fields longer than their buffers are cut, never overrun. */
START_TEST(test_long_fields)
{
    enum { LONG = 5000 };
    char *text = malloc(6 * LONG);
    ck_assert_ptr_nonnull(text);
    char *fn = malloc(LONG + 1);
    ck_assert_ptr_nonnull(fn);
    memset(fn, 'f', LONG);
    fn[LONG] = '\0';
    int n = snprintf(text, 6 * LONG,
                     "==================\n"
                     "WARNING: ThreadSanitizer: %s (pid=99999999999999)\n"
                     "  Write of size 99999999999 at 0x1 by thread T1 '%s':\n"
                     "    #0 %s /w/scenarios/%s.c:12:3 (p+0x1)\n"
                     "  Cycle in lock order graph: M0 => M1 => M2 => M3 => M4 => M5 => M6 => "
                     "M7 => M8 => M9 => M0\n"
                     "SUMMARY: ThreadSanitizer: %s\n",
                     fn, fn, fn, fn, fn);
    ck_assert_int_gt(n, 0);
    ck_assert_int_lt(n, 6 * LONG);
    tl_finding f;
    ck_assert_uint_eq(tl_tsan_parse(text, (size_t)n, &f, 1), 1);
    ck_assert_uint_eq(strlen(f.kind_text), sizeof f.kind_text - 1);
    ck_assert_uint_eq(strlen(f.summary), sizeof f.summary - 1);
    ck_assert_uint_eq(strlen(f.access[0].thread_name), sizeof f.access[0].thread_name - 1);
    ck_assert_uint_eq(strlen(f.frame.function), sizeof f.frame.function - 1);
    ck_assert_uint_eq(strlen(f.frame.file), sizeof f.frame.file - 1);
    /* Line and column are read from the input, not from the cut copy. */
    ck_assert_int_eq(f.frame.line, 12);
    ck_assert_int_eq(f.frame.column, 3);
    ck_assert_int_eq(f.access[0].thread, 1);
    ck_assert_int_gt(f.access[0].size, 0); /* saturated, not wrapped */
    ck_assert_int_gt(f.pid, 0);
    ck_assert_int_eq(f.ncycle, TL_FINDING_MAX_CYCLE);
    ck_assert_str_eq(f.cycle[7], "M7");
    ck_assert_int_eq(f.cycle_len, 11);
    ck_assert(f.cycle_cut);
    free(fn);
    free(text);
}
END_TEST

/* ---- kinds, tokens, own files, empty input ---------------------------- */

START_TEST(test_kind_token_round_trip)
{
    for (int k = 0; k <= TL_BUG_OTHER; k++) {
        const char *tok = tl_bug_kind_token((tl_bug_kind)k);
        ck_assert_ptr_nonnull(tok);
        ck_assert_int_eq(tl_bug_kind_from_token(tok), k);
    }
    ck_assert_str_eq(tl_bug_kind_token(TL_BUG_DATA_RACE), "data-race");
    ck_assert_str_eq(tl_bug_kind_token(TL_BUG_SIGNAL_UNSAFE), "signal-unsafe-call");
    ck_assert_str_eq(tl_bug_kind_token(TL_BUG_SIGNAL_ERRNO), "signal-spoils-errno");
    ck_assert_str_eq(tl_bug_kind_token(TL_BUG_EXTERNAL_RACE), "external-race");
    ck_assert_str_eq(tl_bug_kind_token(TL_BUG_RUNTIME_MESSAGE), "runtime-message");
    ck_assert_str_eq(tl_bug_kind_token((tl_bug_kind)(TL_BUG_OTHER + 5)), "other");
}
END_TEST

START_TEST(test_unknown_token)
{
    ck_assert_int_eq(tl_bug_kind_from_token("no-such-kind"), -1);
    ck_assert_int_eq(tl_bug_kind_from_token(""), -1);
    ck_assert_int_eq(tl_bug_kind_from_token("data race"), -1); /* the text is not a token */
    ck_assert_int_eq(tl_bug_kind_from_token("Data-Race"), -1);
    ck_assert_int_eq(tl_bug_kind_from_token(NULL), -1);
}
END_TEST

START_TEST(test_empty_input)
{
    tl_finding f;
    ck_assert_uint_eq(tl_tsan_parse("", 0, &f, 1), 0);
    ck_assert_uint_eq(tl_tsan_parse(NULL, 0, &f, 1), 0);
    ck_assert_uint_eq(parse_str("ThreadSanitizer: reported 0 warnings\n", &f, 1), 0);
    ck_assert_uint_eq(parse_str("==================\n==================\n", &f, 1), 0);
}
END_TEST

START_TEST(test_is_own_file)
{
    ck_assert(tl_frame_is_own_file("/tmp/tlcap/scenarios/race_global.c"));
    ck_assert(tl_frame_is_own_file("scenarios/race_global.c"));
    ck_assert(tl_frame_is_own_file("../harness/runner.c"));
    ck_assert(tl_frame_is_own_file("/src/threadlab/primitives/tl_lock.c"));
    ck_assert(tl_frame_is_own_file("/src/threadlab/tests/check_sem.c"));
    ck_assert(!tl_frame_is_own_file("/src/contests/a.c"));
    ck_assert(!tl_frame_is_own_file("../../../../src/libsanitizer/tsan/tsan_interceptors_posix.cpp"));
    ck_assert(!tl_frame_is_own_file("<null>"));
    ck_assert(!tl_frame_is_own_file(""));
    ck_assert(!tl_frame_is_own_file(NULL));
}
END_TEST

/* The user's TSAN_OPTIONS: a key of ours with another value is refused by
 * name; the same value, or any other key, is passed on after ours, with a
 * relative suppressions file made absolute (the host starts elsewhere). */
START_TEST(test_user_options)
{
    const char *ours = "log_path=tsan exitcode=66 halt_on_error=0 strip_path_prefix=\"/src/\"";
    char why[256], out[512];
    ck_assert(tl__tsan_options_check(ours, "history_size=4", why, sizeof why));
    ck_assert(tl__tsan_options_check(ours, "exitcode=66:history_size=4", why, sizeof why));
    ck_assert(tl__tsan_options_check(ours, "strip_path_prefix='/src/'", why, sizeof why));
    ck_assert(!tl__tsan_options_check(ours, "history_size=4,exitcode=1", why, sizeof why));
    ck_assert_msg(strstr(why, "'exitcode'") && strstr(why, "to 66"), "%s", why);
    ck_assert(!tl__tsan_options_check(ours, " log_path=/tmp/x", why, sizeof why));
    ck_assert_msg(strstr(why, "'log_path'"), "%s", why);
    ck_assert(!tl__tsan_options_check(ours, "verbosity", why, sizeof why));
    ck_assert_msg(strstr(why, "cannot read 'verbosity'"), "%s", why);
    ck_assert(!tl__tsan_options_check(ours, "suppressions=\"a b", why, sizeof why));

    snprintf(out, sizeof out, "TSAN_OPTIONS=%s", ours);
    ck_assert(tl__tsan_options_append(out, sizeof out,
                                      "history_size=4:suppressions=my.supp report_bugs='1'",
                                      "/home/me"));
    ck_assert_msg(strstr(out, " history_size=4 suppressions=\"/home/me/my.supp\" report_bugs='1'"),
                  "%s", out);
    snprintf(out, sizeof out, "x");
    ck_assert(tl__tsan_options_append(out, sizeof out, "suppressions=/abs.supp", "/home/me"));
    ck_assert_str_eq(out, "x suppressions=/abs.supp");
    char tiny[16] = "ours";
    ck_assert(!tl__tsan_options_append(tiny, sizeof tiny, "history_size=4444444", "/"));
}
END_TEST

/* The kernel's mmap randomisation: more than 28 bits and the TSan hosts run
 * with randomisation off; unknown or 28 and below, as they are. */
START_TEST(test_fixed_layout_decision)
{
    ck_assert(!tl__tsan_wants_fixed_layout(-1));
    ck_assert(!tl__tsan_wants_fixed_layout(28));
    ck_assert(tl__tsan_wants_fixed_layout(29));
    ck_assert(tl__tsan_wants_fixed_layout(32));
    char hint[400];
    int bits = tl__tsan_mmap_rnd_bits();
    tl__tsan_layout_hint(hint, sizeof hint);
    if (tl__tsan_wants_fixed_layout(bits))
        ck_assert_msg(strstr(hint, "sysctl vm.mmap_rnd_bits=28"), "%s", hint);
    else
        ck_assert_str_eq(hint, "");
}
END_TEST

Suite *tl_suite_tsan_parse(void)
{
    Suite *s = suite_create("tsan_parse");

    TCase *logs_tc = tcase_create("logs");
    tcase_add_loop_test(logs_tc, test_data_race_global, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_data_race_heap, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_data_race_stack, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_data_race_tls, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_data_race_atomic, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_data_race_mutexes, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_lock_order_inversion, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_double_lock, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_heap_use_after_free, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_thread_leak, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_bad_unlock, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_destroy_locked, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_read_lock_write_locked, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_read_unlock_write_locked, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_external_race, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_lock_cycle_10, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_ignores_thread, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_ignores_main, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_kind_of_every_log, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_block_offsets, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_two_reports, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_max_smaller_than_count, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_truncated, 0, NCOMPILERS);
    tcase_add_loop_test(logs_tc, test_crlf, 0, NCOMPILERS);
    suite_add_tcase(s, logs_tc);

    /* Quadratic in log size; under ASan it takes a few seconds. */
    TCase *prefix_tc = tcase_create("prefixes");
    tcase_set_timeout(prefix_tc, 60);
    tcase_add_loop_test(prefix_tc, test_every_prefix, 0, NCOMPILERS);
    suite_add_tcase(s, prefix_tc);

    TCase *syn_tc = tcase_create("synthetic");
    tcase_add_test(syn_tc, test_frame_preference);
    tcase_add_test(syn_tc, test_frame_first_own_stack);
    tcase_add_test(syn_tc, test_loose_structure);
    tcase_add_test(syn_tc, test_long_fields);
    tcase_add_test(syn_tc, test_every_runtime_kind);
    tcase_add_test(syn_tc, test_runtime_messages);
    tcase_add_test(syn_tc, test_frame_fallback);
    suite_add_tcase(s, syn_tc);

    TCase *api_tc = tcase_create("api");
    tcase_add_test(api_tc, test_kind_token_round_trip);
    tcase_add_test(api_tc, test_unknown_token);
    tcase_add_test(api_tc, test_empty_input);
    tcase_add_test(api_tc, test_is_own_file);
    tcase_add_test(api_tc, test_user_options);
    tcase_add_test(api_tc, test_fixed_layout_decision);
    suite_add_tcase(s, api_tc);

    return s;
}
