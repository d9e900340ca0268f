/* SPDX-License-Identifier: MIT */
/* One <error> of Helgrind or DRD into one finding, as its parts go by: the
 * what-texts become accesses, the <stack> after each text gives that access
 * its frame, the location sentences the location; at its end the kind, the
 * report's frame, the summary and a lock-order cycle follow from them. */
#include <stdio.h>
#include <string.h>

#include "valgrind_kinds.h"
#include "valgrind_reader.h"
#include "valgrind_text.h"

typedef tl__vg_reader reader;

/* Bigger than any rank of tl_frame_file_rank: a frame with a source line
 * outside threadlab's files and the system's (an out-of-tree program). */
enum { RANK_FOREIGN = 4 };

/* ---- frames ------------------------------------------------------------------ */

/* Valgrind's preload objects (vgpreload_helgrind-amd64-linux.so holds the
 * pthread intercepts), the C libraries and the loader: never the bug's
 * place, even when their debug info gives them source lines. */
static bool is_system_object(const char *obj)
{
    static const char *const libs[] = {"vgpreload_", "libc.so", "libc-", "ld-linux", "ld.so",
                                       "ld64.so", "libpthread", "libstdc++", "libgcc_s",
                                       "libm.so", "libdl"};
    if (strstr(obj, "/valgrind/"))
        return true;
    const char *slash = strrchr(obj, '/');
    const char *base = slash ? slash + 1 : obj;
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        if (strncmp(base, libs[i], strlen(libs[i])) == 0)
            return true;
    return false;
}

static int frame_rank(const tl_frame *fr, const char *obj)
{
    if (is_system_object(obj))
        return 0;
    int own = tl_frame_file_rank(fr->file);
    if (own != 0)
        return own;
    return fr->line > 0 && fr->file[0] ? RANK_FOREIGN : 0;
}

/* dir + "/" + file, without the strip prefix when the path starts with it
 * as whole components ("/src/tl" strips "/src/tl/scenarios/x.c", not
 * "/src/tlx/scenarios/x.c"). */
static void frame_file(const reader *r, char *out, size_t size)
{
    char joined[sizeof r->dir + sizeof r->file + 1] = "";
    if (!r->file[0]) {
        out[0] = '\0';
        return;
    }
    if (r->dir[0]) {
        tl__vg_copy(joined, sizeof joined, r->dir);
        tl__vg_append(joined, sizeof joined, "/");
    }
    tl__vg_append(joined, sizeof joined, r->file);
    const char *p = joined;
    if (r->strip_len > 0 && strncmp(joined, r->strip, r->strip_len) == 0 &&
        joined[r->strip_len] == '/') {
        p = joined + r->strip_len;
        while (*p == '/')
            p++;
    }
    tl__vg_copy(out, size, p);
}

static void begin_frame(reader *r)
{
    r->in_frame = true;
    r->fn[0] = r->dir[0] = r->file[0] = r->obj[0] = '\0';
    r->line = 0;
}

static void end_frame(reader *r)
{
    tl_frame fr;
    r->in_frame = false;
    memset(&fr, 0, sizeof fr);
    tl__vg_copy(fr.function, sizeof fr.function, r->fn);
    frame_file(r, fr.file, sizeof fr.file);
    fr.line = r->line > 0 ? (int)r->line : 0;
    int rank = frame_rank(&fr, r->obj);
    if (rank != 0 && (r->best_rank == 0 || rank < r->best_rank)) {
        r->best = fr;
        r->best_rank = rank;
    }
}

/* ---- stacks ------------------------------------------------------------------ */

static void begin_stack(reader *r, tl__vg_elem parent, size_t depth)
{
    if (r->in_stack)
        return; /* a stack inside a stack is no Valgrind's: read as one */
    r->in_stack = true;
    r->in_frame = false;
    r->stack_depth = depth;
    r->best_rank = 0;
    r->stack_target = T_NONE;
    r->stack_access = -1;
    if (parent == E_ERROR) {
        r->stack_target = r->pending;
        r->stack_access = r->pending_access;
        r->pending = T_NONE; /* a text gives its frame to one stack */
    } else if ((parent == E_SEG_START || parent == E_SEG_END) && r->span_access >= 0) {
        r->stack_target = parent == E_SEG_START ? T_SPAN_START : T_SPAN_END;
        r->stack_access = r->span_access;
    }
}

