/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <sys/personality.h>

#include "tsan_layout.h"

static bool fixed_layout; /* decided before any fork, read in the child */

bool tl__tsan_wants_fixed_layout(int mmap_rnd_bits)
{
    return mmap_rnd_bits > TL_TSAN_MAX_RND_BITS;
}

int tl__tsan_mmap_rnd_bits(void)
{
    FILE *f = fopen("/proc/sys/vm/mmap_rnd_bits", "r");
    int bits = -1;
    if (f) {
        if (fscanf(f, "%d", &bits) != 1)
            bits = -1;
        fclose(f);
    }
    return bits;
}

bool tl__tsan_available(const char *host, char *why, size_t size)
{
    (void)host, (void)why, (void)size;
    fixed_layout = tl__tsan_wants_fixed_layout(tl__tsan_mmap_rnd_bits());
    return true;
}

/* personality is one system call, safe between fork and exec. If a seccomp
 * profile refuses it the host runs as before, and a TSan that cannot map
 * its shadow says so: the run's error then carries the hint below. */
void tl__tsan_prepare_child(void)
{
    if (!fixed_layout)
        return;
    int current = personality(0xffffffff);
    if (current != -1)
        personality((unsigned long)current | ADDR_NO_RANDOMIZE);
}

const char *tl__tsan_layout_hint(char *buf, size_t size)
{
    int bits = tl__tsan_mmap_rnd_bits();
    buf[0] = '\0';
    if (tl__tsan_wants_fixed_layout(bits))
        snprintf(buf, size, " (vm.mmap_rnd_bits is %d, more than TSan's shadow layout takes, and "
                            "turning randomisation off for the host did not help: run `sysctl "
                            "vm.mmap_rnd_bits=%d` as root, or allow personality(ADDR_NO_RANDOMIZE) "
                            "in the container's seccomp profile)",
                 bits, TL_TSAN_MAX_RND_BITS);
    return buf;
}
