/* SPDX-License-Identifier: MIT */
/* The scenario API: what a file in scenarios/ declares, and the small runtime
 * its code calls (parameters, named threads, the generic lock of the chosen
 * kind, TSan-invisible handshakes that force an interleaving, the oracle).
 * See scenarios/README.md for a complete example. */
#ifndef TL_SCENARIO_H
#define TL_SCENARIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "tl_atomic.h"
#include "tl_cond.h"
#include "tl_lock.h"

typedef struct tl_ctx tl_ctx;

typedef enum { TL_ROLE_BUGGY, TL_ROLE_FIXED } tl_role;
typedef enum { TL_MODE_POTENTIAL, TL_MODE_ACTUAL } tl_mode;

/* Evidence is a space-separated set of tokens; "" means clean.
 *   <kind>          a detector's report of that bug kind (data-race,
 *                   lock-order-inversion, heap-use-after-free, ...:
 *                   harness/finding.h), expected from every detector that
 *                   can see it, as "<detector>:<kind>"
 *   <detector>:<kind> the same, pinned to one detector
 *   oracle:violated the scenario's own invariant check failed
 *   monitor:<kind>  the live monitor saw deadlock, hang, livelock,
 *                   starvation or pool-deadlock (and ended the run)
 *   hang            the run did not finish before its deadline
 *   signal:<NAME>   the run died of a signal (signal:SIGSEGV)
 * A detector that cannot see a buggy variant's kinds makes its run "not
 * demonstrable"; under --detector none only the oracle and the monitor judge. */
/* Where one detector really cannot give what a variant expects - a limit of
 * the tool, measured, not a bug of the lab - the evidence expected under
 * that detector instead, and why. The run is judged against this
 * expectation, and its reason and record carry `why`. Declare one only
 * after trying to fix the cause in the lab (an annotation a primitive
 * lacks); scenarios/README.md has the rules. */
typedef struct {
    const char *detector;      /* the backend's name: "helgrind", "drd", ... */
    const char *expect;        /* evidence expected under it instead ("" = clean),
                                * in the same tokens as the variant's */
    const char *expect_actual; /* deadlocks, --mode actual (NULL: as expect) */
    const char *why;           /* the tool's limit, in a sentence or two */
} tl_difference;

enum { TL_MAX_DIFFERENCES = 4 };

typedef struct {
    const char *name;          /* "buggy", "fixed", "fixed-atomic", ... */
    tl_role role;
    void (*entry)(tl_ctx *ctx);
    const char *expect;        /* evidence expected (potential mode for deadlocks) */
    const char *expect_actual; /* deadlocks: evidence in --mode actual (NULL: as expect) */
    const char *about;         /* what this variant does; for a fix, what it
                                * changes and why that is enough */
    const char *breaks;        /* deadlock fixes: the Coffman condition broken */
    /* Detectors that cannot show what this variant expects (ends at the
     * first detector == NULL); see tl_difference. */
    tl_difference differs[TL_MAX_DIFFERENCES];
} tl_variant;

enum { TL_MAX_VARIANTS = 4 };

typedef struct {
    const char *name;          /* "category.slug" */
    const char *category;      /* "race", "deadlock", ... */
    const char *summary;       /* one line */
    const char *teaching;      /* what goes wrong and why, the concept, the fix */
    const char *concept;       /* the concept in a few words ("heap", "TLS") */
    const char *coffman;       /* deadlocks: how the buggy variant meets each of
                                * the four conditions; NULL otherwise */
    const char *detector_note; /* what a detector can or cannot see, and why */
    unsigned threads, min_threads, max_threads;
    unsigned iterations, max_iterations;
    bool has_modes;            /* deadlocks: --mode potential|actual */
    bool judge_progress;       /* marks progress (tl_progress): the monitor may
                                * judge livelock and starvation */
    bool solo;                 /* timing-sensitive: the runner runs it alone,
                                * never beside another run (--jobs) */
    bool takes_lock;           /* its variants take their locks through
                                * tl_ctx_lock_init, so --lock chooses their kind */
    const char *own_locking;   /* when !takes_lock: why --lock does not apply, as
                                * a phrase ("its variants use atomics"); the
                                * error, the run's note and `show` quote it */
    tl_variant variants[TL_MAX_VARIANTS]; /* ends at the first name == NULL */
    /* Each run's deadline in seconds when --timeout is not given (0: the
     * lab's, 10 s): for a scenario some of whose runs end only at their
     * deadline - with --no-monitor, a hang or deadlock variant does - so its
     * users need not pass --timeout. 0.1 to 3600, scaled by a slow
     * detector's factor like --timeout. */
    double timeout_s;
} tl_scenario;

