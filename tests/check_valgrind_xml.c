/* SPDX-License-Identifier: MIT */
/* The Valgrind XML reader against real Helgrind and DRD output
 * (tests/valgrind-logs/, see the README there: the command behind each file,
 * and the source directory of the capture, which is the strip prefix here),
 * then against damaged, hostile and huge input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valgrind_kinds.h"
#include "valgrind_xml.h"

#ifndef TL_TEST_SRCDIR
#define TL_TEST_SRCDIR "."
#endif

Suite *tl_suite_valgrind_xml(void);

/* The source directory when the samples were captured. */
#define CAPTURE_DIR "/work/h-vgxml"
enum { MAXF = 32 };

/* ---- helpers ---------------------------------------------------------- */

typedef struct {
    char *text;
    size_t len;
} sample;

static sample read_sample(const char *tool, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/valgrind-logs/%s/%s.xml", TL_TEST_SRCDIR, tool, name);
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
    long size = ftell(fp);
    ck_assert_int_ge(size, 0);
    rewind(fp);
    /* Exactly the file's bytes, no terminating NUL: the reader must not
     * need one. */
    sample s = {malloc(size ? (size_t)size : 1), (size_t)size};
    ck_assert_ptr_nonnull(s.text);
    ck_assert_uint_eq(fread(s.text, 1, s.len, fp), s.len);
    fclose(fp);
    return s;
}

/* Parses a sample whose document must be whole and well formed. */
static size_t parse_sample(const char *tool, const char *name, tl_finding *f, sample *keep)
{
    sample s = read_sample(tool, name);
    tl_valgrind_doc doc;
    size_t n = tl_valgrind_parse_doc(s.text, s.len, CAPTURE_DIR, f, MAXF, &doc);
    ck_assert_str_eq(doc.tool, tool);
    ck_assert_int_eq(doc.protocol, 4);
    ck_assert_msg(doc.well_formed, "%s/%s: %s", tool, name, doc.xml_error);
    ck_assert(doc.complete);
    ck_assert(doc.finished);
    ck_assert_int_eq(doc.fatal_signal, 0);
    /* The pid is the document's. */
    char pid[32];
    snprintf(pid, sizeof pid, "<pid>%d</pid>", doc.pid);
    ck_assert_int_gt(doc.pid, 0);
    ck_assert_ptr_nonnull(memmem(s.text, s.len, pid, strlen(pid)));
    for (size_t i = 0; i < n && i < MAXF; i++) {
        ck_assert_int_eq(f[i].pid, doc.pid);
        /* Each finding spans exactly one <error> element. */
        ck_assert_uint_lt(f[i].start, f[i].end);
        ck_assert_uint_le(f[i].end, s.len);
        ck_assert(memcmp(s.text + f[i].start, "<error>", 7) == 0);
        ck_assert(memcmp(s.text + f[i].end - 8, "</error>", 8) == 0);
    }
    if (keep)
        *keep = s;
    else
        free(s.text);
    return n;
}

static void assert_frame(const tl_frame *fr, const char *file, int line, const char *fn)
{
    ck_assert_msg(fr->found, "no frame (expected %s in %s)", fn, file);
    ck_assert_str_eq(fr->file, file);
    ck_assert_int_eq(fr->line, line);
    ck_assert_str_eq(fr->function, fn);
    ck_assert(fr->own);
    ck_assert_int_eq(fr->column, 0);
}

static void assert_access(const tl_access *a, tl_access_op op, int size, bool previous, int thread,
                          const char *name)
{
    ck_assert_int_eq(a->op, op);
    ck_assert_int_eq(a->size, size);
    ck_assert(!a->atomic);
    ck_assert_int_eq(a->previous, previous);
    ck_assert_int_eq(a->thread, thread);
    ck_assert_str_eq(a->thread_name, name);
}

/* ---- Helgrind and DRD on race.counter ------------------------------------ */

START_TEST(test_helgrind_race_counter)
{
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample("helgrind", "race-counter", f, NULL), 2);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(f[i].kind, TL_BUG_DATA_RACE);
        ck_assert_int_eq(f[i].naccess, 2);
        ck_assert_int_eq(f[i].ncycle, 0);
        ck_assert_int_eq(f[i].location.kind, TL_LOC_GLOBAL);
        ck_assert_str_eq(f[i].location.name, "counter");
        ck_assert_str_eq(f[i].location.text,
                         "Address 0x126850 is 0 bytes inside data symbol \"counter\"");
    }
    ck_assert_str_eq(f[0].kind_text,
                     "Race: Possible data race during write of size 8 at 0x126850 by thread #4");
    /* Helgrind's thread #4 is the finding's thread 3 (main is 0); its name
     * is the error's <threadname>. The previous access's thread #3 is
     * named by the second error, where it is the error's own. */
    assert_access(&f[0].access[0], TL_ACC_WRITE, 8, false, 3, "adder-1");
    assert_frame(&f[0].access[0].frame, "scenarios/race_counter.c", 29, "forced_lost_update");
    assert_access(&f[0].access[1], TL_ACC_READ, 8, true, 2, "adder-0");
    assert_frame(&f[0].access[1].frame, "scenarios/race_counter.c", 23, "forced_lost_update");
    assert_frame(&f[0].frame, "scenarios/race_counter.c", 29, "forced_lost_update");
    ck_assert_str_eq(f[0].summary, "Possible data race during write of size 8 at 0x126850 by "
                                   "thread #4 - scenarios/race_counter.c:29 in forced_lost_update");

    assert_access(&f[1].access[0], TL_ACC_WRITE, 8, false, 2, "adder-0");
    assert_frame(&f[1].access[0].frame, "scenarios/race_counter.c", 26, "forced_lost_update");
    assert_access(&f[1].access[1], TL_ACC_WRITE, 8, true, 3, "adder-1");
    assert_frame(&f[1].access[1].frame, "scenarios/race_counter.c", 29, "forced_lost_update");
    ck_assert_uint_lt(f[0].end, f[1].start);
}
END_TEST

