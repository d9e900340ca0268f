/* SPDX-License-Identifier: MIT */
/* Atomic file replacement (see atomic_file.h). The new version is written
 * to an unnamed file in the target's directory (O_TMPFILE), synced, given a
 * temporary name and renamed over the target: a process killed before the
 * link leaves nothing at all, and the window between link and rename is two
 * system calls wide. Where the file system has no O_TMPFILE, a named
 * temporary "NAME.tmp.PID" is used and removed on every failure path. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"

static void dir_of(const char *path, char *dir, size_t size)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    snprintf(dir, size, "%s", dirname(copy));
}

bool tl_atomic_open(tl_atomic_file *af, const char *path)
{
    char dir[PATH_MAX];
    memset(af, 0, sizeof *af);
    if (snprintf(af->path, sizeof af->path, "%s", path) >= (int)sizeof af->path) {
        errno = ENAMETOOLONG;
        return false;
    }
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%d", path, (int)getpid());
    dir_of(path, dir, sizeof dir);
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    af->anonymous = fd >= 0;
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    af->f = fdopen(fd, "w");
    if (!af->f) {
        int saved = errno;
        close(fd);
        if (!af->anonymous)
            unlink(af->tmp);
        errno = saved;
        return false;
    }
    return true;
}

bool tl_atomic_commit(tl_atomic_file *af)
{
    /* fflush + fsync before the rename: after a crash, the name points at
     * the whole new file or the whole old one, never at a half-written one. */
    bool ok = !ferror(af->f) && fflush(af->f) == 0;
    int saved = ok ? 0 : (errno ? errno : EIO);
    if (ok && fsync(fileno(af->f)) != 0) {
        ok = false;
        saved = errno;
    }
    if (ok && af->anonymous) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(af->f));
        /* The link to a temporary name first: linkat cannot replace. */
        unlink(af->tmp);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, af->tmp, AT_SYMLINK_FOLLOW) != 0) {
            ok = false;
            saved = errno;
        }
    }
    if (fclose(af->f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    af->f = NULL;
    if (ok && rename(af->tmp, af->path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(af->tmp);
        errno = saved;
    }
    return ok;
}

void tl_atomic_abort(tl_atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    af->f = NULL;
    if (!af->anonymous)
        unlink(af->tmp);
}

bool tl_write_atomic(const char *path, const char *text, size_t len)
{
    tl_atomic_file af;
    if (!tl_atomic_open(&af, path))
        return false;
    if (fwrite(text, 1, len, af.f) != len) {
        int saved = errno;
        tl_atomic_abort(&af);
        errno = saved;
        return false;
    }
    return tl_atomic_commit(&af);
}
