/* SPDX-License-Identifier: MIT */
/* Which neutral kind each Helgrind and DRD report is. Helgrind's Misc and
 * PthAPIerror and most of DRD's kinds cover several bugs each ("MutexErr" is
 * an unlock of an unlocked mutex, a relock, a destroy of a locked one...),
 * so the report's own sentence decides, through the table below. The
 * sentences are the fixed strings of Valgrind 3.19's sources
 * (helgrind/hg_main.c, drd/drd_mutex.c and friends). */
#include <stddef.h>
#include <string.h>

#include "valgrind_kinds.h"

typedef struct {
    const char *kind;   /* the tool's <kind>; NULL: any */
    const char *text1;  /* must occur in the what-text; NULL: anything */
    const char *text2;  /* must occur too; NULL: anything */
    tl_bug_kind result;
} rule;

/* First match wins, so a sentence that names its bug precisely comes before
 * the kind's catch-all row. */
static const rule rules[] = {
    /* Both tools: a detector's word about itself, never the program's. */
    {"UnimpHgClReq", NULL, NULL, TL_BUG_RUNTIME_MESSAGE},
    {"UnimpDrdClReq", NULL, NULL, TL_BUG_RUNTIME_MESSAGE},

    /* Helgrind */
    {"Race", NULL, NULL, TL_BUG_DATA_RACE},
    {"LockOrder", NULL, NULL, TL_BUG_LOCK_ORDER_INVERSION},
    {"UnlockUnlocked", NULL, NULL, TL_BUG_BAD_UNLOCK},
    {"UnlockForeign", NULL, NULL, TL_BUG_BAD_UNLOCK},
    {"UnlockBogus", NULL, NULL, TL_BUG_BAD_UNLOCK},
    /* "Thread #1's call to pthread_mutex_lock failed with error code 35
     * (EDEADLK: ...)": the function and the error say which bug. The
     * function is matched with " failed" after it, since the error's own
     * words ("Resource deadlock would occur") hold "lock" too. */
    {"PthAPIerror", "pthread_cond_", NULL, TL_BUG_COND_MISUSE},
    {"PthAPIerror", "unlock failed", "EPERM", TL_BUG_BAD_UNLOCK},
    /* pthread_mutex_lock, pthread_rwlock_wrlock, pthread_mutex_timedlock, ... */
    {"PthAPIerror", "lock failed", "EDEADLK", TL_BUG_DOUBLE_LOCK},
    {"PthAPIerror", "_destroy failed", "EBUSY", TL_BUG_DESTROY_LOCKED},
    {"PthAPIerror", "pthread_mutex_", "EINVAL", TL_BUG_INVALID_MUTEX},
    {"PthAPIerror", "pthread_rwlock_", "EINVAL", TL_BUG_INVALID_MUTEX},
    {"PthAPIerror", NULL, NULL, TL_BUG_API_MISUSE},
    /* "Thread #1: <sentence>" */
    {"Misc", "Attempt to re-lock", NULL, TL_BUG_DOUBLE_LOCK},
    {"Misc", "destroy of a locked", NULL, TL_BUG_DESTROY_LOCKED},
    {"Misc", "destroy with invalid argument", NULL, TL_BUG_INVALID_MUTEX},
    {"Misc", "_t* argument", NULL, TL_BUG_INVALID_MUTEX}, /* a mutex passed as an rwlock, or back */
    {"Misc", "called with invalid mutex", NULL, TL_BUG_INVALID_MUTEX},
    {"Misc", "called with mutex of type", NULL, TL_BUG_INVALID_MUTEX},
    {"Misc", "pthread_cond_", NULL, TL_BUG_COND_MISUSE},
    {"Misc", "Exiting thread still holds", NULL, TL_BUG_LOCK_HELD_AT_EXIT},
    /* "Bug in libpthread: write lock granted on mutex/rwlock which is
     * currently wr-held by a different thread", "... recursive write lock
     * granted ...": Helgrind's model of a lock disagrees with what the
     * library did, which says nothing about the program. Measured: Helgrind
     * 3.19 says it on glibc 2.36's pthread_spin_lock in a correct 10-line
     * program (two threads, 100 000 lock/unlock pairs each), every run. Kept
     * for the record, never evidence. */
    {"Misc", "Bug in libpthread", NULL, TL_BUG_RUNTIME_MESSAGE},
    {"Misc", NULL, NULL, TL_BUG_API_MISUSE}, /* barriers, semaphores, ... */

    /* DRD */
    {"ConflictingAccess", NULL, NULL, TL_BUG_DATA_RACE},
    /* Any kind: "The object at address 0x.. is not a mutex." (MutexErr, or
     * GenericErr), "Not a reader-writer lock", "Mutex type mismatch". */
    {NULL, "is not a mutex", NULL, TL_BUG_INVALID_MUTEX},
    {NULL, "Not a mutex", NULL, TL_BUG_INVALID_MUTEX},
    {NULL, "Not a reader-writer lock", NULL, TL_BUG_INVALID_MUTEX},
    {NULL, "Mutex type", NULL, TL_BUG_INVALID_MUTEX},
    {NULL, "Attempt to use a", "rwlock as a", TL_BUG_INVALID_MUTEX},
    {NULL, "still locked at thread exit", NULL, TL_BUG_LOCK_HELD_AT_EXIT},
    /* "Mutex not locked", "Mutex not locked by calling thread",
     * "Reader-writer lock not locked by calling thread". Only these kinds:
     * CondRaceErr's sentence says "not locked" too. */
    {"MutexErr", "not locked", NULL, TL_BUG_BAD_UNLOCK},
    {"RwlockErr", "not locked", NULL, TL_BUG_BAD_UNLOCK},
    {"MutexErr", "ecursive", NULL, TL_BUG_DOUBLE_LOCK}, /* "Recursive locking not allowed" */
    {"RwlockErr", "ecursive", NULL, TL_BUG_DOUBLE_LOCK},
    {"MutexErr", "Destroying locked", NULL, TL_BUG_DESTROY_LOCKED},
    {"RwlockErr", "Destroying locked", NULL, TL_BUG_DESTROY_LOCKED},
    {"MutexErr", NULL, NULL, TL_BUG_API_MISUSE}, /* "Mutex reinitialization" */
    {"RwlockErr", NULL, NULL, TL_BUG_API_MISUSE},
    {"CondErr", NULL, NULL, TL_BUG_COND_MISUSE},
    {"CondDestrErr", NULL, NULL, TL_BUG_COND_MISUSE},
    {"CondRaceErr", NULL, NULL, TL_BUG_COND_MISUSE},
    {"CondWaitErr", NULL, NULL, TL_BUG_COND_MISUSE},
    {"SemaphoreErr", NULL, NULL, TL_BUG_API_MISUSE},
    {"BarrierErr", NULL, NULL, TL_BUG_API_MISUSE},
    {"GenericErr", NULL, NULL, TL_BUG_API_MISUSE},
    {"InvalidThreadId", NULL, NULL, TL_BUG_API_MISUSE},
    /* "Lock on mutex 0x.. was held during 100 ms (threshold: 50 ms)", only
     * with --exclusive-threshold or --shared-threshold: slow, not wrong. */
    {"HoldtimeErr", NULL, NULL, TL_BUG_OTHER},
};

static bool matches(const rule *r, const char *kind, const char *what)
{
    if (r->kind && strcmp(r->kind, kind) != 0)
        return false;
    if (r->text1 && !strstr(what, r->text1))
        return false;
    if (r->text2 && !strstr(what, r->text2))
        return false;
    return true;
}

tl_bug_kind tl__vg_bug_kind(const char *tool_kind, const char *what)
{
    const char *kind = tool_kind ? tool_kind : "";
    what = what ? what : "";
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (matches(&rules[i], kind, what))
            return rules[i].result;
    return TL_BUG_OTHER;
}
