/* SPDX-License-Identifier: MIT */
/* Starting a host: fork, then at once exec, in a process group of its own,
 * in the run's directory, with stdout, stderr, the result pipe and the
 * monitor table moved to the descriptor numbers the host expects. The CLI
 * never starts threads, so only async-signal-safe calls run between fork and
 * exec is easy to keep true.
 *
 * No host may outlive the runner: the child asks the kernel for SIGKILL when
 * the runner dies (PR_SET_PDEATHSIG), and the host carries its own
 * last-resort deadline (--deadline, see host_deadline.c) for a runner that is
 * stopped rather than dead. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner_slot.h"
#include "detector.h"
#include "install_paths.h"

extern char **environ;

bool tl_runner_find_host(tl_detector d, char *out, size_t size)
{
    const char *name = d->host;
    char self[PATH_MAX], relocated[PATH_MAX] = "";
    if (tl_install_self_dir(self, sizeof self))
        tl_install_relocated(self, TL_PKGLIBEXECDIR, relocated, sizeof relocated);
    /* Next to threadlab (the build tree), where an installed tree keeps
     * them relative to threadlab, then where configure said. */
    const char *dirs[] = {self, relocated, TL_PKGLIBEXECDIR};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (!dirs[i][0] || dirs[i][0] == '?')
            continue;
        snprintf(out, size, "%s/%s", dirs[i], name);
        if (access(out, X_OK) == 0)
            return true;
    }
    snprintf(out, size, "%s (looked next to threadlab in %s%s%s and in %s)", name, self,
             relocated[0] ? ", in " : "", relocated, TL_PKGLIBEXECDIR);
    return false;
}

/* Makes `from` the descriptor number `to` in the child, inheritable by exec. */
static void move_fd(int from, int to)
{
    if (from == to)
        fcntl(to, F_SETFD, 0); /* pipe2 set close-on-exec; the host needs it */
    else
        dup2(from, to);
}

/* Moves a descriptor above the numbers the child's fds are moved to (0-4),
 * so one move_fd in the child can never clobber a source of a later one. */
static int above_child_fds(int fd)
{
    if (fd < 0 || fd > MONITOR_FD)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 16);
    close(fd);
    return high;
}

/* The child's environment: ours, with the detector's variables set (each
 * replacing ours of the same name). Built before fork, because only
 * async-signal-safe calls may run between fork and exec. The child starts
 * in the run's folder, so a detector can name its logs relative to it and
 * no user path (a --out with a quote, or of 4000 characters) ever goes into
 * a variable. */
static char **child_env(tl_detector d, char vars[][TL_DETECTOR_VAR_LEN])
{
    size_t nvars = d->environment(vars, TL_DETECTOR_ENV_MAX);
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + nvars + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t v = 0; v < nvars && !replaced; v++) {
            size_t name = strcspn(vars[v], "=");
            replaced = strncmp(environ[i], vars[v], name + 1) == 0;
        }
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t v = 0; v < nvars; v++)
        env[k++] = vars[v];
    env[k] = NULL;
    return env;
}

/* Says why a launch failed, in words, with the reason errno gives. */
static bool fail_why(char *why, size_t size, const char *what, const char *path)
{
    int e = errno;
    if (path)
        snprintf(why, size, "%s '%s': %s", what, path, strerror(e));
    else
        snprintf(why, size, "%s: %s", what, strerror(e));
    errno = e;
    return false;
}

/* Run directories are made at launch, not when the plan is expanded, so a
 * long plan does not fill the disk with empty directories up front; the
 * runs/ folder above them is made here too if it is missing. The report
 * directory itself must exist: if it vanished, the run fails and says so. */
static bool make_run_dir(const char *dir, char *why, size_t size)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir(parent, 0755) != 0 && errno != EEXIST)
            return fail_why(why, size, "cannot create the run directory", dir);
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return fail_why(why, size, "cannot create the run directory", dir);
    return true;
}