/* The stack's best frame goes to its access. Of a span's two stacks the
 * end is nearer the access (DRD's segment end, Helgrind's "but before"),
 * so it wins unless only the start is one of threadlab's own. */
static void end_stack(reader *r)
{
    r->in_stack = false;
    if (r->best_rank == 0)
        return;
    tl_frame best = r->best;
    best.found = true;
    best.own = r->best_rank != RANK_FOREIGN;
    if (r->stack_access >= 0 && r->stack_access < r->f.naccess) {
        tl_frame *fr = &r->f.access[r->stack_access].frame;
        if (r->stack_target == T_ACCESS || !fr->found ||
            (r->stack_target == T_SPAN_END && (best.own || !fr->own)))
            *fr = best;
    }
    tl_frame *first = best.own ? &r->first_own : &r->first_foreign;
    if (!first->found)
        *first = best;
}

/* ---- errors ------------------------------------------------------------------ */

void tl__vg_error_begin(reader *r, size_t depth, size_t start)
{
    r->in_error = true;
    r->kind_seen = false;
    r->error_depth = depth;
    r->kind[0] = r->what[0] = r->threadname[0] = '\0';
    r->own_thread = -1;
    memset(&r->f, 0, sizeof r->f);
    r->f.location.thread = -1;
    r->f.start = start;
    r->location_seen = r->location_open = false;
    r->text_access = r->span_access = -1;
    r->pending = T_NONE;
    r->pending_access = -1;
    r->in_stack = false;
    memset(&r->first_own, 0, sizeof r->first_own);
    memset(&r->first_foreign, 0, sizeof r->first_foreign);
}

static int add_access(reader *r, const tl_access *a)
{
    if (r->f.naccess >= TL_FINDING_MAX_ACCESSES)
        return -1;
    r->f.access[r->f.naccess] = *a;
    return r->f.naccess++;
}

/* <what> or <xwhat><text>: the report's sentence; a race's first one is
 * its own access. */
static void on_what(reader *r, const char *text)
{
    tl_access a;
    if (r->what[0])
        tl__vg_append(r->what, sizeof r->what, " ");
    tl__vg_append(r->what, sizeof r->what, text);
    r->text_access = -1;
    if (r->f.naccess == 0 && tl__vg_read_access(text, &a) && !a.previous) {
        r->text_access = add_access(r, &a);
        r->pending = T_ACCESS;
        r->pending_access = r->text_access;
    }
}

/* <auxwhat> or <xauxwhat><text>: the conflicting access, the location and
 * what continues it, or a caption of the stack that follows ("Lock at 0x..
 * was first observed"). */
static void on_aux(reader *r, const char *text)
{
    tl_access a;
    tl_location loc;
    r->text_access = -1;
    r->pending = T_NONE;
    if (tl__vg_read_access(text, &a) && a.previous) {
        r->location_open = false;
        int i = add_access(r, &a);
        if (i < 0)
            return;
        r->text_access = i;
        r->pending_access = i;
        /* "a previous access by thread #2, after" <stack> "but before"
         * <stack>: a span, like a DRD segment. */
        r->pending = a.op == TL_ACC_NONE ? T_SPAN_START : T_ACCESS;
        r->span_access = a.op == TL_ACC_NONE ? i : -1;
    } else if (strcmp(text, "but before") == 0 && r->span_access >= 0) {
        r->pending = T_SPAN_END;
        r->pending_access = r->span_access;
    } else if (!r->location_seen && tl__vg_read_location(text, &loc)) {
        r->f.location = loc;
        r->location_seen = r->location_open = true;
    } else if (!(r->location_open && tl__vg_continue_location(text, &r->f.location))) {
        r->location_open = false;
    }
}

