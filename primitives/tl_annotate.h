/* SPDX-License-Identifier: MIT */
/* Detector annotations for the hand-built primitives: the locks (lock.c),
 * the futex semaphore (sem.c) and condition variable (cond.c), the monitor's
 * table (track.c) and the scenario runtime's handshakes (scenario_rt.c).
 *
 * TSan: between pre_lock and post_lock TSan ignores the primitive's own
 * atomics and takes the annotation as the synchronisation, which is what
 * lets it build a lock-order graph and spot double locks on our locks. It
 * sees the semaphore's acquire/release atomics by itself.
 * Valgrind (Helgrind and DRD, which shares Helgrind's request numbers for
 * these): it only knows pthread locks and sees machine code, where a C11
 * acquire or release is a plain mov, so ours are described as rwlocks taken
 * in write mode, a semaphore post/wait as a happens-before edge, and
 * checking is turned off on the primitives' own words, which would
 * otherwise be reported as races on the primitive itself. Turning checking
 * off (TL__ANN_PRIVATE) adds no happens-before edge: it is how the
 * handshakes that force a buggy interleaving stay invisible as
 * synchronisation while their words stay quiet. */
#ifndef TL_ANNOTATE_H
#define TL_ANNOTATE_H

#include "config.h"
#include "tl_sanitizer.h"

#if TL_TSAN
#include <sanitizer/tsan_interface.h>
#define TL__ANNOTATIONS "tsan"
#define TL__ANN_CREATE(l, words, size) __tsan_mutex_create((l), 0)
#define TL__ANN_DESTROY(l) __tsan_mutex_destroy((l), 0)
#define TL__ANN_PRE_LOCK(l) __tsan_mutex_pre_lock((l), 0)
#define TL__ANN_POST_LOCK(l) __tsan_mutex_post_lock((l), 0, 0)
#define TL__ANN_PRE_TRYLOCK(l) __tsan_mutex_pre_lock((l), __tsan_mutex_try_lock)
#define TL__ANN_POST_TRYLOCK(l, ok) \
    __tsan_mutex_post_lock((l), __tsan_mutex_try_lock | ((ok) ? 0 : __tsan_mutex_try_lock_failed), 0)
#define TL__ANN_PRE_UNLOCK(l) __tsan_mutex_pre_unlock((l), 0)
#define TL__ANN_POST_UNLOCK(l) __tsan_mutex_post_unlock((l), 0)
/* Shared (reader) mode: TSan orders a read lock after earlier write
 * unlocks only, so readers never synchronise with one another. */
#define TL__ANN_PRE_RDLOCK(l) __tsan_mutex_pre_lock((l), __tsan_mutex_read_lock)
#define TL__ANN_POST_RDLOCK(l) __tsan_mutex_post_lock((l), __tsan_mutex_read_lock, 0)
#define TL__ANN_PRE_TRYRDLOCK(l) \
    __tsan_mutex_pre_lock((l), __tsan_mutex_read_lock | __tsan_mutex_try_lock)
#define TL__ANN_POST_TRYRDLOCK(l, ok)                                                      \
    __tsan_mutex_post_lock((l), __tsan_mutex_read_lock | __tsan_mutex_try_lock |           \
                                    ((ok) ? 0 : __tsan_mutex_try_lock_failed), 0)
#define TL__ANN_PRE_RDUNLOCK(l) __tsan_mutex_pre_unlock((l), __tsan_mutex_read_lock)
#define TL__ANN_POST_RDUNLOCK(l) __tsan_mutex_post_unlock((l), __tsan_mutex_read_lock)
#define TL__ANN_PRIVATE(addr, size) ((void)0)
#define TL__ANN_HAPPENS_BEFORE(obj) ((void)0)
#define TL__ANN_HAPPENS_AFTER(obj) ((void)0)
#define TL__ANN_ACTIVE() 1
#elif defined(HAVE_VALGRIND_HELGRIND_H)
#include <valgrind/helgrind.h>
#define TL__ANNOTATIONS "helgrind"
#define TL__ANN_CREATE(l, words, size) \
    do { ANNOTATE_RWLOCK_CREATE(l); VALGRIND_HG_DISABLE_CHECKING((words), (size)); } while (0)
