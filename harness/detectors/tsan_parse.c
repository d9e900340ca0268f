/* SPDX-License-Identifier: MIT */
/* ThreadSanitizer report parser. The input is walked once, line by line, as
 * length-bounded spans: a log may be cut anywhere (no final newline, no NUL
 * terminator), so nothing here reads past text[len) or assumes a line fits a
 * buffer. Every field is copied with truncation into the fixed-size members of
 * tl_finding. All state lives in a parser struct on the caller's stack. */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "tsan_parse.h"
#include "tsan_span.h"

/* ---- kinds ---------------------------------------------------------- */

/* What TSan prints after "ThreadSanitizer: " for each bug kind, indexed by
 * tl_bug_kind. The text is matched as a prefix and the longest match wins,
 * so "data race on vptr ..." is not taken for "data race" and "race on
 * <tag>" (any tag name) needs only its fixed start. Kinds without a row
 * (runtime-message, other) are never matched from a header. */
static const char *const kind_texts[TL_BUG_OTHER + 1] = {
    [TL_BUG_DATA_RACE] = "data race",
    [TL_BUG_LOCK_ORDER_INVERSION] = "lock-order-inversion",
    [TL_BUG_HEAP_USE_AFTER_FREE] = "heap-use-after-free",
    [TL_BUG_THREAD_LEAK] = "thread leak",
    [TL_BUG_DOUBLE_LOCK] = "double lock of a mutex",
    [TL_BUG_BAD_UNLOCK] = "unlock of an unlocked mutex",
    [TL_BUG_DESTROY_LOCKED] = "destroy of a locked mutex",
    [TL_BUG_SIGNAL_UNSAFE] = "signal-unsafe call inside of a signal",
    [TL_BUG_SIGNAL_ERRNO] = "signal handler spoils errno",
    [TL_BUG_INVALID_MUTEX] = "use of an invalid mutex",
    [TL_BUG_DATA_RACE_VPTR] = "data race on vptr",
    [TL_BUG_HEAP_USE_AFTER_FREE_VPTR] = "heap-use-after-free (virtual call vs free)",
    [TL_BUG_READ_LOCK_WRITE_LOCKED] = "read lock of a write locked mutex",
    [TL_BUG_READ_UNLOCK_WRITE_LOCKED] = "read unlock of a write locked mutex",
    [TL_BUG_MUTEX_WRONG_CONTEXT] = "mutex held in the wrong context",
    [TL_BUG_EXTERNAL_RACE] = "race on ",
};

/* Runtime entry points are never the interesting frame, whatever file the
 * symbolizer attributes them to. */