/* <hthreadid> of an <xwhat> (the error's own thread) or <xauxwhat>. */
static void on_hthreadid(reader *r, const char *text, bool own)
{
    int t = tl__vg_thread(tl__vg_number(text));
    if (own && r->own_thread < 0)
        r->own_thread = t;
    if (r->text_access >= 0 && r->f.access[r->text_access].thread < 0)
        r->f.access[r->text_access].thread = t;
}

/* A DRD segment of another thread that conflicts: a previous access whose
 * thread, size and place DRD does not print. Only a store conflicts with a
 * load, so after a load it was a write. */
static void begin_segment(reader *r)
{
    if (r->span_access >= 0)
        return; /* the end of the segment whose start made it */
    tl_access a;
    memset(&a, 0, sizeof a);
    a.previous = true;
    a.thread = -1;
    if (r->f.naccess > 0 && !r->f.access[0].previous && r->f.access[0].op == TL_ACC_READ)
        a.op = TL_ACC_WRITE;
    r->span_access = add_access(r, &a);
}

static const char *known_name(const reader *r, int thread)
{
    for (size_t i = 0; i < r->nnames; i++)
        if (r->names[i].thread == thread)
            return r->names[i].name;
    return NULL;
}

static void learn_name(reader *r, int thread, const char *name)
{
    if (thread < 0 || !name[0] || known_name(r, thread) || r->nnames == TL__VG_NAMES_MAX)
        return;
    r->names[r->nnames].thread = thread;
    tl__vg_copy(r->names[r->nnames].name, sizeof r->names[0].name, name);
    r->nnames++;
}

void tl__vg_name_accesses(const reader *r, tl_finding *f)
{
    for (int i = 0; i < f->naccess; i++) {
        tl_access *a = &f->access[i];
        const char *name = a->thread == 0 ? "main" : known_name(r, a->thread);
        if (!a->thread_name[0] && name)
            tl__vg_copy(a->thread_name, sizeof a->thread_name, name);
    }
}

/* As the TSan reader: an own frame beats an out-of-tree one wherever it is,
 * and among equals the accesses (in order) beat the other stacks. */
static tl_frame report_frame(const reader *r)
{
    const tl_finding *f = &r->f;
    for (int i = 0; i < f->naccess; i++)
        if (f->access[i].frame.own)
            return f->access[i].frame;
    if (r->first_own.found)
        return r->first_own;
    for (int i = 0; i < f->naccess; i++)
        if (f->access[i].frame.found)
            return f->access[i].frame;
    return r->first_foreign;
}

/* "<what> - scenarios/race_counter.c:29 in forced_lost_update" */
static void write_summary(tl_finding *f, const char *what)
{
    tl__vg_copy(f->summary, sizeof f->summary, what);
    if (!f->frame.found)
        return;
    char where[sizeof f->frame.file + sizeof f->frame.function + 32], line[16] = "";
    if (f->frame.line > 0)
        snprintf(line, sizeof line, ":%d", f->frame.line);
    snprintf(where, sizeof where, "%s%s%s in %s", f->summary[0] ? " - " : "", f->frame.file, line,
             f->frame.function);
    tl__vg_append(f->summary, sizeof f->summary, where);
}

/* Helgrind's 'lock order "A before B" violated' is the cycle A => B => A,
 * stored closed as the TSan reader stores "M0 => M1 => M0". */
static void write_cycle(tl_finding *f, const char *what)
{
    char a[sizeof f->cycle[0]], b[sizeof f->cycle[0]];
    if (!tl__vg_read_lock_order(what, a, b, sizeof a))
        return;
    tl__vg_copy(f->cycle[0], sizeof f->cycle[0], a);
    tl__vg_copy(f->cycle[1], sizeof f->cycle[1], b);
    tl__vg_copy(f->cycle[2], sizeof f->cycle[2], a);
    f->ncycle = f->cycle_len = 3;
}

/* Ends the error at byte end; counts and stores it when its kind was read.
 * A stack and frame still open (a document cut inside them) count with what
 * they have: a frame cut before its <line> keeps its file, line 0. */
