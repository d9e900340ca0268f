/* SPDX-License-Identifier: MIT */
/* ThreadSanitizer report parser: turns the text TSan writes (to stderr or to
 * log_path=DIR/tsan.PID) into findings. Handles clang 14+ and gcc 12 output:
 * frames with or without a column, with or without "(BuildId: ...)", runtime
 * frames (__tsan_*, __interceptor_*, tl_lock internals) before the first
 * frame in threadlab's own sources, or, for code outside the tree, before
 * the first frame outside the runtime and the C libraries. Pure functions
 * over a string: no I/O. */
#ifndef TL_TSAN_PARSE_H
#define TL_TSAN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Normalised finding kinds. The token (tl_tsan_kind_token) is what scenario
 * expectations name after "tsan:", e.g. "tsan:data-race". The list covers
 * every report kind the clang 14, clang 19 and gcc 12 runtimes can print
 * after "WARNING: ThreadSanitizer: " (taken from the strings in their
 * libraries), plus runtime-message for what TSan prints outside a report. */
typedef enum {
    TL_TSAN_DATA_RACE,             /* "data race" -> data-race */
    TL_TSAN_LOCK_ORDER_INVERSION,  /* "lock-order-inversion (potential deadlock)" -> lock-order-inversion */
    TL_TSAN_HEAP_USE_AFTER_FREE,   /* "heap-use-after-free" -> heap-use-after-free */
    TL_TSAN_THREAD_LEAK,           /* "thread leak" -> thread-leak */
    TL_TSAN_DOUBLE_LOCK,           /* "double lock of a mutex" -> double-lock */
    TL_TSAN_BAD_UNLOCK,            /* "unlock of an unlocked mutex (or by a wrong thread)" -> bad-unlock */
    TL_TSAN_DESTROY_LOCKED,        /* "destroy of a locked mutex" -> destroy-locked */
    TL_TSAN_SIGNAL_UNSAFE,         /* "signal-unsafe call inside of a signal" -> signal-unsafe-call */
    TL_TSAN_SIGNAL_ERRNO,          /* "signal handler spoils errno" -> signal-spoils-errno */
    TL_TSAN_INVALID_MUTEX,         /* "use of an invalid mutex (e.g. uninitialized or destroyed)" -> invalid-mutex */
    TL_TSAN_DATA_RACE_VPTR,        /* "data race on vptr (ctor/dtor vs virtual call)" -> data-race-vptr */
    TL_TSAN_HEAP_USE_AFTER_FREE_VPTR, /* "heap-use-after-free (virtual call vs free)" -> heap-use-after-free-vptr */
    TL_TSAN_READ_LOCK_WRITE_LOCKED,   /* "read lock of a write locked mutex" -> read-lock-of-write-locked-mutex */
    TL_TSAN_READ_UNLOCK_WRITE_LOCKED, /* "read unlock of a write locked mutex" -> read-unlock-of-write-locked-mutex */
    TL_TSAN_MUTEX_WRONG_CONTEXT,   /* "mutex held in the wrong context" (clang 19+) -> mutex-wrong-context */
    TL_TSAN_EXTERNAL_RACE,         /* "race on <tag>" / "race on external object"
                                    * (__tsan_external_* API) -> external-race */
    TL_TSAN_RUNTIME_MESSAGE,       /* a line TSan printed outside any WARNING block:
                                    * "ThreadSanitizer: thread T1  finished with ignores
                                    * enabled, created at:", "==N==ThreadSanitizer: CHECK
                                    * failed: ...", "FATAL: ThreadSanitizer ..." -> runtime-message */
    TL_TSAN_OTHER,                 /* any other WARNING: ThreadSanitizer: line -> other */
} tl_tsan_kind;

const char *tl_tsan_kind_token(tl_tsan_kind k);
/* Returns the kind for a token ("data-race"), or -1 when unknown. */
int tl_tsan_kind_from_token(const char *token);

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
} tl_tsan_frame;

typedef enum { TL_TSAN_ACC_NONE, TL_TSAN_ACC_READ, TL_TSAN_ACC_WRITE } tl_tsan_access_op;

