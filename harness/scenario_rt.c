/* SPDX-License-Identifier: MIT */
/* The runtime scenario code calls: named threads, the run's lock kind,
 * TSan-invisible handshakes, and the oracle, whose records reach the harness
 * as JSON lines on a pipe (data, never scraped prose). */
#include <jansson.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tl_annotate.h"
#include "tl_scenario.h"
#include "tl_track.h"

/* Synchronisation inside these brackets creates no happens-before edge for
 * any detector (tl_annotate.h says how each is told). */
#define IGNORE_SYNC_BEGIN() TL_ANN_IGNORE_SYNC_BEGIN()
#define IGNORE_SYNC_END() TL_ANN_IGNORE_SYNC_END()

void tl_ctx_lock_init(tl_ctx *ctx, tl_lock_t *l, const char *name)
{
    /* A scenario that has not declared takes_lock would be recorded with lock
     * "-" while --lock silently chose its kind: refuse, so that the
     * declaration cannot drift from the code. */
    if (!ctx->scenario->takes_lock) {
        fprintf(stderr, "threadlab-host: scenario '%s' calls tl_ctx_lock_init but does not "
                        "declare .takes_lock = true\n", ctx->scenario->name);
        exit(3);
    }
    /* The host validated the kind before calling the scenario. */
    if (tl_lock_init_by_name(l, ctx->lock_kind, name) != 0) {
        fprintf(stderr, "threadlab-host: unknown lock kind '%s'\n", ctx->lock_kind);
        exit(3);
    }
}

/* --- threads ------------------------------------------------------------------ */
typedef struct {
    void *(*fn)(void *);
    void *arg;
    char name[16];
    uint32_t track_slot;
} thread_start_t;

static void *thread_trampoline(void *p)
{
    thread_start_t s = *(thread_start_t *)p;
    free(p);
    /* Named from inside the thread: TSan picks the name up for its reports. */
    pthread_setname_np(pthread_self(), s.name);
    tl_track_thread_adopt(s.track_slot);
    void *ret = s.fn(s.arg);
    tl_track_thread_end();
    return ret;
}

void tl_thread_start(tl_thread_t *t, const char *name, void *(*fn)(void *), void *arg)
{
    thread_start_t *s = malloc(sizeof *s);
    if (!s)
        abort();
    s->fn = fn;
    s->arg = arg;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(t->name, sizeof t->name, "%s", name);
    /* Reserved here, not in the thread: a join right after start must know
     * which slot it waits for. */
    s->track_slot = t->track_slot = tl_track_thread_reserve(s->name);
    if (pthread_create(&t->handle, NULL, thread_trampoline, s) != 0) {
        fprintf(stderr, "threadlab-host: cannot start thread '%s'\n", name);
        exit(3);
    }
}

void *tl_thread_join_at(tl_thread_t *t, const char *file, int line)
{
    void *ret = NULL;
    tl_track_wait(TL_TS_JOINING, t->track_slot, false, file, line);
    pthread_join(t->handle, &ret);
    tl_track_wait_end();
    return ret;
}

/* --- handshakes ---------------------------------------------------------------- */
/* Spinning, with a yield now and then: runs may have more threads than
 * cores. The busy form never yields (see tl_scenario.h for who needs it). */
static void spin_pause(unsigned *spins, bool busy)
{
    if (!busy && ++*spins % 64 == 0)
        sched_yield();
    else
        tl_cpu_relax();
}

/* Valgrind (Helgrind, DRD) sees no happens-before in the handshakes' C11
 * atomics anyway (at machine level an acquire load is a plain mov), so they
 * are invisible as synchronisation to it as they must be; but it would
 * report the handshake's own words as races. Checking is turned off on them
 * (which orders nothing), at every use, since a turn counter is a static
 * with an initialiser that no init call ever sees. */
static void quiet_words(void *words, size_t size)
{
    (void)words, (void)size; /* unused where the annotation is empty (TSan) */
    if (TL__ANN_ACTIVE())
        TL__ANN_PRIVATE(words, size);
}

static void turn_wait(tl_turns_t *t, unsigned step, bool busy)
{
    unsigned spins = 0;
    quiet_words(t, sizeof *t);
    IGNORE_SYNC_BEGIN();
    /* acquire: pairs with tl_turn_pass's release, so what happened before the
     * pass really is done (TSan is told to ignore this edge, the CPU is not). */
    while (tl_atomic_load_u32(&t->step, tl_acquire) < step)
        spin_pause(&spins, busy);
    IGNORE_SYNC_END();
}