static bool is_runtime_function(const char *fn)
{
    static const char *const prefixes[] = {"__tsan_", "__interceptor_", "__sanitizer_",
                                           "___interceptor_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(fn, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* Sources of the sanitizer runtime itself, as gcc's libtsan and a clang
 * runtime built with debug info name them. */
static bool is_runtime_source(const char *file)
{
    static const char *const parts[] = {"libsanitizer/", "compiler-rt/", "sanitizer_common/",
                                        "/tsan/rtl/"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strstr(file, parts[i]))
            return true;
    return false;
}

/* The module a frame lives in, "libc.so.6" from "(libc.so.6+0x271c9)". With
 * libc's debug info installed its frames have real source lines
 * ("csu/../sysdeps/nptl/libc_start_call_main.h:58"), so only the module
 * tells them from the program's. */
static bool is_system_module(span module)
{
    static const char *const libs[] = {"libc.so", "libc-", "libstdc++", "ld-linux", "ld.so",
                                       "ld64.so", "libpthread", "libtsan", "libgcc_s",
                                       "libm.so", "libdl"};
    size_t slash = module.n;
    while (slash > 0 && module.p[slash - 1] != '/')
        slash--;
    span base = {module.p + slash, module.n - slash};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        if (starts_with(base, libs[i]))
            return true;
    return false;
}

/* Rank 4, the last resort: a frame with a source line outside the runtime and
 * the system libraries is the out-of-tree program's own code. Frames without
 * a line ("<null>", a bare module path) say nothing a reader could open. */
enum { RANK_FOREIGN = 4 };

static int frame_rank(const tl_frame *fr, span module)
{
    if (is_runtime_function(fr->function))
        return 0;
    int own = tl_frame_file_rank(fr->file);
    if (own != 0)
        return own;
    if (fr->line <= 0 || !fr->file[0] || is_runtime_source(fr->file) || is_system_module(module))
        return 0;
    return RANK_FOREIGN;
}

/* ---- frame lines ------------------------------------------------------ */

/* Is the parenthesised tail g a module annotation, "(prog+0x1a2b)" or
 * "(BuildId: ...)"? One cut short (no ')') counts too: a source location
 * never starts with '('. A module annotation has no spaces, which keeps C++
 * names such as "std::function<void ()>" intact. */
static bool is_module_group(span g)
{
    if (starts_with(g, "(BuildId:"))
        return true;
    if (find(g, " ") < g.n)
        return false;
    return find(g, "+0x") < g.n || g.p[g.n - 1] != ')';
}

/* Drops the trailing module annotations of a frame line, which clang prints
 * twice ("(prog+0x..) (BuildId: ..)") and gcc once, and keeps the module's
 * name ("prog") in *module (empty when none was printed). */
static span strip_modules(span s, span *module)
{
    *module = (span){s.p, 0};
    for (int round = 0; round < 3; round++) {
        s = trim(s);
        size_t i = s.n;
        while (i > 0 && !(s.p[i - 1] == '(' && i >= 2 && s.p[i - 2] == ' '))
            i--;
        if (i == 0)
            break;
        span g = {s.p + i - 1, s.n - (i - 1)};
        if (!is_module_group(g))
            break;
        size_t plus = find(g, "+0x");
        if (plus < g.n)
            *module = (span){g.p + 1, plus - 1};
        s.n = i - 2;
    }
    return trim(s);
}

/* Takes a trailing ":<digits>" off loc. */
static bool take_trailing_number(span *loc, long *out)
{
    size_t i = loc->n;
    while (i > 0 && isdigit((unsigned char)loc->p[i - 1]))
        i--;
    if (i == loc->n || i < 2 || loc->p[i - 1] != ':')
        return false;
    span digits = {loc->p + i, loc->n - i};
    if (!eat_number(&digits, out))
        return false;
    loc->n = i - 1;
    return true;
}

/* "file:line:col" (clang), "file:line" (gcc), "file", or "<null>". */
static void parse_source(span loc, tl_frame *fr)
{
    long a, b;
    if (loc.n == 0 || starts_with(loc, "<null>"))
        return;
    if (take_trailing_number(&loc, &a)) {
        if (take_trailing_number(&loc, &b)) {
            fr->line = (int)b;
            fr->column = (int)a;
        } else {
            fr->line = (int)a;
        }
    }
    copy_span(fr->file, sizeof fr->file, loc);
}

/* "    #3 function file:line[:col] (module+0x..) [(BuildId: ..)]". The
 * function may contain spaces (C++), the location never does, so the last
 * space splits them. The module goes to *module for frame_rank. */
static bool parse_frame(span line, tl_frame *fr, span *module)
{
    long idx;
    span s = trim(line);
    if (!eat(&s, "#") || !eat_number(&s, &idx) || s.n == 0 || s.p[0] != ' ')
        return false;
    s = strip_modules(s, module);
    memset(fr, 0, sizeof *fr);
    size_t sp = s.n;
    while (sp > 0 && s.p[sp - 1] != ' ')
        sp--;
    if (sp == 0) {
        copy_span(fr->function, sizeof fr->function, s);
        return true;
    }
    copy_span(fr->function, sizeof fr->function, trim((span){s.p, sp - 1}));
    parse_source((span){s.p + sp, s.n - sp}, fr);
    return true;
}

/* ---- the other line kinds --------------------------------------------- */

/* "  [Previous ][atomic ]read|write of size N at 0x.. by <thread>[ 'name']
 *  [ (mutexes: ...)]:" */
/* The external-object form, "Modifying access of <tag> at 0x.. by ..." or
 * "Read-only access of <tag> ...", after the optional "Previous ". */
static bool eat_external_op(span *s, tl_access *a)
{
    if (eat_ci(s, "modifying access of "))
        a->op = TL_ACC_WRITE;
    else if (eat_ci(s, "read-only access of "))
        a->op = TL_ACC_READ;
    else
        return false;
    return true;
}

static bool parse_access(span s, tl_access *a)
{
    long size;
    span name;
    memset(a, 0, sizeof *a);
    a->thread = -1;
    a->previous = eat_ci(&s, "previous ");
    if (!eat_external_op(&s, a)) {
        a->atomic = eat_ci(&s, "atomic ");
        if (eat_ci(&s, "read "))
            a->op = TL_ACC_READ;
        else if (eat_ci(&s, "write "))
            a->op = TL_ACC_WRITE;
        else
            return false;
        if (!eat(&s, "of size ") || !eat_number(&s, &size))
            return false;
        a->size = (int)size;
    }
    if (!skip_past(&s, " by "))
        return true; /* cut log: keep what we have */
    a->thread = eat_thread_ref(&s);
    if (a->thread == 0)
        strcpy(a->thread_name, "main");
    else if (eat(&s, " ") && eat_quoted(&s, &name))
        copy_span(a->thread_name, sizeof a->thread_name, name);
    return true;
}

static void parse_location(span s, tl_location *loc)
{
    long n;
    span name;
    copy_span(loc->text, sizeof loc->text, s);
    eat(&s, "Location is ");
    loc->thread = -1;
    if (eat(&s, "global ")) {
        loc->kind = TL_LOC_GLOBAL;
        if (eat_quoted(&s, &name))
            copy_span(loc->name, sizeof loc->name, name);
        if (eat(&s, " of size ") && eat_number(&s, &n))
            loc->size = n;
    } else if (eat(&s, "heap block of size ")) {
        loc->kind = TL_LOC_HEAP;
        if (eat_number(&s, &n))
            loc->size = n;
    } else if (eat(&s, "stack of ")) {
        loc->kind = TL_LOC_STACK;
        loc->thread = eat_thread_ref(&s);
    } else if (eat(&s, "TLS of ")) {
        loc->kind = TL_LOC_TLS;
        loc->thread = eat_thread_ref(&s);
    } else {
        loc->kind = TL_LOC_OTHER;
    }
}

/* "Cycle in lock order graph: M0 (0x..) => M1 (0x..) => M0". Every id is
 * counted, so a reader learns how long a cycle was even when only the first
 * TL_FINDING_MAX_CYCLE ids fit. */
static void parse_cycle(span s, tl_finding *f)
{
    for (;;) {
        s = trim(s);
        size_t i = 0;
        while (i < s.n && s.p[i] != ' ' && s.p[i] != '(')
            i++;
        if (i > 0) {
            if (f->ncycle < TL_FINDING_MAX_CYCLE)
                copy_span(f->cycle[f->ncycle++], sizeof f->cycle[0], (span){s.p, i});
            if (f->cycle_len < INT_MAX)
                f->cycle_len++;
            f->cycle_cut = f->cycle_len > f->ncycle;
        }
        if (!skip_past(&s, "=>"))
            return;
    }
}

/* "Thread T1 'writer' (tid=.., running) created by ...": gives names to the
 * accesses, which are printed before these lines. */
static void apply_thread_name(span s, tl_finding *f)
{
    long t;
    span name;
    if (!eat_number(&s, &t) || !eat(&s, " ") || !eat_quoted(&s, &name))
        return;
    for (int i = 0; i < f->naccess; i++)
        if (f->access[i].thread == (int)t && f->access[i].thread_name[0] == '\0')
            copy_span(f->access[i].thread_name, sizeof f->access[i].thread_name, name);
}

/* "WARNING: ThreadSanitizer: <kind text> (pid=N)" after the prefix. */
static void parse_header(span s, tl_finding *f)
{
    long pid;
    size_t p = find(s, " (pid=");
    span text = trim((span){s.p, p});
    copy_span(f->kind_text, sizeof f->kind_text, text);
    f->kind = TL_BUG_OTHER;
    size_t best = 0;
    for (int k = 0; k < TL_BUG_OTHER; k++)
        if (kind_texts[k] && strlen(kind_texts[k]) > best && starts_with(text, kind_texts[k])) {
            f->kind = (tl_bug_kind)k;
            best = strlen(kind_texts[k]);
        }
    if (p < s.n) {
        advance(&s, p + strlen(" (pid="));
        if (eat_number(&s, &pid))
            f->pid = (int)pid;
    }
}

/* TSan brackets each report with a line of '='. A short run could be
 * program output, so ask for a real rule. */
static bool is_separator(span s)
{
    s = trim(s);
    if (s.n < 10)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] != '=')
            return false;
    return true;
}

