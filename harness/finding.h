/* SPDX-License-Identifier: MIT */
/* A finding: one report of one detector, in a form no reader needs to know
 * the detector for - its bug kind, the accesses with thread and source frame,
 * the memory's location, a lock cycle, the summary line, and where in the
 * detector's log the report sits. Each backend (harness/detectors/) parses
 * its own output into these; the verdict and the report writers read only
 * these. */
#ifndef TL_FINDING_H
#define TL_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Bug kinds, in one vocabulary for every detector. The token
 * (tl_bug_kind_token) is what scenario expectations name ("data-race"), and
 * what a run's evidence carries after the detector's name
 * ("tsan:data-race"). Each backend maps its own report names onto these
 * (the comments give ThreadSanitizer's): a kind no backend prints has no
 * place here. runtime-message is what a detector prints outside a report:
 * kept for the record, never evidence. */
typedef enum {
    TL_BUG_DATA_RACE,             /* "data race" -> data-race */
    TL_BUG_LOCK_ORDER_INVERSION,  /* "lock-order-inversion (potential deadlock)" -> lock-order-inversion */
    TL_BUG_HEAP_USE_AFTER_FREE,   /* "heap-use-after-free" -> heap-use-after-free */
    TL_BUG_THREAD_LEAK,           /* "thread leak" -> thread-leak */
    TL_BUG_DOUBLE_LOCK,           /* "double lock of a mutex" -> double-lock */
    TL_BUG_BAD_UNLOCK,            /* "unlock of an unlocked mutex (or by a wrong thread)" -> bad-unlock */
    TL_BUG_DESTROY_LOCKED,        /* "destroy of a locked mutex" -> destroy-locked */
    TL_BUG_SIGNAL_UNSAFE,         /* "signal-unsafe call inside of a signal" -> signal-unsafe-call */
    TL_BUG_SIGNAL_ERRNO,          /* "signal handler spoils errno" -> signal-spoils-errno */
    TL_BUG_INVALID_MUTEX,         /* "use of an invalid mutex (e.g. uninitialized or destroyed)" -> invalid-mutex */
    TL_BUG_DATA_RACE_VPTR,        /* "data race on vptr (ctor/dtor vs virtual call)" -> data-race-vptr */
    TL_BUG_HEAP_USE_AFTER_FREE_VPTR, /* "heap-use-after-free (virtual call vs free)" -> heap-use-after-free-vptr */
    TL_BUG_READ_LOCK_WRITE_LOCKED,   /* "read lock of a write locked mutex" -> read-lock-of-write-locked-mutex */
    TL_BUG_READ_UNLOCK_WRITE_LOCKED, /* "read unlock of a write locked mutex" -> read-unlock-of-write-locked-mutex */
    TL_BUG_MUTEX_WRONG_CONTEXT,   /* "mutex held in the wrong context" (clang 19+) -> mutex-wrong-context */
    TL_BUG_EXTERNAL_RACE,         /* "race on <tag>" / "race on external object"
                                    * (__tsan_external_* API) -> external-race */
    /* Kinds TSan has no report for, from Helgrind and DRD (valgrind_kinds.c
     * maps their reports): */
    TL_BUG_API_MISUSE,            /* a threading API called wrongly (a failed call, a
                                    * barrier of count 0, a semaphore destroyed while
                                    * waited on, a join of an invalid thread) -> api-misuse */
    TL_BUG_COND_MISUSE,           /* a condition variable used wrongly (signalled without
                                    * its mutex held, waited on with a mutex not held or two
                                    * mutexes, destroyed while waited on) -> cond-misuse */
    TL_BUG_LOCK_HELD_AT_EXIT,     /* a thread exited still holding a lock, which no one
                                    * can then release -> lock-held-at-exit */
    TL_BUG_RUNTIME_MESSAGE,       /* a line TSan printed outside any WARNING block:
                                    * "ThreadSanitizer: thread T1  finished with ignores
                                    * enabled, created at:", "==N==ThreadSanitizer: CHECK
                                    * failed: ...", "FATAL: ThreadSanitizer ..."; Valgrind's
                                    * "annotation not implemented" reports -> runtime-message */
    TL_BUG_OTHER,                 /* any other WARNING: ThreadSanitizer: line, or Valgrind
                                    * report no kind above fits -> other */
} tl_bug_kind;

const char *tl_bug_kind_token(tl_bug_kind k);
/* Returns the kind for a token ("data-race"), or -1 when unknown. */
int tl_bug_kind_from_token(const char *token);

/* A stack frame resolved to source; file is as printed (absolute or not). */
typedef struct {
    char function[128];
    char file[256];
    int line;            /* 0 when unknown */
    int column;          /* 0 when absent (gcc) */
    bool found;          /* false: the stack has no usable frame at all */
    bool own;            /* true: the frame is in threadlab's own sources; false
                          * with found: the first frame with a source line that is
                          * not the sanitizer runtime, libc, libstdc++ or ld.so
                          * (an out-of-tree scenario's code) */
} tl_frame;

typedef enum { TL_ACC_NONE, TL_ACC_READ, TL_ACC_WRITE } tl_access_op;

/* One access of a race ("Write of size 4 at 0x.. by thread T1:" or
 * "Previous atomic read of size 4 at ... by main thread:"), or of an external
 * race ("Modifying access of WorkQueue at 0x.. by main thread:" is a write,
 * "Read-only access of ..." a read; size 0, since none is printed). */
typedef struct {
    tl_access_op op;
    int size;
    bool atomic;
    bool previous;       /* the "Previous ..." access */
    int thread;          /* T number; 0 = main thread; -1 unknown */
    char thread_name[64];/* from the "Thread T1 'name' (tid=...)" lines or
                          * the access line; "main" for the main thread; "" if none */
    tl_frame frame; /* best frame of this access's stack (see tl_frame) */
} tl_access;

typedef enum {
    TL_LOC_NONE,
    TL_LOC_GLOBAL,  /* "Location is global 'counter' of size 4 at ..." */
    TL_LOC_HEAP,    /* "Location is heap block of size 16 at ... allocated by thread T1:" */
    TL_LOC_STACK,   /* "Location is stack of thread T1." / "of main thread." */
    TL_LOC_TLS,     /* "Location is TLS of thread T1." / "of main thread." */
    TL_LOC_OTHER,
} tl_location_kind;

typedef struct {
    tl_location_kind kind;
    char name[128];      /* global's name; "" otherwise */
    long size;           /* global or heap block size; 0 if not printed */
    int thread;          /* owning thread for stack/TLS; 0 main; -1 n/a */
    char text[256];      /* the whole "Location is ..." line, trimmed */
} tl_location;

enum { TL_FINDING_MAX_ACCESSES = 4, TL_FINDING_MAX_CYCLE = 8 };

typedef struct {
    tl_bug_kind kind;
    char kind_text[128];     /* the detector's own name for it (TSan: what follows
                              * "ThreadSanitizer: ", without " (pid=N)") */
    int pid;
    tl_frame frame;     /* the report's frame: the first access's own frame, else
                              * the first own frame of any stack, else the first
                              * out-of-tree frame (own false) found the same way */
    tl_access access[TL_FINDING_MAX_ACCESSES];
    int naccess;
    tl_location location;
    /* Lock-order cycle: "Cycle in lock order graph: M1 (0x..) => M2 (0x..) => M1"
     * stored as mutex ids ("M1", "M2", "M1"); ncycle 0 when not a cycle report.
     * Only the first TL_FINDING_MAX_CYCLE ids are kept: cycle_len is how many TSan
     * printed, and cycle_cut says that some were dropped (cycle_len > ncycle). */
    char cycle[TL_FINDING_MAX_CYCLE][16];
    int ncycle;
    int cycle_len;
    bool cycle_cut;
    char summary[512];       /* one line saying what was found (TSan: its SUMMARY:
                              * line after "SUMMARY: ThreadSanitizer: ") */
    size_t start, end;       /* byte offsets of the report in the detector's log
                              * (TSan: from its first "=====" line to the closing one) */
} tl_finding;

/* True when a frame's file is one of threadlab's own sources: the path
 * contains "scenarios/", "harness/", "primitives/" or "tests/" and the
 * function is not a runtime one. Exposed for tests. */
bool tl_frame_is_own_file(const char *file);

/* How good a frame's file is as "the place of the bug": 1 a scenario or
 * test, 2 the harness, 3 the lock layer, 0 not one of threadlab's files. */
int tl_frame_file_rank(const char *file);

/* The accesses of a finding in words, as `go test -race` users read them:
 * what the location is, then one line per access - which thread read or
 * wrote it, where, and whether it was the previous access - each line
 * starting with `indent` spaces. Nothing for a finding without accesses. */
void tl_finding_print_accesses(FILE *to, const tl_finding *f, int indent);

#endif
