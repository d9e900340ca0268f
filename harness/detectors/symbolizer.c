/* SPDX-License-Identifier: MIT */
/* Finding llvm-symbolizer (see symbolizer.h). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolizer.h"

bool tl_search_path(const char *name, const char *path, char *out, size_t size)
{
    if (!name || !path)
        return false;
    for (const char *dir = path;;) {
        const char *end = strchr(dir, ':');
        size_t len = end ? (size_t)(end - dir) : strlen(dir);
        int n = len ? snprintf(out, size, "%.*s/%s", (int)len, dir, name)
                    : snprintf(out, size, "./%s", name);
        /* A candidate that did not fit in out is skipped, never truncated
         * into the name of some other file. */
        if (n > 0 && (size_t)n < size && access(out, X_OK) == 0)
            return true;
        if (!end)
            return false;
        dir = end + 1;
    }
}

const char *tl_llvm_symbolizer(void)
{
    /* The one configure found matches the compiler's LLVM version: an older
     * symbolizer may not read a newer clang's DWARF and print no lines. */
    if (TL_LLVM_SYMBOLIZER[0] && access(TL_LLVM_SYMBOLIZER, X_OK) == 0)
        return TL_LLVM_SYMBOLIZER;
#if TL_CLANG_MAJOR > 0
    /* Gone since configure ran (or never found): PATH, the versioned name
     * first for the same reason. */
    static char found[PATH_MAX];
    char versioned[32];
    snprintf(versioned, sizeof versioned, "llvm-symbolizer-%d", TL_CLANG_MAJOR);
    const char *path = getenv("PATH");
    if (tl_search_path(versioned, path, found, sizeof found) ||
        tl_search_path("llvm-symbolizer", path, found, sizeof found))
        return found;
#endif
    /* gcc's runtime symbolizes with its own libbacktrace. */
    return NULL;
}