/* ---- runtime messages --------------------------------------------------- */

/* True when s is a start of lit, as a log cut inside that line leaves it. */
static bool is_prefix_of(span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n <= n && memcmp(s.p, lit, s.n) == 0;
}

/* Takes a leading "==1234==" (how sanitizer_common's Report() starts a line)
 * off s and returns the PID, or 0 when there is none. */
static int eat_pid_prefix(span *s)
{
    long pid;
    span t = *s;
    if (!eat(&t, "==") || !eat_number(&t, &pid) || !eat(&t, "=="))
        return 0;
    *s = t;
    return (int)pid;
}

/* A line TSan prints on its own, outside a WARNING block: after an optional
 * "==PID==" and "FATAL: " it starts with "ThreadSanitizer" and a ':' or a
 * space ("ThreadSanitizer: CHECK failed", "FATAL: ThreadSanitizer can not
 * mmap the shadow memory"). "ThreadSanitizer: reported N warnings" only
 * counts the reports already read; it is left out, also when the log ends
 * inside it (cut), so that a cut log never holds more findings than the
 * whole one. */
static bool is_runtime_message(span s, bool cut)
{
    static const char routine[] = "ThreadSanitizer: reported ";
    eat_pid_prefix(&s);
    span body = s;
    eat(&body, "FATAL: ");
    if (!eat(&body, "ThreadSanitizer") || body.n == 0 || (body.p[0] != ':' && body.p[0] != ' '))
        return false;
    if (starts_with(s, routine) || (cut && is_prefix_of(s, routine)))
        return false;
    return true;
}