START_TEST(test_drd_race_counter)
{
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample("drd", "race-counter", f, NULL), 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(f[i].kind, TL_BUG_DATA_RACE);
        /* No variable information: DRD names the section, not the symbol. */
        ck_assert_int_eq(f[i].location.kind, TL_LOC_GLOBAL);
        ck_assert_str_eq(f[i].location.name, "");
        ck_assert_str_eq(f[i].location.text,
                         "Allocation context: BSS section of /work/h-vgxml/threadlab-host");
    }
    ck_assert_str_eq(f[0].kind_text,
                     "ConflictingAccess: Conflicting store by thread 4 at 0x00126850 size 8");
    assert_access(&f[0].access[0], TL_ACC_WRITE, 8, false, 3, "adder-1");
    assert_frame(&f[0].access[0].frame, "scenarios/race_counter.c", 29, "forced_lost_update");
    /* The other thread's segment: no thread, op or size in DRD's XML; its
     * end is where that thread stood, in the handshake after its read. */
    ck_assert_int_eq(f[0].naccess, 2);
    assert_access(&f[0].access[1], TL_ACC_NONE, 0, true, -1, "");
    assert_frame(&f[0].access[1].frame, "scenarios/race_counter.c", 25, "forced_lost_update");
    assert_frame(&f[0].frame, "scenarios/race_counter.c", 29, "forced_lost_update");

    assert_access(&f[1].access[0], TL_ACC_WRITE, 8, false, 3, "adder-1");
    assert_frame(&f[1].access[0].frame, "scenarios/race_counter.c", 39, "buggy_worker");
    assert_access(&f[2].access[0], TL_ACC_WRITE, 8, false, 2, "adder-0");
    assert_frame(&f[2].access[0].frame, "scenarios/race_counter.c", 26, "forced_lost_update");
    /* A load conflicts only with a store. */
    assert_access(&f[3].access[0], TL_ACC_READ, 8, false, 2, "adder-0");
    assert_frame(&f[3].access[0].frame, "scenarios/race_counter.c", 39, "buggy_worker");
    assert_access(&f[3].access[1], TL_ACC_WRITE, 0, true, -1, "");
    /* Its segment stacks are only libc's (thread start): no frame. */
    ck_assert(!f[3].access[1].frame.found);
}
END_TEST

/* --read-var-info=yes: the variable and its declaration. */
START_TEST(test_var_info_location)
{
    static const char *const tools[] = {"helgrind", "drd"};
    tl_finding f[MAXF];
    size_t n = parse_sample(tools[_i], "race-counter-varinfo", f, NULL);
    ck_assert_uint_eq(n, _i == 0 ? 2 : 4);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(f[i].location.kind, TL_LOC_GLOBAL);
        ck_assert_str_eq(f[i].location.name, "counter");
        ck_assert_str_eq(f[i].location.text, "Location 0x126850 is 0 bytes inside global var "
                                             "\"counter\" declared at race_counter.c:7");
        ck_assert_int_eq(f[i].location.thread, -1);
    }
}
END_TEST

/* Helgrind's --history-level=approx: the previous access is a span of the
 * other thread's time, between two stacks. */
START_TEST(test_helgrind_approx_history)
{
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample("helgrind", "race-counter-approx", f, NULL), 2);
    assert_access(&f[0].access[0], TL_ACC_WRITE, 8, false, 3, "adder-1");
    /* "after (the start of the thread) but before" <stack> */
    assert_access(&f[0].access[1], TL_ACC_NONE, 0, true, 2, "adder-0");
    assert_frame(&f[0].access[1].frame, "scenarios/race_counter.c", 25, "forced_lost_update");
    /* "after" <stack> "but before" <stack>: the end, the nearer, wins; the
     * main thread it names was in its creation of the workers then. */
    assert_access(&f[1].access[1], TL_ACC_NONE, 0, true, 0, "main");
    assert_frame(&f[1].access[1].frame, "scenarios/race_counter.c", 72, "run_workers");
}
END_TEST

START_TEST(test_clean_runs)
{
    static const char *const tools[] = {"helgrind", "drd"};
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample(tools[_i], "clean", f, NULL), 0);
}
END_TEST

/* ---- more scenarios ---------------------------------------------------- */

START_TEST(test_race_publish)
{
    static const char *const names[] = {"ready", "the_order.0", "the_order.1"};
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample("helgrind", "race-publish", f, NULL), 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(f[i].kind, TL_BUG_DATA_RACE);
        ck_assert_str_eq(f[i].location.name, names[i]);
        ck_assert_int_eq(f[i].access[0].size, 1);
    }
    assert_access(&f[0].access[0], TL_ACC_READ, 1, false, 2, "consumer");
    assert_frame(&f[0].access[0].frame, "scenarios/race_publish.c", 36, "buggy_consumer");
    assert_access(&f[0].access[1], TL_ACC_WRITE, 1, true, 3, "producer");
    assert_frame(&f[0].access[1].frame, "scenarios/race_publish.c", 24, "buggy_producer");

    ck_assert_uint_eq(parse_sample("drd", "race-publish", f, NULL), 3);
    assert_access(&f[0].access[0], TL_ACC_READ, 1, false, 2, "consumer");
    assert_frame(&f[0].access[0].frame, "scenarios/race_publish.c", 36, "buggy_consumer");
    assert_access(&f[0].access[1], TL_ACC_WRITE, 0, true, -1, "");
    assert_frame(&f[0].access[1].frame, "scenarios/race_publish.c", 26, "buggy_producer");
    assert_access(&f[1].access[0], TL_ACC_WRITE, 1, false, 3, "producer");
}
END_TEST

