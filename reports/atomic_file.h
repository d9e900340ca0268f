/* SPDX-License-Identifier: MIT */
/* Writing a file so that its name always points at a whole version of it:
 * the old one until the new one is complete and on disk, then the new one.
 * A crash, Ctrl-C or SIGKILL at any moment leaves one or the other, never
 * half of one, and (on file systems with O_TMPFILE) no temporary file. */
#ifndef TL_ATOMIC_FILE_H
#define TL_ATOMIC_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct {
    FILE *f;                 /* write the new contents here */
    char path[PATH_MAX];     /* the name it gets on commit */
    char tmp[PATH_MAX + 32]; /* a named temporary, when O_TMPFILE is not there */
    bool anonymous;          /* no name until commit (O_TMPFILE) */
} tl_atomic_file;

/* Starts a new version of path. Returns false with errno set. */
bool tl_atomic_open(tl_atomic_file *af, const char *path);
/* Flushes, syncs and puts the new version in place. On failure (errno set)
 * the old version stays and nothing temporary is left. Closes af->f. */
bool tl_atomic_commit(tl_atomic_file *af);
/* Drops the new version: the old one stays. */
void tl_atomic_abort(tl_atomic_file *af);

/* The whole of text as the new version of path, in one go. */
bool tl_write_atomic(const char *path, const char *text, size_t len);

#endif