/* ---- the report state machine ----------------------------------------- */

typedef struct {
    tl_finding *out;
    size_t max, count;

    tl_finding f;   /* report being read */
    bool open;           /* a "=====" line opened a block */
    bool in_report;      /* the block has its WARNING header, or a runtime
                          * message is being read */
    bool message;        /* what is being read is a runtime message */
    size_t block_start;

    /* The stack being read: which access it belongs to (-1: none) and the
     * best frame seen in it so far. */
    bool in_stack;
    int stack_access;
    int next_access;     /* set by an access line for the stack after it */
    tl_frame best;
    int best_rank;
    tl_frame first_own;     /* own frame of the first stack having one */
    tl_frame first_foreign; /* out-of-tree frame of the first stack having
                                  * one and no own frame */
    bool location_seen;
} parser;

static void end_stack(parser *ps)
{
    if (!ps->in_stack)
        return;
    ps->in_stack = false;
    if (ps->best_rank == 0)
        return;
    ps->best.found = true;
    ps->best.own = ps->best_rank != RANK_FOREIGN;
    if (ps->stack_access >= 0)
        ps->f.access[ps->stack_access].frame = ps->best;
    tl_frame *first = ps->best.own ? &ps->first_own : &ps->first_foreign;
    if (!first->found)
        *first = ps->best;
}

static void on_frame(parser *ps, const tl_frame *fr, span module)
{
    if (!ps->in_stack) {
        ps->in_stack = true;
        ps->stack_access = ps->next_access;
        ps->best_rank = 0;
    }
    ps->next_access = -1;
    int r = frame_rank(fr, module);
    if (r != 0 && (ps->best_rank == 0 || r < ps->best_rank)) {
        ps->best = *fr;
        ps->best_rank = r;
    }
}

/* The report's frame: an own frame beats an out-of-tree one wherever it is,
 * and among equals the accesses (in order) beat the other stacks. */
static tl_frame report_frame(const parser *ps)
{
    const tl_finding *f = &ps->f;
    for (int i = 0; i < f->naccess; i++)
        if (f->access[i].frame.own)
            return f->access[i].frame;
    if (ps->first_own.found)
        return ps->first_own;
    for (int i = 0; i < f->naccess; i++)
        if (f->access[i].frame.found)
            return f->access[i].frame;
    return ps->first_foreign;
}

/* Closes the current report at byte offset end and stores it. */
static void emit(parser *ps, size_t end)
{
    end_stack(ps);
    tl_finding *f = &ps->f;
    f->frame = report_frame(ps);
    f->start = ps->block_start;
    f->end = end;
    if (ps->count < ps->max)
        ps->out[ps->count] = *f;
    ps->count++;
    ps->open = false;
    ps->in_report = false;
    ps->message = false;
}

