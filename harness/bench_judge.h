/* SPDX-License-Identifier: MIT */
/* How `threadlab bench` judges a target. A median of a few repetitions on a
 * shared machine moves by more than some targets' margins (a contended
 * ratio's repetitions scatter 10 - 40 % here), so a target is judged on the
 * median's confidence interval (tl_bench_figure's lo..hi), not on the median
 * alone:
 *   met        the whole interval keeps the target;
 *   NOT MET    the whole interval misses it;
 *   undecided  the interval straddles the limit: this run cannot tell, and
 *              says so, rather than flipping between met and not met from
 *              one run to the next. More repetitions narrow the interval;
 *              a quieter machine narrows the scatter.
 * A target comparing two figures (a kind against another, against a
 * multiple of the floor) is met when the two intervals do not overlap in
 * the target's favour, missed when they do not overlap against it. */
#ifndef TL_BENCH_JUDGE_H
#define TL_BENCH_JUDGE_H

#include <stdio.h>
#include "bench_engine.h"

typedef enum { TL_TARGET_MET, TL_TARGET_NOT_MET, TL_TARGET_UNDECIDED } tl_target_verdict;

/* The contended targets' limit: a ratio of ns per acquisition (generic over
 * raw, a hand-built kind over its peer) at most this. */
#define TL_BENCH_CONTENDED_LIMIT 1.05

/* f <= limit, and f >= limit. */
tl_target_verdict tl_bench_at_most(const tl_bench_figure *f, double limit);
tl_target_verdict tl_bench_at_least(const tl_bench_figure *f, double limit);
/* f <= limit, for f a paired ratio of two locks whose control - the same
 * pairing of one lock against an identical copy of itself - read `control`
 * in the same run. Identical code reads anywhere in the control's interval
 * here (code placement, which side of a pair runs first), and which side
 * of another pair the better placement falls on is chance, so the band of
 * what identical code may read is the control's interval, its mirror image
 * (1/hi .. 1/lo) and 1.0. f is judged as f / e for every e in that band:
 * met only when met for every such e, NOT MET only when missed for every
 * such e. So the control never makes a verdict easier, only widens the
 * band of undecided. NULL control: tl_bench_at_most. */
tl_target_verdict tl_bench_ratio_at_most(const tl_bench_figure *f, double limit,
                                         const tl_bench_figure *control);
/* After a target judged beside a control and not met, what the control
 * says: undecided, "; identical code reads lo - hi in this run (the
 * control's interval), so this run cannot tell ..." - the measured reason
 * this run cannot decide it; NOT MET, that the miss lies beyond that
 * interval. Nothing when met or without a control. */
void tl_target_beside_control(FILE *to, const tl_bench_figure *f, double limit,
                              const tl_bench_figure *control);
/* a <= scale * b, both measured. */
tl_target_verdict tl_bench_at_most_of(const tl_bench_figure *a, const tl_bench_figure *b,
                                      double scale);

/* The word between the brackets: "met", "NOT MET", "undecided". */
const char *tl_target_word(tl_target_verdict v);

/* Counts verdicts as they are printed, for the closing line. */
typedef struct {
    unsigned n[3];
} tl_target_tally;

/* Prints "  [word] " to `to`, counts the verdict, returns it. */
tl_target_verdict tl_target_begin(FILE *to, tl_target_tally *t, tl_target_verdict v);
/* Prints " (94% CI lo - hi)", lo and hi times `scale`, with `decimals`
 * and `unit` after each ("x", " ns"). */
void tl_target_ci(FILE *to, const tl_bench_figure *f, double scale, int decimals,
                  const char *unit);
/* The closing line: how many met, not met, undecided, and what decides the
 * undecided ones. */
void tl_target_summary(FILE *to, const tl_target_tally *t, unsigned repeat);

#endif
