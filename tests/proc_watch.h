/* SPDX-License-Identifier: MIT */
/* Watching processes from a test: which processes a pid has as children (from
 * /proc), and catching orphans. A test that makes itself a child subreaper
 * inherits every orphan of its descendants, so "no process outlives
 * threadlab" becomes "after threadlab is reaped, we have no children left". */
#ifndef TL_TEST_PROC_WATCH_H
#define TL_TEST_PROC_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Orphans of our descendants become our children (PR_SET_CHILD_SUBREAPER);
 * asserts it worked. Check runs each test in a forked process, so this ends
 * with the test. */
void tl_test_become_subreaper(void);

/* The children of `parent` whose command name starts with `comm_prefix`
 * (NULL: any), up to `max` of them into `out`; returns how many. */
size_t tl_test_children(pid_t parent, const char *comm_prefix, pid_t *out, size_t max);

/* Waits up to `bound_s` seconds for `pid` (a child of ours, or one that will
 * become ours) to end, and reaps it. True with its wait status if it did. */
bool tl_test_reap_within(pid_t pid, double bound_s, int *status);

/* Reaps our children that end within `bound_s`; those still alive then are
 * SIGKILLed and reaped, so a failing test leaves nothing behind. Returns how
 * many were still alive at the bound. */
size_t tl_test_reap_children(double bound_s);

/* Open descriptors of this process. */
int tl_test_count_fds(void);

#endif
