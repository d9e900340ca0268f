/* SPDX-License-Identifier: MIT */
/* Valgrind XML reader, the document half. expat reads the markup; the
 * handlers below follow where they are (a path of element ids), keep the
 * text of the few leaf elements that matter, read the facts of the run, and
 * hand everything inside an <error> to valgrind_error.c. Everything lives
 * in a struct on the caller's stack and every field is bounded, so a
 * document of any size, depth or damage costs fixed memory here (expat keeps
 * its own tag stack) and ends with what was read before the damage. */
#include <expat.h>
#include <stdio.h>
#include <string.h>

#include "valgrind_reader.h"
#include "valgrind_text.h"
#include "valgrind_xml.h"

/* ---- the elements this reader knows ------------------------------------ */

static const struct {
    const char *name;
    tl__vg_elem id;
    bool text; /* a leaf whose text is kept */
} elements[] = {
    {"valgrindoutput", E_ROOT, false},
    {"protocolversion", E_PROTOCOLVERSION, true},
    {"protocoltool", E_PROTOCOLTOOL, true},
    {"pid", E_PID, true},
    {"status", E_STATUS, false},
    {"state", E_STATE, true},
    {"fatal_signal", E_FATAL_SIGNAL, false},
    {"signo", E_SIGNO, true},
    {"error", E_ERROR, false},
    {"kind", E_KIND, true},
    {"threadname", E_THREADNAME, true},
    {"what", E_WHAT, true},
    {"xwhat", E_XWHAT, false},
    {"auxwhat", E_AUXWHAT, true},
    {"xauxwhat", E_XAUXWHAT, false},
    {"text", E_TEXT, true},
    {"hthreadid", E_HTHREADID, true},
    {"stack", E_STACK, false},
    {"frame", E_FRAME, false},
    {"fn", E_FN, true},
    {"dir", E_DIR, true},
    {"file", E_FILE, true},
    {"line", E_LINE, true},
    {"obj", E_OBJ, true},
    {"other_segment_start", E_SEG_START, false},
    {"other_segment_end", E_SEG_END, false},
};
enum { NELEMENTS = sizeof elements / sizeof elements[0] };

static tl__vg_elem lookup(const char *name)
{
    for (size_t i = 0; i < NELEMENTS; i++)
        if (strcmp(name, elements[i].name) == 0)
            return elements[i].id;
    return E_OTHER;
}

static bool is_text(tl__vg_elem e)
{
    for (size_t i = 0; i < NELEMENTS; i++)
        if (elements[i].id == e)
            return elements[i].text;
    return false;
}

/* ---- the reading ------------------------------------------------------------ */

/* Valgrind nests six deep (valgrindoutput/error/other_segment_start/stack/
 * frame/fn); anything deeper is no element of its and is skipped. */
enum { MAX_DEPTH = 16, TEXT_MAX = 1024 };
/* expat takes an int length: big documents go in slices. */
enum { SLICE = 1 << 20 };

typedef struct {
    XML_Parser xp;
    size_t len;
    tl__vg_elem path[MAX_DEPTH];
    size_t depth;
    char text[TEXT_MAX]; /* the text of the leaf being read */
    size_t text_len;
    tl__vg_reader r;
} reading;

static tl__vg_elem at(const reading *rd, size_t up)
{
    if (rd->depth <= up)
        return E_OTHER;
    size_t i = rd->depth - 1 - up;
    return i < MAX_DEPTH ? rd->path[i] : E_OTHER;
}

static size_t byte_index(const reading *rd)
{
    XML_Index i = XML_GetCurrentByteIndex(rd->xp);
    return i < 0 ? rd->len : (size_t)i > rd->len ? rd->len : (size_t)i;
}

/* ---- expat's handlers ----------------------------------------------------- */

/* The text of a leaf outside any <error>: the facts of the run. */
static void on_document_text(reading *rd, tl__vg_elem e, tl__vg_elem parent)
{
    tl_valgrind_doc *doc = &rd->r.doc;
    const char *t = rd->text;
    if (e == E_PROTOCOLVERSION && parent == E_ROOT)
        doc->protocol = (int)tl__vg_number(t);
    else if (e == E_PROTOCOLTOOL && parent == E_ROOT)
        tl__vg_copy(doc->tool, sizeof doc->tool, t);
    else if (e == E_PID && parent == E_ROOT)
        doc->pid = (int)tl__vg_number(t);
    else if (e == E_STATE && parent == E_STATUS && strcmp(t, "FINISHED") == 0)
        doc->finished = true;
    else if (e == E_SIGNO && parent == E_FATAL_SIGNAL)
        doc->fatal_signal = (int)tl__vg_number(t);
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **atts)
{
    reading *rd = data;
    (void)atts;
    tl__vg_elem parent = at(rd, 0);
    rd->depth++;
    tl__vg_elem e = rd->depth <= MAX_DEPTH ? lookup(name) : E_OTHER;
    if (rd->depth <= MAX_DEPTH)
        rd->path[rd->depth - 1] = e;
    if (is_text(e)) {
        rd->text_len = 0;
        rd->text[0] = '\0';
    }
    if (e == E_ERROR && !rd->r.in_error)
        tl__vg_error_begin(&rd->r, rd->depth, byte_index(rd));
    else if (rd->r.in_error)
        tl__vg_error_open(&rd->r, e, parent, rd->depth);
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    reading *rd = data;
    (void)name;
    tl__vg_elem e = at(rd, 0), parent = at(rd, 1), grand = at(rd, 2);
    if (is_text(e)) {
        while (rd->text_len > 0 && rd->text[rd->text_len - 1] == ' ')
            rd->text[--rd->text_len] = '\0';
        if (rd->r.in_error)
            tl__vg_error_text(&rd->r, e, parent, grand, rd->text);
        else
            on_document_text(rd, e, parent);
    }
    if (e == E_ERROR && rd->r.in_error && rd->depth == rd->r.error_depth)
        tl__vg_error_end(&rd->r, byte_index(rd) + (size_t)XML_GetCurrentByteCount(rd->xp));
    else if (rd->r.in_error)
        tl__vg_error_close(&rd->r, e, parent, rd->depth);
    if (e == E_ROOT && rd->depth == 1)
        rd->r.doc.complete = true;
    if (rd->depth > 0)
        rd->depth--;
}

