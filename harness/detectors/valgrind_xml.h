/* SPDX-License-Identifier: MIT */
/* Valgrind XML reader: turns what Helgrind and DRD write with --xml=yes
 * (XML protocol version 4) into findings, read with expat, never by
 * matching text over the markup. Pure functions over a buffer: no I/O.
 *
 * What the findings hold (the TSan reader's conventions, so a finding
 * reads the same whichever detector made it):
 * - kind: the neutral kind of the tool's <kind> and what-text (the table in
 *   valgrind_kinds.c); kind_text "<kind>: <what text>" ("Race: Possible data
 *   race during write of size 8 at 0x126850 by thread #4"); summary the what
 *   text and the report's frame, "... - scenarios/race_counter.c:29 in
 *   forced_lost_update".
 * - threads: Valgrind numbers the main thread 1 (Helgrind's "#1", DRD's
 *   "thread 1"); a finding numbers it 0, like TSan, so thread = Valgrind's
 *   number - 1 and the kind_text keeps Valgrind's own. Names come from the
 *   <threadname> that an <error> gives for its own thread, also learnt from
 *   other errors of the same document; the main thread is "main".
 * - accesses: Helgrind's race gives both (op, size, thread, stack). DRD
 *   gives only its own access; for each conflicting segment of another
 *   thread it prints that segment's first and last stack but no thread, op
 *   or size: such a previous access has thread -1, size 0, op write when the
 *   first access was a load (two loads never conflict) else none, and the
 *   frame of the segment's end (else its start).
 * - frames: the first of threadlab's own (scenarios and tests, then
 *   harness, then primitives), else the first with a source line outside
 *   Valgrind's preload objects (vgpreload_*), libc, libstdc++ and ld.so.
 * - a lock-order cycle (Helgrind's LockOrder, 'lock order "A before B"
 *   violated') is stored closed like TSan's M0 => M1 => M0: cycle = {A, B, A},
 *   cycle_len 3; the frame is the acquisition that broke the order.
 * - start/end: the byte offsets of "<error>" and just past "</error>". */
#ifndef TL_VALGRIND_XML_H
#define TL_VALGRIND_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"

/* Parses Valgrind's XML output (protocol version 4, --xml=yes) of Helgrind or
 * DRD in xml[0..len) into out[0..max). Returns how many <error>s the text holds
 * (may exceed max: only the first max are stored). strip_prefix (may be NULL or
 * "") is removed from the front of every frame's directory, so frames read
 * "scenarios/race_counter.c" like TSan's do. A document cut short (a log cut at
 * a size limit, a process killed) still gives every complete <error> before the
 * cut, and a partial last one when its kind was read. Never crashes on any input. */
size_t tl_valgrind_parse(const char *xml, size_t len, const char *strip_prefix,
                         tl_finding *out, size_t max);

/* What the document says about the run itself, for a backend that must tell
 * "the tool ran and found nothing" from "the tool did not run". */
typedef struct {
    char tool[16];       /* <protocoltool>: "helgrind", "drd"; "" if absent */
    int protocol;        /* <protocolversion>; 0 if absent */
    int pid;             /* <pid>; 0 if absent */
    bool finished;       /* a <status> said FINISHED: the client ran to its end */
    bool complete;       /* </valgrindoutput> was read: the document is whole */
    bool well_formed;    /* expat read every byte without an error (DRD 3.19
                          * writes a stack after </valgrindoutput> when it
                          * asserts, so complete does not imply this) */
    int fatal_signal;    /* <fatal_signal><signo>: the client died of it; 0 none */
    char xml_error[128]; /* expat's message and where, when !well_formed */
} tl_valgrind_doc;

/* tl_valgrind_parse, also filling *doc (may be NULL). */
size_t tl_valgrind_parse_doc(const char *xml, size_t len, const char *strip_prefix,
                             tl_finding *out, size_t max, tl_valgrind_doc *doc);

#endif
