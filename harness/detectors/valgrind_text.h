/* SPDX-License-Identifier: MIT */
/* Readers of the sentences inside Helgrind's and DRD's XML elements (the
 * text of a <what>, <auxwhat> or <xwhat><text>, already taken out of the
 * markup by expat): an access, a memory location, a lock order. Pure
 * functions over NUL-terminated text; nothing here sees XML. */
#ifndef TL_VALGRIND_TEXT_H
#define TL_VALGRIND_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"

/* Valgrind's thread number (1 = the main thread) as a finding's (0 = the
 * main thread, as TSan numbers them); -1 for a number that is not one. */
int tl__vg_thread(long valgrind_number);

/* The decimal number text starts with (after blanks), or -1 when it starts
 * with none; saturates at INT_MAX. */
long tl__vg_number(const char *text);

/* An access sentence into *a (thread in the finding's numbering, size 0 and
 * op none when not said):
 *   "Possible data race during write of size 4 at 0x.. by thread #3"
 *   "This conflicts with a previous read of size 4 by thread #2" (previous)
 *   "This conflicts with a previous access by thread #2, after" (previous;
 *     Helgrind's --history-level=approx: only a span of time is known)
 *   "Conflicting store by thread 3 at 0x0010c1b0 size 4" (DRD)
 * False when the text is none of these. */
bool tl__vg_read_access(const char *text, tl_access *a);

/* A location sentence into *loc, text included:
 *   "Location 0x.. is 0 bytes inside global var "counter"" (global)
 *   "Address 0x.. is 0 bytes inside data symbol "counter"" (global)
 *   "Location 0x.. is 0 bytes inside local var "local"" (stack)
 *   "Address 0x.. is on thread #2's stack" (stack, thread 1)
 *   "Address 0x.. is 4 bytes inside a block of size 16 alloc'd" (heap, 16)
 *   "Address 0x.. is at offset 4 from 0x..." (DRD: heap)
 *   "Allocation context: BSS section of /path/prog" (DRD: global, unnamed)
 * and any other "Address 0x.." / "Location 0x.." / "Allocation context:"
 * sentence as other. False when the text is not a location. */
bool tl__vg_read_location(const char *text, tl_location *loc);

/* A sentence that continues the location before it ("declared at
 * race_counter.c:7", "declared at x.c:12, in frame #1 of thread 2", "in
 * frame #0, created by f (x.c:9)"): appended to loc->text, and a stack
 * location without a thread takes the one it names. False when text is no
 * continuation. */
bool tl__vg_continue_location(const char *text, tl_location *loc);

/* 'Thread #4: lock order "0x1269C8 before 0x126A08" violated': the two
 * lock addresses, as printed, into first and second (each of size n). */
bool tl__vg_read_lock_order(const char *text, char *first, char *second, size_t n);

/* Copies src into dst[0..size) with truncation, always terminated. */
void tl__vg_copy(char *dst, size_t size, const char *src);
/* Appends src to dst (of size), with truncation. */
void tl__vg_append(char *dst, size_t size, const char *src);

#endif
