/* SPDX-License-Identifier: MIT */
/* The sentences of Helgrind's and DRD's reports. They are fixed formats of
 * Valgrind 3.19 (helgrind/hg_errors.c, drd/drd_error.c and the address
 * descriptions of coregrind/m_addrinfo.c), read with small scanners that
 * stop at the terminating NUL: a sentence cut anywhere gives what it has. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "valgrind_text.h"

void tl__vg_copy(char *dst, size_t size, const char *src)
{
    if (size == 0)
        return;
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void tl__vg_append(char *dst, size_t size, const char *src)
{
    size_t have = strnlen(dst, size);
    if (have < size)
        tl__vg_copy(dst + have, size - have, src);
}

int tl__vg_thread(long valgrind_number)
{
    return valgrind_number >= 1 && valgrind_number <= INT_MAX ? (int)(valgrind_number - 1) : -1;
}

/* The text just past the first lit in s, or NULL. */
static const char *after(const char *s, const char *lit)
{
    const char *p = strstr(s, lit);
    return p ? p + strlen(lit) : NULL;
}

/* The text past lit when s starts with it, or NULL. */
static const char *after_prefix(const char *s, const char *lit)
{
    size_t n = strlen(lit);
    return strncmp(s, lit, n) == 0 ? s + n : NULL;
}

/* A decimal number at p (digits only: Valgrind never signs them), or -1.
 * Values past INT_MAX saturate, so no caller can overflow on them. */
static long number_at(const char *p)
{
    if (!p || !isdigit((unsigned char)*p))
        return -1;
    long v = 0;
    for (; isdigit((unsigned char)*p); p++)
        v = v > (INT_MAX - 9) / 10 ? INT_MAX : v * 10 + (*p - '0');
    return v > INT_MAX ? INT_MAX : v;
}

long tl__vg_number(const char *text)
{
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    return number_at(text);
}

/* "by thread #3" (Helgrind) or "by thread 3" (DRD). */
static int thread_after(const char *s, const char *lit)
{
    const char *p = after(s, lit);
    if (!p)
        return -1;
    if (*p == '#')
        p++;
    return tl__vg_thread(number_at(p));
}

/* The first word of p as an access: Helgrind says read/write, DRD
 * load/store; "access" (no kind known) is none. */
static tl_access_op op_at(const char *p)
{
    if (after_prefix(p, "read") || after_prefix(p, "load"))
        return TL_ACC_READ;
    if (after_prefix(p, "write") || after_prefix(p, "store"))
        return TL_ACC_WRITE;
    return TL_ACC_NONE;
}

bool tl__vg_read_access(const char *text, tl_access *a)
{
    const char *p;
    memset(a, 0, sizeof *a);
    a->thread = -1;
    if ((p = after_prefix(text, "Possible data race during "))) {
        a->size = (int)number_at(after(p, " of size "));
    } else if ((p = after_prefix(text, "This conflicts with a previous "))) {
        a->previous = true;
        a->size = (int)number_at(after(p, " of size "));
    } else if ((p = after_prefix(text, "Conflicting "))) {
        a->size = (int)number_at(after(p, " size "));
    } else {
        return false;
    }
    if (a->size < 0)
        a->size = 0;
    a->op = op_at(p);
    a->thread = thread_after(p, " by thread ");
    return true;
}

/* Copies the first "..."-quoted name after lit in text into name. */
static bool quoted_after(const char *text, const char *lit, char *name, size_t size)
{
    const char *p = after(text, lit);
    if (!p || *p != '"')
        return false;
    p++;
    const char *end = strchr(p, '"');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n >= size)
        n = size - 1;
    memcpy(name, p, n);
    name[n] = '\0';
    return true;
}

bool tl__vg_read_location(const char *text, tl_location *loc)
{
    const char *p;
    bool address = after_prefix(text, "Address 0x") || after_prefix(text, "Location 0x");
    bool context = after_prefix(text, "Allocation context:") != NULL;
    if (!address && !context)
        return false;
    memset(loc, 0, sizeof *loc);
    loc->thread = -1;
    tl__vg_copy(loc->text, sizeof loc->text, text);
    if (context) {
        /* DRD without variable information: the section is all it knows. */
        bool section = strstr(text, "BSS section") || strstr(text, "Data section");
        loc->kind = section ? TL_LOC_GLOBAL : TL_LOC_OTHER;
    } else if (quoted_after(text, " inside global var ", loc->name, sizeof loc->name) ||
               quoted_after(text, " inside data symbol ", loc->name, sizeof loc->name)) {
        loc->kind = TL_LOC_GLOBAL;
    } else if (quoted_after(text, " inside local var ", loc->name, sizeof loc->name)) {
        loc->kind = TL_LOC_STACK;
    } else if ((p = after(text, " is on thread ")) && strstr(p, "'s stack")) {
        loc->kind = TL_LOC_STACK;
        loc->thread = thread_after(text, " is on thread ");
    } else if ((p = after(text, " inside a block of size "))) {
        loc->kind = TL_LOC_HEAP;
        long size = number_at(p);
        loc->size = size > 0 ? size : 0;
    } else if (strstr(text, " is at offset ")) {
        loc->kind = TL_LOC_HEAP; /* DRD: "at offset N from <block start>" */
    } else {
        loc->kind = TL_LOC_OTHER;
    }
    return true;
}

bool tl__vg_continue_location(const char *text, tl_location *loc)
{
    if (!after_prefix(text, "declared at ") && !after_prefix(text, "in frame #"))
        return false;
    tl__vg_append(loc->text, sizeof loc->text, " ");
    tl__vg_append(loc->text, sizeof loc->text, text);
    /* "declared at x.c:12, in frame #1 of thread 2": the frame's owner. */
    if (loc->kind == TL_LOC_STACK && loc->thread < 0)
        loc->thread = thread_after(text, " of thread ");
    return true;
}

bool tl__vg_read_lock_order(const char *text, char *first, char *second, size_t n)
{
    const char *p = after(text, "lock order \"");
    const char *before = p ? strstr(p, " before ") : NULL;
    if (!before || n == 0)
        return false;
    const char *q = before + strlen(" before ");
    const char *end = strchr(q, '"');
    size_t a = (size_t)(before - p), b = end ? (size_t)(end - q) : strlen(q);
    if (a == 0 || b == 0)
        return false;
    if (a >= n)
        a = n - 1;
    if (b >= n)
        b = n - 1;
    memcpy(first, p, a);
    first[a] = '\0';
    memcpy(second, q, b);
    second[b] = '\0';
    return true;
}
