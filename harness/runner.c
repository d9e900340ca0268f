/* SPDX-License-Identifier: MIT */
/* The runner. One thread, one poll loop: the CLI itself never starts threads,
 * so fork() followed at once by exec is safe, and the hosts (which do start
 * threads) are always fresh exec'd processes, as TSan requires.
 *
 * Each host runs in a process group of its own, so the deadline and Ctrl-C
 * reach every process it may have created, and nothing is left behind: after
 * the leader is reaped the group gets SIGKILL in any case. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor_report.h"
#include "run_result.h"
#include "runner.h"

extern char **environ;

enum { RESULT_FD = 3, MONITOR_FD = 4, MAX_JOBS = 64 };

typedef struct {
    tl_run *run;
    int fd_out, fd_err, fd_res; /* read ends; -1 once at end of file */
    int file_out, file_err;     /* the log files */
    char *res;                  /* result records, bounded by TL_RESULTS_MAX */
    size_t res_len;
    double t0, deadline, kill_at; /* monotonic seconds; kill_at 0: no SIGTERM yet */
    double ended;               /* when the exit was seen */
    int pidfd;                  /* readable when the host exits; -1 if unsupported */
    bool reaped;
    int wstatus;
    /* The live monitor: the table shared with the host, and its state. */
    int memfd;
    tl_track_table *table;
    tl_monitor *mon;
    tl_mon_snapshot *snap;
} slot_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
     * not always on PATH; gcc's runtime symbolizes by itself. */
    static const char *const paths[] = {"/usr/bin/llvm-symbolizer",
                                        "/usr/lib/llvm-14/bin/llvm-symbolizer"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
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

/* Shared memory for the monitor table: a memfd the host inherits as
 * MONITOR_FD and maps; we map it too and only read. */
static bool monitor_setup(slot_t *s)
{
    s->memfd = memfd_create("threadlab-monitor", MFD_CLOEXEC);
    if (s->memfd < 0 || ftruncate(s->memfd, sizeof(tl_track_table)) != 0)
        return false;
    void *p = mmap(NULL, sizeof(tl_track_table), PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
    if (p == MAP_FAILED)
        return false;
    s->table = p;
    s->mon = malloc(sizeof *s->mon);
    s->snap = malloc(sizeof *s->snap);
    return s->mon && s->snap;
}

static void monitor_teardown(slot_t *s)
{
    if (s->table)
        munmap(s->table, sizeof(tl_track_table));
    if (s->memfd >= 0)
        close(s->memfd);
    free(s->mon);
    free(s->snap);
    s->table = NULL;
    s->memfd = -1;
    s->mon = NULL;
    s->snap = NULL;
}

static int open_log(const tl_run *r, const char *name)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static bool launch(const tl_runner *rn, slot_t *s, tl_run *r)
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
    if (r->monitor_on && !monitor_setup(s)) {
        monitor_teardown(s);
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
    double t0 = now_s();
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

/* Reads what is available; keeps at most `cap` bytes in all, in a file
 * (file >= 0) or in the slot's record buffer, and flags the excess. */
static void drain(slot_t *s, int *fd, int file, long *kept, long cap, bool *truncated)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            close(*fd);
            *fd = -1;
            return;
        }
        if (n < 0)
            return;
        long room = cap - *kept;
        long take = n < room ? (long)n : (room > 0 ? room : 0);
        if (take < n)
            *truncated = true;
        if (take > 0) {
            if (file >= 0) {
                ssize_t w = write(file, buf, (size_t)take);
                (void)w; /* a full disk shows as a short log, not a lost run */
            } else {
                memcpy(s->res + s->res_len, buf, (size_t)take);
                s->res_len += (size_t)take;
            }
            *kept += take;
        }
    }
}