#define TL__ANN_DESTROY(l) ANNOTATE_RWLOCK_DESTROY(l)
#define TL__ANN_PRE_LOCK(l) ((void)0)
#define TL__ANN_POST_LOCK(l) ANNOTATE_RWLOCK_ACQUIRED((l), 1)
#define TL__ANN_PRE_TRYLOCK(l) ((void)0)
#define TL__ANN_POST_TRYLOCK(l, ok) do { if (ok) ANNOTATE_RWLOCK_ACQUIRED((l), 1); } while (0)
#define TL__ANN_PRE_UNLOCK(l) ANNOTATE_RWLOCK_RELEASED((l), 1)
#define TL__ANN_POST_UNLOCK(l) ((void)0)
/* Shared mode: the same rwlock, taken in read mode (0). */
#define TL__ANN_PRE_RDLOCK(l) ((void)0)
#define TL__ANN_POST_RDLOCK(l) ANNOTATE_RWLOCK_ACQUIRED((l), 0)
#define TL__ANN_PRE_TRYRDLOCK(l) ((void)0)
#define TL__ANN_POST_TRYRDLOCK(l, ok) do { if (ok) ANNOTATE_RWLOCK_ACQUIRED((l), 0); } while (0)
#define TL__ANN_PRE_RDUNLOCK(l) ANNOTATE_RWLOCK_RELEASED((l), 0)
#define TL__ANN_POST_RDUNLOCK(l) ((void)0)
#define TL__ANN_PRIVATE(addr, size) VALGRIND_HG_DISABLE_CHECKING((addr), (size))
#define TL__ANN_HAPPENS_BEFORE(obj) ANNOTATE_HAPPENS_BEFORE(obj)
#define TL__ANN_HAPPENS_AFTER(obj) ANNOTATE_HAPPENS_AFTER(obj)
/* A client request is a few instructions even outside Valgrind, paid twice
 * per lock/unlock pair: the primitives annotate only when Valgrind is really
 * there. Asked once, before main (lock.c), so that no thread ever writes
 * the answer while another reads it. */
extern int tl__ann_on_valgrind;
#define TL__ANN_ACTIVE() (tl__ann_on_valgrind != 0)
#else
#define TL__ANNOTATIONS "none"
#define TL__ANN_CREATE(l, words, size) ((void)0)
#define TL__ANN_DESTROY(l) ((void)0)
#define TL__ANN_PRE_LOCK(l) ((void)0)
#define TL__ANN_POST_LOCK(l) ((void)0)
#define TL__ANN_PRE_TRYLOCK(l) ((void)0)
#define TL__ANN_POST_TRYLOCK(l, ok) ((void)0)
#define TL__ANN_PRE_UNLOCK(l) ((void)0)
#define TL__ANN_POST_UNLOCK(l) ((void)0)
#define TL__ANN_PRE_RDLOCK(l) ((void)0)
#define TL__ANN_POST_RDLOCK(l) ((void)0)
#define TL__ANN_PRE_TRYRDLOCK(l) ((void)0)
#define TL__ANN_POST_TRYRDLOCK(l, ok) ((void)0)
#define TL__ANN_PRE_RDUNLOCK(l) ((void)0)
#define TL__ANN_POST_RDUNLOCK(l) ((void)0)
#define TL__ANN_PRIVATE(addr, size) ((void)0)
#define TL__ANN_HAPPENS_BEFORE(obj) ((void)0)
#define TL__ANN_HAPPENS_AFTER(obj) ((void)0)
#define TL__ANN_ACTIVE() 0
#endif

/* The scenario runtime's handshakes (tl_turn_*, tl_lockstep_*: atomics that
 * force an interleaving) must add no happens-before edge, or a buggy
 * variant's race would be hidden by the very handshake that forces it.
 * TSan takes an edge from acquire/release atomics, so it is told to ignore
 * the synchronisation inside these brackets (its dynamic-annotation entry
 * points, in both clang's and gcc's runtime). Helgrind and DRD take no edge
 * from atomics at all (a C11 acquire load is a plain mov in machine code);
 * they would only report the handshake's own words as races, so the words
 * are left unchecked (TL__ANN_PRIVATE, scenario_rt.c), which orders nothing. */
#if TL_TSAN
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);
#define TL_ANN_IGNORE_SYNC_BEGIN() AnnotateIgnoreSyncBegin(__FILE__, __LINE__)
#define TL_ANN_IGNORE_SYNC_END() AnnotateIgnoreSyncEnd(__FILE__, __LINE__)
#else
#define TL_ANN_IGNORE_SYNC_BEGIN() ((void)0)
#define TL_ANN_IGNORE_SYNC_END() ((void)0)
#endif

#endif
