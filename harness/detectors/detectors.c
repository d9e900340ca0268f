/* SPDX-License-Identifier: MIT */
/* The table of detector backends (see detector.h). */
#include <stdio.h>
#include <string.h>

#include "detector.h"

/* The first row is the default of `threadlab run`. */
static const struct tl_detector_backend *const backends[] = {
    &tl_detector_tsan,
    &tl_detector_tsan_gcc,
    &tl_detector_helgrind,
    &tl_detector_drd,
    &tl_detector_none,
};

size_t tl_detector_count(void)
{
    return sizeof backends / sizeof backends[0];
}

tl_detector tl_detector_at(size_t i)
{
    return i < tl_detector_count() ? backends[i] : NULL;
}

tl_detector tl_detector_find(const char *name)
{
    for (size_t i = 0; i < tl_detector_count(); i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

bool tl_detector_exists(const char *name)
{
    return tl_detector_find(name) != NULL;
}

size_t tl_detector_index(tl_detector d)
{
    for (size_t i = 0; i < tl_detector_count(); i++)
        if (backends[i] == d)
            return i;
    return 0;
}

const char *tl_detector_names(void)
{
    static char names[256];
    size_t off = 0;
    names[0] = '\0';
    for (size_t i = 0; i < tl_detector_count() && off < sizeof names; i++)
        off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "",
                                backends[i]->name);
    return names;
}

const char *tl_detector_name(tl_detector d)
{
    return d ? d->name : "?";
}