START_TEST(test_stack_escape)
{
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample("helgrind", "retptr-stack-escape", f, NULL), 2);
    ck_assert_int_eq(f[0].kind, TL_BUG_DATA_RACE);
    ck_assert_int_eq(f[0].location.kind, TL_LOC_STACK);
    ck_assert_int_eq(f[0].location.thread, 0); /* "on thread #1's stack": main's */
    ck_assert_str_eq(f[0].location.text, "Address 0x1fff000350 is on thread #1's stack");
    assert_access(&f[0].access[0], TL_ACC_READ, 8, false, 2, "worker");
    assert_frame(&f[0].access[0].frame, "scenarios/retptr_stack_escape.c", 21, "process");
    assert_access(&f[0].access[1], TL_ACC_WRITE, 8, true, 0, "main");
    assert_frame(&f[0].access[1].frame, "scenarios/retptr_stack_escape.c", 59, "next_call");
    /* The continuation sentence joins the location's text. */
    ck_assert_str_eq(f[1].location.text, "Address 0x1fff000350 is on thread #1's stack in frame "
                                         "#0, created by tl_track_wait (track.c:241)");
    assert_access(&f[1].access[0], TL_ACC_WRITE, 8, false, 0, "main");
    assert_frame(&f[1].access[0].frame, "scenarios/retptr_stack_escape.c", 89, "buggy");
    /* DRD sees nothing here, even checking stack variables. */
    ck_assert_uint_eq(parse_sample("drd", "retptr-stack-escape", f, NULL), 0);
}
END_TEST

START_TEST(test_lock_order)
{
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample("helgrind", "deadlock-abba", f, NULL), 1);
    ck_assert_int_eq(f[0].kind, TL_BUG_LOCK_ORDER_INVERSION);
    ck_assert_str_eq(f[0].kind_text,
                     "LockOrder: Thread #4: lock order \"0x1269C8 before 0x126A08\" violated");
    /* Closed like TSan's "M0 => M1 => M0". */
    ck_assert_int_eq(f[0].ncycle, 3);
    ck_assert_int_eq(f[0].cycle_len, 3);
    ck_assert(!f[0].cycle_cut);
    ck_assert_str_eq(f[0].cycle[0], "0x1269C8");
    ck_assert_str_eq(f[0].cycle[1], "0x126A08");
    ck_assert_str_eq(f[0].cycle[2], "0x1269C8");
    /* The acquisition that broke the order, in the scenario rather than in
     * the lock layer's tl_lock_lock_at above it. */
    assert_frame(&f[0].frame, "scenarios/deadlock_abba.c", 40, "b_then_a");
    ck_assert_int_eq(f[0].naccess, 0);
    ck_assert_int_eq(f[0].location.kind, TL_LOC_NONE);
    /* DRD has no lock-order check. */
    ck_assert_uint_eq(parse_sample("drd", "deadlock-abba", f, NULL), 0);
}
END_TEST

START_TEST(test_heap_and_local)
{
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample("helgrind", "race-shapes", f, NULL), 2);
    ck_assert_int_eq(f[0].location.kind, TL_LOC_HEAP);
    ck_assert_int_eq(f[0].location.size, 16);
    assert_access(&f[0].access[0], TL_ACC_WRITE, 4, false, 0, "main");
    assert_frame(&f[0].access[0].frame, "tests/valgrind-logs/race_shapes.c", 35, "heap_race");
    /* The writer thread is never an error's own thread: no name. */
    assert_access(&f[0].access[1], TL_ACC_WRITE, 4, true, 1, "");
    assert_frame(&f[0].access[1].frame, "tests/valgrind-logs/race_shapes.c", 17, "heap_writer");
    ck_assert_int_eq(f[1].location.kind, TL_LOC_STACK);
    ck_assert_str_eq(f[1].location.name, "local");
    ck_assert_int_eq(f[1].location.thread, 0); /* "in frame #0 of thread 1" */
    assert_frame(&f[1].access[1].frame, "tests/valgrind-logs/race_shapes.c", 25, "stack_writer");

    ck_assert_uint_eq(parse_sample("drd", "race-shapes", f, NULL), 2);
    ck_assert_int_eq(f[0].location.kind, TL_LOC_HEAP); /* "at offset 4 from 0x.." */
    ck_assert_int_eq(f[0].location.size, 0);
    assert_frame(&f[0].frame, "tests/valgrind-logs/race_shapes.c", 35, "heap_race");
    ck_assert_int_eq(f[1].location.kind, TL_LOC_STACK);
    ck_assert_str_eq(f[1].location.name, "local");
    assert_frame(&f[1].frame, "tests/valgrind-logs/race_shapes.c", 46, "stack_race");
}
END_TEST

/* ---- API misuse: every kind of report of both tools ----------------------- */

typedef struct {
    tl_bug_kind kind;
    const char *tool_kind;
    const char *function; /* NULL: no frame of the program's (exit of a thread) */
} expected;

static void assert_misuse(const char *tool, const expected *want, size_t nwant)
{
    tl_finding f[MAXF];
    ck_assert_uint_eq(parse_sample(tool, "api-misuse", f, NULL), nwant);
    for (size_t i = 0; i < nwant; i++) {
        size_t k = strlen(want[i].tool_kind);
        ck_assert_msg(f[i].kind == want[i].kind, "%s [%zu] %s: %s, expected %s", tool, i,
                      f[i].kind_text, tl_bug_kind_token(f[i].kind),
                      tl_bug_kind_token(want[i].kind));
        ck_assert_msg(strncmp(f[i].kind_text, want[i].tool_kind, k) == 0 &&
                          f[i].kind_text[k] == ':',
                      "%s [%zu] %s", tool, i, f[i].kind_text);
        if (!want[i].function) {
            ck_assert(!f[i].frame.found);
            continue;
        }
        ck_assert_str_eq(f[i].frame.file, "tests/valgrind-logs/api_misuse.c");
        ck_assert_int_gt(f[i].frame.line, 0);
        ck_assert_str_eq(f[i].frame.function, want[i].function);
        ck_assert_int_eq(f[i].naccess, f[i].kind == TL_BUG_DATA_RACE ? 2 : 0);
    }
}