void tl_turn_wait(tl_turns_t *t, unsigned step)
{
    turn_wait(t, step, false);
}

void tl_turn_wait_busy(tl_turns_t *t, unsigned step)
{
    turn_wait(t, step, true);
}

void tl_turn_pass(tl_turns_t *t)
{
    quiet_words(t, sizeof *t);
    IGNORE_SYNC_BEGIN();
    /* release: publishes this thread's earlier accesses to the waiter. */
    tl_atomic_fetch_add_u32(&t->step, 1, tl_acq_rel);
    IGNORE_SYNC_END();
}

void tl_lockstep_init(tl_lockstep_t *b, unsigned parties)
{
    quiet_words(b, sizeof *b);
    tl_atomic_store_u32(&b->arrived, 0, tl_relaxed); /* not yet shared */
    tl_atomic_store_u32(&b->generation, 0, tl_relaxed);
    b->parties = parties;
}

static void lockstep_wait(tl_lockstep_t *b, bool busy)
{
    unsigned spins = 0;
    quiet_words(b, sizeof b->arrived + sizeof b->generation);
    IGNORE_SYNC_BEGIN();
    /* acquire: the generation we wait past must be read before arriving. */
    uint32_t gen = tl_atomic_load_u32(&b->generation, tl_acquire);
    /* acq_rel: the last arrival sees everyone's arrival and releases them. */
    if (tl_atomic_fetch_add_u32(&b->arrived, 1, tl_acq_rel) + 1 == b->parties) {
        tl_atomic_store_u32(&b->arrived, 0, tl_relaxed); /* ordered by the release below */
        tl_atomic_store_u32(&b->generation, gen + 1, tl_release);
    } else {
        while (tl_atomic_load_u32(&b->generation, tl_acquire) == gen)
            spin_pause(&spins, busy);
    }
    IGNORE_SYNC_END();
}

void tl_lockstep_wait(tl_lockstep_t *b)
{
    lockstep_wait(b, false);
}

void tl_lockstep_wait_busy(tl_lockstep_t *b)
{
    lockstep_wait(b, true);
}

/* --- result records ------------------------------------------------------------- */
/* One record is one write() of one line, under PIPE_BUF when it can be, so
 * records from several threads never interleave and no lock (which TSan
 * would count as synchronisation between the scenario's threads) is needed. */
static void emit(tl_ctx *ctx, json_t *rec)
{
    char *line = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    if (!line)
        return;
    if (ctx->result_fd < 0) {
        printf("%s\n", line);
        fflush(stdout);
    } else {
        size_t len = strlen(line);
        line[len] = '\n'; /* replaces the terminator: written with its length */
        const char *p = line;
        size_t left = len + 1;
        while (left) {
            ssize_t n = write(ctx->result_fd, p, left);
            if (n <= 0)
                break;
            p += n;
            left -= (size_t)n;
        }
    }
    free(line);
}

static void vrecord(tl_ctx *ctx, const char *type, const char *what, int ok, const char *fmt,
                    va_list ap)
{
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    json_t *rec = json_pack("{s:s, s:s}", "t", type, "detail", text);
    if (what)
        json_object_set_new(rec, "what", json_string(what));
    if (ok >= 0)
        json_object_set_new(rec, "ok", json_boolean(ok));
    emit(ctx, rec);
}

void tl_oracle(tl_ctx *ctx, const char *what, bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrecord(ctx, "oracle", what, ok, fmt, ap);
    va_end(ap);
}

void tl_oracle_expect_u64(tl_ctx *ctx, const char *what, uint64_t expected, uint64_t got)
{
    tl_oracle(ctx, what, expected == got, "expected %llu, got %llu", (unsigned long long)expected,
              (unsigned long long)got);
}

void tl_oracle_words(void *addr, size_t size)
{
    quiet_words(addr, size);
}

void tl_progress(tl_ctx *ctx)
{
    (void)ctx;
    tl_track_progress();
}

void tl_note(tl_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrecord(ctx, "note", NULL, -1, fmt, ap);
    va_end(ap);
}

void tl__record_phase(tl_ctx *ctx, const char *phase)
{
    emit(ctx, json_pack("{s:s, s:s, s:i}", "t", phase, "detail", "", "pid", (int)getpid()));
}
