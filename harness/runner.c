/* SPDX-License-Identifier: MIT */
/* The runner. One thread, one poll loop: the CLI itself never starts threads,
 * so fork() followed at once by exec is safe, and the hosts (which do start
 * threads) are always fresh exec'd processes, as TSan requires.
 *
 * Each host runs in a process group of its own, so the deadline and Ctrl-C
 * reach every process it may have created, and nothing is left behind: after
 * the leader is reaped the group gets SIGKILL in any case. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "detector.h"
#include "run_result.h"
#include "runner_slot.h"

/* Reads what is available; keeps at most `cap` bytes in all, in a file
 * (file >= 0, named `name` in errors) or in the slot's record buffer, and
 * flags the excess. A log that cannot be written (a full disk) makes the run
 * an environment failure: its evidence would be incomplete. */
static void drain(slot_t *s, int *fd, int file, const char *name, long *kept, long cap,
                  bool *truncated)
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
                if (w != (ssize_t)take && !s->run->env_error[0])
                    tl_run_env_error(s->run, "cannot write %s/%s: %s", s->run->dir, name,
                                     strerror(w < 0 ? errno : ENOSPC));
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
        drain(s, &s->fd_out, s->file_out, "stdout.log", &r->stdout_bytes, TL_CAPTURE_MAX,
              &r->stdout_truncated);
    if (s->fd_err >= 0)
        drain(s, &s->fd_err, s->file_err, "stderr.log", &r->stderr_bytes, TL_CAPTURE_MAX,
              &r->stderr_truncated);
    if (s->fd_res >= 0)
        drain(s, &s->fd_res, -1, NULL, &res_kept, TL_RESULTS_MAX, &r->results_truncated);
}

/* Gives a judged run to on_finish, then frees it. Returns whether it ran
 * to its end (rather than being interrupted). */
static bool hand_over(const tl_runner *rn, tl_run *r)
{
    bool ended = r->state == TL_RUN_FINISHED;
    if (rn->on_finish)
        rn->on_finish(r, rn->user);
    free(r->monitor);
    free(r->last_snapshot);
    free(r);
    return ended;
}

/* A host that exited with a failure before its "start" record never ran the
 * scenario: the dynamic loader's 127 (a shared library missing), the host's
 * own 3 (a CLI/host mismatch, a catalogue that breaks a rule). Nothing about
 * the scenario can be concluded, so it is an environment error - the plan
 * stops with exit 3 - not a run "not met". After the detector's own check,
 * which names its runtime's failures better. The first line of the host's
 * stderr says why. */
static void check_host_started(tl_run *r)
{
    if (r->env_error[0] || r->state != TL_RUN_FINISHED || !r->exited || r->exit_status == 0 ||
        r->host_started)
        return;
    char path[PATH_MAX + 32], line[200] = "";
    snprintf(path, sizeof path, "%s/stderr.log", r->dir);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(line, sizeof line, f))
            line[strcspn(line, "\n")] = '\0';
        fclose(f);
    }
    tl_run_env_error(r, "the host exited with status %d before the variant started%s%s",
                     r->exit_status, line[0] ? ": " : " (its stderr.log is empty)", line);
}

static bool finish(const tl_runner *rn, slot_t *s, bool interrupted)
{
    tl_run *r = s->run;
    if (s->table) {
        /* The last state of every thread: counters and shares for the report. */
        r->last_snapshot = malloc(sizeof *r->last_snapshot);
        if (r->last_snapshot)
            tl_monitor_snapshot(s->table, r->last_snapshot, 0);
    }
    tl__monitor_teardown(s);
    r->duration_s = (s->ended > 0 ? s->ended : tl__now_s()) - s->t0;
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
    r->detector->collect(r);
    r->detector->check_environment(r);
    check_host_started(r);
    free(s->res);
    s->res = NULL;
    tl_run_judge(r);
    return hand_over(rn, r);
}

enum { STEP_RUNNING, STEP_ENDED, STEP_INTERRUPTED };

/* Advances one slot: reap, enforce the deadline, and finish when both the
 * process is gone and its pipes are closed. */