static void drain_all(slot_t *s)
{
    tl_run *r = s->run;
    long res_kept = (long)s->res_len;
    if (s->fd_out >= 0)
        drain(s, &s->fd_out, s->file_out, &r->stdout_bytes, TL_CAPTURE_MAX, &r->stdout_truncated);
    if (s->fd_err >= 0)
        drain(s, &s->fd_err, s->file_err, &r->stderr_bytes, TL_CAPTURE_MAX, &r->stderr_truncated);
    if (s->fd_res >= 0)
        drain(s, &s->fd_res, -1, &res_kept, TL_RESULTS_MAX, &r->results_truncated);
}

/* The wait-for graph of a deadlock or hang, as DOT and (with Graphviz) SVG. */
static void write_graph(tl_run *r)
{
    if (r->monitor->kind != TL_MON_DEADLOCK && r->monitor->kind != TL_MON_HANG)
        return;
    char dot[PATH_MAX + 16], svg[PATH_MAX + 16];
    snprintf(dot, sizeof dot, "%s/waitfor.dot", r->dir);
    snprintf(svg, sizeof svg, "%s/waitfor.svg", r->dir);
    r->graph_dot = tl_monitor_write_dot(r->monitor, dot);
    r->graph_svg = r->graph_dot && tl_monitor_render_svg(dot, svg);
}

/* One look at the table; true when the monitor reached a verdict. */
static bool monitor_look(slot_t *s, double now)
{
    tl_mon_verdict v;
    tl_monitor_snapshot(s->table, s->snap, (uint64_t)(now * 1e9));
    if (!tl_monitor_observe(s->mon, s->snap, &v))
        return false;
    tl_run *r = s->run;
    r->monitor = malloc(sizeof *r->monitor);
    if (!r->monitor)
        return false;
    *r->monitor = v;
    r->monitor_at_s = (double)v.verdict_ns / 1e9 - s->t0;
    r->monitor_ttv_ms = (double)(v.verdict_ns - v.since_ns) / 1e6;
    return true;
}

static void finish(const tl_runner *rn, slot_t *s, bool interrupted)
{
    tl_run *r = s->run;
    if (s->table) {
        /* The last state of every thread: counters and shares for the report. */
        r->last_snapshot = malloc(sizeof *r->last_snapshot);
        if (r->last_snapshot)
            tl_monitor_snapshot(s->table, r->last_snapshot, 0);
    }
    monitor_teardown(s);
    if (r->monitor)
        write_graph(r);
    r->duration_s = (s->ended > 0 ? s->ended : now_s()) - s->t0;
    if (s->pidfd >= 0)
        close(s->pidfd);
    close(s->file_out);
    close(s->file_err);
    if (s->reaped) {
        r->exited = WIFEXITED(s->wstatus);
        r->exit_status = r->exited ? WEXITSTATUS(s->wstatus) : -1;
        r->term_signal = WIFSIGNALED(s->wstatus) ? WTERMSIG(s->wstatus) : 0;
    }
    r->state = interrupted ? TL_RUN_INTERRUPTED : TL_RUN_FINISHED;
    tl_run_take_records(r, s->res, s->res_len);
    tl_run_take_tsan_log(r);
    free(s->res);
    s->res = NULL;
    tl_run_judge(r);
    if (rn->on_finish)
        rn->on_finish(r, rn->user);
}

/* Advances one slot: reap, enforce the deadline, and finish when both the
 * process is gone and its pipes are closed. Returns true when finished. */
