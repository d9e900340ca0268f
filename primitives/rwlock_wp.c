/* SPDX-License-Identifier: MIT */
/* The writer-preferring reader-writer lock as a kind: a waiting writer keeps
 * new readers out, so a stream of writers can starve readers, and a reader
 * that takes the lock again while a writer waits deadlocks. Through the
 * generic lock() it is a writer lock (a mutex). */
#include "rwlock_kind.h"

static void init(void *s) { tl_rwlock_init(s, TL_RWLOCK_PREFER_WRITERS); }

const tl_lock_kind tl_kind_rwlock_wp = {
    .name = "rwlock-wp",
    .summary = "reader-writer futex lock, writers first (readers can starve)",
    .flags = TL_KIND_HANDBUILT | TL_KIND_SLEEPS | TL_KIND_SHARED | TL_KIND_WRITER_PREF,
    .init = init,
    TL_RWLOCK_KIND_OPS,
};