static int step(const tl_runner *rn, slot_t *s, double now, bool interrupted)
{
    tl_run *r = s->run;
    /* The verdict's picture, if one is being drawn: reaped, or killed at its
     * bound or on Ctrl-C, whatever the host is doing. */
    tl__render_step(s, now, interrupted);
    if (!s->reaped && waitpid(r->pid, &s->wstatus, WNOHANG) == r->pid) {
        s->reaped = true;
        s->ended = tl__now_s();
        /* SIGKILLed past its deadline without our doing: the host's own
         * last resort fired while this runner was stopped. That is the
         * deadline, not a crash of the scenario. */
        if (WIFSIGNALED(s->wstatus) && WTERMSIG(s->wstatus) == SIGKILL && s->kill_at == 0 &&
            s->ended >= s->deadline)
            r->timed_out = true;
    }
    if (!s->reaped && interrupted)
        kill(-r->pid, SIGKILL);
    /* Each look is stamped when it is taken, not with the loop's `now`: that
     * may be milliseconds old after the work done for other slots (a launch,
     * a judged run's record), and an old stamp would make the time to
     * verdict look shorter than it was - even zero. */
    if (!s->reaped && !interrupted && s->mon && !r->monitor && s->kill_at == 0 &&
        tl__monitor_look(s, tl__now_s())) {
        /* Proven stuck: no need to wait for the deadline. */
        kill(-r->pid, SIGKILL);
        s->kill_at = now;
        /* Its picture is drawn while the host dies, beside this loop. */
        tl__render_start(s, now);
    }
    /* Still progressing at the deadline: slow (a busy machine), not stuck.
     * Extend a little at a time, never past the hard deadline (run.h). */
    if (!s->reaped && !interrupted && s->kill_at == 0 && now >= s->deadline &&
        tl__monitor_progressing(s, now)) {
        double hard = s->t0 + tl_run_hard_deadline_s(r->timeout_s);
        s->deadline = now + TL_RUN_EXTEND_S < hard ? now + TL_RUN_EXTEND_S : hard;
        r->deadline_extended_s = s->deadline - (s->t0 + r->timeout_s);
    }
    if (!s->reaped && !interrupted && s->kill_at == 0 && now >= s->deadline) {
        r->timed_out = true;
        kill(-r->pid, SIGTERM);
        s->kill_at = now + TL_RUNNER_GRACE_S;
    }
    if (!s->reaped && s->kill_at > 0 && now >= s->kill_at)
        kill(-r->pid, SIGKILL);
    if (!s->reaped)
        return STEP_RUNNING;
    /* The leader is gone; anything it left in its group goes too, which also
     * closes pipes a straggler might hold open. */
    kill(-r->pid, SIGKILL);
    drain_all(s);
    if (s->fd_out >= 0 || s->fd_err >= 0 || s->fd_res >= 0)
        return STEP_RUNNING;
    if (!s->host_over) {
        s->host_over = true;
        /* Cut short by Ctrl-C only if the monitor had not reached its
         * verdict before: a verdict killed the host, not Ctrl-C. */
        s->host_interrupted = interrupted && !r->monitor;
    }
    /* Judged and recorded only with its picture done, so the one record
     * tells whether the SVG exists (runner_render.c says why). */
    if (s->render)
        return STEP_RUNNING;
    return finish(rn, s, s->host_interrupted) ? STEP_ENDED : STEP_INTERRUPTED;
}

/* A run that could not start: an environment failure, judged as such. */
static void launch_failed(const tl_runner *rn, tl_run *r, const char *why)
{
    r->state = TL_RUN_FINISHED;
    tl_run_env_error(r, "could not start the host: %s", why);
    tl_run_judge(r);
    hand_over(rn, r);
}

size_t tl_runner_run(const tl_runner *rn)
{
    slot_t slots[MAX_JOBS];
    unsigned jobs = rn->jobs ? rn->jobs : 1;
    if (jobs > MAX_JOBS)
        jobs = MAX_JOBS;
    unsigned active = 0;
    size_t finished = 0;
    bool stop = false;
    /* The next run of the plan, fetched ahead: a solo run must wait for the
     * cores to be idle before it starts. */
    tl_run *next = NULL;
    bool more = true;

    for (;;) {
        stop = stop || (rn->interrupted && *rn->interrupted) || (rn->stop && *rn->stop);
        while (!stop && active < jobs) {
            if (!next && more) {
                next = malloc(sizeof *next);
                if (!next || !rn->next(next, rn->user)) {
                    free(next);
                    next = NULL;
                    more = false;
                }
            }
            if (!next)
                break;
            /* A solo run starts only on idle cores, and nothing joins it. */
            bool solo_active = false;
            for (unsigned i = 0; i < active; i++)
                solo_active |= slots[i].run->scenario->solo;
            if (solo_active || (next->scenario->solo && active > 0))
                break;
            tl_run *r = next;
            next = NULL;
            slot_t *s = &slots[active];
            char why[PATH_MAX + 128];
            s->res = malloc(TL_RESULTS_MAX);
            if (!s->res) {
                launch_failed(rn, r, strerror(ENOMEM));
                finished++;
                stop = stop || (rn->stop && *rn->stop);
                continue;
            }
            char *res = s->res;
            if (!tl__runner_launch(rn, s, r, why, sizeof why)) {
                free(res);
                launch_failed(rn, r, why);
                finished++;
                /* on_finish decides, through rn->stop, whether to go on. */
                stop = stop || (rn->stop && *rn->stop);
                continue;
            }
            s->res = res;
            if (rn->on_start)
                rn->on_start(r, rn->user);
            active++;
        }
        if (active == 0 && (stop || (!next && !more)))
            break;

        struct pollfd pfd[MAX_JOBS * 5];
        nfds_t np = 0;
        double now = tl__now_s(), wait = 0.1;
        bool monitoring = false;
        for (unsigned i = 0; i < active; i++) {
            int fds[5] = {slots[i].fd_out, slots[i].fd_err, slots[i].fd_res,
                          slots[i].reaped ? -1 : slots[i].pidfd, tl__render_fd(&slots[i])};
            for (int k = 0; k < 5; k++)
                if (fds[k] >= 0)
                    pfd[np++] = (struct pollfd){.fd = fds[k], .events = POLLIN};
            monitoring |= slots[i].mon != NULL;
            double due = slots[i].kill_at > 0 ? slots[i].kill_at : slots[i].deadline;
            double drawn = tl__render_due(&slots[i]);
            if (drawn > 0 && drawn < due)
                due = drawn;
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

        now = tl__now_s();
        for (unsigned i = 0; i < active;) {
            drain_all(&slots[i]);
            int how = step(rn, &slots[i], now, rn->interrupted && *rn->interrupted);
            if (how != STEP_RUNNING) {
                finished += how == STEP_ENDED;
                slots[i] = slots[--active];
            } else {
                i++;
            }
        }
    }
    free(next);
    return finished;
}