START_TEST(test_helgrind_api_misuse)
{
    static const expected want[] = {
        {TL_BUG_BAD_UNLOCK, "UnlockUnlocked", "unlock_unlocked"},
        {TL_BUG_LOCK_HELD_AT_EXIT, "Misc", NULL},
        {TL_BUG_BAD_UNLOCK, "UnlockForeign", "unlock_foreign"},
        {TL_BUG_DESTROY_LOCKED, "Misc", "destroy_locked"},
        {TL_BUG_DESTROY_LOCKED, "PthAPIerror", "destroy_locked"},
        {TL_BUG_BAD_UNLOCK, "UnlockBogus", "destroy_locked"},
        {TL_BUG_DOUBLE_LOCK, "Misc", "relock"},
        {TL_BUG_DOUBLE_LOCK, "PthAPIerror", "relock"},
        {TL_BUG_BAD_UNLOCK, "UnlockBogus", "unlock_bogus"},
        {TL_BUG_DATA_RACE, "Race", "signal_unlocked"},
        {TL_BUG_COND_MISUSE, "Misc", "signal_unlocked"},
        {TL_BUG_COND_MISUSE, "Misc", "wait_unheld"},
        {TL_BUG_COND_MISUSE, "PthAPIerror", "wait_unheld"},
        {TL_BUG_COND_MISUSE, "Misc", "wait_unheld"},
        {TL_BUG_BAD_UNLOCK, "UnlockUnlocked", "rwlock_unlock_unlocked"},
        {TL_BUG_API_MISUSE, "Misc", "barrier_destroy_twice"},
        {TL_BUG_API_MISUSE, "Misc", "barrier_count_zero"},
        {TL_BUG_API_MISUSE, "PthAPIerror", "barrier_count_zero"},
        {TL_BUG_COND_MISUSE, "Misc", "wait_two_mutexes"},
        {TL_BUG_API_MISUSE, "PthAPIerror", "join_self"},
    };
    assert_misuse("helgrind", want, sizeof want / sizeof want[0]);

    tl_finding f[MAXF];
    parse_sample("helgrind", "api-misuse", f, NULL);
    ck_assert_str_eq(f[6].kind_text,
                     "Misc: Thread #1: Attempt to re-lock a non-recursive lock I already hold");
    assert_frame(&f[6].frame, "tests/valgrind-logs/api_misuse.c", 77, "relock");
    ck_assert_str_eq(f[7].kind_text,
                     "PthAPIerror: Thread #1's call to pthread_mutex_lock failed with error code "
                     "35 (EDEADLK: Resource deadlock would occur)");
    ck_assert_str_eq(f[10].summary, "Thread #1: pthread_cond_{signal,broadcast}: dubious: "
                                    "associated lock is not held by any thread - "
                                    "tests/valgrind-logs/api_misuse.c:113 in signal_unlocked");
    /* The waiter named itself; Helgrind says so only in errors of its own,
     * and it has none here. */
    assert_access(&f[9].access[1], TL_ACC_READ, 4, true, 2, "");
}
END_TEST

START_TEST(test_drd_api_misuse)
{
    static const expected want[] = {
        {TL_BUG_BAD_UNLOCK, "MutexErr", "unlock_unlocked"},
        {TL_BUG_LOCK_HELD_AT_EXIT, "MutexErr", "unlock_foreign"},
        {TL_BUG_BAD_UNLOCK, "MutexErr", "unlock_foreign"},
        {TL_BUG_API_MISUSE, "MutexErr", "destroy_locked"}, /* reinitialization */
        {TL_BUG_DESTROY_LOCKED, "MutexErr", "destroy_locked"},
        {TL_BUG_INVALID_MUTEX, "MutexErr", "destroy_locked"},
        {TL_BUG_INVALID_MUTEX, "MutexErr", "destroy_locked"},
        {TL_BUG_DOUBLE_LOCK, "MutexErr", "relock"},
        {TL_BUG_INVALID_MUTEX, "MutexErr", "unlock_bogus"},
        {TL_BUG_DATA_RACE, "ConflictingAccess", "signal_unlocked"},
        {TL_BUG_COND_MISUSE, "CondRaceErr", "signal_unlocked"},
        {TL_BUG_DATA_RACE, "ConflictingAccess", "cv_waiter"},
        {TL_BUG_BAD_UNLOCK, "MutexErr", "wait_unheld"},
        {TL_BUG_DESTROY_LOCKED, "MutexErr", "wait_unheld"},
        {TL_BUG_BAD_UNLOCK, "RwlockErr", "rwlock_unlock_unlocked"},
        {TL_BUG_API_MISUSE, "GenericErr", "barrier_destroy_twice"},
        {TL_BUG_API_MISUSE, "BarrierErr", "barrier_count_zero"},
        {TL_BUG_COND_MISUSE, "CondErr", "signal_destroyed"},
        {TL_BUG_COND_MISUSE, "CondWaitErr", "wait_two_mutexes"},
        {TL_BUG_API_MISUSE, "SemaphoreErr", "sem_destroy_waited"},
        {TL_BUG_API_MISUSE, "SemaphoreErr", "wait_on_semaphore"},
        {TL_BUG_API_MISUSE, "InvalidThreadId", "detach_joined"},
        {TL_BUG_OTHER, "HoldtimeErr", "hold_long"},
    };
    tl_finding f[MAXF];
    size_t n = sizeof want / sizeof want[0];
    ck_assert_uint_eq(parse_sample("drd", "api-misuse", f, NULL), n);
    /* Races beyond the first: DRD prints a segment per conflicting one,
     * up to the finding's four accesses. */
    for (size_t i = 0; i < n; i++)
        if (want[i].kind == TL_BUG_DATA_RACE)
            ck_assert_int_eq(f[i].naccess, TL_FINDING_MAX_ACCESSES);
        else
            ck_assert_int_eq(f[i].naccess, 0);
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(want[i].tool_kind);
        ck_assert_msg(f[i].kind == want[i].kind, "drd [%zu] %s: %s", i, f[i].kind_text,
                      tl_bug_kind_token(f[i].kind));
        ck_assert_msg(strncmp(f[i].kind_text, want[i].tool_kind, k) == 0, "[%zu] %s", i,
                      f[i].kind_text);
        ck_assert_str_eq(f[i].frame.function, want[i].function);
        ck_assert_str_eq(f[i].frame.file, "tests/valgrind-logs/api_misuse.c");
        ck_assert_int_gt(f[i].frame.line, 0);
    }
    /* The nested <what> of <first_observed_at> is not the report's. */
    ck_assert_str_eq(f[0].kind_text,
                     "MutexErr: Mutex not locked: mutex 0x1fff000470, recursion count 0, owner 0.");
    assert_frame(&f[0].frame, "tests/valgrind-logs/api_misuse.c", 38, "unlock_unlocked");
    /* The waiter named itself, and DRD says so in its race. */
    assert_access(&f[11].access[0], TL_ACC_READ, 4, false, 2, "cv-waiter");
}
END_TEST

