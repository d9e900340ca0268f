/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "excerpt.h"
#include "run_result.h"

char *tl_report_excerpt(const char *dir, json_t *run, int max_lines, bool *cut)
{
    json_t *first = json_array_get(json_object_get(run, "findings"), 0);
    json_t *span = json_object_get(first, "log_span");
    const char *log = json_string_value(json_object_get(json_object_get(run, "logs"), "detector"));
    *cut = false;
    if (!first || !span || !log || !log[0])
        return NULL;
    char path[PATH_MAX + 256];
    size_t len;
    bool file_cut;
    snprintf(path, sizeof path, "%s/%s", dir, log);
    char *text = tl_read_file(path, TL_DETECTOR_LOG_MAX, &len, &file_cut);
    if (!text)
        return NULL;
    size_t start = (size_t)json_integer_value(json_array_get(span, 0));
    size_t end = (size_t)json_integer_value(json_array_get(span, 1));
    if (end > len)
        end = len;
    if (start > end)
        start = end;
    /* Up to max_lines newlines, in place: the span moves to the front. */
    size_t p = start;
    for (int lines = 0; p < end; p++)
        if (text[p] == '\n' && ++lines >= max_lines) {
            p++;
            *cut = p < end;
            break;
        }
    memmove(text, text + start, p - start);
    text[p - start] = '\0';
    return text;
}