/* One access of a race ("Write of size 4 at 0x.. by thread T1:" or
 * "Previous atomic read of size 4 at ... by main thread:"), or of an external
 * race ("Modifying access of WorkQueue at 0x.. by main thread:" is a write,
 * "Read-only access of ..." a read; size 0, since none is printed). */
typedef struct {
    tl_tsan_access_op op;
    int size;
    bool atomic;
    bool previous;       /* the "Previous ..." access */
    int thread;          /* T number; 0 = main thread; -1 unknown */
    char thread_name[64];/* from the "Thread T1 'name' (tid=...)" lines or
                          * the access line; "main" for the main thread; "" if none */
    tl_tsan_frame frame; /* best frame of this access's stack (see tl_tsan_frame) */
} tl_tsan_access;

typedef enum {
    TL_TSAN_LOC_NONE,
    TL_TSAN_LOC_GLOBAL,  /* "Location is global 'counter' of size 4 at ..." */
    TL_TSAN_LOC_HEAP,    /* "Location is heap block of size 16 at ... allocated by thread T1:" */
    TL_TSAN_LOC_STACK,   /* "Location is stack of thread T1." / "of main thread." */
    TL_TSAN_LOC_TLS,     /* "Location is TLS of thread T1." / "of main thread." */
    TL_TSAN_LOC_OTHER,
} tl_tsan_location_kind;

typedef struct {
    tl_tsan_location_kind kind;
    char name[128];      /* global's name; "" otherwise */
    long size;           /* global or heap block size; 0 if not printed */
    int thread;          /* owning thread for stack/TLS; 0 main; -1 n/a */
    char text[256];      /* the whole "Location is ..." line, trimmed */
} tl_tsan_location;

enum { TL_TSAN_MAX_ACCESSES = 4, TL_TSAN_MAX_CYCLE = 8 };

typedef struct {
    tl_tsan_kind kind;
    char kind_text[128];     /* as printed after "ThreadSanitizer: ", without " (pid=N)" */
    int pid;
    tl_tsan_frame frame;     /* the report's frame: the first access's own frame, else
                              * the first own frame of any stack, else the first
                              * out-of-tree frame (own false) found the same way */
    tl_tsan_access access[TL_TSAN_MAX_ACCESSES];
    int naccess;
    tl_tsan_location location;
    /* Lock-order cycle: "Cycle in lock order graph: M1 (0x..) => M2 (0x..) => M1"
     * stored as mutex ids ("M1", "M2", "M1"); ncycle 0 when not a cycle report.
     * Only the first TL_TSAN_MAX_CYCLE ids are kept: cycle_len is how many TSan
     * printed, and cycle_cut says that some were dropped (cycle_len > ncycle). */
    char cycle[TL_TSAN_MAX_CYCLE][16];
    int ncycle;
    int cycle_len;
    bool cycle_cut;
    char summary[512];       /* the SUMMARY: line after "SUMMARY: ThreadSanitizer: ", trimmed */
    size_t start, end;       /* byte offsets of the report block in the input text
                              * (from its first "=====" line to the closing one) */
} tl_tsan_finding;

/* Parses every report in text[0..len) into out[0..max). Returns how many
 * findings the text holds (may exceed max: only the first max are stored).
 * A report cut short (truncated log) is still returned with what it has.
 *
 * So that nothing TSan says is lost, a line it prints outside a WARNING
 * block is a finding too, of kind TL_TSAN_RUNTIME_MESSAGE: a line starting
 * with "ThreadSanitizer" (after an optional "==PID==" and "FATAL: "), except
 * the routine "ThreadSanitizer: reported N warnings" at exit. Its kind_text
 * and summary hold that line (without "==PID=="), pid the PID when printed
 * (else 0), frame the best frame of the indented stacks under it (e.g. the
 * "created at:" stack), start/end the line and those indented lines. */
size_t tl_tsan_parse(const char *text, size_t len, tl_tsan_finding *out, size_t max);

/* True when a frame's file is one of threadlab's own sources: the path
 * contains "scenarios/", "harness/", "primitives/" or "tests/" and the
 * function is not a runtime one. Exposed for tests. */
bool tl_tsan_is_own_file(const char *file);

#endif