/* The kinds no capture shows, from the sentences of Valgrind 3.19's
 * sources. */
START_TEST(test_kind_table)
{
    static const struct {
        const char *kind, *what;
        tl_bug_kind want;
    } rows[] = {
        {"RwlockErr", "Reader-writer lock still locked at thread exit: rwlock 0x10.",
         TL_BUG_LOCK_HELD_AT_EXIT},
        {"RwlockErr", "Recursive writer locking not allowed: rwlock 0x10.", TL_BUG_DOUBLE_LOCK},
        {"RwlockErr", "Destroying locked rwlock: rwlock 0x10.", TL_BUG_DESTROY_LOCKED},
        {"RwlockErr", "Not a reader-writer lock: rwlock 0x10.", TL_BUG_INVALID_MUTEX},
        {"MutexErr", "Mutex not locked by calling thread: mutex 0x10, recursion count 1, owner 2.",
         TL_BUG_BAD_UNLOCK},
        {"MutexErr", "Mutex type mismatch: mutex 0x10, recursion count 0, owner 0.",
         TL_BUG_INVALID_MUTEX},
        {"CondDestrErr", "Destroying condition variable that is being waited upon: cond 0x10",
         TL_BUG_COND_MISUSE},
        {"UnimpHgClReq",
         "The annotation macro ANNOTATE_X has not yet been implemented in <valgrind/helgrind.h>",
         TL_BUG_RUNTIME_MESSAGE},
        {"UnimpDrdClReq", "The annotation macro X has not yet been implemented",
         TL_BUG_RUNTIME_MESSAGE},
        {"Misc", "Thread #2: pthread_mutex_destroy with invalid argument", TL_BUG_INVALID_MUTEX},
        {"Misc", "Thread #2: pthread_rwlock_destroy of a locked mutex", TL_BUG_DESTROY_LOCKED},
        {"Misc", "Thread #2: pthread_mutex_lock with a pthread_rwlock_t* argument ",
         TL_BUG_INVALID_MUTEX},
        {"Misc", "Thread #2: pthread_cond_{timed}wait called with invalid mutex",
         TL_BUG_INVALID_MUTEX},
        {"Misc",
         "Thread #2: pthread_cond_{signal,broadcast}: associated lock is not held by calling "
         "thread",
         TL_BUG_COND_MISUSE},
        {"Misc",
         "Thread #2: Bug in libpthread: write lock granted on mutex/rwlock which is currently "
         "wr-held by a different thread",
         TL_BUG_RUNTIME_MESSAGE},
        {"Misc",
         "Thread #3: Bug in libpthread: recursive write lock granted on mutex/wrlock which does "
         "not support recursion",
         TL_BUG_RUNTIME_MESSAGE},
        {"Misc", "Thread #2: sem_init: initial value exceeds 10000; using 10000",
         TL_BUG_API_MISUSE},
        {"PthAPIerror",
         "Thread #2's call to pthread_rwlock_wrlock failed with error code 35 (EDEADLK: Resource "
         "deadlock would occur)",
         TL_BUG_DOUBLE_LOCK},
        {"PthAPIerror",
         "Thread #2's call to pthread_mutex_unlock failed with error code 1 (EPERM: Operation not "
         "permitted)",
         TL_BUG_BAD_UNLOCK},
        {"PthAPIerror",
         "Thread #2's call to pthread_mutex_lock failed with error code 22 (EINVAL: Invalid "
         "argument)",
         TL_BUG_INVALID_MUTEX},
        {"PthAPIerror",
         "Thread #2's call to pthread_join failed with error code 35 (EDEADLK: Resource deadlock "
         "would occur)",
         TL_BUG_API_MISUSE},
        {"PthAPIerror",
         "Thread #2's call to pthread_cond_destroy failed with error code 16 (EBUSY: Device or "
         "resource busy)",
         TL_BUG_COND_MISUSE},
        {"FutureErr", "Something new", TL_BUG_OTHER},
        {NULL, NULL, TL_BUG_OTHER},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        ck_assert_msg(tl__vg_bug_kind(rows[i].kind, rows[i].what) == rows[i].want, "%s: %s -> %s",
                      rows[i].kind, rows[i].what,
                      tl_bug_kind_token(tl__vg_bug_kind(rows[i].kind, rows[i].what)));
    /* Every kind the reader can give has a token the evidence accepts. */
    for (int k = TL_BUG_API_MISUSE; k <= TL_BUG_LOCK_HELD_AT_EXIT; k++)
        ck_assert_int_eq(tl_bug_kind_from_token(tl_bug_kind_token((tl_bug_kind)k)), k);
    ck_assert_int_eq(tl_bug_kind_from_token("api-misuse"), TL_BUG_API_MISUSE);
    ck_assert_int_eq(tl_bug_kind_from_token("cond-misuse"), TL_BUG_COND_MISUSE);
    ck_assert_int_eq(tl_bug_kind_from_token("lock-held-at-exit"), TL_BUG_LOCK_HELD_AT_EXIT);
}
END_TEST

/* ---- damaged documents ------------------------------------------------------ */

static void assert_same_finding(const tl_finding *a, const tl_finding *b)
{
    ck_assert_int_eq(a->kind, b->kind);
    ck_assert_str_eq(a->kind_text, b->kind_text);
    ck_assert_str_eq(a->summary, b->summary);
    ck_assert_uint_eq(a->start, b->start);
    ck_assert_uint_eq(a->end, b->end);
    ck_assert_int_eq(a->naccess, b->naccess);
    for (int i = 0; i < a->naccess; i++) {
        ck_assert_int_eq(a->access[i].op, b->access[i].op);
        ck_assert_int_eq(a->access[i].thread, b->access[i].thread);
        ck_assert_int_eq(a->access[i].frame.line, b->access[i].frame.line);
    }
    ck_assert_int_eq(a->location.kind, b->location.kind);
    ck_assert_str_eq(a->location.text, b->location.text);
    ck_assert_int_eq(a->ncycle, b->ncycle);
}

START_TEST(test_cut_inside_an_error)
{
    tl_finding whole[MAXF], f[MAXF];
    sample s = read_sample("helgrind", "race-counter-cut");
    tl_valgrind_doc doc;
    ck_assert_uint_eq(parse_sample("helgrind", "race-counter", whole, NULL), 2);
    ck_assert_uint_eq(tl_valgrind_parse_doc(s.text, s.len, CAPTURE_DIR, f, MAXF, &doc), 2);
    ck_assert(!doc.complete);
    ck_assert(!doc.well_formed);
    ck_assert(!doc.finished);
    ck_assert_ptr_nonnull(strstr(doc.xml_error, "unclosed token"));
    /* The whole error before the cut, exactly. */
    assert_same_finding(&f[0], &whole[0]);
    /* The cut one: its kind and its first access, to the end of the text;
     * the frame being read keeps its file and function, its line unread. */
    ck_assert_int_eq(f[1].kind, TL_BUG_DATA_RACE);
    ck_assert_uint_eq(f[1].start, whole[1].start);
    ck_assert_uint_eq(f[1].end, s.len);
    ck_assert_int_eq(f[1].naccess, 1);
    assert_access(&f[1].access[0], TL_ACC_WRITE, 8, false, 2, "adder-0");
    ck_assert_str_eq(f[1].frame.file, "scenarios/race_counter.c");
    ck_assert_str_eq(f[1].frame.function, "forced_lost_update");
    ck_assert_int_eq(f[1].frame.line, 0);
    ck_assert_int_eq(f[1].location.kind, TL_LOC_NONE);
    free(s.text);
}
END_TEST

/* A document cut at any byte: never more errors than the whole one, never
 * fewer as the cut moves on, and every error that ends before the cut
 * exactly as in the whole document. */
static void cut_everywhere(const char *tool, const char *name, size_t step)
{
    static tl_finding whole[MAXF], f[MAXF];
    sample s;
    size_t all = parse_sample(tool, name, whole, &s);
    ck_assert_uint_le(all, MAXF);
    size_t last = 0;
    for (size_t cut = 0;; cut = cut + step > s.len ? s.len : cut + step) {
        /* A copy of exactly cut bytes, so that a read past it is caught by
         * the address sanitizer of an --enable-asan build. */
        char *copy = malloc(cut ? cut : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, s.text, cut);
        size_t n = tl_valgrind_parse(copy, cut, CAPTURE_DIR, f, MAXF);
        ck_assert_uint_le(n, all);
        ck_assert_uint_ge(n, last);
        last = n;
        for (size_t i = 0; i < n; i++) {
            ck_assert_uint_eq(f[i].start, whole[i].start);
            ck_assert_uint_le(f[i].end, cut);
            if (whole[i].end <= cut) {
                assert_same_finding(&f[i], &whole[i]);
            } else {
                /* Cut short: its kind_text starts with the tool's kind (the
                 * neutral kind may still wait for the what-text). */
                size_t k = strcspn(whole[i].kind_text, ":");
                ck_assert(strncmp(f[i].kind_text, whole[i].kind_text, k) == 0);
                ck_assert_uint_eq(f[i].end, cut);
            }
        }
        free(copy);
        if (cut == s.len)
            break;
    }
    ck_assert_uint_eq(last, all);
    free(s.text);
}

START_TEST(test_cut_everywhere_helgrind)
{
    cut_everywhere("helgrind", "race-counter", 1);
}
END_TEST

START_TEST(test_cut_everywhere_drd)
{
    cut_everywhere("drd", "api-misuse", 7);
}
END_TEST

/* DRD 3.19 asserting: a <stack> after </valgrindoutput>. */
START_TEST(test_junk_after_the_document)
{
    tl_finding f[MAXF];
    sample s = read_sample("drd", "internal-error");
    tl_valgrind_doc doc;
    ck_assert_uint_eq(tl_valgrind_parse_doc(s.text, s.len, CAPTURE_DIR, f, MAXF, &doc), 17);
    ck_assert(doc.complete);
    ck_assert(!doc.well_formed);
    ck_assert(!doc.finished); /* no FINISHED status: the run did not end */
    ck_assert_ptr_nonnull(strstr(doc.xml_error, "junk after document element"));
    const char *close = memmem(s.text, s.len, "</valgrindoutput>", 17);
    ck_assert_ptr_nonnull(close);
    ck_assert_uint_le(f[16].end, (size_t)(close - s.text));
    ck_assert_int_eq(f[16].kind, TL_BUG_API_MISUSE);
    free(s.text);
}
END_TEST

START_TEST(test_empty_and_not_xml)
{
    tl_finding f[2];
    tl_valgrind_doc doc;
    static const char *const texts[] = {
        "",
        "==1234== Helgrind, a thread error detector\n==1234== Possible data race during write\n",
        "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 4 at 0x1 by thread T1:\n",
        "<error><kind>Race</kind>", /* a fragment: no document, but an error */
        "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<error>\n<unique>0x0</unique>",
        "\xef\xbb\xbf<<<>>>&&&;;\x01\x02",
    };
    static const size_t want[] = {0, 0, 0, 1, 0, 0};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        ck_assert_uint_eq(tl_valgrind_parse_doc(texts[i], strlen(texts[i]), NULL, f, 2, &doc),
                          want[i]);
        ck_assert(!doc.well_formed);
        ck_assert(!doc.complete);
        ck_assert(doc.xml_error[0] != '\0');
    }
    ck_assert_uint_eq(tl_valgrind_parse(NULL, 100, NULL, f, 2), 0);
    ck_assert_uint_eq(tl_valgrind_parse("<error><kind>Race</kind></error>", 32, NULL, NULL, 5), 1);
}
END_TEST

