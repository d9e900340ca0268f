/* SPDX-License-Identifier: MIT */
/* ThreadSanitizer and the kernel's address randomisation. TSan maps its
 * shadow memory at fixed addresses and expects the program's mappings in
 * ranges it knows; a kernel that randomises mmap with more than 28 bits
 * (vm.mmap_rnd_bits, 32 on many CI runners' kernels) can place them
 * elsewhere, and older runtimes (clang 14's, gcc 12's) then stop with
 * "FATAL: ThreadSanitizer: unexpected memory mapping". Where the sysctl
 * cannot be changed (a container), running the host with randomisation off
 * for that process alone - what `setarch -R` does, personality
 * ADDR_NO_RANDOMIZE - lets it run. Internal to harness/detectors/. */
#ifndef TL_TSAN_LAYOUT_H
#define TL_TSAN_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* The most bits of mmap randomisation the runtimes take. */
enum { TL_TSAN_MAX_RND_BITS = 28 };

/* Whether hosts must run with randomisation off, given the kernel's
 * vm.mmap_rnd_bits (-1: unknown, which leaves it on). */
bool tl__tsan_wants_fixed_layout(int mmap_rnd_bits);

/* /proc/sys/vm/mmap_rnd_bits, or -1. */
int tl__tsan_mmap_rnd_bits(void);

/* Decides once per plan (the backends' `available`): always true; reads the
 * sysctl and remembers whether prepare_child turns randomisation off. */
bool tl__tsan_available(const char *host, char *why, size_t size);
void tl__tsan_prepare_child(void);

/* The fix for "TSan could not run" in one clause, for the run's error:
 * "" when the layout is not the likely cause. */
const char *tl__tsan_layout_hint(char *buf, size_t size);

#endif
