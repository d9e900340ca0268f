/* SPDX-License-Identifier: MIT */
/* Evidence sets: what a run expects and what it observed, as sorted sets of
 * tokens ("tsan:data-race", "oracle:violated", "hang", "signal:SIGSEGV").
 * A verdict compares two sets; the empty set is "clean". */
#ifndef TL_EVIDENCE_H
#define TL_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

enum { TL_EVIDENCE_MAX = 12, TL_EVIDENCE_TOKEN = 48 };

typedef struct {
    char token[TL_EVIDENCE_MAX][TL_EVIDENCE_TOKEN];
    size_t n;
} tl_evidence;

void tl_evidence_clear(tl_evidence *e);
/* Adds a token unless present (kept sorted). Returns false when full. */
bool tl_evidence_add(tl_evidence *e, const char *token);
bool tl_evidence_has(const tl_evidence *e, const char *token);
/* Parses a space-separated list ("" = clean). Returns false and names the
 * bad token in *bad when a token is not of a known form. */
bool tl_evidence_parse(tl_evidence *e, const char *text, const char **bad);
/* Drops every token starting with `prefix` ("tsan:" when no detector ran). */
void tl_evidence_drop_prefix(tl_evidence *e, const char *prefix);
bool tl_evidence_equal(const tl_evidence *a, const tl_evidence *b);
/* "tsan:data-race oracle:violated", or "clean" when empty. */
const char *tl_evidence_format(const tl_evidence *e, char *buf, size_t size);
/* Explains how `observed` differs from `expected`:
 * "missing tsan:data-race; unexpected hang". */
const char *tl_evidence_diff(const tl_evidence *expected, const tl_evidence *observed, char *buf,
                             size_t size);
/* True when `token` is a bug kind pinned to one detector ("tsan:data-race"):
 * copies the detector's name into detector[size]. */
bool tl_evidence_pinned(const char *token, char *detector, size_t size);
/* True when a token is of a form the harness can observe. */
bool tl_evidence_token_valid(const char *token);

#endif