/* A DOCTYPE is refused: no entity of it is ever expanded. */
START_TEST(test_doctype_refused)
{
    tl_finding f[2];
    tl_valgrind_doc doc;
    const char *bomb = "<?xml version=\"1.0\"?><!DOCTYPE v [<!ENTITY a \"aaaaaaaaaa\">"
                       "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                       "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
                       "<valgrindoutput><error><kind>&c;</kind></error></valgrindoutput>";
    ck_assert_uint_eq(tl_valgrind_parse_doc(bomb, strlen(bomb), NULL, f, 2, &doc), 0);
    ck_assert_ptr_nonnull(strstr(doc.xml_error, "DOCTYPE"));
}
END_TEST

/* Bytes that are not UTF-8 (a thread named by the program in Latin-1) do
 * not end the reading; they come back as written. */
START_TEST(test_bytes_that_are_not_utf8)
{
    tl_finding f[4];
    tl_valgrind_doc doc;
    const char *xml =
        "<valgrindoutput><error><tid>2</tid><threadname>caf\xe9-\xff</threadname><kind>Race</kind>"
        "<xwhat><text>Possible data race during read of size 2 at 0x10 by thread #2</text>"
        "<hthreadid>2</hthreadid></xwhat></error>"
        "<error><kind>Race</kind><xwhat><text>Possible data race during write of size 4 at "
        "0x10 by thread #3</text></xwhat><xauxwhat><text>This conflicts with a previous read "
        "of size 2 by thread #2</text></xauxwhat></error></valgrindoutput>";
    ck_assert_uint_eq(tl_valgrind_parse_doc(xml, strlen(xml), NULL, f, 4, &doc), 2);
    ck_assert(doc.well_formed);
    ck_assert_str_eq(f[0].access[0].thread_name, "caf\xe9-\xff");
    /* Learnt from the first error, it names the second's previous access. */
    assert_access(&f[1].access[1], TL_ACC_READ, 2, true, 1, "caf\xe9-\xff");
    ck_assert_int_eq(f[1].access[0].thread, 2);
    ck_assert_str_eq(f[1].access[0].thread_name, "");
}
END_TEST

