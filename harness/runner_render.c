/* SPDX-License-Identifier: MIT */
/* The picture of a monitor verdict: the wait-for graph of a deadlock or a
 * hang written as waitfor.dot, and rendered to waitfor.svg by Graphviz's
 * `dot` beside the runner's poll loop, never inside it.
 *
 * Why beside: dot takes ~20 ms. Run to completion in the runner's one
 * thread, it stopped every other slot's monitor for that long, so with
 * --jobs 2 the other run's verdict could come that much late. Now dot starts
 * the moment the verdict is reached (while the host is being killed), in a
 * process group of its own, and is reaped through the poll loop by its pidfd
 * like a host; the other slots are looked at every 2 ms all along.
 *
 * Why the run waits for its picture: a run is judged and recorded only once
 * its dot has ended (or was killed at its bound), so its one record in
 * runs.jsonl - append-only, never rewritten - says whether the SVG exists,
 * and a note says why when it does not. Rendering after the plan instead
 * would record an SVG that does not exist yet (or a "pending" that stays in
 * runs.jsonl for ever), and a second record per run would break "one line
 * per run". The price is that this slot stays taken ~20 ms longer, which
 * can start the next run of the plan that much later; it never delays a
 * verdict.
 *
 * No dot outlives the runner: Ctrl-C and the bound SIGKILL its whole group
 * (a wrapper script's children too), the plan ends only when every slot,
 * picture included, is done, and dot dies with the runner
 * (PR_SET_PDEATHSIG) like a host. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor_report.h"
#include "runner_slot.h"

extern char **environ;

typedef enum { ALIVE, KILLED_AT_BOUND, KILLED_BY_CTRL_C } dot_end;

struct tl__render {
    pid_t pid;      /* dot, leader of its own process group */
    int pidfd;      /* readable when dot exits; -1 without pidfd support */
    int errfd;      /* a memfd holding dot's stderr, quoted in a note */
    double kill_at; /* the bound: TL_RENDER_BOUND_S after the start */
    dot_end end;
};

static void note(tl_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(tl_run *r, const char *fmt, ...)
{
    if (r->nnotes >= TL_RUN_MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->notes[r->nnotes++], sizeof r->notes[0], fmt, ap);
    va_end(ap);
}

/* `dot` the way a shell finds it: the first executable file of that name in
 * PATH (an empty entry is the current directory), so a Graphviz in
 * /opt/graphviz/bin works and a test can put its own dot first. Made
 * absolute, since dot is started in the run's folder, but not through
 * symbolic links: Graphviz picks its layout by the name it is run as. */
static bool find_dot(char *out, size_t size)
{
    char cwd[PATH_MAX];
    bool have_cwd = getcwd(cwd, sizeof cwd) != NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;; p++) {
        size_t len = strcspn(p, ":");
        bool relative = len == 0 || p[0] != '/';
        if ((!relative || have_cwd) &&
            (size_t)snprintf(out, size, "%s%s%.*s%sdot", relative ? cwd : "",
                             relative ? "/" : "", (int)len, p, len ? "/" : "") < size) {
            struct stat st;
            if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
                return true;
        }
        p += len;
        if (!*p)
            return false;
    }
}

/* Moves a descriptor to 3 or above, so the child's dup2 onto 0-2 can never
 * be a no-op on a descriptor still marked close-on-exec. */
static int above_stdio(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return high;
}

/* Between fork and exec: only async-signal-safe calls (the runner has one
 * thread, so this is easy to keep true). prctl is not on POSIX's list only
 * because POSIX has no prctl: it is one system call. */
static void dot_child(pid_t runner, int dirfd, int devnull, int errfd, char *const argv[])
{
    /* Dies with the runner; if the runner died before prctl, we were
     * already re-parented and must not go on. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != runner)
        _exit(127);
    setpgid(0, 0);
    /* Not niced: the run waits for its picture before it is recorded and
     * its slot taken again, and under `stress-ng --cpu 2` a dot at nice 10
     * made a deadlock-heavy plan about 1.5x slower for no measurable gain
     * in the other runs' time to verdict. */
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(errfd, 2);
    /* In the run's folder, so no path of any length or first character
     * (an --out starting with '-') reaches dot's command line. */
    if (fchdir(dirfd) == 0)
        execve(argv[0], argv, environ);
    static const char msg[] = "threadlab: cannot start dot\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
}

/* Starts dot on waitfor.dot in r->dir; false (with errno) when it could not
 * be started. */
