/* SPDX-License-Identifier: MIT */
/* The bug-kind vocabulary shared by every detector, and which source files
 * are threadlab's own (a finding's frame prefers them). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "finding.h"

/* ---- kinds ---------------------------------------------------------- */

/* Indexed by tl_bug_kind. */
static const char *const tokens[] = {
    [TL_BUG_DATA_RACE] = "data-race",
    [TL_BUG_LOCK_ORDER_INVERSION] = "lock-order-inversion",
    [TL_BUG_HEAP_USE_AFTER_FREE] = "heap-use-after-free",
    [TL_BUG_THREAD_LEAK] = "thread-leak",
    [TL_BUG_DOUBLE_LOCK] = "double-lock",
    [TL_BUG_BAD_UNLOCK] = "bad-unlock",
    [TL_BUG_DESTROY_LOCKED] = "destroy-locked",
    [TL_BUG_SIGNAL_UNSAFE] = "signal-unsafe-call",
    [TL_BUG_SIGNAL_ERRNO] = "signal-spoils-errno",
    [TL_BUG_INVALID_MUTEX] = "invalid-mutex",
    [TL_BUG_DATA_RACE_VPTR] = "data-race-vptr",
    [TL_BUG_HEAP_USE_AFTER_FREE_VPTR] = "heap-use-after-free-vptr",
    [TL_BUG_READ_LOCK_WRITE_LOCKED] = "read-lock-of-write-locked-mutex",
    [TL_BUG_READ_UNLOCK_WRITE_LOCKED] = "read-unlock-of-write-locked-mutex",
    [TL_BUG_MUTEX_WRONG_CONTEXT] = "mutex-wrong-context",
    [TL_BUG_EXTERNAL_RACE] = "external-race",
    [TL_BUG_API_MISUSE] = "api-misuse",
    [TL_BUG_COND_MISUSE] = "cond-misuse",
    [TL_BUG_LOCK_HELD_AT_EXIT] = "lock-held-at-exit",
    [TL_BUG_RUNTIME_MESSAGE] = "runtime-message",
    [TL_BUG_OTHER] = "other",
};

_Static_assert(sizeof tokens / sizeof tokens[0] == TL_BUG_OTHER + 1,
               "every tl_bug_kind needs a token");

const char *tl_bug_kind_token(tl_bug_kind k)
{
    /* Out-of-range values get "other" rather than NULL so a caller printing
     * the token of a corrupt finding cannot crash. */
    if ((int)k < 0 || k > TL_BUG_OTHER)
        return tokens[TL_BUG_OTHER];
    return tokens[k];
}

int tl_bug_kind_from_token(const char *token)
{
    if (!token)
        return -1;
    for (int k = 0; k <= TL_BUG_OTHER; k++)
        if (strcmp(token, tokens[k]) == 0)
            return k;
    return -1;
}

/* ---- own-frame classification --------------------------------------- */

/* True when dir (e.g. "tests/") is a whole path component of path, so
 * "contests/x.c" or "my_scenarios/x.c" do not count. */
static bool has_dir(const char *path, const char *dir)
{
    for (const char *p = strstr(path, dir); p; p = strstr(p + 1, dir))
        if (p == path || p[-1] == '/')
            return true;
    return false;
}

/* Preference order for the "first own frame": the scenario or test that
 * made the call beats the harness, which beats the lock layer, which beats
 * nothing. 0 = not an own file; lower is better. */
int tl_frame_file_rank(const char *file)
{
    if (!file || !*file)
        return 0;
    if (has_dir(file, "scenarios/") || has_dir(file, "tests/"))
        return 1;
    if (has_dir(file, "harness/"))
        return 2;
    if (has_dir(file, "primitives/"))
        return 3;
    return 0;
}

bool tl_frame_is_own_file(const char *file)
{
    return tl_frame_file_rank(file) != 0;
}


static const char *location_words(const tl_location *l, char *buf, size_t size)
{
    switch (l->kind) {
    case TL_LOC_GLOBAL:
        snprintf(buf, size, "global '%s'", l->name);
        break;
    case TL_LOC_HEAP: snprintf(buf, size, "a heap block"); break;
    case TL_LOC_STACK:
        if (l->thread > 0)
            snprintf(buf, size, "the stack of thread T%d", l->thread);
        else
            snprintf(buf, size, "the main thread's stack");
        break;
    case TL_LOC_TLS:
        if (l->thread > 0)
            snprintf(buf, size, "the thread-local storage of thread T%d", l->thread);
        else
            snprintf(buf, size, "the main thread's thread-local storage");
        break;
    default: return NULL;
    }
    if (l->size > 0) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, " (%ld bytes)", l->size);
    }
    return buf;
}

void tl_finding_print_accesses(FILE *to, const tl_finding *f, int indent)
{
    if (f->naccess == 0)
        return;
    char where[200];
    const char *loc = location_words(&f->location, where, sizeof where);
    if (loc)
        fprintf(to, "%*s%s on %s\n", indent, "", tl_bug_kind_token(f->kind), loc);
    for (int i = 0; i < f->naccess && i < TL_FINDING_MAX_ACCESSES; i++) {
        const tl_access *a = &f->access[i];
        const char *op = a->op == TL_ACC_WRITE ? "write" : a->op == TL_ACC_READ ? "read" : "access";
        fprintf(to, "%*s%s%s%s", indent + 2, "", a->previous ? "previous " : "",
                a->atomic ? "atomic " : "", op);
        if (a->size > 0)
            fprintf(to, " of %d bytes", a->size);
        if (a->thread_name[0] && strcmp(a->thread_name, "main") != 0)
            fprintf(to, " by thread '%s'", a->thread_name);
        else if (a->thread == 0 || strcmp(a->thread_name, "main") == 0)
            fprintf(to, " by the main thread");
        if (a->thread > 0)
            fprintf(to, " (T%d)", a->thread);
        if (a->frame.found)
            fprintf(to, " at %s:%d in %s()", a->frame.file, a->frame.line, a->frame.function);
        fputc('\n', to);
    }
}