/* Registers a scenario: its descriptor's address goes into the linker
 * section tl_scenarios, which the catalogue walks (__start_/__stop_), so a
 * new scenario file needs no central table. `used` keeps the pointer alive
 * although nothing references it. */
#define TL_SCENARIO(ident)                                                         \
    static const tl_scenario ident;                                                \
    static const tl_scenario *const ident##_registration                           \
        __attribute__((used, section("tl_scenarios"), aligned(sizeof(void *)))) = &ident; \
    static const tl_scenario ident

/* --- the run's context ----------------------------------------------------- */
struct tl_ctx {
    const tl_scenario *scenario;
    const tl_variant *variant;
    unsigned threads;          /* --threads, or the scenario's default */
    unsigned long iterations;  /* --iterations, or the scenario's default */
    tl_mode mode;
    const char *lock_kind;     /* --lock */
    int result_fd;             /* where result records go; -1: stdout as text */
};

/* Initialises `l` as a lock of the run's kind (--lock), named for reports. */
void tl_ctx_lock_init(tl_ctx *ctx, tl_lock_t *l, const char *name);

/* --- threads ------------------------------------------------------------------ */
/* A thread named `name` (at most 15 characters: the kernel's limit), so TSan
 * reports say "Thread T1 'name'". */
typedef struct {
    pthread_t handle;
    char name[16];
    uint32_t track_slot; /* its slot in the monitor table */
} tl_thread_t;
void tl_thread_start(tl_thread_t *t, const char *name, void *(*fn)(void *), void *arg);
void *tl_thread_join_at(tl_thread_t *t, const char *file, int line);
#define tl_thread_join(t) tl_thread_join_at((t), __FILE__, __LINE__)

/* --- forcing an interleaving ------------------------------------------------
 * A turn counter: tl_turn_wait(t, k) returns once tl_turn_pass has been called
 * k times in all. The steps are made with acquire/release atomics (so the
 * forced order really holds on any CPU) inside TSan's "ignore sync" brackets,
 * so the handshake itself adds no happens-before edge: TSan judges the
 * accesses on either side as if no handshake were there. That is what lets a
 * buggy variant show its race on every run. Never use it as the fix. */
typedef struct { tl_atomic_u32 step; } tl_turns_t;
#define TL_TURNS_INIT {TL_ATOMIC_INIT(0)}
void tl_turn_wait(tl_turns_t *t, unsigned step);
void tl_turn_pass(tl_turns_t *t);

/* A TSan-invisible barrier for `parties` threads (lockstep rounds). */
typedef struct {
    tl_atomic_u32 arrived, generation;
    unsigned parties;
} tl_lockstep_t;
void tl_lockstep_init(tl_lockstep_t *b, unsigned parties);
void tl_lockstep_wait(tl_lockstep_t *b);

/* The same waits without the occasional yield: the waiting thread keeps its
 * core, as a thread really spinning on a lock would. For demonstrations the
 * monitor judges by each thread's CPU time (starvation, livelock): a thread
 * that yields while it waits gets almost none on a busy machine (measured:
 * 0.2% of a core beside two CPU hogs), and a thread that does not run is
 * never judged starved or livelocked. Use them only where the run has no
 * more spinning threads than cores. */
void tl_turn_wait_busy(tl_turns_t *t, unsigned step);
void tl_lockstep_wait_busy(tl_lockstep_t *b);

/* --- the oracle ------------------------------------------------------------- */
/* Records one invariant's outcome: `what` names it, the detail says what was
 * seen ("expected 200000, got 131072"). A violated check is evidence
 * oracle:violated. */
void tl_oracle(tl_ctx *ctx, const char *what, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void tl_oracle_expect_u64(tl_ctx *ctx, const char *what, uint64_t expected, uint64_t got);
/* Declares an atomic variable the oracle's own bookkeeping (which context was
 * freed, whether one step came before another): read and written only
 * through tl_atomic_*, it is no race in C11, but Valgrind's detectors see
 * machine code, where a relaxed or acquire load is a plain mov, and would
 * report it as one. They are told to leave these bytes unchecked, which
 * orders nothing; TSan sees the atomics and needs nothing. Call it before
 * the threads that use the variable start. */
void tl_oracle_words(void *addr, size_t size);
/* Marks one unit of useful work done by the calling thread, for the live
 * monitor's livelock and starvation verdicts (retries are counted for you:
 * every failed trylock is one). */
void tl_progress(tl_ctx *ctx);

/* An informational line for the report (not evidence). */
void tl_note(tl_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keeps a plain value alive: the compiler must assume it is read, so a
 * racy store to it is not removed as dead (TSan only sees accesses that are
 * compiled in). */
#define TL_KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

#endif