static bool spawn_dot(slot_t *s, const char *exe, double now)
{
    struct tl__render *g = calloc(1, sizeof *g);
    int dirfd = open(s->run->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int devnull = above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
    int errfd = above_stdio(memfd_create("threadlab-dot-stderr", MFD_CLOEXEC));
    pid_t pid = -1;
    if (g && dirfd >= 0 && devnull >= 0 && errfd >= 0) {
        char *argv[] = {(char *)exe, "-Tsvg", "-o", "waitfor.svg", "waitfor.dot", NULL};
        pid_t runner = getpid();
        pid = fork();
        if (pid == 0)
            dot_child(runner, dirfd, devnull, errfd, argv);
    }
    int saved = errno;
    if (dirfd >= 0)
        close(dirfd);
    if (devnull >= 0)
        close(devnull);
    if (pid < 0) {
        if (errfd >= 0)
            close(errfd);
        free(g);
        errno = saved;
        return false;
    }
    /* Also here: whichever runs first, the group exists before we may
     * need to signal it. */
    setpgid(pid, pid);
    g->pid = pid;
    g->pidfd = pidfd_open(pid, 0);
    g->errfd = errfd;
    g->kill_at = now + TL_RENDER_BOUND_S;
    g->end = ALIVE;
    s->render = g;
    return true;
}

void tl__render_start(slot_t *s, double now)
{
    tl_run *r = s->run;
    if (!r->monitor || (r->monitor->kind != TL_MON_DEADLOCK && r->monitor->kind != TL_MON_HANG &&
                        r->monitor->kind != TL_MON_FORK_DEADLOCK &&
                        r->monitor->kind != TL_MON_POOL_DEADLOCK))
        return;
    char path[PATH_MAX + 16], exe[PATH_MAX];
    snprintf(path, sizeof path, "%s/waitfor.dot", r->dir);
    r->graph_dot = tl_monitor_write_dot(r->monitor, path);
    if (!r->graph_dot) {
        note(r, "no wait-for graph: cannot write waitfor.dot: %s", strerror(errno));
        return;
    }
    if (!find_dot(exe, sizeof exe)) {
        note(r, "no SVG of the wait-for graph: Graphviz's dot is not on PATH "
                "(waitfor.dot is kept)");
        return;
    }
    if (!spawn_dot(s, exe, now))
        note(r, "no SVG of the wait-for graph: cannot start %s: %s (waitfor.dot is kept)", exe,
             strerror(errno));
}

/* The first line dot wrote to stderr, made printable, for a note. */
static void first_line(int fd, char *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < ' ' || *c == 0x7f)
            *c = ' ';
}

/* What became of the picture, once dot is reaped: the SVG when dot made
 * it, else a note that says why not. A failed dot's partial SVG is
 * removed, so the run's folder shows only what the record names. */
static void conclude(tl_run *r, const struct tl__render *g, int wstatus)
{
    char svg[PATH_MAX + 16], err[160];
    snprintf(svg, sizeof svg, "%s/waitfor.svg", r->dir);
    struct stat st;
    bool ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
    r->graph_svg = ok && stat(svg, &st) == 0 && st.st_size > 0;
    if (r->graph_svg)
        return;
    first_line(g->errfd, err, sizeof err);
    if (g->end == KILLED_AT_BOUND)
        note(r, "no SVG of the wait-for graph: dot was still running after %.0f s and was "
                "killed (waitfor.dot is kept)", TL_RENDER_BOUND_S);
    else if (g->end == KILLED_BY_CTRL_C)
        note(r, "no SVG of the wait-for graph: interrupted while dot drew it (waitfor.dot is "
                "kept)");
    else if (ok)
        note(r, "no SVG of the wait-for graph: dot exited 0 but wrote no waitfor.svg "
                "(waitfor.dot is kept)");
    else if (WIFEXITED(wstatus))
        note(r, "no SVG of the wait-for graph: dot exited with status %d%s%s (waitfor.dot is "
                "kept)", WEXITSTATUS(wstatus), err[0] ? ": " : "", err);
    else
        note(r, "no SVG of the wait-for graph: dot ended by signal %d (waitfor.dot is kept)",
             WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
    unlink(svg);
}

bool tl__render_step(slot_t *s, double now, bool interrupted)
{
    struct tl__render *g = s->render;
    if (!g)
        return true;
    int wstatus = 0;
    pid_t w = waitpid(g->pid, &wstatus, WNOHANG);
    if (w == 0 || (w < 0 && errno == EINTR)) {
        if (g->end == ALIVE && (interrupted || now >= g->kill_at)) {
            g->end = interrupted ? KILLED_BY_CTRL_C : KILLED_AT_BOUND;
            kill(-g->pid, SIGKILL);
        }
        return false; /* reaped at a later step: its pidfd wakes the loop */
    }
    if (w < 0) /* cannot happen for our own child; never wait for ever on it */
        wstatus = W_EXITCODE(127, 0);
    /* Whatever dot (or a wrapper script standing for it) left in its group
     * goes too. */
    kill(-g->pid, SIGKILL);
    conclude(s->run, g, wstatus);
    if (g->pidfd >= 0)
        close(g->pidfd);
    close(g->errfd);
    free(g);
    s->render = NULL;
    return true;
}

int tl__render_fd(const slot_t *s)
{
    return s->render ? s->render->pidfd : -1;
}

double tl__render_due(const slot_t *s)
{
    return s->render ? s->render->kill_at : 0;
}