/* ---- huge and deep ----------------------------------------------------------- */

static char *repeat(const char *head, const char *unit, size_t times, const char *tail, size_t *len)
{
    size_t h = strlen(head), u = strlen(unit), t = strlen(tail);
    *len = h + u * times + t;
    char *s = malloc(*len + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, head, h);
    for (size_t i = 0; i < times; i++)
        memcpy(s + h + i * u, unit, u);
    memcpy(s + h + u * times, tail, t + 1);
    return s;
}

/* Many errors in a document of several expat slices: each counted, the
 * first ones stored, their offsets exact past the first slice. */
START_TEST(test_many_errors)
{
    tl_finding whole[MAXF];
    sample s;
    parse_sample("helgrind", "race-counter", whole, &s);
    size_t elen = whole[0].end - whole[0].start;
    char *unit = malloc(elen + 2);
    ck_assert_ptr_nonnull(unit);
    memcpy(unit, s.text + whole[0].start, elen);
    unit[elen] = '\n';
    unit[elen + 1] = '\0';
    const size_t times = 2500; /* ~7 MB: seven slices */
    const char *head = "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<pid>42</pid>\n";
    size_t len;
    char *doc = repeat(head, unit, times, "</valgrindoutput>\n", &len);
    static tl_finding f[8];
    ck_assert_uint_eq(tl_valgrind_parse(doc, len, CAPTURE_DIR, f, 8), times);
    ck_assert_uint_eq(tl_valgrind_parse(doc, len, CAPTURE_DIR, NULL, 0), times);
    for (size_t i = 0; i < 8; i++) {
        ck_assert_uint_eq(f[i].start, strlen(head) + i * (elen + 1));
        ck_assert_int_eq(f[i].pid, 42);
        ck_assert_str_eq(f[i].summary, whole[0].summary);
        assert_access(&f[i].access[1], TL_ACC_READ, 8, true, 2, "");
    }
    /* The last one, far past the first slice, by offset. */
    tl_finding last;
    size_t off = strlen(head) + (times - 1) * (elen + 1);
    ck_assert_uint_eq(tl_valgrind_parse(doc + off, elen, CAPTURE_DIR, &last, 1), 1);
    ck_assert_uint_eq(last.end, elen);
    free(doc);
    free(unit);
    free(s.text);
}
END_TEST

