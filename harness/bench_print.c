/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "bench_judge.h"
#include "bench_peers.h"
#include "bench_print.h"
#include "config.h"

/* The figures of the kind of that name, if it was measured: the only place
 * the printer names kinds, for the target that compares the futex mutex
 * with glibc's (ttas beside glibc's spinlock is measured as a pair:
 * tl_bench.ttas_beside_libc). */
static const tl_bench_kind *find(const tl_bench *b, const char *name)
{
    const tl_lock_kind *want = tl_lock_kind_find(name);
    for (size_t k = 0; want && k < b->nkinds; k++)
        if (b->kind[k].kind == want)
            return &b->kind[k];
    return NULL;
}

/* A hand-built spinlock that is not broken: judged against the floor. */
static bool is_spin(const tl_lock_kind *k)
{
    return (k->flags & (TL_KIND_HANDBUILT | TL_KIND_BROKEN | TL_KIND_SLEEPS)) ==
           TL_KIND_HANDBUILT;
}

static void ratio(FILE *to, double x, double base)
{
    if (base > 0)
        fprintf(to, " %8.2fx", x / base);
    else
        fprintf(to, " %9s", "-");
}

static void figure(FILE *to, const tl_bench_figure *f)
{
    fprintf(to, " %8.1f (%6.1f-%6.1f)", f->median, f->min, f->max);
}

/* The peer measured beside a kind (bench_peers.h), or NULL. */
static const tl_bench_peer_result *peer_of(const tl_bench *b, const tl_lock_kind *kind)
{
    for (size_t i = 0; b->peers && !b->no_peers && i < b->peers->n; i++)
        if (b->peers->r[i].ours && strcmp(b->peers->r[i].peer->kind, kind->name) == 0)
            return &b->peers->r[i];
    return NULL;
}

/* The least a kind reached by one call into its descriptor, with nothing
 * more to do there (no inline word path, not libc's, no iface_cost), paid
 * over its raw calls in this run: the part of a miss the call itself
 * explains, before the kind's own bookkeeping. NULL when none was measured. */
static const tl_bench_kind *call_only(const tl_bench *b)
{
    const tl_bench_kind *best = NULL;
    for (size_t k = 0; k < b->nkinds; k++) {
        const tl_lock_kind *kind = b->kind[k].kind;
        if (!(kind->flags & TL_KIND_HANDBUILT) || tl_lock_kind_is_broken(kind) ||
            kind->word.take != TL_WORD_NONE || kind->libc != TL_LIBC_NONE || kind->iface_cost)
            continue;
        if (!best || b->kind[k].overhead.median < best->overhead.median)
            best = &b->kind[k];
    }
    return best;
}

/* Beside a contended generic/raw comparison not met: how often each side
 * changed hands, and what the two intervals say. Both sides run the same
 * atomic operations in the same order; for an unfair lock, which thread
 * wins the race after a release decides the throughput. */
static void print_handovers(FILE *to, const tl_bench_contended *c)
{
    const tl_bench_figure *g = &c->per_handover, *r = &c->raw_per_handover;
    if (g->median <= 0 || r->median <= 0)
        return;
    fprintf(to, "        acquisitions per hand-over: generic %.1f", g->median);
    tl_target_ci(to, g, 1, 1, "");
    fprintf(to, ", raw %.1f", r->median);
    tl_target_ci(to, r, 1, 1, "");
    if (g->hi < r->lo)
        fputs(": the generic side changed hands more often, each hand-over a move of the "
              "lock's line between cores\n", to);
    else if (g->lo > r->hi)
        fputs(": the raw side changed hands more often, and was still faster\n", to);
    else
        fputs(": the same rate of hand-overs on both sides, as far as this run can tell\n", to);
}

/* Beside a FIFO kind's fairness target not met: how often its lock changed
 * hands. A FIFO lock hands over at every acquisition while every thread is
 * in its line, so runs longer than one mean the other thread held no place
 * in line at those unlocks - and its share was lost there, not to the
 * order of the line. */
