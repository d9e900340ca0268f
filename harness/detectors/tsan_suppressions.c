/* SPDX-License-Identifier: MIT */
/* The suppressions the TSan hosts carry: TSan calls this function at start
 * and adds them to any given in TSAN_OPTIONS. (It lives in detectors/: only
 * a backend may name a detector's runtime.) Each entry is a report TSan
 * makes about the C library's own internals, which are correctly locked by
 * a lock inside libc that TSan cannot see (libc is not instrumented; only
 * its interceptors report), so the report would be false. Each one names
 * the scenario that showed it and how it was measured. Nothing a scenario's
 * own code does may be suppressed here. */
#include "tl_sanitizer.h"

#ifdef TL_TSAN
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
    return
        /* glibc's localtime() runs tzset_internal(always = 1) on every call:
         * with TZ unset it frees its saved copy of the zone name and strdups
         * a new one, under tzset_lock, glibc's own lock. TSan sees the free
         * and the malloc through its interceptors but not the lock, so two
         * threads calling localtime() get a "data race" between free and
         * the other thread's strdup (reentrancy.localtime, buggy: 41 of 41
         * TSan runs, clang 14 and gcc 12, frame tzset_internal in libc). The
         * scenario's real race - the static struct tm - is reported apart
         * and is not matched by this. */
        "race:tzset_internal\n";
}
#endif
