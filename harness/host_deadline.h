/* SPDX-License-Identifier: MIT */
/* The host's own last-resort deadline (--deadline SECONDS): when it passes,
 * the host and its whole process group die by SIGKILL, whatever the
 * scenario's threads are doing. */
#ifndef TL_HOST_DEADLINE_H
#define TL_HOST_DEADLINE_H

#include <stdbool.h>

/* Starts the watchdog for `seconds` from now. False (with errno's reason on
 * stderr) if it cannot be started. */
bool tl_host_arm_deadline(double seconds);
/* Calls the watchdog off and waits for it to end (when the variant returned:
 * TSan would otherwise wait a second at exit for the still-running thread).
 * Does nothing when no deadline was armed. */
void tl_host_disarm_deadline(void);

#endif
