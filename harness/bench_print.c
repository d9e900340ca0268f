/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "bench_peers.h"
#include "bench_print.h"
#include "config.h"

static const tl_bench_kind *find(const tl_bench *b, const char *name)
{
    for (size_t k = 0; k < b->nkinds; k++)
        if (strcmp(b->kind[k].kind->name, name) == 0)
            return &b->kind[k];
    return NULL;
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

/* The targets, each with its figures and met / not met. */
static void targets(FILE *to, const tl_bench *b)
{
    const tl_bench_kind *mutex = find(b, "mutex"), *pm = find(b, "pthread-mutex");
    const tl_bench_kind *ttas = find(b, "ttas"), *ps = find(b, "pthread-spin");
    double floor = b->floor_exchange.median;
    fputs("\nTargets\n", to);
    if (mutex && pm)
        fprintf(to, "  [%s] futex mutex uncontended <= 1.0x pthread-mutex: %.2fx\n",
                mutex->generic.median <= pm->generic.median ? "met" : "NOT MET",
                mutex->generic.median / pm->generic.median);
    /* The raw calls against the floor: one RMW per pair for most spinlocks,
     * two for MCS (an exchange to enqueue, a compare-and-swap to leave). */
    static const struct { const char *kind; double limit; } spins[] = {
        {"tas", 1.6}, {"ttas", 1.6}, {"ttas-eb", 1.6}, {"ticket", 1.6}, {"clh", 1.6}, {"mcs", 2.1},
    };
    for (size_t i = 0; i < sizeof spins / sizeof spins[0]; i++) {
        const tl_bench_kind *k = find(b, spins[i].kind);
        if (k)
            fprintf(to, "  [%s] %s raw uncontended <= %.1fx the one-RMW floor: %.2fx\n",
                    k->raw.median <= spins[i].limit * floor ? "met" : "NOT MET", spins[i].kind,
                    spins[i].limit, k->raw.median / floor);
    }
    for (size_t k = 0; k < b->nkinds; k++) {
        const tl_bench_kind *x = &b->kind[k];
        if (tl_lock_kind_is_broken(x->kind))
            continue;
        double over = x->generic.median - x->raw.median;
        fprintf(to, "  [%s] %s interface overhead <= 1.5 ns per pair: %+.2f ns\n",
                over <= 1.5 ? "met" : "NOT MET", x->kind->name, over);
    }
    for (size_t tc = 0; tc < b->ntcounts; tc++) {
        if (b->tcounts[tc] != 2)
            continue;
        if (ttas && ps)
            fprintf(to, "  [%s] 2 threads: ttas throughput >= pthread-spin: %.1f vs %.1f ns/acq\n",
                    ttas->contended[tc].ns_per_acq.median <= ps->contended[tc].ns_per_acq.median
                        ? "met"
                        : "NOT MET",
                    ttas->contended[tc].ns_per_acq.median, ps->contended[tc].ns_per_acq.median);
        static const char *const fifo[] = {"ticket", "mcs"};
        for (size_t i = 0; i < 2; i++) {
            const tl_bench_kind *k = find(b, fifo[i]);
            if (k)
                fprintf(to, "  [%s] 2 threads: %s fairness index >= 0.99: %.4f\n",
                        k->contended[tc].jain >= 0.99 ? "met" : "NOT MET", fifo[i],
                        k->contended[tc].jain);
        }
    }
    tl_bench_peers_targets(to, b);
}

void tl_bench_print(FILE *to, const tl_bench *b)
{
    const tl_bench_kind *pm = find(b, "pthread-mutex");
    double floor = b->floor_exchange.median;
    fprintf(to, "threadlab bench: %ld cores seen, threads %s, %.2f s per measurement, median "
                "of %u (min-max)\ncompiler: %s\n\n",
            b->cores, b->pinned ? "pinned" : "unpinned", b->seconds, b->repeat, TL_CC_VERSION);
    fputs("Floors, ns per operation\n", to);
    fputs("  plain store        ", to);
    figure(to, &b->floor_store);
    fputs("\n  atomic exchange    ", to);
    figure(to, &b->floor_exchange);
    fputs("   <- the one-RMW floor\n  atomic fetch_add   ", to);
    figure(to, &b->floor_fetch_add);
    fputs("\n\nUncontended lock+unlock, a second thread alive and idle, ns per pair\n", to);
    fprintf(to, "%-15s %26s %26s %8s %10s %9s\n", "kind", "generic (min-max)", "raw (min-max)",
            "iface", "x pthread", "x floor");
    for (size_t k = 0; k < b->nkinds; k++) {
        const tl_bench_kind *x = &b->kind[k];
        fprintf(to, "%-15s", x->kind->name);
        figure(to, &x->generic);
        figure(to, &x->raw);
        fprintf(to, " %+7.1f ", x->generic.median - x->raw.median);
        ratio(to, x->generic.median, pm ? pm->generic.median : 0);
        ratio(to, x->generic.median, floor);
        fputs(tl_lock_kind_is_broken(x->kind) ? "  BROKEN\n" : "\n", to);
    }
    for (size_t tc = 0; tc < b->ntcounts; tc++) {
        fprintf(to, "\nContended, %u threads, ns per acquisition (all threads together)\n",
                b->tcounts[tc]);
        fprintf(to, "%-15s %26s %10s %9s  %-8s %s\n", "kind", "ns/acq (min-max)", "x pthread",
                "x floor", "Jain", "shares %");
        for (size_t k = 0; k < b->nkinds; k++) {
            const tl_bench_kind *x = &b->kind[k];
            const tl_bench_contended *c = &x->contended[tc];
            fprintf(to, "%-15s", x->kind->name);
            figure(to, &c->ns_per_acq);
            ratio(to, c->ns_per_acq.median, pm ? pm->contended[tc].ns_per_acq.median : 0);
            ratio(to, c->ns_per_acq.median, floor);
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
    return json_pack("{s:f, s:f, s:f}", "median", f->median, "min", f->min, "max", f->max);
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
            json_array_append_new(contended,
                                  json_pack("{s:i, s:o, s:o, s:f}", "threads", (int)c->threads,
                                            "ns_per_acquisition", figure_json(&c->ns_per_acq),
                                            "shares_pct", shares, "jain", c->jain));
        }
        json_array_append_new(
            kinds, json_pack("{s:s, s:b, s:o, s:o, s:f, s:o}", "kind", x->kind->name, "broken",
                             tl_lock_kind_is_broken(x->kind), "uncontended_generic_ns",
                             figure_json(&x->generic), "uncontended_raw_ns",
                             figure_json(&x->raw), "interface_overhead_ns",
                             x->generic.median - x->raw.median, "contended", contended));
    }
    return json_pack("{s:s, s:i, s:b, s:f, s:i, s:{s:o, s:o, s:o}, s:{s:o, s:o}, s:o, s:o}",
                     "compiler", TL_CC_VERSION, "cores", (int)b->cores, "pinned", b->pinned,
                     "seconds", b->seconds, "repeat", (int)b->repeat, "floors", "plain_store_ns",
                     figure_json(&b->floor_store), "atomic_exchange_ns",
                     figure_json(&b->floor_exchange), "atomic_fetch_add_ns",
                     figure_json(&b->floor_fetch_add), "semaphore", "post_wait_ns",
                     figure_json(&b->sem_post_wait), "ping_pong_round_trip_ns",
                     figure_json(&b->sem_ping_pong), "kinds", kinds, "peers",
                     tl_bench_peers_json(b));
}
