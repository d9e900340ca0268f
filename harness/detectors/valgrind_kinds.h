/* SPDX-License-Identifier: MIT */
/* Helgrind's and DRD's names for what they report, mapped onto the neutral
 * bug kinds of finding.h. Pure functions over text. */
#ifndef TL_VALGRIND_KINDS_H
#define TL_VALGRIND_KINDS_H

#include "finding.h"

/* The neutral kind of an <error> whose <kind> is tool_kind ("Race",
 * "MutexErr") and whose what-text (the <what> and <xwhat><text> of the
 * error, in order) is what. Either may be NULL. A kind neither tool prints
 * is TL_BUG_OTHER. */
tl_bug_kind tl__vg_bug_kind(const char *tool_kind, const char *what);

#endif
