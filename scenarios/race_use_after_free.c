/* SPDX-License-Identifier: MIT */
/* race.use_after_free: the owner frees a heap block another thread has yet to read. */
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

/* A report the owner builds on the heap and hands to a printer thread. The
 * figures sit past the first 16 bytes, which glibc's free() reuses for its
 * own list pointers: the buggy read of a freed block then neither depends on
 * nor disturbs the allocator, and the run goes on to show the bug. */
typedef struct {
    char title[16];
    long total;
    long count;
} report;

static tl_turns_t turns = TL_TURNS_INIT;
static long printed_total, printed_count;
/* The oracle's bookkeeping, atomic so that it adds no race of its own: the
 * block the owner freed, and whether the printer read it after that. */
static tl_atomic_ptr freed_block;
static tl_atomic_u32 read_after_free;

static void note_read(report *r)
{
    if (tl_atomic_load_ptr(&freed_block, tl_relaxed) == r)
        tl_atomic_store_u32(&read_after_free, 1, tl_relaxed);
}

static report *make_report(void)
{
    report *r = malloc(sizeof *r);
    if (!r)
        abort();
    strcpy(r->title, "sales");
    r->total = 4200;
    r->count = 42;
    return r;
}

static void owner_frees(report *r)
{
    tl_atomic_store_ptr(&freed_block, r, tl_relaxed);
    free(r);
}

/* Buggy printer: it runs later, as a thread handed a job does - and, forced,
 * only after the owner has freed the block. (It reads nothing before the
 * free: a read before it would race with free() itself, and clang's TSan
 * reports one race per block, so the later use after free would go
 * unreported there while gcc's reports both.) */
static void *printer_forced(void *arg)
{
    report *r = arg;
    tl_turn_wait(&turns, 1); /* the owner is done with the report - and frees it */
    note_read(r);
    printed_total = r->total; /* reads of freed heap memory */
    printed_count = r->count;
    return NULL;
}

/* The printer of the fixes: reads both figures; nothing else changes. */
static void *printer(void *arg)
{
    report *r = arg;
    note_read(r);
    printed_total = r->total;
    printed_count = r->count;
    return NULL;
}

/* Fix 2: the printer owns the block once it has it, so it frees it. */
static void *printer_owns(void *arg)
{
    report *r = arg;
    printer(r);
    free(r);
    return NULL;
}

static void check(tl_ctx *ctx)
{
    bool late = tl_atomic_load_u32(&read_after_free, tl_relaxed) != 0;
    tl_oracle(ctx, "no read of the report after it was freed", !late,
              late ? "the printer read the report after its owner had freed it "
                     "(total %ld, count %ld)"
                   : "none (total %ld, count %ld)",
              printed_total, printed_count);
}

static void setup(void)
{
    tl_oracle_words(&freed_block, sizeof freed_block);
    tl_oracle_words(&read_after_free, sizeof read_after_free);
}

/* Buggy: the owner frees as soon as it has no more use for the report itself,
 * while the printer it shared the pointer with has yet to read. */
static void buggy(tl_ctx *ctx)
{
    setup();
    report *r = make_report();
    tl_thread_t t;
    tl_thread_start(&t, "printer", printer_forced, r);
    owner_frees(r); /* "I have handed it over, I am done with it" */
    tl_turn_pass(&turns);
    tl_thread_join(&t);
    check(ctx);
}

/* Fix 1: join first. pthread_join returns only after the printer's last
 * access, and orders it before the free. */
static void fixed(tl_ctx *ctx)
{
    setup();
    report *r = make_report();
    tl_thread_t t;
    tl_thread_start(&t, "printer", printer, r);
    tl_thread_join(&t);
    owner_frees(r);
    check(ctx);
}

/* Fix 2: hand the ownership over. After tl_thread_start the owner never
 * touches r again; exactly one thread uses the block at a time, and the one
 * that uses it last is the one that frees it. */
static void fixed_handover(tl_ctx *ctx)
{
    setup();
    report *r = make_report();
    tl_thread_t t;
    tl_thread_start(&t, "printer", printer_owns, r);
    r = NULL; /* no longer ours */
    tl_thread_join(&t);
    check(ctx);
}

TL_SCENARIO(race_use_after_free) = {
    .name = "race.use_after_free",
    .category = "race",
    .summary = "the owner frees a heap block another thread has yet to read",
    .concept = "the heap is shared: an object's lifetime is everyone's problem",
    .teaching =
        "The heap is shared by every thread: a pointer handed to another thread reaches the "
        "same bytes, so the question 'when may this block be freed?' now has two threads in "
        "it. The owner builds a report on the heap, gives its address to a printer thread and, "
        "having no more use for the report itself, frees it - while the printer has yet to "
        "read it. The buggy variant forces that order: the owner frees, then the printer "
        "reads the figures from freed memory (which the allocator may already have handed to "
        "someone else). Fix 1 makes the owner wait: it "
        "joins the printer before freeing, and the join orders every access of the printer "
        "before the free. Fix 2 hands the ownership over with the pointer: from then on only "
        "the printer uses the block, and the printer frees it when it is done. Either way "
        "exactly one thread decides when the block dies, after the last use.",
    .detector_note = "TSan keeps the freed block's shadow and reports the printer's read as a "
                     "heap-use-after-free racing with main's free(). The oracle records the late "
                     "read itself (it does not depend on what the freed bytes hold). Helgrind "
                     "and DRD do not look for use after free (that is Memcheck's job): under "
                     "them the oracle shows it.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fixes order the free after the last read by a join or by handing the "
                   "block over; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "heap-use-after-free oracle:violated",
         .about = "the owner frees the report before the printer it handed it to has read it"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "the owner joins the printer, then frees: the last read comes before the free"},
        {.name = "fixed-handover", .role = TL_ROLE_FIXED, .entry = fixed_handover, .expect = "",
         .about = "the pointer and the ownership go together: the printer frees the report "
                  "after its last read, the owner never touches it again"},
    },
};