/* One byte of an element's text: runs of white space become one space and
 * leading ones go, so every text is one line. */
static void put(reading *rd, unsigned char c)
{
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (rd->text_len == 0 || rd->text[rd->text_len - 1] == ' ')
            return;
        c = ' ';
    }
    if (rd->text_len + 1 < TEXT_MAX) {
        rd->text[rd->text_len++] = (char)c;
        rd->text[rd->text_len] = '\0';
    }
}

/* The document is read as ISO-8859-1 (see tl_valgrind_parse_doc), so expat
 * hands every input byte from 0x80 up as the two-byte UTF-8 of U+0080 ..
 * U+00FF; turning those back into the byte gives the text as Valgrind wrote
 * it. Longer sequences can only come from character references: kept. */
static void XMLCALL on_chars(void *data, const XML_Char *s, int n)
{
    reading *rd = data;
    if (!is_text(at(rd, 0)))
        return;
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c == 0xC2 || c == 0xC3) && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            c = (unsigned char)(((c & 0x03) << 6) | ((unsigned char)s[i + 1] & 0x3F));
            i++;
        }
        put(rd, c);
    }
}

/* Valgrind writes no DOCTYPE. A document with one is not Valgrind's, and
 * refusing it also refuses every entity it could declare (no entity
 * expansion, however nested, is ever done). */
static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    reading *rd = data;
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    snprintf(rd->r.doc.xml_error, sizeof rd->r.doc.xml_error,
             "a DOCTYPE at byte %zu: not Valgrind's XML", byte_index(rd));
    XML_StopParser(rd->xp, XML_FALSE);
}

/* ---- the entry points ------------------------------------------------------ */

/* expat's errors that mean the input ended before the document did. */
static bool is_cut(enum XML_Error e)
{
    return e == XML_ERROR_NO_ELEMENTS || e == XML_ERROR_UNCLOSED_TOKEN ||
           e == XML_ERROR_PARTIAL_CHAR || e == XML_ERROR_UNCLOSED_CDATA_SECTION;
}

static void feed(reading *rd, const char *xml, size_t len)
{
    enum XML_Status st = XML_STATUS_OK;
    size_t off = 0;
    do {
        size_t n = len - off < SLICE ? len - off : SLICE;
        st = XML_Parse(rd->xp, xml + off, (int)n, off + n == len);
        off += n;
    } while (st == XML_STATUS_OK && off < len);
    tl_valgrind_doc *doc = &rd->r.doc;
    doc->well_formed = st == XML_STATUS_OK;
    if (doc->well_formed)
        return;
    enum XML_Error e = XML_GetErrorCode(rd->xp);
    size_t where = byte_index(rd);
    if (!doc->xml_error[0])
        snprintf(doc->xml_error, sizeof doc->xml_error, "%s at byte %zu", XML_ErrorString(e),
                 where);
    /* The error being read when the text ran out (or broke) is kept when
     * its kind was read: to the end of the text when it was cut, else to
     * where the damage begins. */
    if (rd->r.in_error)
        tl__vg_error_end(&rd->r, is_cut(e) ? len : where);
}

size_t tl_valgrind_parse_doc(const char *xml, size_t len, const char *strip_prefix,
                             tl_finding *out, size_t max, tl_valgrind_doc *doc)
{
    /* About 12 KB: on the heap would be one more way to fail. */
    reading rd;
    memset(&rd, 0, sizeof rd);
    tl__vg_reader *r = &rd.r;
    r->out = out;
    r->max = out ? max : 0;
    rd.len = xml ? len : 0;
    if (strip_prefix) {
        r->strip = strip_prefix;
        r->strip_len = strlen(strip_prefix);
        while (r->strip_len > 0 && strip_prefix[r->strip_len - 1] == '/')
            r->strip_len--;
    }
    /* ISO-8859-1 whatever the declaration says (Valgrind's declares none,
     * meaning UTF-8): every byte is a character, so a thread or function
     * name that is not valid UTF-8 cannot end the reading there. */
    rd.xp = XML_ParserCreate("ISO-8859-1");
    if (!rd.xp) {
        tl__vg_copy(r->doc.xml_error, sizeof r->doc.xml_error, "expat: out of memory");
    } else {
        XML_SetUserData(rd.xp, &rd);
        XML_SetElementHandler(rd.xp, on_start, on_end);
        XML_SetCharacterDataHandler(rd.xp, on_chars);
        XML_SetStartDoctypeDeclHandler(rd.xp, on_doctype);
        feed(&rd, xml ? xml : "", rd.len);
        XML_ParserFree(rd.xp);
    }
    /* Names learnt from later errors name the accesses of earlier ones. */
    for (size_t i = 0; i < r->count && i < r->max; i++)
        tl__vg_name_accesses(r, &out[i]);
    if (doc)
        *doc = r->doc;
    return r->count;
}

size_t tl_valgrind_parse(const char *xml, size_t len, const char *strip_prefix,
                         tl_finding *out, size_t max)
{
    return tl_valgrind_parse_doc(xml, len, strip_prefix, out, max, NULL);
}
