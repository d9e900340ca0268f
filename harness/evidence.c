/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include "evidence.h"
#include "finding.h"

void tl_evidence_clear(tl_evidence *e)
{
    e->n = 0;
}

bool tl_evidence_has(const tl_evidence *e, const char *token)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->token[i], token) == 0)
            return true;
    return false;
}

bool tl_evidence_add(tl_evidence *e, const char *token)
{
    if (tl_evidence_has(e, token))
        return true;
    if (e->n == TL_EVIDENCE_MAX || strlen(token) >= TL_EVIDENCE_TOKEN)
        return false;
    /* Insertion sort: sets stay sorted, so equal sets compare equal and print alike. */
    size_t i = e->n;
    while (i > 0 && strcmp(e->token[i - 1], token) > 0) {
        memcpy(e->token[i], e->token[i - 1], TL_EVIDENCE_TOKEN);
        i--;
    }
    snprintf(e->token[i], TL_EVIDENCE_TOKEN, "%s", token);
    e->n++;
    return true;
}

bool tl_evidence_pinned(const char *token, char *detector, size_t size)
{
    const char *colon = strchr(token, ':');
    if (!colon || colon == token || (size_t)(colon - token) >= size)
        return false;
    for (const char *c = token; c < colon; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return false;
    size_t n = (size_t)(colon - token);
    /* The harness's own sources are not detectors. */
    if ((n == 6 && !strncmp(token, "oracle", 6)) || (n == 7 && !strncmp(token, "monitor", 7)) ||
        (n == 6 && !strncmp(token, "signal", 6)))
        return false;
    if (tl_bug_kind_from_token(colon + 1) < 0)
        return false;
    memcpy(detector, token, n);
    detector[n] = '\0';
    return true;
}

bool tl_evidence_token_valid(const char *token)
{
    if (strcmp(token, "oracle:violated") == 0 || strcmp(token, "hang") == 0)
        return true;
    /* A detector's report kind, for any detector that can see it
     * ("data-race"), or pinned to one ("helgrind:data-race"). Which
     * detectors exist is the CLI's to check (tl_plan_check_expectations):
     * the hosts parse expectations too and know no detectors. */
    if (tl_bug_kind_from_token(token) >= 0)
        return true;
    char detector[TL_EVIDENCE_TOKEN];
    if (tl_evidence_pinned(token, detector, sizeof detector))
        return true;
    if (strncmp(token, "monitor:", 8) == 0)
        return !strcmp(token + 8, "deadlock") || !strcmp(token + 8, "hang") ||
               !strcmp(token + 8, "livelock") || !strcmp(token + 8, "starvation") ||
               !strcmp(token + 8, "fork-deadlock") || !strcmp(token + 8, "pool-deadlock");
    if (strncmp(token, "signal:SIG", 10) == 0)
        return token[10] != '\0';
    return false;
}

bool tl_evidence_parse(tl_evidence *e, const char *text, const char **bad)
{
    static char badbuf[TL_EVIDENCE_TOKEN];
    char copy[512];
    tl_evidence_clear(e);
    snprintf(copy, sizeof copy, "%s", text ? text : "");
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (!tl_evidence_token_valid(tok) || !tl_evidence_add(e, tok)) {
            snprintf(badbuf, sizeof badbuf, "%s", tok);
            if (bad)
                *bad = badbuf;
            return false;
        }
    }
    return true;
}

void tl_evidence_drop_prefix(tl_evidence *e, const char *prefix)
{
    size_t keep = 0, len = strlen(prefix);
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->token[i], prefix, len) != 0)
            memmove(e->token[keep++], e->token[i], TL_EVIDENCE_TOKEN);
    e->n = keep;
}

bool tl_evidence_equal(const tl_evidence *a, const tl_evidence *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->token[i], b->token[i]) != 0)
            return false;
    return true;
}

const char *tl_evidence_format(const tl_evidence *e, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    if (e->n == 0)
        snprintf(buf, size, "clean");
    for (size_t i = 0; i < e->n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? " " : "", e->token[i]);
    return buf;
}

/* Writes "LABEL a, b" for the tokens of `from` absent from `in`; "" if none. */
static void list_absent(const tl_evidence *from, const tl_evidence *in, const char *label,
                        char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < from->n && off < size; i++)
        if (!tl_evidence_has(in, from->token[i]))
            off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : label,
                                    from->token[i]);
}

const char *tl_evidence_diff(const tl_evidence *expected, const tl_evidence *observed, char *buf,
                             size_t size)
{
    char missing[256], unexpected[256];
    list_absent(expected, observed, "missing ", missing, sizeof missing);
    list_absent(observed, expected, "unexpected ", unexpected, sizeof unexpected);
    snprintf(buf, size, "%s%s%s", missing, missing[0] && unexpected[0] ? "; " : "", unexpected);
    return buf;
}
