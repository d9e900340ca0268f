/* SPDX-License-Identifier: MIT */
#include "bench_judge.h"

tl_target_verdict tl_bench_at_most(const tl_bench_figure *f, double limit)
{
    if (f->hi <= limit)
        return TL_TARGET_MET;
    return f->lo > limit ? TL_TARGET_NOT_MET : TL_TARGET_UNDECIDED;
}

tl_target_verdict tl_bench_at_least(const tl_bench_figure *f, double limit)
{
    if (f->lo >= limit)
        return TL_TARGET_MET;
    return f->hi < limit ? TL_TARGET_NOT_MET : TL_TARGET_UNDECIDED;
}

tl_target_verdict tl_bench_ratio_at_most(const tl_bench_figure *f, double limit,
                                         const tl_bench_figure *control)
{
    if (!control)
        return tl_bench_at_most(f, limit);
    /* Which side of a pair the better placement falls on is chance: the
     * control's distance from 1.0 counts in both directions. */
    double e_lo = 1.0, e_hi = 1.0;
    const double ends[] = {control->lo, control->hi, 1.0 / control->hi, 1.0 / control->lo};
    for (int i = 0; i < 4; i++) {
        e_lo = ends[i] < e_lo ? ends[i] : e_lo;
        e_hi = ends[i] > e_hi ? ends[i] : e_hi;
    }
    if (f->hi <= limit * e_lo)
        return TL_TARGET_MET;
    return f->lo > limit * e_hi ? TL_TARGET_NOT_MET : TL_TARGET_UNDECIDED;
}

void tl_target_beside_control(FILE *to, const tl_bench_figure *f, double limit,
                              const tl_bench_figure *control)
{
    if (!control)
        return;
    switch (tl_bench_ratio_at_most(f, limit, control)) {
    case TL_TARGET_MET:
        return;
    case TL_TARGET_UNDECIDED:
        fprintf(to, "; identical code reads %.3fx - %.3fx in this run (the control's "
                    "interval), so this run cannot tell which side of the limit the pair is on",
                control->lo, control->hi);
        return;
    case TL_TARGET_NOT_MET:
        fprintf(to, "; beyond what identical code reads in this run (%.3fx - %.3fx, the "
                    "control's interval)",
                control->lo, control->hi);
        return;
    }
}

tl_target_verdict tl_bench_at_most_of(const tl_bench_figure *a, const tl_bench_figure *b,
                                      double scale)
{
    if (a->hi <= scale * b->lo)
        return TL_TARGET_MET;
    return a->lo > scale * b->hi ? TL_TARGET_NOT_MET : TL_TARGET_UNDECIDED;
}

const char *tl_target_word(tl_target_verdict v)
{
    switch (v) {
    case TL_TARGET_MET: return "met";
    case TL_TARGET_NOT_MET: return "NOT MET";
    case TL_TARGET_UNDECIDED: return "undecided";
    }
    return "?";
}

tl_target_verdict tl_target_begin(FILE *to, tl_target_tally *t, tl_target_verdict v)
{
    t->n[v]++;
    fprintf(to, "  [%s] ", tl_target_word(v));
    return v;
}

void tl_target_ci(FILE *to, const tl_bench_figure *f, double scale, int decimals,
                  const char *unit)
{
    fprintf(to, " (%.0f%% CI %.*f%s - %.*f%s)", 100 * f->confidence, decimals, f->lo * scale, unit,
            decimals, f->hi * scale, unit);
}

void tl_target_summary(FILE *to, const tl_target_tally *t, unsigned repeat)
{
    fprintf(to, "  %u met, %u not met, %u undecided", t->n[TL_TARGET_MET],
            t->n[TL_TARGET_NOT_MET], t->n[TL_TARGET_UNDECIDED]);
    if (t->n[TL_TARGET_UNDECIDED])
        fprintf(to, " (the median's interval straddles the limit in %u repetitions: "
                    "more --repeat, or a quieter machine, decides them)",
                repeat);
    fputc('\n', to);
}
