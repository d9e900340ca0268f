/* SPDX-License-Identifier: MIT */
/* The state of one reading of a Valgrind XML document, shared by its two
 * halves: valgrind_xml.c follows the document with expat (where it is, the
 * text of its leaves, the facts of the run) and valgrind_error.c turns what
 * each <error> holds into one finding. Internal to those two files. */
#ifndef TL_VALGRIND_READER_H
#define TL_VALGRIND_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "valgrind_xml.h"

/* The elements the reader knows; any other is E_OTHER. */
typedef enum {
    E_OTHER,
    E_ROOT, /* valgrindoutput */
    E_PROTOCOLVERSION,
    E_PROTOCOLTOOL,
    E_PID,
    E_STATUS,
    E_STATE,
    E_FATAL_SIGNAL,
    E_SIGNO,
    E_ERROR,
    E_KIND,
    E_THREADNAME,
    E_WHAT,
    E_XWHAT,
    E_AUXWHAT,
    E_XAUXWHAT,
    E_TEXT,
    E_HTHREADID,
    E_STACK,
    E_FRAME,
    E_FN,
    E_DIR,
    E_FILE,
    E_LINE,
    E_OBJ,
    E_SEG_START, /* DRD's other_segment_start */
    E_SEG_END,   /* DRD's other_segment_end */
} tl__vg_elem;

enum { TL__VG_WHAT_MAX = 512, TL__VG_NAMES_MAX = 64 };

/* Whose frame the next <stack> of an error is: an access's, or one end of
 * the span of time an access lies in (DRD's other segment, Helgrind's
 * "after" ... "but before"). */
typedef enum { T_NONE, T_ACCESS, T_SPAN_START, T_SPAN_END } tl__vg_target;

typedef struct {
    int thread;
    char name[64];
} tl__vg_thread_name;

typedef struct {
    /* the reading */
    const char *strip;     /* strip_prefix without its trailing slashes */
    size_t strip_len;
    tl_finding *out;
    size_t max, count;
    tl_valgrind_doc doc;

    /* the <error> being read */
    bool in_error, kind_seen;
    size_t error_depth;
    char kind[32];
    char what[TL__VG_WHAT_MAX]; /* its <what> and <xwhat><text>s, in order */
    char threadname[64];
    int own_thread;        /* the thread the error happened in, -1 unknown */
    tl_finding f;
    bool location_seen, location_open;
    int text_access;       /* access made by the text being read, -1 none */
    int span_access;       /* the access whose span is being read, -1 none */
    tl__vg_target pending; /* the next <stack>'s target, set by a text */
    int pending_access;

    /* the <stack> being read */
    bool in_stack;
    size_t stack_depth;
    tl__vg_target stack_target;
    int stack_access;
    tl_frame best;
    int best_rank;
    tl_frame first_own, first_foreign;

    /* the <frame> being read */
    bool in_frame;
    char fn[128], dir[256], file[256], obj[256];
    long line;

    /* thread names learnt from the errors so far */
    tl__vg_thread_name names[TL__VG_NAMES_MAX];
    size_t nnames;
} tl__vg_reader;

/* An <error> starts at byte start, depth deep. */
void tl__vg_error_begin(tl__vg_reader *r, size_t depth, size_t start);
/* An element e starts inside it, depth deep, under parent. */
void tl__vg_error_open(tl__vg_reader *r, tl__vg_elem e, tl__vg_elem parent, size_t depth);
/* The text of a leaf e inside it, under parent and grand. */
void tl__vg_error_text(tl__vg_reader *r, tl__vg_elem e, tl__vg_elem parent, tl__vg_elem grand,
                       const char *text);
/* An element e inside it ends, depth deep, under parent. */
void tl__vg_error_close(tl__vg_reader *r, tl__vg_elem e, tl__vg_elem parent, size_t depth);
/* The error ends at byte end (its "</error>", or where the text ends or
 * breaks): counted and stored when its kind was read. */
void tl__vg_error_end(tl__vg_reader *r, size_t end);
/* Names f's accesses with the names learnt so far. */
void tl__vg_name_accesses(const tl__vg_reader *r, tl_finding *f);

#endif