static void reset_finding(parser *ps)
{
    memset(&ps->f, 0, sizeof ps->f);
    ps->f.location.thread = -1;
    ps->in_stack = false;
    ps->next_access = -1;
    memset(&ps->first_own, 0, sizeof ps->first_own);
    memset(&ps->first_foreign, 0, sizeof ps->first_foreign);
    ps->location_seen = false;
}

static void begin_report(parser *ps, span header_rest, size_t line_start)
{
    if (!ps->open)
        ps->block_start = line_start;
    ps->open = true;
    ps->in_report = true;
    ps->message = false;
    reset_finding(ps);
    parse_header(header_rest, &ps->f);
}

/* A runtime message has no rules around it: it starts at its own line. */
static void begin_message(parser *ps, span line, size_t line_start)
{
    ps->block_start = line_start;
    ps->open = false;
    ps->in_report = true;
    ps->message = true;
    reset_finding(ps);
    ps->f.kind = TL_BUG_RUNTIME_MESSAGE;
    ps->f.pid = eat_pid_prefix(&line);
    copy_span(ps->f.kind_text, sizeof ps->f.kind_text, line);
    copy_span(ps->f.summary, sizeof ps->f.summary, line);
}

/* A line inside a report that is not a frame. */
static void on_body_line(parser *ps, span s)
{
    tl_finding *f = &ps->f;
    tl_access a;
    span rest = s;

    end_stack(ps);
    ps->next_access = -1;
    if (eat(&rest, "SUMMARY: ThreadSanitizer: ")) {
        copy_span(f->summary, sizeof f->summary, trim(rest));
    } else if (starts_with(s, "Location is ")) {
        /* Only the first: a destroyed stack mutex gets a second, bogus
         * "Location is global '??'" line. */
        if (!ps->location_seen)
            parse_location(s, &f->location);
        ps->location_seen = true;
    } else if (eat(&rest, "Cycle in lock order graph:")) {
        parse_cycle(rest, f);
    } else if (eat(&rest, "Thread T")) {
        apply_thread_name(rest, f);
    } else if (parse_access(s, &a)) {
        if (f->naccess < TL_FINDING_MAX_ACCESSES) {
            f->access[f->naccess] = a;
            ps->next_access = f->naccess++;
        }
    }
}

/* A runtime message owns the blank and indented lines under it (its
 * stacks, "  Ignore was enabled at:"); the first line back at column 0
 * ends it. */
static bool ends_message(const parser *ps, span raw)
{
    return ps->message && raw.n > 0 && !is_blank(raw.p[0]) && raw.p[0] != '\n';
}

/* Lines of a report or message body: frames and everything else. */
static void on_report_line(parser *ps, span s)
{
    tl_frame fr;
    span module;
    if (parse_frame(s, &fr, &module))
        on_frame(ps, &fr, module);
    else if (!ps->message)
        on_body_line(ps, s);
    else
        end_stack(ps);
}

static void on_line(parser *ps, span line, size_t start, size_t end, bool cut)
{
    span s = trim(line);
    span rest = s;

    if (ends_message(ps, line))
        emit(ps, start);
    if (is_separator(s)) {
        if (ps->in_report) {
            emit(ps, end); /* the closing rule */
        } else {
            /* An opening rule. Two rules with no header between them (some
             * other tool's banner) just move the block start forward. */
            ps->open = true;
            ps->block_start = start;
        }
        return;
    }
    if (eat(&rest, "WARNING: ThreadSanitizer: ")) {
        if (ps->in_report)
            emit(ps, start); /* the previous report was cut short */
        begin_report(ps, rest, start);
        return;
    }
    if (is_runtime_message(s, cut)) {
        if (ps->in_report)
            emit(ps, start); /* a report cut short by a dying runtime */
        begin_message(ps, s, start);
        return;
    }
    if (!ps->in_report)
        return; /* program output, "ThreadSanitizer: reported N warnings" */
    on_report_line(ps, s);
}

size_t tl_tsan_parse(const char *text, size_t len, tl_finding *out, size_t max)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.out = out;
    ps.max = out ? max : 0;
    if (!text)
        return 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t line_end = nl ? (size_t)(nl - text) : len;
        size_t next = nl ? line_end + 1 : len;
        on_line(&ps, (span){text + off, line_end - off}, off, next, nl == NULL);
        off = next;
    }
    if (ps.in_report)
        emit(&ps, len);
    return ps.count;
}
