/* SPDX-License-Identifier: MIT */
/* callback.async_stack_frame: an asynchronous callback writes its result into
 * the caller's stack frame after the caller has returned. */
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

typedef struct {
    char flavour[16];
    int rings;
} donut;

/* The caller's own step, plugged into the core module: the book's `formed`. */
typedef void (*formed_fn)(donut *d);

typedef struct {
    donut *out;        /* where the finished donut goes */
    formed_fn formed;
    bool forced;       /* buggy: wait until the caller's frame is reused */
} order;

static tl_turns_t turns = TL_TURNS_INIT;
static tl_thread_t baker;
/* Delivered by the heap-owning fix; read by main after the join. */
static int delivered_rings;

static void shape_ring(donut *d)
{
    strcpy(d->flavour, "glazed");
    d->rings = 1;
}

/* The baker thread: the asynchronous half of make_donut. */
static void *real_make_donut(void *arg)
{
    order *o = arg;
    if (o->forced)
        tl_turn_wait(&turns, 1); /* forced: the caller returned and its frame was reused */
    o->formed(o->out);           /* buggy: writes into a frame that no longer exists */
    if (o->forced)
        tl_turn_pass(&turns);
    free(o);
    return NULL;
}

/* make_donut: asynchronous - starts the baker and returns at once, so the
 * caller can get on with something important meanwhile. */
static void make_donut(donut *out, formed_fn formed, bool forced)
{
    order *o = malloc(sizeof *o);
    if (!o)
        abort();
    *o = (order){.out = out, .formed = formed, .forced = forced};
    tl_thread_start(&baker, "baker", real_make_donut, o);
}

/* Buggy: the donut is a local of order_breakfast(), and its address goes to
 * an asynchronous callback. The frame is released when order_breakfast()
 * returns; the callback writes there later. */
__attribute__((noinline)) static void order_breakfast(void)
{
    /* The donut first, a note after it: the donut then sits half a
     * kilobyte below the top of the frame, where the next call's ledger is
     * sure to cover it (and never on a saved register or return address). */
    struct {
        donut d;
        char note[512];
    } slip = {{{0}, 0}, {0}};
    TL_KEEP(slip.note);
    make_donut(&slip.d, shape_ring, true);
}

/* Fixed 1: the caller stays in its frame until the donut is made (it waits
 * for the completion), so the address it handed out stays valid. */
__attribute__((noinline)) static int order_breakfast_and_wait(void)
{
    donut d = {{0}, 0};
    make_donut(&d, shape_ring, false);
    tl_thread_join(&baker);
    return d.rings;
}

/* Fixed 2: the result has a lifetime of its own. The core module allocates
 * the donut, runs the caller's step on it and hands it to a completion
 * callback that owns it (and frees it): no caller frame is ever involved. */
static void deliver(donut *d)
{
    delivered_rings = d->rings; /* main reads it after joining the baker */
    free(d);
}

static void *real_make_owned_donut(void *arg)
{
    formed_fn formed = (formed_fn)(uintptr_t)arg;
    donut *d = calloc(1, sizeof *d);
    if (!d)
        abort();
    formed(d);
    deliver(d);
    return NULL;
}

__attribute__((noinline)) static void order_breakfast_owned(void)
{
    tl_thread_start(&baker, "baker", real_make_owned_donut, (void *)(uintptr_t)shape_ring);
}

/* What the caller does next: a call whose frame reuses the bytes where the
 * donut was. Returns whether its own local stayed as it wrote it. */
__attribute__((noinline)) static bool something_important(bool forced)
{
    unsigned char ledger[4096];
    /* A real call to memset, through a volatile pointer, so that TSan sees
     * the write in its interceptor (see retptr.stack_escape). */
    void *(*volatile fill)(void *, int, size_t) = memset;
    fill(ledger, 0x5a, sizeof ledger);
    if (forced) {
        tl_turn_pass(&turns);    /* now the baker finishes the order... */
        tl_turn_wait(&turns, 2); /* ... writing into our ledger */
    }
    for (size_t i = 0; i < sizeof ledger; i++)
        if (ledger[i] != 0x5a)
            return false;
    return true;
}

static void buggy(tl_ctx *ctx)
{
    order_breakfast();
    bool intact = something_important(true);
    tl_thread_join(&baker);
    tl_oracle(ctx, "a later call's local", intact,
              intact ? "untouched" : "changed under it: the callback wrote the donut into "
                                     "the dead frame of order_breakfast()");
}

static void fixed_wait(tl_ctx *ctx)
{
    int rings = order_breakfast_and_wait();
    bool intact = something_important(false);
    tl_oracle(ctx, "a later call's local", intact, intact ? "untouched" : "changed under it");
    tl_oracle(ctx, "donut delivered", rings == 1, "expected 1 ring, got %d", rings);
}

static void fixed_owned(tl_ctx *ctx)
{
    order_breakfast_owned();
    bool intact = something_important(false);
    tl_thread_join(&baker);
    tl_oracle(ctx, "a later call's local", intact, intact ? "untouched" : "changed under it");
    tl_oracle(ctx, "donut delivered", delivered_rings == 1, "expected 1 ring, got %d",
              delivered_rings);
}

TL_SCENARIO(callback_async_stack_frame) = {
    .name = "callback.async_stack_frame",
    .category = "callback",
    .summary = "an asynchronous callback writes into the caller's frame after it returned",
    .concept = "asynchronous callbacks outlive the call that registered them",
    .teaching =
        "make_donut(out, formed) is asynchronous: it starts a baker thread that will call "
        "the caller's own step `formed` and returns at once, so the caller can do something "
        "important meanwhile. A synchronous callback runs before the call returns, on the "
        "caller's thread, so pointing it at a local is safe; an asynchronous one runs "
        "later, on another thread, after the caller's frame may be gone. order_breakfast() "
        "hands make_donut the address of its local donut and returns; the next call "
        "reuses those stack bytes for its own ledger, and the baker then writes the donut "
        "into the middle of it. The buggy variant forces that order, so the ledger is "
        "corrupted every run. Fix 1 keeps the frame alive for as long as the callback may "
        "use it: the caller waits for the completion before returning (blocking, but "
        "correct). Fix 2 gives the result a lifetime of its own: the core module allocates "
        "the donut and hands it to a completion callback that owns and frees it.",
    .detector_note = "TSan reports the baker's write against main's write of the same stack "
                     "bytes ('Location is stack of main thread'); the oracle sees the ledger "
                     "change under the later call.",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fixes wait for the completion or hand over a heap result; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "the callback gets the address of order_breakfast()'s local donut"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed_owned, .expect = "",
         .about = "the donut is allocated by the core module and owned (then freed) by the "
                  "completion callback"},
        {.name = "fixed-wait", .role = TL_ROLE_FIXED, .entry = fixed_wait, .expect = "",
         .about = "the caller waits for the completion before its frame goes away"},
    },
};
