/* SPDX-License-Identifier: MIT */
/* Which llvm-symbolizer clang's TSan runtime should use for file:line frames.
 * configure looks for the one of the compiler's own LLVM version
 * (TL_LLVM_SYMBOLIZER in config.h); at run time that one is taken when it is
 * still there, else one is looked for on PATH. */
#ifndef TL_SYMBOLIZER_H
#define TL_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>

/* The absolute path of the symbolizer to pass as TSan's
 * external_symbolizer_path, or NULL when none is needed (gcc's runtime
 * symbolizes by itself) or none was found. The result stays valid until the
 * next call; the runner calls it from its one thread. */
const char *tl_llvm_symbolizer(void);

/* Looks for an executable `name` in each directory of `path` (a PATH value:
 * colon-separated, an empty entry meaning the current directory); writes the
 * first hit to out. Exposed for tests. */
bool tl_search_path(const char *name, const char *path, char *out, size_t size);

#endif
