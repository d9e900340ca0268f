/* SPDX-License-Identifier: MIT */
/* The peers as a table, their targets, and JSON. */
#include <math.h>
#include "config.h"
#include "bench_peers.h"

#ifndef TL_CK_VERSION
#define TL_CK_VERSION "-"
#endif

static void ratio_cell(FILE *to, const tl_bench_figure *f)
{
    fprintf(to, "  %5.2f (%4.2f-%4.2f)", f->median, f->min, f->max);
}

static void print_uncontended(FILE *to, const tl_bench *b)
{
    const struct tl_bench_peers *ps = b->peers;
    fputs("\nUncontended lock+unlock, ns per pair; x floor = / one exchange, timed in the same "
          "rotation\n",
          to);
    fprintf(to, "%-9s %-19s %9s %9s  %-18s %9s %9s\n", "threadlab", "CK", "threadlab", "CK",
            "ratio (min-max)", "tl x fl", "CK x fl");
    for (size_t i = 0; i < ps->n; i++) {
        const tl_bench_peer_result *p = &ps->r[i];
        fprintf(to, "%-9s %-19s", p->peer->kind, p->peer->raw.name);
        if (p->ours)
            fprintf(to, " %9.1f", p->uncontended[TL_PEER_OURS].median);
        else
            fprintf(to, " %9s", "-");
        fprintf(to, " %9.1f", p->uncontended[TL_PEER_THEIRS].median);
        if (p->ours) {
            ratio_cell(to, &p->uncontended_ratio);
            fprintf(to, " %8.2fx", p->x_floor[TL_PEER_OURS].median);
        } else {
            fprintf(to, "  %-18s %9s", "(no such kind yet)", "-");
        }
        fprintf(to, " %8.2fx\n", p->x_floor[TL_PEER_THEIRS].median);
    }
}

static void print_contended(FILE *to, const tl_bench *b, size_t tc)
{
    const struct tl_bench_peers *ps = b->peers;
    fprintf(to, "\nContended, %u threads, ns per acquisition; Jain index; run = acquisitions "
                "in a row by one thread\n",
            b->tcounts[tc]);
    fprintf(to, "%-9s %-19s %9s %9s  %-18s %6s %6s %9s %9s\n", "threadlab", "CK", "threadlab",
            "CK", "ratio (min-max)", "Jain", "Jain", "run", "run");
    fprintf(to, "%-9s %-19s %9s %9s  %-18s %6s %6s %9s %9s\n", "", "", "", "", "", "tl", "CK",
            "tl", "CK");
    for (size_t i = 0; i < ps->n; i++) {
        const tl_bench_peer_result *p = &ps->r[i];
        const tl_bench_peer_side *ours = &p->contended[tc].side[TL_PEER_OURS];
        const tl_bench_peer_side *theirs = &p->contended[tc].side[TL_PEER_THEIRS];
        fprintf(to, "%-9s %-19s", p->peer->kind, p->peer->raw.name);
        if (p->ours)
            fprintf(to, " %9.1f %9.1f", ours->ns_per_acq.median, theirs->ns_per_acq.median);
        else
            fprintf(to, " %9s %9.1f", "-", theirs->ns_per_acq.median);
        if (p->ours) {
            ratio_cell(to, &p->contended[tc].ratio);
            fprintf(to, " %6.3f %6.3f %9.0f %9.0f\n", ours->jain, theirs->jain,
                    ours->per_handover.median, theirs->per_handover.median);
        } else {
            fprintf(to, "  %-18s %6s %6.3f %9s %9.0f\n", "", "-", theirs->jain, "-",
                    theirs->per_handover.median);
        }
    }
}

/* The control pair: how far apart two identical locks come out here. */
static void print_control(FILE *to, const tl_bench *b)
{
    const struct tl_bench_peers *ps = b->peers;
    if (!ps->has_control)
        return;
    const tl_bench_peer_result *c = &ps->control;
    fprintf(to,
            "\nControl: %s against a copy of itself (the same code at another address,\n"
            "measured as each pair above): the ratio two identical locks show in this run\n",
            c->peer->raw.name);
    fprintf(to, "  %-18s", "uncontended");
    ratio_cell(to, &c->uncontended_ratio);
    fputc('\n', to);
    for (size_t tc = 0; tc < b->ntcounts; tc++) {
        char label[32];
        snprintf(label, sizeof label, "%u threads", b->tcounts[tc]);
        fprintf(to, "  %-18s", label);
        ratio_cell(to, &c->contended[tc].ratio);
        fputc('\n', to);
    }
}

