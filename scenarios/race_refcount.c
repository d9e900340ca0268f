/* SPDX-License-Identifier: MIT */
/* race.refcount: a plain reference count, dropped by two threads at once. */
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

/* A shared buffer with a reference count: whoever drops the last reference
 * frees it, so no thread has to know who else still uses it. The count sits
 * past the first 16 bytes, which glibc's free() reuses for its own list
 * pointers: the buggy re-read of the count in a freed block reads what was
 * there, and the allocator is not disturbed. */
typedef struct {
    char text[16];
    int refs;               /* buggy variant: a plain int */
    tl_atomic_u32 refs_atomic; /* fixed variant */
} shared_buf;

static tl_turns_t turns = TL_TURNS_INIT;
static char seen[2][16];
/* The oracle's bookkeeping, atomic so that it adds no race of its own. */
static tl_atomic_ptr freed_buf;        /* the block destroy() freed */
static tl_atomic_u32 destroy_calls;    /* how often destroy() was called */
static tl_atomic_u32 touched_after_free; /* a drop read the count of a freed block */

static void note_access(shared_buf *b)
{
    if (tl_atomic_load_ptr(&freed_buf, tl_relaxed) == b)
        tl_atomic_store_u32(&touched_after_free, 1, tl_relaxed);
}

/* The buggy variant holds the freed block back until both threads are
 * done (free() after the joins): the late read of its count is then of
 * memory the program has given up but the allocator has not taken, which
 * every TSan sees the same way - as the data race on the count. Freed at
 * once, clang 19's TSan also called that read a use after free and clang
 * 14's and gcc 12's did not (measured), so the evidence would depend on the
 * compiler. Set before the threads start. */
static bool hold_back;

/* Frees the buffer once. A second call is the double free the buggy count
 * causes: the lab counts it and does not pass the pointer to free() again,
 * which in a real program would abort in glibc's check or corrupt the heap. */
static void destroy(shared_buf *b)
{
    if (tl_atomic_fetch_add_u32(&destroy_calls, 1, tl_relaxed) != 0)
        return;
    tl_atomic_store_ptr(&freed_buf, b, tl_relaxed);
    if (!hold_back)
        free(b);
}

/* Buggy drop: the decrement and the test are two separate steps on a plain
 * int - `refs--` (load, subtract, store) and then `refs == 0` (a second
 * load). Another thread's decrement can land between them, and then both
 * see zero. (Two plain decrements can also lose one, and then no one frees:
 * a leak. Both are the same race.) */
static void drop_buggy(shared_buf *b, unsigned me)
{
    note_access(b);
    b->refs--;
    if (me == 0) {
        tl_turn_pass(&turns);    /* step 1: decremented, not yet tested */
        tl_turn_wait(&turns, 2); /* the other thread drops its reference meanwhile */
    }
    note_access(b);
    if (b->refs == 0) /* both threads see 0; the first one already freed b */
        destroy(b);
}

/* Fixed drop: one atomic read-modify-write that returns the value it
 * replaced. Exactly one thread replaces 1, so exactly one frees. acq_rel:
 * the release half orders this thread's uses of the buffer before its
 * decrement; the acquire half lets the thread that sees 1 - the last one -
 * see every other thread's uses before it frees. */
static void drop_fixed(shared_buf *b, unsigned me)
{
    (void)me;
    note_access(b);
    /* fetch_add of -1: the lab's atomics spell fetch_sub that way. */
    if (tl_atomic_fetch_add_u32(&b->refs_atomic, (uint32_t)-1, tl_acq_rel) == 1)
        destroy(b);
}

typedef struct {
    shared_buf *buf;
    unsigned index;
    bool forced;
    void (*drop)(shared_buf *, unsigned);
} user_arg;

static void *user(void *p)
{
    user_arg *u = p;
    if (u->forced && u->index == 1)
        tl_turn_wait(&turns, 1); /* forced: between the other's decrement and its test */
    memcpy(seen[u->index], u->buf->text, sizeof seen[u->index]); /* the use */
    u->drop(u->buf, u->index);
    if (u->forced && u->index == 1)
        tl_turn_pass(&turns);
    return NULL;
}