static void print_fifo_runs(FILE *to, const tl_bench_contended *c)
{
    const tl_bench_figure *g = &c->per_handover;
    if (g->median <= 0)
        return;
    fprintf(to, "        acquisitions per hand-over: %.1f", g->median);
    tl_target_ci(to, g, 1, 1, "");
    if (g->lo > 1.05)
        fputs(": more than one, so at the other unlocks the other thread held no place in "
              "line (a FIFO lock hands over at every acquisition while each thread waits in "
              "it): it was on its way back, and the releasing thread took the lock again\n",
              to);
    else
        fputs(": the lock changed hands at about every acquisition, as far as this run can "
              "tell\n",
              to);
}

/* Beside a contended generic/raw comparison whose interval alone did not
 * keep the target: its control, the raw loop set beside itself. */
static void print_control(FILE *to, const tl_lock_kind *kind, const tl_bench_figure *ctl)
{
    fprintf(to, "        control: %s's raw loop against itself, paired the same way: %.3fx",
            kind->name, ctl->median);
    tl_target_ci(to, ctl, 1, 3, "x");
    double pct = 100 * (TL_BENCH_CONTENDED_LIMIT - 1);
    if (ctl->hi > TL_BENCH_CONTENDED_LIMIT || ctl->lo < 1 / TL_BENCH_CONTENDED_LIMIT)
        fprintf(to, ": one loop reads more than %.0f%% off itself here, so a cost of %.0f%% "
                    "cannot be told from the pairing's scatter in this run",
                pct, pct);
    fputc('\n', to);
}

/* ttas against glibc's spinlock, 2 threads: measured as a pair, the two
 * taking turns within each repetition (bench_peers.c), so the ratio is
 * the locks' and not the minute each ran in (the kinds' own contended
 * figures are minutes apart: pthread-spin's read 22 - 41 ns/acq from run
 * to run). Judged beside the peers' control where there is one. Both
 * sides' rates of hand-over are printed: an unfair lock that keeps the
 * line longer goes faster, and the pair shows which did. */
static void print_ttas_beside_libc(FILE *to, const tl_bench *b, size_t tc, tl_target_tally *tally)
{
    const tl_bench_peer_result *p = b->ttas_beside_libc;
    const tl_bench_figure *r = &p->contended[tc].ratio;
    const tl_bench_peer_side *ours = &p->contended[tc].side[TL_PEER_OURS];
    const tl_bench_peer_side *theirs = &p->contended[tc].side[TL_PEER_THEIRS];
    const tl_bench_figure *ctl =
        b->peers && b->peers->has_control ? &b->peers->control.contended[tc].ratio : NULL;
    tl_target_begin(to, tally, tl_bench_ratio_at_most(r, 1.0, ctl));
    fprintf(to, "2 threads: ttas throughput >= pthread-spin, as a pair: ttas / %s %.3fx",
            p->peer->raw.name, r->median);
    tl_target_ci(to, r, 1, 3, "x");
    tl_target_beside_control(to, r, 1.0, ctl);
    fprintf(to, "\n        ns/acq %.1f vs %.1f; acquisitions per hand-over %.1f vs %.1f\n",
            ours->ns_per_acq.median, theirs->ns_per_acq.median, ours->per_handover.median,
            theirs->per_handover.median);
    tl_bench_pair_second_look(to, p, tc);
}

/* The targets, each with its figures and its verdict on the
 * median's confidence interval (bench_judge.h): met, NOT MET or undecided. */