void tl_bench_peers_print(FILE *to, const tl_bench *b)
{
    if (b->no_peers)
        return;
    const struct tl_bench_peers *ps = b->peers;
    if (!ps || !ps->found) {
        fputs("\nPeers: Concurrency Kit not found (install libck-dev and configure again); "
              "no peer figures\n",
              to);
        return;
    }
    fprintf(to,
            "\nPeers: Concurrency Kit %s beside the hand-built kinds, same algorithm, same run.\n"
            "Both called alike (an adaptor jumping to an out-of-line lock function); lock,\n"
            "data and each thread's node on 128-byte lines of their own; the two take turns\n"
            "in 20 ms slices; ratio = threadlab / CK within each repetition, median (min-max)\n",
            TL_CK_VERSION);
    if (ps->n == 0) {
        fputs("  (no selected kind has a peer)\n", to);
        return;
    }
    print_uncontended(to, b);
    for (size_t tc = 0; tc < b->ntcounts; tc++)
        print_contended(to, b, tc);
    print_control(to, b);
}

/* The targets for the peers: ours <= 1.0x theirs uncontended and
 * <= 1.05x contended, each with the measured ratio. */
/* The second look at a contended miss (bench_peers.c): with the yields and
 * without, measured in turns, and what the two intervals say. */
static void print_yields_look(FILE *to, const tl_bench_figure *with, const tl_bench_figure *without)
{
    fprintf(to, "        measured again, in turns, with its yields (a waiter's sched_yield "
                "every %u pauses, ttas-eb's every %u empty turns; tl_spin.h; CK's locks have "
                "none): %.3fx",
            (unsigned)TL_SPIN_YIELD_AFTER, (unsigned)TL_SPIN_YIELD_AFTER * TL_SPIN_TURNS_PER_PAUSE,
            with->median);
    tl_target_ci(to, with, 1, 3, "x");
    fprintf(to, "; without them: %.3fx", without->median);
    tl_target_ci(to, without, 1, 3, "x");
    if (without->hi < with->lo)
        fputs(": the yields cost it this much\n", to);
    else if (without->lo > with->hi)
        fputs(": slower without them\n", to);
    else
        fputs(": this run cannot tell them apart\n", to);
}

void tl_bench_pair_second_look(FILE *to, const tl_bench_peer_result *p, size_t tc)
{
    if (p->contended[tc].has_without_yields)
        print_yields_look(to, &p->contended[tc].again_with_yields,
                          &p->contended[tc].without_yields);
}

void tl_bench_peers_targets(FILE *to, const tl_bench *b, tl_target_tally *tally)
{
    const struct tl_bench_peers *ps = b->peers;
    if (b->no_peers || !ps || !ps->found)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        const tl_bench_peer_result *p = &ps->r[i];
        if (!p->ours) {
            const tl_bench_figure *f = &p->x_floor[TL_PEER_THEIRS];
            fprintf(to, "  [-] %s: no hand-built kind yet; %s raw is %.2fx (%.2f-%.2f) the "
                        "one-RMW floor\n",
                    p->peer->kind, p->peer->raw.name, f->median, f->min, f->max);
            continue;
        }
        const tl_bench_figure *u = &p->uncontended_ratio;
        const tl_bench_figure *uctl = ps->has_control ? &ps->control.uncontended_ratio : NULL;
        /* Three decimals: a median of 1.004 is not met, and "1.00x" would hide why. */
        tl_target_begin(to, tally, tl_bench_ratio_at_most(u, 1.0, uctl));
        fprintf(to, "%s uncontended <= 1.0x %s: %.3fx", p->peer->kind, p->peer->raw.name,
                u->median);
        tl_target_ci(to, u, 1, 3, "x");
        tl_target_beside_control(to, u, 1.0, uctl);
        fputc('\n', to);
        for (size_t tc = 0; tc < b->ntcounts; tc++) {
            const tl_bench_figure *c = &p->contended[tc].ratio;
            const tl_bench_figure *cctl = ps->has_control ? &ps->control.contended[tc].ratio : NULL;
            tl_target_begin(to, tally,
                            tl_bench_ratio_at_most(c, TL_BENCH_CONTENDED_LIMIT, cctl));
            fprintf(to, "%s %u threads <= %.2fx %s: %.3fx", p->peer->kind, b->tcounts[tc],
                    TL_BENCH_CONTENDED_LIMIT, p->peer->raw.name, c->median);
            tl_target_ci(to, c, 1, 3, "x");
            tl_target_beside_control(to, c, TL_BENCH_CONTENDED_LIMIT, cctl);
            fputc('\n', to);
            tl_bench_pair_second_look(to, p, tc);
        }
    }
    if (!ps->has_control)
        return;
    /* Not a target: the yardstick for the ones above. A pair whose ratio
     * lies within the control's spread cannot be told from a tie here. */
    const tl_bench_peer_result *ctl = &ps->control;
    fprintf(to, "  [control] %s against a copy of itself: uncontended %.3fx", ctl->peer->raw.name,
            ctl->uncontended_ratio.median);
    tl_target_ci(to, &ctl->uncontended_ratio, 1, 3, "x");
    for (size_t tc = 0; tc < b->ntcounts; tc++) {
        const tl_bench_figure *c = &ctl->contended[tc].ratio;
        fprintf(to, ", %u threads %.3fx", b->tcounts[tc], c->median);
        tl_target_ci(to, c, 1, 3, "x");
    }
    fputs(": identical code; the pairs above are judged beside these intervals "
          "(bench_judge.h)\n", to);
}