/* Nesting far deeper than Valgrind's six levels, outside and inside an
 * error, and texts far longer than any field. */
START_TEST(test_deep_and_long)
{
    tl_finding f[2];
    size_t len;
    char *deep = repeat("<valgrindoutput>", "<a>", 200000, "", &len);
    ck_assert_uint_eq(tl_valgrind_parse(deep, len, NULL, f, 2), 0);
    free(deep);

    deep = repeat("<valgrindoutput><error><kind>Misc</kind>", "<stack><frame>", 100000,
                  "<fn>x</fn>", &len);
    ck_assert_uint_eq(tl_valgrind_parse(deep, len, NULL, f, 2), 1);
    ck_assert_int_eq(f[0].kind, TL_BUG_API_MISUSE);
    ck_assert_uint_eq(f[0].end, len);
    free(deep);

    char *name = repeat("", "n", 1 << 20, "", &len);
    char *xml = malloc(6 * len + 1024);
    ck_assert_ptr_nonnull(xml);
    sprintf(xml,
            "<valgrindoutput><error><threadname>%s</threadname><kind>Race%s</kind><xwhat><text>"
            "Possible data race during write of size 4 at 0x1 by thread #2 %s</text></xwhat>"
            "<stack><frame><fn>%s</fn><dir>/src/scenarios</dir><file>%s.c</file><line>7</line>"
            "</frame></stack><auxwhat>Location 0x1 is 0 bytes inside global var \"%s\"</auxwhat>"
            "</error></valgrindoutput>",
            name, name, name, name, name, name);
    size_t n = tl_valgrind_parse(xml, strlen(xml), "/src", f, 2);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(f[0].kind, TL_BUG_OTHER); /* "Racennn...": no kind of Valgrind's */
    ck_assert_uint_eq(strlen(f[0].kind_text), sizeof f[0].kind_text - 1);
    ck_assert_uint_eq(strlen(f[0].summary), sizeof f[0].summary - 1);
    ck_assert_uint_eq(strlen(f[0].access[0].thread_name), sizeof f[0].access[0].thread_name - 1);
    ck_assert_uint_eq(strlen(f[0].location.name), sizeof f[0].location.name - 1);
    ck_assert_uint_eq(strlen(f[0].access[0].frame.function),
                      sizeof f[0].access[0].frame.function - 1);
    free(xml);
    free(name);
}
END_TEST

/* ---- strip_prefix ------------------------------------------------------------- */

START_TEST(test_strip_prefix)
{
    static const struct {
        const char *prefix, *file;
    } rows[] = {
        {NULL, CAPTURE_DIR "/scenarios/race_counter.c"},
        {"", CAPTURE_DIR "/scenarios/race_counter.c"},
        {CAPTURE_DIR, "scenarios/race_counter.c"},
        {CAPTURE_DIR "/", "scenarios/race_counter.c"},
        {CAPTURE_DIR "//", "scenarios/race_counter.c"},
        /* Only whole components: "/work/h-vg" is no directory of the path. */
        {"/work/h-vg", CAPTURE_DIR "/scenarios/race_counter.c"},
        {"/elsewhere", CAPTURE_DIR "/scenarios/race_counter.c"},
    };
    sample s = read_sample("helgrind", "race-counter");
    tl_finding f[2];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ck_assert_uint_eq(tl_valgrind_parse(s.text, s.len, rows[i].prefix, f, 2), 2);
        ck_assert_str_eq(f[0].access[0].frame.file, rows[i].file);
        ck_assert_str_eq(f[0].frame.file, rows[i].file);
        /* Own either way: the path has a scenarios/ component. */
        ck_assert(f[0].frame.own);
    }
    free(s.text);
}
END_TEST

Suite *tl_suite_valgrind_xml(void)
{
    Suite *s = suite_create("valgrind_xml");
    TCase *logs = tcase_create("captured");
    tcase_add_test(logs, test_helgrind_race_counter);
    tcase_add_test(logs, test_drd_race_counter);
    tcase_add_loop_test(logs, test_var_info_location, 0, 2);
    tcase_add_test(logs, test_helgrind_approx_history);
    tcase_add_loop_test(logs, test_clean_runs, 0, 2);
    tcase_add_test(logs, test_race_publish);
    tcase_add_test(logs, test_stack_escape);
    tcase_add_test(logs, test_lock_order);
    tcase_add_test(logs, test_heap_and_local);
    tcase_add_test(logs, test_helgrind_api_misuse);
    tcase_add_test(logs, test_drd_api_misuse);
    tcase_add_test(logs, test_kind_table);
    tcase_add_test(logs, test_strip_prefix);
    suite_add_tcase(s, logs);

    TCase *damaged = tcase_create("damaged");
    tcase_add_test(damaged, test_cut_inside_an_error);
    tcase_add_test(damaged, test_cut_everywhere_helgrind);
    tcase_add_test(damaged, test_cut_everywhere_drd);
    tcase_add_test(damaged, test_junk_after_the_document);
    tcase_add_test(damaged, test_empty_and_not_xml);
    tcase_add_test(damaged, test_doctype_refused);
    tcase_add_test(damaged, test_bytes_that_are_not_utf8);
    tcase_add_test(damaged, test_many_errors);
    tcase_add_test(damaged, test_deep_and_long);
    suite_add_tcase(s, damaged);
    return s;
}