void tl__vg_error_end(reader *r, size_t end)
{
    if (r->in_frame)
        end_frame(r);
    if (r->in_stack)
        end_stack(r);
    r->in_error = false;
    if (!r->kind_seen)
        return;
    tl_finding *f = &r->f;
    f->kind = tl__vg_bug_kind(r->kind, r->what);
    tl__vg_copy(f->kind_text, sizeof f->kind_text, r->kind);
    if (r->what[0]) {
        tl__vg_append(f->kind_text, sizeof f->kind_text, ": ");
        tl__vg_append(f->kind_text, sizeof f->kind_text, r->what);
    }
    f->pid = r->doc.pid;
    if (r->own_thread < 0 && f->naccess > 0 && !f->access[0].previous)
        r->own_thread = f->access[0].thread;
    if (r->own_thread >= 0 && r->threadname[0]) {
        learn_name(r, r->own_thread, r->threadname);
        for (int i = 0; i < f->naccess; i++)
            if (f->access[i].thread == r->own_thread && r->own_thread != 0)
                tl__vg_copy(f->access[i].thread_name, sizeof f->access[i].thread_name,
                            r->threadname);
    }
    tl__vg_name_accesses(r, f);
    f->frame = report_frame(r);
    write_summary(f, r->what[0] ? r->what : r->kind);
    if (f->kind == TL_BUG_LOCK_ORDER_INVERSION)
        write_cycle(f, r->what);
    f->end = end < f->start ? f->start : end;
    if (r->count < r->max)
        r->out[r->count] = *f;
    r->count++;
}
/* ---- the error's elements ------------------------------------------------- */

void tl__vg_error_open(reader *r, tl__vg_elem e, tl__vg_elem parent, size_t depth)
{
    if (e == E_STACK)
        begin_stack(r, parent, depth);
    else if (e == E_FRAME && parent == E_STACK && r->in_stack && depth == r->stack_depth + 1)
        begin_frame(r);
    else if ((e == E_SEG_START || e == E_SEG_END) && parent == E_ERROR)
        begin_segment(r);
}

void tl__vg_error_text(reader *r, tl__vg_elem e, tl__vg_elem parent, tl__vg_elem grand,
                       const char *t)
{
    if (parent == E_FRAME && r->in_frame) {
        switch (e) {
        case E_FN: tl__vg_copy(r->fn, sizeof r->fn, t); break;
        case E_DIR: tl__vg_copy(r->dir, sizeof r->dir, t); break;
        case E_FILE: tl__vg_copy(r->file, sizeof r->file, t); break;
        case E_OBJ: tl__vg_copy(r->obj, sizeof r->obj, t); break;
        case E_LINE: r->line = tl__vg_number(t); break;
        default: break;
        }
    } else if (parent == E_ERROR) {
        if (e == E_KIND) {
            tl__vg_copy(r->kind, sizeof r->kind, t);
            r->kind_seen = true;
        } else if (e == E_THREADNAME) {
            tl__vg_copy(r->threadname, sizeof r->threadname, t);
        } else if (e == E_WHAT) {
            on_what(r, t);
        } else if (e == E_AUXWHAT) {
            on_aux(r, t);
        }
    } else if (grand == E_ERROR && (parent == E_XWHAT || parent == E_XAUXWHAT)) {
        if (e == E_TEXT && parent == E_XWHAT)
            on_what(r, t);
        else if (e == E_TEXT)
            on_aux(r, t);
        else if (e == E_HTHREADID)
            on_hthreadid(r, t, parent == E_XWHAT);
    }
}

void tl__vg_error_close(reader *r, tl__vg_elem e, tl__vg_elem parent, size_t depth)
{
    if (e == E_FRAME && r->in_frame && depth == r->stack_depth + 1)
        end_frame(r);
    else if (e == E_STACK && r->in_stack && depth == r->stack_depth)
        end_stack(r);
    else if (e == E_SEG_END && parent == E_ERROR)
        r->span_access = -1;
}