/* A number, or null where a figure could not be had (jansson refuses NaN
 * and infinity, and one refused member would drop the whole object). */
static json_t *number(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *figure_json(const tl_bench_figure *f)
{
    return json_pack("{s:o, s:o, s:o}", "median", number(f->median), "min", number(f->min), "max",
                     number(f->max));
}

static json_t *side_json(const tl_bench_peer_side *s, unsigned threads)
{
    json_t *shares = json_array();
    for (unsigned t = 0; t < threads; t++)
        json_array_append_new(shares, json_real(s->share[t]));
    return json_pack("{s:o, s:o, s:o, s:o}", "ns_per_acquisition", figure_json(&s->ns_per_acq),
                     "acquisitions_per_run", figure_json(&s->per_handover), "shares_pct",
                     shares, "jain", number(s->jain));
}

/* The control pair: the peer, its copy, and the paired ratios. */
static json_t *control_json(const tl_bench *b, const tl_bench_peer_result *c)
{
    json_t *contended = json_array();
    for (size_t tc = 0; tc < b->ntcounts; tc++)
        json_array_append_new(contended,
                              json_pack("{s:i, s:o}", "threads", (int)c->contended[tc].threads,
                                        "ratio", figure_json(&c->contended[tc].ratio)));
    return json_pack("{s:s, s:s, s:o, s:o}", "peer", c->peer->raw.name, "copy", c->ours->name,
                     "uncontended_ratio", figure_json(&c->uncontended_ratio), "contended",
                     contended);
}

json_t *tl_bench_pair_json(const tl_bench *b, const tl_bench_peer_result *p)
{
    json_t *contended = json_array();
    for (size_t tc = 0; tc < b->ntcounts; tc++) {
        unsigned threads = p->contended[tc].threads;
        json_array_append_new(
            contended,
            json_pack("{s:i, s:o, s:o, s:o, s:o, s:o}", "threads", (int)threads, "threadlab",
                      p->ours ? side_json(&p->contended[tc].side[TL_PEER_OURS], threads)
                              : json_null(),
                      "peer", side_json(&p->contended[tc].side[TL_PEER_THEIRS], threads),
                      "ratio", p->ours ? figure_json(&p->contended[tc].ratio) : json_null(),
                      /* null unless the ratio missed its target (bench_peers.c) */
                      "ratio_again_with_yields",
                      p->contended[tc].has_without_yields
                          ? figure_json(&p->contended[tc].again_with_yields)
                          : json_null(),
                      "ratio_without_yields",
                      p->contended[tc].has_without_yields
                          ? figure_json(&p->contended[tc].without_yields)
                          : json_null()));
    }
    return json_pack("{s:s, s:s, s:s, s:b, s:{s:o, s:o}, s:o, s:{s:o, s:o}, s:o}", "kind",
                  p->peer->kind, "peer", p->peer->raw.name, "about", p->peer->about,
                  "hand_built", p->ours != NULL, "uncontended_ns", "threadlab",
                  p->ours ? figure_json(&p->uncontended[TL_PEER_OURS]) : json_null(),
                  "peer", figure_json(&p->uncontended[TL_PEER_THEIRS]),
                  "uncontended_ratio", p->ours ? figure_json(&p->uncontended_ratio)
                                               : json_null(),
                  "uncontended_x_floor", "threadlab",
                  p->ours ? figure_json(&p->x_floor[TL_PEER_OURS]) : json_null(), "peer",
                  figure_json(&p->x_floor[TL_PEER_THEIRS]), "contended", contended);
}

json_t *tl_bench_peers_json(const tl_bench *b)
{
    const struct tl_bench_peers *ps = b->peers;
    bool found = ps ? ps->found : tl_bench_ck_found();
    json_t *pairs = json_array();
    for (size_t i = 0; ps && i < ps->n; i++)
        json_array_append_new(pairs, tl_bench_pair_json(b, &ps->r[i]));
    return json_pack("{s:s, s:s, s:b, s:b, s:o, s:o}", "library", "Concurrency Kit", "version",
                     found ? TL_CK_VERSION : "", "found", found, "measured",
                     !b->no_peers && ps != NULL, "pairs", pairs, "control",
                     ps && ps->has_control ? control_json(b, &ps->control) : json_null());
}
