/* SPDX-License-Identifier: MIT */
/* retptr.stack_escape: a pointer to a local outlives the function's frame. */
#include <stdlib.h>
#include <string.h>
#include "tl_scenario.h"

typedef struct {
    long amount;
    char note[24];
} job;

static tl_turns_t turns = TL_TURNS_INIT;
static tl_thread_t worker;
static long processed;

/* The worker runs "later", like an asynchronous callback. */
static void *process(void *arg)
{
    job *j = arg;
    tl_turn_wait(&turns, 1); /* forced: only after submit() has returned */
    processed = j->amount;   /* buggy: reads a frame that no longer exists */
    tl_turn_pass(&turns);
    return NULL;
}

static void *process_owned(void *arg)
{
    job *j = arg;
    processed = j->amount;
    free(j); /* the heap copy belongs to the worker: it frees it */
    return NULL;
}

static void *process_borrowed(void *arg)
{
    job *j = arg;
    processed = j->amount; /* the caller waits for us: its frame is alive */
    return NULL;
}

/* Buggy: the job is a local; its address goes to the worker, and the frame
 * is gone the moment submit() returns. */
__attribute__((noinline)) static void submit(void)
{
    job j = {.amount = 42};
    strcpy(j.note, "deposit");
    tl_thread_start(&worker, "worker", process, &j);
}

/* Whatever runs next reuses the same stack bytes. The buggy variant lets
 * the worker read while this frame still holds them (hand_over): DRD
 * forgets what a frame wrote once the frame is gone, so a read after
 * next_call had returned would be checked against nothing but whichever
 * frame the compiler happened to lay over the same bytes. */
__attribute__((noinline)) static void next_call(bool hand_over)
{
    char scratch[4096];
    /* A real call to memset, through a volatile pointer: TSan sees it in its
     * memset interceptor. (gcc's TSan instruments neither volatile stores
     * nor a memset it expands inline into rep stos.) The empty asm that
     * "reads" scratch keeps the stores from being dropped as dead. */
    void *(*volatile fill)(void *, int, size_t) = memset;
    fill(scratch, 0x5a, sizeof scratch);
    if (hand_over) {
        tl_turn_pass(&turns);    /* now the worker reads */
        tl_turn_wait(&turns, 2);
    }
    TL_KEEP(scratch);
}

/* Fixed 1: a heap copy that the receiver owns and frees. */
__attribute__((noinline)) static void submit_heap(void)
{
    job *j = malloc(sizeof *j);
    if (!j)
        abort();
    *j = (job){.amount = 42};
    strcpy(j->note, "deposit");
    tl_thread_start(&worker, "worker", process_owned, j);
}

/* Fixed 2: keep the frame alive until the worker is done with it. */
__attribute__((noinline)) static void submit_and_wait(void)
{
    job j = {.amount = 42};
    strcpy(j.note, "deposit");
    tl_thread_start(&worker, "worker", process_borrowed, &j);
    tl_thread_join(&worker);
}

static void buggy(tl_ctx *ctx)
{
    submit();
    next_call(true);         /* overwrites where the job was; the worker reads */
    tl_thread_join(&worker);
    tl_oracle(ctx, "amount the worker saw", processed == 42, "expected 42, got %ld", processed);
}

static void fixed_heap(tl_ctx *ctx)
{
    submit_heap();
    next_call(false);
    tl_thread_join(&worker);
    tl_oracle(ctx, "amount the worker saw", processed == 42, "expected 42, got %ld", processed);
}

static void fixed_join(tl_ctx *ctx)
{
    submit_and_wait();
    next_call(false);
    tl_oracle(ctx, "amount the worker saw", processed == 42, "expected 42, got %ld", processed);
}

TL_SCENARIO(retptr_stack_escape) = {
    .name = "retptr.stack_escape",
    .category = "retptr",
    .summary = "a pointer to a local is used after its function returned",
    .concept = "thread stacks: a frame lives only until its function returns",
    .teaching =
        "submit() puts a job in a local variable and hands its address to a worker thread, "
        "the way code hands a pointer to an asynchronous callback. Locals live in the "
        "calling thread's stack frame, and that frame is released the moment submit() "
        "returns: the next call reuses the same bytes. The worker, running later, reads "
        "whatever is there now. The buggy variant forces the order (submit returns, the "
        "next call overwrites the bytes, then the worker reads) so the worker sees garbage "
        "every time. Fix 1 gives the job its own lifetime: a heap copy that the worker owns "
        "and frees. Fix 2 keeps the frame alive for as long as the pointer is used: submit "
        "waits for the worker before returning.",
    .detector_note = "TSan reports the worker's read against main's later write of the same "
                     "stack bytes ('Location is stack of main thread').",
    .threads = 1, .min_threads = 1, .max_threads = 1,
    .iterations = 1, .max_iterations = 1,
    .own_locking = "its fixes hand over a heap copy or join the worker; no lock",
    .variants = {
        {.name = "buggy", .role = TL_ROLE_BUGGY, .entry = buggy,
         .expect = "data-race oracle:violated",
         .about = "the worker gets the address of submit()'s local job"},
        {.name = "fixed", .role = TL_ROLE_FIXED, .entry = fixed_heap, .expect = "",
         .about = "a heap copy the worker owns and frees"},
        {.name = "fixed-join", .role = TL_ROLE_FIXED, .entry = fixed_join, .expect = "",
         .about = "submit() waits for the worker before its frame goes away"},
    },
};