static bool step(const tl_runner *rn, slot_t *s, double now, bool interrupted)
{
    tl_run *r = s->run;
    if (!s->reaped && waitpid(r->pid, &s->wstatus, WNOHANG) == r->pid) {
        s->reaped = true;
        s->ended = now_s();
    }
    if (!s->reaped && interrupted)
        kill(-r->pid, SIGKILL);
    if (!s->reaped && !interrupted && s->mon && !r->monitor && s->kill_at == 0 &&
        monitor_look(s, now)) {
        /* Proven stuck: no need to wait for the deadline. */
        kill(-r->pid, SIGKILL);
        s->kill_at = now;
    }
    if (!s->reaped && !interrupted && s->kill_at == 0 && now >= s->deadline) {
        r->timed_out = true;
        kill(-r->pid, SIGTERM);
        s->kill_at = now + TL_RUNNER_GRACE_S;
    }
    if (!s->reaped && s->kill_at > 0 && now >= s->kill_at)
        kill(-r->pid, SIGKILL);
    if (!s->reaped)
        return false;
    /* The leader is gone; anything it left in its group goes too, which also
     * closes pipes a straggler might hold open. */
    kill(-r->pid, SIGKILL);
    drain_all(s);
    if (s->fd_out >= 0 || s->fd_err >= 0 || s->fd_res >= 0)
        return false;
    finish(rn, s, interrupted);
    return true;
}

size_t tl_runner_run(const tl_runner *rn, tl_run *runs, size_t n)
{
    slot_t slots[MAX_JOBS];
    unsigned jobs = rn->jobs ? rn->jobs : 1;
    if (jobs > MAX_JOBS)
        jobs = MAX_JOBS;
    unsigned active = 0;
    size_t next = 0, finished = 0;
    bool stop = false;

    while ((next < n && !stop) || active) {
        stop = stop || (rn->interrupted && *rn->interrupted);
        while (!stop && active < jobs && next < n) {
            /* A solo run starts only on idle cores, and nothing joins it. */
            bool solo_active = false;
            for (unsigned i = 0; i < active; i++)
                solo_active |= slots[i].run->scenario->solo;
            if (solo_active || (runs[next].scenario->solo && active > 0))
                break;
            tl_run *r = &runs[next++];
            slots[active].res = malloc(TL_RESULTS_MAX);
            slot_t *s = &slots[active];
            char *res = s->res;
            if (!res || !launch(rn, s, r)) {
                free(res);
                r->state = TL_RUN_FINISHED;
                r->exited = true;
                r->exit_status = 127;
                snprintf(r->notes[r->nnotes++], sizeof r->notes[0],
                         "could not start the host: %s", strerror(errno));
                tl_run_judge(r);
                if (rn->on_finish)
                    rn->on_finish(r, rn->user);
                finished++;
                continue;
            }
            s->res = res;
            if (rn->on_start)
                rn->on_start(r, rn->user);
            active++;
        }

        struct pollfd pfd[MAX_JOBS * 4];
        nfds_t np = 0;
        double now = now_s(), wait = 0.1;
        bool monitoring = false;
        for (unsigned i = 0; i < active; i++) {
            int fds[4] = {slots[i].fd_out, slots[i].fd_err, slots[i].fd_res,
                          slots[i].reaped ? -1 : slots[i].pidfd};
            for (int k = 0; k < 4; k++)
                if (fds[k] >= 0)
                    pfd[np++] = (struct pollfd){.fd = fds[k], .events = POLLIN};
            monitoring |= slots[i].mon != NULL;
            double due = slots[i].kill_at > 0 ? slots[i].kill_at : slots[i].deadline;
            if (due - now < wait)
                wait = due - now;
        }
        /* Short waits all the same: without pidfd support, a child's exit is
         * noticed only by the next waitpid. */
        int ms = wait < 0.005 ? 5 : (int)(wait * 1000);
        int cap = monitoring ? (int)(TL_MON_POLL_NS / 1000000) : 20;
        if (ms > cap)
            ms = cap;
        poll(pfd, np, ms);

        now = now_s();
        for (unsigned i = 0; i < active;) {
            drain_all(&slots[i]);
            if (step(rn, &slots[i], now, stop)) {
                if (slots[i].run->state == TL_RUN_FINISHED)
                    finished++;
                slots[i] = slots[--active];
            } else {
                i++;
            }
        }
    }
    for (size_t i = next; i < n; i++)
        runs[i].state = TL_RUN_PENDING;
    return finished;
}
