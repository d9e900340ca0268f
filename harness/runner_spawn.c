/* SPDX-License-Identifier: MIT */
/* Starting a host: fork, then at once exec, in a process group of its own,
 * with stdout, stderr, the result pipe and the monitor table moved to the
 * descriptor numbers the host expects. The CLI never starts threads, so only
 * async-signal-safe calls run between fork and exec is easy to keep true. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "runner_slot.h"

extern char **environ;

bool tl_runner_find_host(tl_detector d, char *out, size_t size)
{
    const char *name = d == TL_DETECTOR_TSAN ? "threadlab-host-tsan" : "threadlab-host";
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, size, "%s/%s", self, name);
            if (access(out, X_OK) == 0)
                return true;
        }
    }
    snprintf(out, size, "%s/%s", TL_PKGLIBEXECDIR, name);
    if (access(out, X_OK) == 0)
        return true;
    snprintf(out, size, "%s (looked next to threadlab in %s and in %s)", name,
             n > 0 ? self : "?", TL_PKGLIBEXECDIR);
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

static const char *symbolizer(void)
{
    /* clang's runtime prints file:line only through llvm-symbolizer, which is
     * not always on PATH; gcc's runtime symbolizes by itself. The search (the
     * one of the compiler's LLVM version, found by configure, then PATH) lives
     * in symbolizer.c. Declared here, not through symbolizer.h, only while the
     * rest of this file is being rewritten: an #include belongs at the top. */
    const char *tl_llvm_symbolizer(void);
    return tl_llvm_symbolizer();
}

/* The child's environment: ours, with TSAN_OPTIONS replaced. Built before
 * fork, because only async-signal-safe calls may run between fork and exec. */
static char **child_env(const tl_run *r, char *tsan_options, size_t size)
{
    const char *sym = symbolizer();
    /* strip_path_prefix: frames read "scenarios/x.c:12" instead of the
     * build machine's absolute path. */
    snprintf(tsan_options, size,
             "TSAN_OPTIONS=log_path=\"%s/tsan\" exitcode=66 halt_on_error=0 "
             "second_deadlock_stack=1 strip_path_prefix=\"%s/\"%s%s",
             r->dir, TL_SRCDIR, sym ? " external_symbolizer_path=" : "", sym ? sym : "");
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TSAN_OPTIONS=", 13) != 0)
            env[k++] = environ[i];
    env[k++] = tsan_options;
    env[k] = NULL;
    return env;
}

static int open_log(const tl_run *r, const char *name)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

bool tl__runner_launch(const tl_runner *rn, slot_t *s, tl_run *r)
{
    int out[2], err[2], res[2];
    char threads[16], iterations[32], tsan_options[PATH_MAX + 256], monfd[8];
    const char *host = r->detector == TL_DETECTOR_TSAN ? rn->host_tsan : rn->host_plain;
    snprintf(threads, sizeof threads, "%u", r->threads);
    snprintf(iterations, sizeof iterations, "%lu", r->iterations);
    char *argv[] = {(char *)host, (char *)r->scenario->name, (char *)r->variant->name,
                    "--lock", r->lock, "--threads", threads, "--iterations", iterations,
                    "--mode", (char *)tl_mode_name(r->mode), "--result-fd", "3",
                    r->monitor_on ? "--monitor-fd" : NULL, monfd, NULL};
    snprintf(monfd, sizeof monfd, "%d", MONITOR_FD);

    memset(s, 0, sizeof *s);
    s->run = r;
    s->fd_out = s->fd_err = s->fd_res = s->file_out = s->file_err = s->memfd = s->pidfd = -1;
    if (r->monitor_on && !tl__monitor_setup(s)) {
        tl__monitor_teardown(s);
        return false;
    }
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
        return false;
    s->file_out = open_log(r, "stdout.log");
    s->file_err = open_log(r, "stderr.log");
    char **env = child_env(r, tsan_options, sizeof tsan_options);
    int devnull = above_child_fds(open("/dev/null", O_RDONLY | O_CLOEXEC));
    out[1] = above_child_fds(out[1]);
    err[1] = above_child_fds(err[1]);
    res[1] = above_child_fds(res[1]);
    s->memfd = above_child_fds(s->memfd);
    if (s->file_out < 0 || s->file_err < 0 || !env || devnull < 0)
        return false;

    clock_gettime(CLOCK_REALTIME, &r->started);
    double t0 = tl__now_s();
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        move_fd(devnull, 0);
        move_fd(out[1], 1);
        move_fd(err[1], 2);
        move_fd(res[1], RESULT_FD);
        if (s->memfd >= 0)
            move_fd(s->memfd, MONITOR_FD);
        execve(host, argv, env);
        static const char msg[] = "threadlab: cannot exec the host\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    free(env);
    close(devnull);
    close(out[1]);
    close(err[1]);
    close(res[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        close(res[0]);
        return false;
    }
    /* Also here: whichever of parent and child runs first, the group exists
     * before the parent may need to signal it. */
    setpgid(pid, pid);
    /* A pidfd wakes poll() the moment the host exits, so a run's measured
     * time is the run's, not the poll interval's. */
    s->pidfd = pidfd_open(pid, 0);
    s->fd_out = out[0];
    s->fd_err = err[0];
    s->fd_res = res[0];
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
}
