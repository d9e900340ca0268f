/* SPDX-License-Identifier: MIT */
/* The reader-preferring reader-writer lock as a kind: readers enter
 * whenever no writer is inside, so a stream of readers can starve writers.
 * Through the generic lock() it is a writer lock (a mutex). */
#include "rwlock_kind.h"

static void init(void *s) { tl_rwlock_init(s, TL_RWLOCK_PREFER_READERS); }

const tl_lock_kind tl_kind_rwlock_rp = {
    .name = "rwlock-rp",
    .summary = "reader-writer futex lock, readers first (writers can starve)",
    .flags = TL_KIND_HANDBUILT | TL_KIND_SLEEPS | TL_KIND_SHARED,
    .init = init,
    TL_RWLOCK_KIND_OPS,
};