static void targets(FILE *to, const tl_bench *b)
{
    const tl_bench_kind *mutex = find(b, "mutex"), *pm = find(b, "pthread-mutex");
    const tl_bench_figure *floor = &b->floor_exchange;
    const tl_bench_kind *call = call_only(b);
    tl_target_tally tally = {{0}};
    fputs("\nTargets (judged on the median's confidence interval over the repetitions)\n", to);
    if (mutex && pm) {
        tl_target_begin(to, &tally, tl_bench_at_most_of(&mutex->generic, &pm->generic, 1.0));
        fprintf(to, "futex mutex uncontended <= 1.0x pthread-mutex: %.1f vs %.1f ns",
                mutex->generic.median, pm->generic.median);
        tl_target_ci(to, &mutex->generic, 1, 1, " ns");
        tl_target_ci(to, &pm->generic, 1, 1, " ns");
        fputc('\n', to);
    }
    /* The raw calls against the floor: half a floor of room over 1.1x for
     * each read-modify-write the kind's descriptor says a pair costs (1.6x
     * for one, 2.1x for MCS's two: an exchange in, a swap out). */
    for (size_t k = 0; k < b->nkinds; k++) {
        const tl_bench_kind *x = &b->kind[k];
        double limit = 1.1 + 0.5 * x->kind->rmws;
        if (!is_spin(x->kind) || !x->kind->rmws)
            continue;
        /* Judged on raw / floor taken slice by slice (bench_engine.c): a
         * raw figure and a floor timed minutes apart moved MCS's ratio
         * from 2.05x to 2.26x between two runs of the same code. */
        tl_target_verdict v = tl_target_begin(to, &tally, tl_bench_at_most(&x->raw_x_floor, limit));
        fprintf(to, "%s raw uncontended <= %.1fx the one-RMW floor: %.2fx", x->kind->name, limit,
                x->raw_x_floor.median);
        tl_target_ci(to, &x->raw_x_floor, 1, 2, "x");
        fputs(", the floor timed in turn with it", to);
        /* A miss beside the other library's lock of the same algorithm, as
         * far from its floor in the same run: the algorithm's cost here. */
        const tl_bench_peer_result *peer = peer_of(b, x->kind);
        if (v != TL_TARGET_MET && peer)
            fprintf(to, "\n        beside: %s, the same algorithm, in this run: %.2fx the floor "
                        "(and %s %.2fx, timed in the same rotation)",
                    peer->peer->raw.name, peer->x_floor[TL_PEER_THEIRS].median, x->kind->name,
                    peer->x_floor[TL_PEER_OURS].median);
        /* And, for a two-RMW kind, its shape with no lock at all: the
         * least any lock of two read-modify-writes pays in this body. */
        if (v != TL_TARGET_MET && x->kind->rmws == 2 && b->floor_two_rmw.median > 0)
            fprintf(to, "\n        and the round's two RMWs alone (exchange, the counter's "
                        "increment, compare-and-swap; no lock), in this run: %.2fx the floor",
                    b->floor_two_rmw.median / floor->median);
        fputc('\n', to);
    }
    /* The generic interface must cost (almost) nothing: within 1 ns of the
     * raw calls per uncontended pair, within 5% of them under contention;
     * both are paired within each repetition (bench_engine.c). A kind that
     * says why its generic calls cost more has that printed beside a miss. */
    for (size_t k = 0; k < b->nkinds; k++) {
        const tl_bench_kind *x = &b->kind[k];
        if (tl_lock_kind_is_broken(x->kind))
            continue;
        tl_target_verdict v = tl_target_begin(to, &tally, tl_bench_at_most(&x->overhead, 1.0));
        fprintf(to, "%s generic <= raw + 1.0 ns uncontended: %+.2f ns", x->kind->name,
                x->overhead.median);
        tl_target_ci(to, &x->overhead, 1, 2, " ns");
        if (v != TL_TARGET_MET && x->kind->iface_cost) {
            fprintf(to, "\n        why: %s", x->kind->iface_cost);
            if (call)
                fprintf(to, "; the call alone, in this run: %+.2f ns (%s, which does nothing "
                            "more)", call->overhead.median, call->kind->name);
        }
        fputc('\n', to);
        for (size_t tc = 0; tc < b->ntcounts; tc++) {
            const tl_bench_contended *c = &x->contended[tc];
            const tl_bench_figure *r = &c->ratio, *ctl = c->has_control ? &c->control : NULL;
            tl_target_verdict cv = tl_target_begin(
                to, &tally, tl_bench_ratio_at_most(r, TL_BENCH_CONTENDED_LIMIT, ctl));
            fprintf(to, "%s generic <= %.2fx raw contended, %u threads: %.3fx", x->kind->name,
                    TL_BENCH_CONTENDED_LIMIT, b->tcounts[tc], r->median);
            tl_target_ci(to, r, 1, 3, "x");
            tl_target_beside_control(to, r, TL_BENCH_CONTENDED_LIMIT, ctl);
            fputc('\n', to);
            if (ctl)
                print_control(to, x->kind, ctl);
            if (cv != TL_TARGET_MET)
                print_handovers(to, c);
        }
    }
    for (size_t tc = 0; tc < b->ntcounts; tc++) {
        if (b->tcounts[tc] != 2)
            continue;
        if (b->ttas_beside_libc)
            print_ttas_beside_libc(to, b, tc, &tally);
        for (size_t k = 0; k < b->nkinds; k++) {
            const tl_bench_kind *x = &b->kind[k];
            if (!(x->kind->flags & TL_KIND_FIFO) || tl_lock_kind_is_broken(x->kind))
                continue;
            const tl_bench_figure *j = &x->contended[tc].jain_each;
            tl_target_verdict v = tl_target_begin(to, &tally, tl_bench_at_least(j, 0.99));
            fprintf(to, "2 threads: %s fairness index >= 0.99: %.4f", x->kind->name, j->median);
            tl_target_ci(to, j, 1, 4, "");
            fputc('\n', to);
            if (v != TL_TARGET_MET)
                print_fifo_runs(to, &x->contended[tc]);
        }
    }
    tl_bench_peers_targets(to, b, &tally);
    tl_target_summary(to, &tally, b->repeat);
}

