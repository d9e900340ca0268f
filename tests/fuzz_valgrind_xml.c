/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the Valgrind XML reader (`make fuzz-valgrind`). The
 * reader gets documents a killed run or a size limit cut anywhere, and a
 * client program's own bytes inside them (thread and function names), so any
 * bytes at all must parse without reading outside the input, overflowing a
 * field or contradicting themselves; ASan and UBSan watch the first two, the
 * checks below the third. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "valgrind_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each text field must end inside its array, or a reader would run off it. */
#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static void check_frame(const tl_frame *fr)
{
    if (!TERMINATED(fr->function) || !TERMINATED(fr->file) || fr->line < 0 || fr->column != 0)
        abort();
    if (fr->own && !tl_frame_is_own_file(fr->file))
        abort();
}

static void check_finding(const tl_finding *f, size_t size)
{
    if (f->start > f->end || f->end > size)
        abort();
    if (f->naccess < 0 || f->naccess > TL_FINDING_MAX_ACCESSES ||
        (f->ncycle != 0 && f->ncycle != 3) || f->cycle_len != f->ncycle || f->cycle_cut)
        abort();
    if (!TERMINATED(f->kind_text) || !TERMINATED(f->summary) || !TERMINATED(f->location.name) ||
        !TERMINATED(f->location.text))
        abort();
    if (tl_bug_kind_from_token(tl_bug_kind_token(f->kind)) != (int)f->kind)
        abort();
    check_frame(&f->frame);
    for (int i = 0; i < f->naccess; i++) {
        if (!TERMINATED(f->access[i].thread_name) || f->access[i].thread < -1 ||
            f->access[i].size < 0)
            abort();
        check_frame(&f->access[i].frame);
    }
    for (int i = 0; i < f->ncycle; i++)
        if (!TERMINATED(f->cycle[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Static: a finding is a few kilobytes, and the fuzzer calls this
     * millions of times from one thread. */
    static tl_finding f[3];
    const char *xml = (const char *)data;
    tl_valgrind_doc doc;
    size_t n = tl_valgrind_parse_doc(xml, size, "/work/h-vgxml", f, 3, &doc);
    for (size_t i = 0; i < n && i < 3; i++)
        check_finding(&f[i], size);
    if (!TERMINATED(doc.tool) || !TERMINATED(doc.xml_error))
        abort();
    /* How many errors a document holds cannot depend on how many are
     * stored, nor on the prefix. */
    if (tl_valgrind_parse(xml, size, NULL, NULL, 0) != n ||
        tl_valgrind_parse(xml, size, "", f, 1) != n)
        abort();
    return 0;
}