/* What a launch holds before the fork, in one place, so that every way a
 * launch can fail releases all of it: a launch failing once per run of a
 * long plan used to leak thousands of descriptors. */
typedef struct {
    int dirfd, devnull, out[2], err[2], res[2];
    char **env;
} launch_t;

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Releases what a failed launch acquired, in the slot too. */
static void release(launch_t *l, slot_t *s)
{
    close_fd(&l->dirfd);
    close_fd(&l->devnull);
    for (int i = 0; i < 2; i++) {
        close_fd(&l->out[i]);
        close_fd(&l->err[i]);
        close_fd(&l->res[i]);
    }
    free(l->env);
    l->env = NULL;
    close_fd(&s->file_out);
    close_fd(&s->file_err);
    tl__monitor_teardown(s);
}

/* Writes a fixed message to stderr and ends the child: for use between fork
 * and exec, where only async-signal-safe calls are allowed. */
static void child_fail(const char *msg, size_t len)
{
    ssize_t ignored = write(2, msg, len);
    (void)ignored;
    _exit(127);
}

#define CHILD_FAIL(msg) child_fail(msg, sizeof msg - 1)

bool tl__runner_launch(const tl_runner *rn, slot_t *s, tl_run *r, char *why, size_t why_size)
{
    launch_t l = {.dirfd = -1, .devnull = -1, .out = {-1, -1}, .err = {-1, -1},
                  .res = {-1, -1}, .env = NULL};
    char threads[16], iterations[32], deadline[32], monfd[8];
    /* static: large, and the runner has one thread. */
    static char vars[TL_DETECTOR_ENV_MAX][TL_DETECTOR_VAR_LEN];
    static char wrap[TL_DETECTOR_WRAP_MAX][TL_DETECTOR_WORD_LEN];
    const char *host = rn->host[tl_detector_index(r->detector)];
    snprintf(threads, sizeof threads, "%u", r->threads);
    snprintf(iterations, sizeof iterations, "%lu", r->iterations);
    /* The host's own last resort, later than any deadline of ours. */
    snprintf(deadline, sizeof deadline, "%.3f", tl_run_host_deadline_s(r->timeout_s));
    snprintf(monfd, sizeof monfd, "%d", MONITOR_FD);
    /* A detector that runs the host under a program of its own (Valgrind)
     * puts that program and its options first; what execve starts is then
     * that program, and the host is one of its arguments. */
    size_t nwrap = r->detector->wrapper ? r->detector->wrapper(wrap, TL_DETECTOR_WRAP_MAX) : 0;
    char *argv[TL_DETECTOR_WRAP_MAX + 20];
    size_t argc = 0;
    for (size_t i = 0; i < nwrap; i++)
        argv[argc++] = wrap[i];
    const char *host_args[] = {host, r->scenario->name, r->variant->name,
                               "--lock", r->lock, "--threads", threads, "--iterations", iterations,
                               "--mode", tl_mode_name(r->mode), "--result-fd", "3",
                               "--deadline", deadline,
                               r->monitor_on ? "--monitor-fd" : NULL, monfd, NULL};
    for (size_t i = 0; host_args[i]; i++)
        argv[argc++] = (char *)host_args[i];
    argv[argc] = NULL;
    const char *program = nwrap ? wrap[0] : host;

    memset(s, 0, sizeof *s);
    s->run = r;
    s->fd_out = s->fd_err = s->fd_res = s->file_out = s->file_err = s->memfd = s->pidfd = -1;
    if (!make_run_dir(r->dir, why, why_size))
        goto fail;
    if (r->monitor_on && !tl__monitor_setup(s)) {
        fail_why(why, why_size, "cannot set up the monitor's shared memory", NULL);
        goto fail;
    }
    if (pipe2(l.out, O_CLOEXEC) || pipe2(l.err, O_CLOEXEC) || pipe2(l.res, O_CLOEXEC)) {
        fail_why(why, why_size, "cannot create the host's pipes", NULL);
        goto fail;
    }
    /* The directory by descriptor: the logs are opened in it and the child
     * changes into it, whatever the length or the characters of its path. */
    l.dirfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (l.dirfd < 0) {
        fail_why(why, why_size, "cannot open the run directory", r->dir);
        goto fail;
    }
    s->file_out = openat(l.dirfd, "stdout.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->file_out < 0) {
        fail_why(why, why_size, "cannot create stdout.log in", r->dir);
        goto fail;
    }
    s->file_err = openat(l.dirfd, "stderr.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->file_err < 0) {
        fail_why(why, why_size, "cannot create stderr.log in", r->dir);
        goto fail;
    }
    l.env = child_env(r->detector, vars);
    if (!l.env) {
        fail_why(why, why_size, "cannot build the host's environment", NULL);
        goto fail;
    }
    l.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (l.devnull < 0) {
        fail_why(why, why_size, "cannot open", "/dev/null");
        goto fail;
    }
    int *child_fds[] = {&l.dirfd, &l.devnull, &l.out[1], &l.err[1], &l.res[1], &s->memfd};
    for (size_t i = 0; i < sizeof child_fds / sizeof child_fds[0]; i++) {
        if (*child_fds[i] < 0)
            continue; /* no monitor: no memfd */
        *child_fds[i] = above_child_fds(*child_fds[i]);
        if (*child_fds[i] < 0) {
            fail_why(why, why_size, "cannot move the host's descriptors", NULL);
            goto fail;
        }
    }

    clock_gettime(CLOCK_REALTIME, &r->started);
    double t0 = tl__now_s();
    pid_t runner = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Dies with the runner: the kernel sends SIGKILL when we lose our
         * parent (strictly, the thread that forked: the CLI has only one).
         * If the runner died between fork and prctl we were already
         * re-parented and no signal will come, so check and leave. prctl is
         * not on POSIX's list of async-signal-safe calls only because POSIX
         * has no prctl: it is one system call, like the others here. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
            CHILD_FAIL("threadlab: cannot tie the host to the runner's life\n");
        if (getppid() != runner)
            _exit(127);
        setpgid(0, 0);
        if (fchdir(l.dirfd) != 0)
            CHILD_FAIL("threadlab: cannot enter the run directory\n");
        move_fd(l.devnull, 0);
        move_fd(l.out[1], 1);
        move_fd(l.err[1], 2);
        move_fd(l.res[1], RESULT_FD);
        if (s->memfd >= 0)
            move_fd(s->memfd, MONITOR_FD);
        if (r->detector->prepare_child)
            r->detector->prepare_child();
        execve(program, argv, l.env);
        if (nwrap)
            CHILD_FAIL("threadlab: cannot exec the detector's program\n");
        CHILD_FAIL("threadlab: cannot exec the host\n");
    }
    if (pid < 0) {
        fail_why(why, why_size, "cannot start a process for the host", NULL);
        goto fail;
    }
    free(l.env);
    close(l.dirfd);
    close(l.devnull);
    close(l.out[1]);
    close(l.err[1]);
    close(l.res[1]);
    /* Also here: whichever of parent and child runs first, the group exists
     * before the parent may need to signal it. */
    setpgid(pid, pid);
    /* A pidfd wakes poll() the moment the host exits, so a run's measured
     * time is the run's, not the poll interval's. */
    s->pidfd = pidfd_open(pid, 0);
    s->fd_out = l.out[0];
    s->fd_err = l.err[0];
    s->fd_res = l.res[0];
    fcntl(s->fd_out, F_SETFL, O_NONBLOCK);
    fcntl(s->fd_err, F_SETFL, O_NONBLOCK);
    fcntl(s->fd_res, F_SETFL, O_NONBLOCK);
    r->pid = pid;
    r->state = TL_RUN_RUNNING;
    s->t0 = t0;
    s->deadline = t0 + r->timeout_s;
    if (s->mon)
        tl_monitor_init(s->mon, r->scenario->judge_progress, TL_MON_WINDOW_NS,
                        (uint64_t)(t0 * 1e9));
    return true;

fail:
    release(&l, s);
    return false;
}
