/* SPDX-License-Identifier: MIT */
/* The monitor's rule for a condition wait that a signal passed over (see
 * tl__mon_cond_passed_over in monitor.h). */
#include "monitor.h"

/* A waiter on a condition variable is blocked when no signal came since it
 * began waiting (monitor.c). When signals did come, it may still be
 * blocked: a signal wakes one sleeper, and if that was another thread this
 * one sleeps on. Two facts together say so: the thread is asleep in the
 * kernel now (not runnable: a waiter that was woken, or that saw the signal
 * before it slept, is runnable until it has left the wait), and every
 * sleeper the kernel woke on this condition variable has come back out of
 * its wait (taken >= given), so no wakeup is still on its way to anybody.
 * The monitor then still wants the same wait in two snapshots and the
 * youngest wait TL_MON_HANG_MIN_NS old before it says hang. */
bool tl__mon_cond_passed_over(const tl_mon_snapshot *s, uint32_t t)
{
    if (!s->has_asleep || t >= s->nthreads || !s->asleep[t])
        return false;
    const tl_track_thread *th = &s->thread[t];
    if (th->state != TL_TS_WAIT_COND || th->wait_obj >= s->nobjects)
        return false;
    const tl_track_object *o = &s->object[th->wait_obj];
    return o->type == TL_OBJ_COND && o->wakes_taken.raw >= o->wakes_given.raw;
}