void tl_bench_print(FILE *to, const tl_bench *b)
{
    const tl_bench_kind *pm = find(b, "pthread-mutex");
    fprintf(to, "threadlab bench: %ld cores seen, threads %s, %.2f s per measurement, median "
                "of %u (min-max)\ncompiler: %s\n\n",
            b->cores, b->pinned ? "pinned" : "unpinned", b->seconds, b->repeat, TL_CC_VERSION);
    if (b->spin_yields_off)
        fprintf(to, "spin waits never yield (--spin-yields off; by default a waiter calls "
                    "sched_yield() after %d pauses, tl_spin.h)\n\n",
                (int)TL_SPIN_YIELD_AFTER);
    fputs("Floors, ns per operation\n", to);
    fputs("  plain store        ", to);
    figure(to, &b->floor_store);
    fputs("\n  atomic exchange    ", to);
    figure(to, &b->floor_exchange);
    fputs("   <- the one-RMW floor\n  atomic fetch_add   ", to);
    figure(to, &b->floor_fetch_add);
    fputs("\n  xchg, ++, cas      ", to);
    figure(to, &b->floor_two_rmw);
    fputs("   <- a two-RMW round, no lock (MCS's shape)", to);
    fputs("\n\nUncontended lock+unlock, a second thread alive and idle, ns per pair\n", to);
    fprintf(to, "%-15s %26s %26s %8s %10s %9s\n", "kind", "generic (min-max)", "raw (min-max)",
            "iface", "x pthread", "raw/floor");
    for (size_t k = 0; k < b->nkinds; k++) {
        const tl_bench_kind *x = &b->kind[k];
        fprintf(to, "%-15s", x->kind->name);
        figure(to, &x->generic);
        figure(to, &x->raw);
        fprintf(to, " %+7.2f ", x->overhead.median);
        ratio(to, x->generic.median, pm ? pm->generic.median : 0);
        /* raw over the floor timed in turn with it (bench_engine.c), the
         * figure the floor targets judge, not a floor timed minutes apart. */
        ratio(to, x->raw_x_floor.median, x->raw_x_floor.median > 0 ? 1.0 : 0);
        fputs(tl_lock_kind_is_broken(x->kind) ? "  BROKEN\n" : "\n", to);
    }
    for (size_t tc = 0; tc < b->ntcounts; tc++) {
        fprintf(to, "\nContended, %u threads, ns per acquisition (all threads together)\n",
                b->tcounts[tc]);
        fprintf(to, "%-15s %26s %26s %7s %10s %15s  %-8s %s\n", "kind",
                "generic ns/acq (min-max)", "raw ns/acq (min-max)", "x raw", "x pthread",
                "acq/hand-over", "Jain", "shares %");
        for (size_t k = 0; k < b->nkinds; k++) {
            const tl_bench_kind *x = &b->kind[k];
            const tl_bench_contended *c = &x->contended[tc];
            fprintf(to, "%-15s", x->kind->name);
            figure(to, &c->ns_per_acq);
            figure(to, &c->raw_ns_per_acq);
            fprintf(to, " %6.3fx", c->ratio.median);
            ratio(to, c->ns_per_acq.median, pm ? pm->contended[tc].ns_per_acq.median : 0);
            char runs[32];
            snprintf(runs, sizeof runs, "%.1f/%.1f", c->per_handover.median,
                     c->raw_per_handover.median);
            fprintf(to, " %15s", runs);
            fprintf(to, "  %.4f  ", c->jain);
            for (unsigned t = 0; t < c->threads && t < 8; t++)
                fprintf(to, "%s%.0f", t ? "/" : "", c->share[t]);
            fputs(c->threads > 8 ? "/...\n" : "\n", to);
        }
    }
    fputs("\nSemaphore (futex), ns\n  post+wait, one thread        ", to);
    figure(to, &b->sem_post_wait);
    fputs("\n  ping-pong round trip, 2 thr. ", to);
    figure(to, &b->sem_ping_pong);
    fputc('\n', to);
    tl_bench_peers_print(to, b);
    targets(to, b);
}

