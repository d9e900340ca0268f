/* SPDX-License-Identifier: MIT */
/* Thin wrappers over the Linux futex syscall. TSan models no happens-before
 * through futexes, so every primitive built on them carries its ordering on
 * the atomic operations around the syscall, never on the syscall itself. */
#ifndef TL_FUTEX_H
#define TL_FUTEX_H

#include <stdint.h>
#include "tl_atomic.h"

/* Sleep while *word == expected, at most timeout_ns (0 = no limit).
 * Returns 0 when woken (or spuriously), -EAGAIN when *word already differed,
 * -ETIMEDOUT, or -EINTR. */
int tl__futex_wait(tl_atomic_u32 *word, uint32_t expected, uint64_t timeout_ns);

/* Wake at most n sleepers on word; returns how many were woken. */
int tl__futex_wake(tl_atomic_u32 *word, int n);

#endif