static void run(tl_ctx *ctx, bool forced, void (*drop)(shared_buf *, unsigned))
{
    tl_oracle_words(&freed_buf, sizeof freed_buf);
    tl_oracle_words(&destroy_calls, sizeof destroy_calls);
    tl_oracle_words(&touched_after_free, sizeof touched_after_free);
    shared_buf *b = calloc(1, sizeof *b);
    if (!b)
        abort();
    strcpy(b->text, "hello");
    /* One reference for each user, taken before it starts: the creator hands
     * its own over and never touches b again. */
    b->refs = 2;
    tl_atomic_store_u32(&b->refs_atomic, 2, tl_relaxed); /* published by thread start */

    tl_thread_t t[2];
    user_arg args[2];
    for (unsigned i = 0; i < 2; i++) {
        args[i] = (user_arg){b, i, forced, drop};
        tl_thread_start(&t[i], i == 0 ? "user-0" : "user-1", user, &args[i]);
    }
    for (unsigned i = 0; i < 2; i++)
        tl_thread_join(&t[i]);
    if (hold_back && tl_atomic_load_ptr(&freed_buf, tl_relaxed) == b)
        free(b); /* the block destroy() gave up, held back until now */

    unsigned calls = tl_atomic_load_u32(&destroy_calls, tl_relaxed);
    bool late = tl_atomic_load_u32(&touched_after_free, tl_relaxed) != 0;
    tl_oracle(ctx, "freed exactly once, after the last use", calls == 1 && !late,
              "destroy() called %u time%s (expected 1)%s", calls, calls == 1 ? "" : "s",
              late ? "; a drop read the count after the buffer had been freed" : "");
}

static void buggy(tl_ctx *ctx)
{
    hold_back = true;
    run(ctx, true, drop_buggy);
}
static void fixed(tl_ctx *ctx) { run(ctx, false, drop_fixed); }

TL_SCENARIO(race_refcount) = {
    .name = "race.refcount",
    .category = "race",
    .summary = "a plain reference count: two threads drop theirs and both free",
    .concept = "heap lifetime shared through a reference count",
    .teaching =
        "A heap object that several threads use can carry a reference count: each user "
        "holds one reference and drops it when done, and whoever drops the last one frees "
        "the object. The count itself is then shared data, written by every thread, and a "
        "plain int gives no guarantee. The buggy drop does `refs--` and then tests "
        "`refs == 0`: two steps, and the other thread's decrement can come between them. "
        "The run forces that: user 0 decrements (2 to 1), user 1 decrements (1 to 0), sees "
        "zero and frees, then user 0 tests the count - in freed memory - sees zero as well "
        "and frees again. A double free, and a read of freed memory before it; the lab "
        "counts the second destroy() instead of passing the pointer to free() again, which "
        "would abort or corrupt the heap, and holds the freed block back until both users "
        "are done, so the late read is the same on every run and compiler. Two plain decrements can also lose one, and then "
        "no one frees. The fix makes decrement-and-test one indivisible step: an atomic "
        "fetch_sub returns the value it replaced, so exactly one thread sees 1 and frees. "
        "Its order is acq_rel: release so that each thread's uses come before its "
        "decrement, acquire so that the last thread sees all of them before it frees.",
    .detector_note = "TSan reports the two plain decrements of the count as a data race. "
                     "The late read of the count is of a block the lab holds back (freed "
                     "after the joins): freed at once, clang 19's TSan also reported it as "
                     "a heap use after free and clang 14's and gcc 12's did not, so the "
                     "hold-back keeps the evidence the same under every TSan. The oracle "
                     "counts the destroy() calls and the read after the free, under every "
                     "detector.",
    .threads = 2, .min_threads = 2, .max_threads = 2,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fix is an atomic reference count",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "`refs--; if (refs == 0) free`: the other drop comes between the two "
                  "steps, both see zero and both free"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed, .expect = "",
         .about = "`if (atomic_fetch_sub(&refs, 1, acq_rel) == 1) free`: exactly one "
                  "thread replaces the 1, and it frees after everyone's uses"},
    },
};