static json_t *figure_json(const tl_bench_figure *f)
{
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "median", f->median, "min", f->min, "max",
                     f->max, "ci_low", f->lo, "ci_high", f->hi, "ci_confidence", f->confidence);
}

json_t *tl_bench_json(const tl_bench *b)
{
    json_t *kinds = json_array();
    for (size_t k = 0; k < b->nkinds; k++) {
        const tl_bench_kind *x = &b->kind[k];
        json_t *contended = json_array();
        for (size_t tc = 0; tc < b->ntcounts; tc++) {
            const tl_bench_contended *c = &x->contended[tc];
            json_t *shares = json_array();
            for (unsigned t = 0; t < c->threads; t++)
                json_array_append_new(shares, json_real(c->share[t]));
            json_array_append_new(
                contended,
                json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:o}", "threads",
                          (int)c->threads, "ns_per_acquisition", figure_json(&c->ns_per_acq),
                          "raw_ns_per_acquisition", figure_json(&c->raw_ns_per_acq),
                          "generic_over_raw", figure_json(&c->ratio),
                          "acquisitions_per_handover", figure_json(&c->per_handover),
                          "raw_acquisitions_per_handover", figure_json(&c->raw_per_handover),
                          "control_raw_over_raw",
                          c->has_control ? figure_json(&c->control) : json_null(),
                          "shares_pct", shares,
                          "jain", c->jain, "jain_each_repetition",
                          figure_json(&c->jain_each)));
        }
        json_array_append_new(
            kinds, json_pack("{s:s, s:b, s:o, s:o, s:f, s:o, s:o}", "kind", x->kind->name, "broken",
                             tl_lock_kind_is_broken(x->kind), "uncontended_generic_ns",
                             figure_json(&x->generic), "uncontended_raw_ns",
                             figure_json(&x->raw), "interface_overhead_ns",
                             x->overhead.median, "raw_x_floor", figure_json(&x->raw_x_floor),
                             "contended", contended));
    }
    return json_pack("{s:s, s:i, s:b, s:f, s:i, s:b, s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o}, s:o, "
                     "s:o, s:o}",
                     "compiler", TL_CC_VERSION, "cores", (int)b->cores, "pinned", b->pinned,
                     "seconds", b->seconds, "repeat", (int)b->repeat, "spin_yields",
                     !b->spin_yields_off, "floors", "plain_store_ns",
                     figure_json(&b->floor_store), "atomic_exchange_ns",
                     figure_json(&b->floor_exchange), "atomic_fetch_add_ns",
                     figure_json(&b->floor_fetch_add), "two_rmw_round_ns",
                     figure_json(&b->floor_two_rmw), "semaphore", "post_wait_ns",
                     figure_json(&b->sem_post_wait), "ping_pong_round_trip_ns",
                     figure_json(&b->sem_ping_pong), "kinds", kinds, "peers",
                     tl_bench_peers_json(b), "ttas_beside_pthread_spin",
                     b->ttas_beside_libc ? tl_bench_pair_json(b, b->ttas_beside_libc)
                                         : json_null());
}
