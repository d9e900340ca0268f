/* SPDX-License-Identifier: MIT */
/* threadlab bench, smoke only: every kind runs and the JSON has every field.
 * No timing is asserted: speed goals are reported by `threadlab bench`, not
 * tested on a machine that may be busy. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_engine.h"
#include "bench_judge.h"
#include "bench_peers.h"
#include "bench_print.h"
#include "tl_spin.h"
#include "cli.h"
#include "harness_suites.h"

static void assert_figure(json_t *f, const char *what)
{
    ck_assert_msg(json_is_object(f), "%s missing", what);
    double med = json_real_value(json_object_get(f, "median"));
    double min = json_real_value(json_object_get(f, "min"));
    double max = json_real_value(json_object_get(f, "max"));
    ck_assert_msg(min > 0 && min <= med && med <= max, "%s: min %g median %g max %g", what, min,
                  med, max);
}

static void assert_peers(json_t *peers);

/* A figure of five repetitions all at v: its interval is v..v. */
static tl_bench_figure flat(double v)
{
    double r[] = {v, v, v, v, v};
    return tl_bench_summarise(r, 5);
}

START_TEST(test_every_kind_runs_and_json_has_every_field)
{
    static tl_bench b;
    b.nkinds = (size_t)tl_cli_parse_kinds("--lock", "correct", b.kinds, TL_BENCH_MAX_KINDS);
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.seconds = 0.05;
    b.repeat = 1;
    b.peers_unmatched = true;
    tl_bench_run(&b);

    char path[] = "/tmp/threadlab-bench-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    json_t *doc = tl_bench_json(&b);
    ck_assert_int_eq(json_dump_file(doc, path, 0), 0);
    json_decref(doc);
    json_error_t err;
    doc = json_load_file(path, 0, &err);
    unlink(path);
    ck_assert_msg(doc, "JSON does not parse: %s", err.text);

    ck_assert_int_ge(json_integer_value(json_object_get(doc, "cores")), 1);
    ck_assert(json_is_string(json_object_get(doc, "compiler")));
    json_t *floors = json_object_get(doc, "floors");
    assert_figure(json_object_get(floors, "plain_store_ns"), "plain store");
    assert_figure(json_object_get(floors, "atomic_exchange_ns"), "exchange");
    assert_figure(json_object_get(floors, "atomic_fetch_add_ns"), "fetch_add");
    assert_figure(json_object_get(floors, "two_rmw_round_ns"), "two-RMW round");
    json_t *sem = json_object_get(doc, "semaphore");
    assert_figure(json_object_get(sem, "post_wait_ns"), "sem post+wait");
    assert_figure(json_object_get(sem, "ping_pong_round_trip_ns"), "sem ping-pong");

    json_t *kinds = json_object_get(doc, "kinds"), *k;
    ck_assert_uint_eq(json_array_size(kinds), b.nkinds);
    size_t i;
    json_array_foreach(kinds, i, k) {
        const char *name = json_string_value(json_object_get(k, "kind"));
        assert_figure(json_object_get(k, "uncontended_generic_ns"), name);
        assert_figure(json_object_get(k, "uncontended_raw_ns"), name);
        ck_assert(json_is_real(json_object_get(k, "interface_overhead_ns")));
        /* No lock's raw pair is cheaper than half an exchange, on any machine. */
        assert_figure(json_object_get(k, "raw_x_floor"), name);
        ck_assert_double_gt(json_real_value(json_object_get(json_object_get(k, "raw_x_floor"),
                                                            "median")),
                            0.5);
        json_t *c = json_array_get(json_object_get(k, "contended"), 0);
        ck_assert_int_eq(json_integer_value(json_object_get(c, "threads")), 2);
        assert_figure(json_object_get(c, "ns_per_acquisition"), name);
        assert_figure(json_object_get(c, "raw_ns_per_acquisition"), name);
        assert_figure(json_object_get(c, "generic_over_raw"), name);
        assert_figure(json_object_get(c, "acquisitions_per_handover"), name);
        assert_figure(json_object_get(c, "raw_acquisitions_per_handover"), name);
        /* The control is there exactly when the ratio alone missed the limit. */
        json_t *ctl = json_object_get(c, "control_raw_over_raw");
        ck_assert_msg(ctl, "%s: no control_raw_over_raw", name);
        bool kept = json_real_value(json_object_get(json_object_get(c, "generic_over_raw"),
                                                    "ci_high")) <= TL_BENCH_CONTENDED_LIMIT;
        ck_assert_msg(json_is_null(ctl) == kept, "%s: control %s with the ratio %s", name,
                      json_is_null(ctl) ? "missing" : "measured", kept ? "met" : "not met");
        if (!kept)
            assert_figure(ctl, name);
        /* No side hands over more often than it acquires. */
        ck_assert_double_ge(json_real_value(json_object_get(
                                json_object_get(c, "acquisitions_per_handover"), "min")),
                            1.0);
        json_t *shares = json_object_get(c, "shares_pct");
        ck_assert_uint_eq(json_array_size(shares), 2);
        double sum = json_real_value(json_array_get(shares, 0)) +
                     json_real_value(json_array_get(shares, 1));
        ck_assert_msg(sum > 99.9 && sum < 100.1, "%s: shares add up to %g", name, sum);
        double jain = json_real_value(json_object_get(c, "jain"));
        ck_assert_msg(jain >= 0.5 && jain <= 1.0, "%s: Jain index %g", name, jain);
    }
    assert_peers(json_object_get(doc, "peers"));
    /* "correct" selects ttas and pthread-spin: the pair was measured. */
    json_t *pair = json_object_get(doc, "ttas_beside_pthread_spin");
    ck_assert_msg(json_is_object(pair), "no ttas_beside_pthread_spin");
    ck_assert_str_eq(json_string_value(json_object_get(pair, "kind")), "ttas");
    ck_assert_str_eq(json_string_value(json_object_get(pair, "peer")), "pthread_spin_lock");
    json_t *pc = json_array_get(json_object_get(pair, "contended"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(pc, "threads")), 2);
    ck_assert_double_gt(json_real_value(json_object_get(json_object_get(pc, "ratio"), "median")),
                        0.0);
    json_decref(doc);

    /* The table names every peer, and the targets judge every pair. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    for (size_t p = 0; p < tl_bench_ck_peer_count(); p++) {
        const tl_bench_peer *peer = tl_bench_ck_peer_at(p);
        char target[128];
        snprintf(target, sizeof target, "%s uncontended <= 1.0x %s: ", peer->kind,
                 peer->raw.name);
        ck_assert_msg(strstr(text, peer->raw.name), "%s missing:\n%s", peer->raw.name, text);
        if (tl_lock_kind_find(peer->kind))
            ck_assert_msg(strstr(text, target), "'%s' missing:\n%s", target, text);
    }
    if (tl_bench_ck_found()) {
        ck_assert_msg(strstr(text, "Control: ck_spinlock_cas against a copy of itself"),
                      "no control table:\n%s", text);
        ck_assert_msg(strstr(text, "[control] ck_spinlock_cas against a copy of itself: "
                                   "uncontended "),
                      "no control line in the targets:\n%s", text);
    } else {
        ck_assert_msg(!strstr(text, "Control:"), "a control without CK:\n%s", text);
    }
    free(text);
}
END_TEST

/* One side of a contended peer figure. */
static void assert_peer_side(json_t *side, const char *what)
{
    assert_figure(json_object_get(side, "ns_per_acquisition"), what);
    assert_figure(json_object_get(side, "acquisitions_per_run"), what);
    ck_assert_msg(json_real_value(json_object_get(json_object_get(side, "acquisitions_per_run"),
                                                  "min")) >= 1.0,
                  "%s: fewer than one acquisition per run", what);
    ck_assert_uint_eq(json_array_size(json_object_get(side, "shares_pct")), 2);
    double jain = json_real_value(json_object_get(side, "jain"));
    ck_assert_msg(jain >= 0.5 && jain <= 1.0, "%s: Jain index %g", what, jain);
}

/* The peers: found as configure found them; with Concurrency Kit, every
 * pair has both sides' figures (or CK's alone for a kind not built yet). */
static void assert_peers(json_t *peers)
{
    ck_assert_msg(json_is_object(peers), "no peers object");
    ck_assert_str_eq(json_string_value(json_object_get(peers, "library")), "Concurrency Kit");
    ck_assert(json_is_true(json_object_get(peers, "found")) == tl_bench_ck_found());
    json_t *pairs = json_object_get(peers, "pairs"), *p;
    json_t *control = json_object_get(peers, "control");
    if (!tl_bench_ck_found()) {
        ck_assert_uint_eq(json_array_size(pairs), 0);
        ck_assert(json_is_null(control));
        return;
    }
    /* The control: CK's cas against a copy of itself, paired as the pairs. */
    ck_assert_str_eq(json_string_value(json_object_get(control, "peer")), "ck_spinlock_cas");
    ck_assert_str_eq(json_string_value(json_object_get(control, "copy")),
                     "ck_spinlock_cas (copy)");
    assert_figure(json_object_get(control, "uncontended_ratio"), "control uncontended");
    json_t *cc = json_array_get(json_object_get(control, "contended"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(cc, "threads")), 2);
    assert_figure(json_object_get(cc, "ratio"), "control contended");
    ck_assert_uint_eq(json_array_size(pairs), tl_bench_ck_peer_count());
    size_t i;
    json_array_foreach(pairs, i, p) {
        const char *peer = json_string_value(json_object_get(p, "peer"));
        ck_assert_msg(peer && strncmp(peer, "ck_spinlock_", 12) == 0, "peer %s", peer);
        bool ours = json_is_true(json_object_get(p, "hand_built"));
        ck_assert(ours == (tl_lock_kind_find(json_string_value(json_object_get(p, "kind"))) != NULL));
        json_t *u = json_object_get(p, "uncontended_ns");
        json_t *fl = json_object_get(p, "uncontended_x_floor");
        assert_figure(json_object_get(u, "peer"), peer);
        assert_figure(json_object_get(fl, "peer"), peer);
        json_t *c = json_array_get(json_object_get(p, "contended"), 0);
        ck_assert_int_eq(json_integer_value(json_object_get(c, "threads")), 2);
        assert_peer_side(json_object_get(c, "peer"), peer);
        if (ours) {
            assert_figure(json_object_get(u, "threadlab"), peer);
            assert_figure(json_object_get(fl, "threadlab"), peer);
            assert_figure(json_object_get(p, "uncontended_ratio"), peer);
            assert_peer_side(json_object_get(c, "threadlab"), peer);
            assert_figure(json_object_get(c, "ratio"), peer);
            json_t *w = json_object_get(c, "ratio_without_yields");
            json_t *again = json_object_get(c, "ratio_again_with_yields");
            ck_assert_msg(w && (json_is_null(w) || json_is_object(w)),
                          "%s: ratio_without_yields missing", peer);
            ck_assert_msg(again && json_is_null(again) == json_is_null(w),
                          "%s: ratio_again_with_yields missing, or not beside the other", peer);
            if (!json_is_null(w)) {
                assert_figure(w, peer);
                assert_figure(again, peer);
            }
        } else {
            ck_assert(json_is_null(json_object_get(u, "threadlab")));
        }
    }
}

/* Every peer and every hand-built raw adaptor keeps its critical sections
 * apart, with more threads than cores too (the wrappers are code of ours). */
START_TEST(test_peer_raw_calls_exclude)
{
    static const char *const kinds[] = {"tas", "ttas", "ttas-eb", "ticket", "mcs", "clh"};
    double ns, run, share[TL_BENCH_MAX_THREADS];
    bool pinned = true;
    for (unsigned threads = 2; threads <= 3; threads++) {
        for (size_t i = 0; i < tl_bench_ck_peer_count(); i++) {
            const tl_bench_raw *raw = &tl_bench_ck_peer_at(i)->raw;
            ck_assert_msg(tl_bench_raw_contended(raw, threads, 0.03, 2, &ns, &run, share, &pinned),
                          "%s: critical sections overlapped", raw->name);
            ck_assert_msg(run >= 1.0, "%s: run %g", raw->name, run);
        }
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
            const tl_bench_raw *raw = tl_bench_handbuilt_raw(kinds[i]);
            if (!raw)
                continue; /* not built yet (clh) */
            ck_assert_msg(tl_bench_raw_contended(raw, threads, 0.03, 2, &ns, &run, share, &pinned),
                          "%s: critical sections overlapped", raw->name);
        }
    }
    ck_assert_ptr_nonnull(tl_bench_handbuilt_raw("ttas-eb"));
    ck_assert_ptr_null(tl_bench_handbuilt_raw("pthread-mutex"));
}
END_TEST

/* A raw kind that misses its floor target is printed with the peer of the
 * same algorithm as far from its floor in the same run; a kind that meets
 * it, or has no peer, is not. */
START_TEST(test_floor_miss_is_set_beside_the_peer)
{
    static tl_bench b;
    static struct tl_bench_peers peers;
    static const tl_bench_peer ck_mcs = {{"ck_spinlock_mcs", NULL, NULL, NULL, NULL},
                                         "mcs", "made up"};
    b.kinds[0] = tl_lock_kind_find("mcs");
    b.kinds[1] = tl_lock_kind_find("ticket");
    b.nkinds = 2;
    b.repeat = 5;
    b.floor_exchange = flat(5.0);
    b.floor_two_rmw = flat(10.75);
    const double raw[] = {11.0, 20.0}; /* 2.2x: over mcs's 2.1; 4x: over ticket's 1.6 */
    for (size_t k = 0; k < b.nkinds; k++) {
        b.kind[k].kind = b.kinds[k];
        b.kind[k].raw = flat(raw[k]);
        b.kind[k].raw_x_floor = flat(raw[k] / 5.0);
        b.kind[k].generic = flat(raw[k]);
        b.kind[k].overhead = flat(0);
    }
    peers.found = true;
    peers.n = 1;
    peers.r[0].peer = &ck_mcs;
    peers.r[0].ours = &ck_mcs.raw; /* any: the pair has a hand-built side */
    peers.r[0].x_floor[TL_PEER_THEIRS] = flat(2.05);
    peers.r[0].x_floor[TL_PEER_OURS] = flat(2.07);
    b.peers = &peers;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    ck_assert_msg(strstr(text, "[NOT MET] mcs raw uncontended <= 2.1x the one-RMW floor: 2.20x"),
                  "%s", text);
    ck_assert_msg(strstr(text, "\n        beside: ck_spinlock_mcs, the same algorithm, in this "
                               "run: 2.05x the floor (and mcs 2.07x, timed in the same "
                               "rotation)\n"),
                  "no peer beside the miss:\n%s", text);
    ck_assert_msg(strstr(text, "rotation)\n        and the round's two RMWs alone (exchange, the "
                               "counter's increment, compare-and-swap; no lock), in this run: "
                               "2.15x the floor\n"),
                  "no two-RMW round beside the miss:\n%s", text);
    /* ticket has one RMW: no such line under its miss. */
    ck_assert_msg(!strstr(strstr(text, "two RMWs alone") + 1, "two RMWs alone"), "%s", text);
    ck_assert_msg(strstr(text, "[NOT MET] ticket raw uncontended"), "%s", text);
    ck_assert_msg(!strstr(strstr(text, "beside:") + 1, "beside:"), "a second beside:\n%s", text);
    free(text);
}
END_TEST

/* A pair that misses its contended target is measured again with the spin
 * kinds' yields off, and only then; the switch is put back after. Made to
 * miss: "ours" is a TAS lock whose critical section spins 200 pauses more,
 * against the same TAS lock without them (over 100x apart, whatever the
 * machine does). Each side records the largest tl__spin_yield_after it saw. */
static unsigned yield_after_seen;
static void slow_tas_init(void *lock) { tl_spin_tas_init(lock); }
static void slow_tas_lock(void *lock, void *ctx)
{
    (void)ctx;
    tl_spin_tas_lock(lock);
    if (tl__spin_yield_after > yield_after_seen) /* under the lock: one writer */
        yield_after_seen = tl__spin_yield_after;
    for (int i = 0; i < 200; i++)
        tl_cpu_relax();
}
static void fast_tas_lock(void *lock, void *ctx)
{
    (void)ctx;
    tl_spin_tas_lock(lock);
}
static void tas_unlock(void *lock, void *ctx)
{
    (void)ctx;
    tl_spin_tas_unlock(lock);
}

START_TEST(test_missed_pair_is_measured_again_without_yields)
{
    static const tl_bench_raw slow = {"slow tas", slow_tas_init, NULL, slow_tas_lock, tas_unlock};
    static const tl_bench_peer fast = {{"fast tas", slow_tas_init, NULL, fast_tas_lock,
                                        tas_unlock},
                                       "tas", "the same lock, no extra work"};
    static tl_bench b;
    static tl_bench_peer_result p;
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.seconds = 0.02;
    b.repeat = 5;
    b.cores = sysconf(_SC_NPROCESSORS_ONLN);
    tl_bench_peer_measure(&b, &fast, &slow, &p);
    ck_assert_msg(p.contended[0].ratio.median > 2, "ratio %g", p.contended[0].ratio.median);
    ck_assert(p.contended[0].has_without_yields);
    ck_assert_msg(p.contended[0].without_yields.median > 2, "without yields %g",
                  p.contended[0].without_yields.median);
    ck_assert_msg(p.contended[0].again_with_yields.median > 2, "again with yields %g",
                  p.contended[0].again_with_yields.median);
    ck_assert_uint_eq(yield_after_seen, UINT_MAX); /* the second measurement had them off */
    ck_assert_uint_eq(tl__spin_yield_after, TL_SPIN_YIELD_AFTER); /* and put back */

    /* The same lock on both sides: no miss to explain, so no second look
     * unless this run's ratio missed 1.05 (then the figure must be there). */
    tl_bench_peer_measure(&b, &fast, &fast.raw, &p);
    ck_assert(p.contended[0].has_without_yields ==
              (tl_bench_at_most(&p.contended[0].ratio, 1.05) != TL_TARGET_MET));
}
END_TEST

/* The second look prints both halves, and what their intervals say. */
static char *print_yields_look(double with, double without)
{
    static tl_bench b;
    static struct tl_bench_peers peers;
    static const tl_bench_peer ck = {{"ck_spinlock_cas_eb", NULL, NULL, NULL, NULL}, "ttas-eb",
                                     "made up"};
    memset(&peers, 0, sizeof peers);
    b.kinds[0] = tl_lock_kind_find("ttas-eb");
    b.nkinds = 1;
    b.kind[0].kind = b.kinds[0];
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.repeat = 5;
    peers.found = true;
    peers.n = 1;
    peers.r[0].peer = &ck;
    peers.r[0].ours = &ck.raw;
    peers.r[0].uncontended_ratio = flat(1.0);
    peers.r[0].contended[0].threads = 2;
    peers.r[0].contended[0].ratio = flat(1.5);
    peers.r[0].contended[0].has_without_yields = true;
    peers.r[0].contended[0].again_with_yields = flat(with);
    peers.r[0].contended[0].without_yields = flat(without);
    b.peers = &peers;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    return text;
}

START_TEST(test_yields_look_says_what_the_turns_tell)
{
    char *text = print_yields_look(1.5, 1.0);
    ck_assert_msg(strstr(text, "[NOT MET] ttas-eb 2 threads <= 1.05x ck_spinlock_cas_eb: 1.500x"),
                  "%s", text);
    ck_assert_msg(strstr(text, "\n        measured again, in turns, with its yields (a "
                               "waiter's sched_yield every 2048 pauses, ttas-eb's every 131072 empty "
                               "turns; tl_spin.h; CK's locks have "
                               "none): 1.500x (94% CI 1.500x - 1.500x); without them: 1.000x "
                               "(94% CI 1.000x - 1.000x): the yields cost it this much\n"),
                  "%s", text);
    free(text);
    text = print_yields_look(1.5, 1.5);
    ck_assert_msg(strstr(text, "without them: 1.500x (94% CI 1.500x - 1.500x): this run cannot "
                               "tell them apart\n"),
                  "%s", text);
    free(text);
    text = print_yields_look(1.2, 1.5);
    ck_assert_msg(strstr(text, ": slower without them\n"), "%s", text);
    free(text);
}
END_TEST

/* A pair is judged beside the control (identical code paired the same
 * way): a miss or a meeting smaller than the control's interval is
 * undecided, and the line says why; one beyond it keeps its verdict. */
static char *print_beside_control(double uncontended, double control_lo, double control_hi)
{
    static tl_bench b;
    static struct tl_bench_peers peers;
    static const tl_bench_peer ck = {{"ck_spinlock_cas", NULL, NULL, NULL, NULL}, "ttas",
                                     "made up"};
    static const tl_bench_peer copy = {{"ck_spinlock_cas", NULL, NULL, NULL, NULL}, "control",
                                       "made up"};
    memset(&b, 0, sizeof b);
    memset(&peers, 0, sizeof peers);
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.repeat = 5;
    peers.found = true;
    peers.n = 1;
    peers.r[0].peer = &ck;
    peers.r[0].ours = &ck.raw;
    peers.r[0].uncontended_ratio = flat(uncontended);
    peers.r[0].contended[0].threads = 2;
    peers.r[0].contended[0].ratio = flat(1.0);
    peers.has_control = true;
    peers.control.peer = &copy;
    peers.control.ours = &copy.raw;
    double ctl[] = {control_lo, control_lo, 1.0, control_hi, control_hi};
    peers.control.uncontended_ratio = tl_bench_summarise(ctl, 5);
    peers.control.contended[0].ratio = flat(1.0);
    b.peers = &peers;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_target_tally tally = {{0}};
    tl_bench_peers_targets(f, &b, &tally);
    fclose(f);
    return text;
}

/* ttas beside glibc's spinlock: measured only when both are selected, and
 * judged as a pair (<= 1.0x), beside the peers' control when there is one. */
static char *print_ttas_beside_libc(double ratio, bool with_control)
{
    static tl_bench b;
    static struct tl_bench_peers peers;
    static tl_bench_peer_result pair;
    memset(&b, 0, sizeof b);
    memset(&peers, 0, sizeof peers);
    memset(&pair, 0, sizeof pair);
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.repeat = 5;
    b.no_peers = !with_control;
    pair.peer = tl_bench_libc_spin_peer();
    pair.ours = tl_bench_handbuilt_raw("ttas");
    pair.contended[0].threads = 2;
    pair.contended[0].ratio = flat(ratio);
    pair.contended[0].side[TL_PEER_OURS].ns_per_acq = flat(30.0 * ratio);
    pair.contended[0].side[TL_PEER_THEIRS].ns_per_acq = flat(30.0);
    pair.contended[0].side[TL_PEER_OURS].per_handover = flat(12.0);
    pair.contended[0].side[TL_PEER_THEIRS].per_handover = flat(10.0);
    b.ttas_beside_libc = &pair;
    if (with_control) {
        peers.found = true;
        peers.has_control = true;
        static const tl_bench_peer copy = {{"ck_spinlock_cas", NULL, NULL, NULL, NULL}, "control",
                                           "made up"};
        peers.control.peer = &copy;
        peers.control.ours = &copy.raw;
        peers.control.uncontended_ratio = flat(1.0);
        double ctl[] = {0.90, 0.90, 1.0, 1.06, 1.06};
        peers.control.contended[0].ratio = tl_bench_summarise(ctl, 5);
        b.peers = &peers;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    return text;
}

START_TEST(test_ttas_beside_libc_is_a_pair)
{
    char *text = print_ttas_beside_libc(0.9, false);
    ck_assert_msg(strstr(text, "[met] 2 threads: ttas throughput >= pthread-spin, as a pair: "
                               "ttas / pthread_spin_lock 0.900x (94% CI 0.900x - 0.900x)\n"
                               "        ns/acq 27.0 vs 30.0; acquisitions per hand-over 12.0 "
                               "vs 10.0\n"),
                  "%s", text);
    free(text);
    text = print_ttas_beside_libc(1.04, false);
    ck_assert_msg(strstr(text, "[NOT MET] 2 threads: ttas throughput >= pthread-spin, as a pair: "
                               "ttas / pthread_spin_lock 1.040x"),
                  "%s", text);
    free(text);
    /* Identical code read 0.90x - 1.06x: 1.04x cannot be told from a tie. */
    text = print_ttas_beside_libc(1.04, true);
    ck_assert_msg(strstr(text, "[undecided] 2 threads: ttas throughput >= pthread-spin, as a pair: "
                               "ttas / pthread_spin_lock 1.040x (94% CI 1.040x - 1.040x); "
                               "identical code reads 0.900x - 1.060x in this run"),
                  "%s", text);
    free(text);

    /* Not measured unless both kinds are selected. */
    static tl_bench b;
    memset(&b, 0, sizeof b);
    b.kinds[0] = tl_lock_kind_find("ttas");
    b.nkinds = 1;
    b.kind[0].kind = b.kinds[0];
    b.no_peers = true;
    b.ttas_beside_libc = (void *)&b; /* must be cleared */
    tl_bench_libc_pair_run(&b);
    ck_assert_ptr_null(b.ttas_beside_libc);
    text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    ck_assert_msg(!strstr(text, "pthread-spin"), "%s", text);
    free(text);
}
END_TEST

START_TEST(test_pairs_judged_beside_the_control)
{
    double ctl[] = {0.995, 0.995, 1.0, 1.013, 1.013}, tie[] = {1.001, 1.001, 1.002, 1.015, 1.015},
           far[] = {1.10, 1.10, 1.12, 1.14, 1.14}, under[] = {0.990, 0.990, 0.996, 0.998, 0.998};
    tl_bench_figure c = tl_bench_summarise(ctl, 5), t = tl_bench_summarise(tie, 5),
                    x = tl_bench_summarise(far, 5), u = tl_bench_summarise(under, 5);
    ck_assert_int_eq(tl_bench_at_most(&t, 1.0), TL_TARGET_NOT_MET);
    ck_assert_int_eq(tl_bench_ratio_at_most(&t, 1.0, &c), TL_TARGET_UNDECIDED);
    ck_assert_int_eq(tl_bench_ratio_at_most(&x, 1.0, &c), TL_TARGET_NOT_MET);
    ck_assert_int_eq(tl_bench_at_most(&u, 1.0), TL_TARGET_MET);
    ck_assert_int_eq(tl_bench_ratio_at_most(&u, 1.0, &c), TL_TARGET_UNDECIDED);
    ck_assert_int_eq(tl_bench_ratio_at_most(&u, 1.0, NULL), TL_TARGET_MET);
    double low[] = {0.90, 0.90, 0.91, 0.92, 0.92};
    tl_bench_figure l = tl_bench_summarise(low, 5);
    ck_assert_int_eq(tl_bench_ratio_at_most(&l, 1.0, &c), TL_TARGET_MET);
    /* A control that reads high is no licence, and counts below 1.0 too:
     * which side gets the better placement is chance. */
    double skew[] = {1.02, 1.02, 1.03, 1.04, 1.04};
    tl_bench_figure k = tl_bench_summarise(skew, 5);
    ck_assert_int_eq(tl_bench_ratio_at_most(&t, 1.0, &k), TL_TARGET_UNDECIDED);
    ck_assert_int_eq(tl_bench_ratio_at_most(&u, 1.0, &k), TL_TARGET_UNDECIDED);
    ck_assert_int_eq(tl_bench_ratio_at_most(&l, 1.0, &k), TL_TARGET_MET); /* 0.92 < 1/1.04 */
    double past[] = {1.05, 1.05, 1.06, 1.07, 1.07};
    tl_bench_figure q = tl_bench_summarise(past, 5);
    ck_assert_int_eq(tl_bench_ratio_at_most(&q, 1.0, &k), TL_TARGET_NOT_MET); /* 1.05 > 1.04 */
    /* A control that reads low widens the band above 1.0 alike. */
    double low_ctl[] = {0.989, 0.989, 0.995, 1.0, 1.0}, tiny[] = {1.001, 1.001, 1.001, 1.003, 1.003};
    tl_bench_figure lc = tl_bench_summarise(low_ctl, 5), ty = tl_bench_summarise(tiny, 5);
    ck_assert_int_eq(tl_bench_ratio_at_most(&ty, 1.0, &lc), TL_TARGET_UNDECIDED);

    char *text = print_beside_control(1.002, 0.995, 1.013);
    ck_assert_msg(strstr(text, "[undecided] ttas uncontended <= 1.0x ck_spinlock_cas: 1.002x "
                               "(94% CI 1.002x - 1.002x); identical code reads 0.995x - 1.013x "
                               "in this run (the control's interval), so this run cannot "
                               "tell which side of the limit the pair is on\n"),
                  "%s", text);
    ck_assert_msg(strstr(text, "[control] ck_spinlock_cas against a copy of itself: uncontended "
                               "1.000x (94% CI 0.995x - 1.013x), 2 threads 1.000x"),
                  "%s", text);
    free(text);
    text = print_beside_control(1.10, 0.995, 1.013);
    ck_assert_msg(strstr(text, "[NOT MET] ttas uncontended <= 1.0x ck_spinlock_cas: 1.100x "
                               "(94% CI 1.100x - 1.100x); beyond what identical code reads in "
                               "this run (0.995x - 1.013x, the control's interval)\n"),
                  "%s", text);
    free(text);
}
END_TEST

/* Without Concurrency Kit the bench says so and goes on; --no-peers prints nothing. */
START_TEST(test_peers_missing_is_said_not_fatal)
{
    static tl_bench b;
    static struct tl_bench_peers none; /* found = false, as in a build without libck-dev */
    b.peers = &none;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_peers_print(f, &b);
    tl_target_tally tally = {{0}};
    tl_bench_peers_targets(f, &b, &tally);
    fclose(f);
    ck_assert_uint_eq(tally.n[TL_TARGET_MET] + tally.n[TL_TARGET_NOT_MET] +
                          tally.n[TL_TARGET_UNDECIDED], 0); /* no peer, no target */
    ck_assert_msg(strstr(text, "Concurrency Kit not found (install libck-dev"), "%s", text);
    free(text);
    json_t *j = tl_bench_peers_json(&b);
    ck_assert(json_is_false(json_object_get(j, "found")));
    ck_assert_uint_eq(json_array_size(json_object_get(j, "pairs")), 0);
    json_decref(j);

    b.no_peers = true;
    f = open_memstream(&text, &len);
    tl_bench_peers_print(f, &b);
    fclose(f);
    ck_assert_str_eq(text, "");
    free(text);
}
END_TEST

START_TEST(test_jain_index)
{
    double fair[] = {50, 50}, starved[] = {100, 0};
    ck_assert_double_eq_tol(tl_bench_jain(fair, 2), 1.0, 1e-9);
    ck_assert_double_eq_tol(tl_bench_jain(starved, 2), 0.5, 1e-9);
}
END_TEST

/* The median's interval: the order statistics a binomial tail allows, and
 * the three verdicts a target can get from it. */
START_TEST(test_confidence_interval_and_verdicts)
{
    double five[] = {1.04, 0.90, 1.30, 1.00, 0.95};
    tl_bench_figure f = tl_bench_summarise(five, 5);
    ck_assert_double_eq(f.median, 1.00);
    ck_assert_double_eq(f.lo, 0.90); /* n = 5: min..max, 1 - 2/32 */
    ck_assert_double_eq(f.hi, 1.30);
    ck_assert_double_eq_tol(f.confidence, 0.9375, 1e-12);
    ck_assert_int_eq(tl_bench_at_most(&f, 1.05), TL_TARGET_UNDECIDED);
    ck_assert_int_eq(tl_bench_at_most(&f, 1.30), TL_TARGET_MET);
    ck_assert_int_eq(tl_bench_at_most(&f, 0.85), TL_TARGET_NOT_MET);
    ck_assert_int_eq(tl_bench_at_least(&f, 0.90), TL_TARGET_MET);
    ck_assert_int_eq(tl_bench_at_least(&f, 1.31), TL_TARGET_NOT_MET);

    double nine[] = {9, 1, 8, 2, 7, 3, 6, 4, 5};
    f = tl_bench_summarise(nine, 9);
    ck_assert_double_eq(f.median, 5);
    ck_assert_double_eq(f.lo, 2); /* n = 9: 2nd..8th, 1 - 2 * 10/512 */
    ck_assert_double_eq(f.hi, 8);
    ck_assert_double_eq_tol(f.confidence, 1 - 20.0 / 512, 1e-12);

    double three[] = {3, 1, 2}; /* no interval reaches 90 %: min..max, 75 % */
    f = tl_bench_summarise(three, 3);
    ck_assert_double_eq(f.lo, 1);
    ck_assert_double_eq(f.hi, 3);
    ck_assert_double_eq_tol(f.confidence, 0.75, 1e-12);

    /* Two figures: decided only when their intervals do not overlap. */
    double a[] = {10, 11, 12}, b[] = {20, 21, 22}, c[] = {11.5, 30, 40};
    tl_bench_figure fa = tl_bench_summarise(a, 3), fb = tl_bench_summarise(b, 3),
                    fc = tl_bench_summarise(c, 3);
    ck_assert_int_eq(tl_bench_at_most_of(&fa, &fb, 1.0), TL_TARGET_MET);
    ck_assert_int_eq(tl_bench_at_most_of(&fb, &fa, 1.0), TL_TARGET_NOT_MET);
    ck_assert_int_eq(tl_bench_at_most_of(&fa, &fc, 1.0), TL_TARGET_UNDECIDED);
    ck_assert_int_eq(tl_bench_at_most_of(&fb, &fa, 2.0), TL_TARGET_UNDECIDED); /* 22 vs 20-24 */
    ck_assert_int_eq(tl_bench_at_most_of(&fb, &fa, 2.5), TL_TARGET_MET);
    ck_assert_str_eq(tl_target_word(TL_TARGET_UNDECIDED), "undecided");
}
END_TEST

/* A kind that misses the interface target and says why in its descriptor
 * gets its reason printed, and beside it what a kind called through its
 * descriptor with nothing more to do (ticket here) paid in the same run;
 * a kind that meets the target gets no reason. */
START_TEST(test_interface_miss_says_why_with_the_call_alone)
{
    static tl_bench b;
    b.kinds[0] = tl_lock_kind_find("ticket");
    b.kinds[1] = tl_lock_kind_find("clh");
    b.kinds[2] = tl_lock_kind_find("mcs");
    b.nkinds = 3;
    b.repeat = 5;
    b.no_peers = true;
    b.floor_exchange = flat(6.0);
    const double overhead[] = {0.75, 1.5, 0.5};
    for (size_t k = 0; k < b.nkinds; k++) {
        b.kind[k].kind = b.kinds[k];
        b.kind[k].generic = flat(7.0 + overhead[k]);
        b.kind[k].raw = flat(7.0);
        b.kind[k].overhead = flat(overhead[k]);
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    ck_assert_msg(strstr(text, "[NOT MET] clh generic <= raw + 1.0 ns uncontended: +1.50 ns"),
                  "clh's miss:\n%s", text);
    char why[256];
    snprintf(why, sizeof why, "        why: %s; the call alone, in this run: +0.75 ns (ticket, "
                              "which does nothing more)\n", b.kinds[1]->iface_cost);
    ck_assert_msg(strstr(text, why), "no reason, or not ticket's figure:\n%s", text);
    ck_assert_msg(strstr(text, "[met] mcs generic <= raw + 1.0 ns uncontended: +0.50 ns"),
                  "mcs:\n%s", text);
    ck_assert_msg(!strstr(strstr(text, "why:") + 1, "why:"), "a second reason:\n%s", text);
    free(text);
}
END_TEST

/* The bench's critical section counts a hand-over when the count moved
 * since this thread's last acquisition - another thread was inside - and
 * only then; and with counting off it only increments. */
static void no_op(void) {}

START_TEST(test_body_counts_hand_overs)
{
    unsigned long count = 0;
    tl_lock_bench_body body = {.count = &count, .handovers_counted = true, .seen = ULONG_MAX};
    TL_LOCK_BENCH_ROUNDS(&body, 10, no_op(), no_op());
    ck_assert_uint_eq(count, 10);
    ck_assert_uint_eq(body.handovers, 1); /* the first acquisition */
    TL_LOCK_BENCH_ROUNDS(&body, 10, no_op(), no_op());
    ck_assert_uint_eq(body.handovers, 1); /* nobody else was inside */
    count += 3;                           /* another thread's three acquisitions */
    TL_LOCK_BENCH_ROUNDS(&body, 10, no_op(), no_op());
    ck_assert_uint_eq(body.handovers, 2);
    /* Another thread between every two of ours: every acquisition a hand-over. */
    for (int i = 0; i < 5; i++) {
        count++;
        TL_LOCK_BENCH_ROUNDS(&body, 1, no_op(), no_op());
    }
    ck_assert_uint_eq(body.handovers, 7);
    ck_assert_uint_eq(count, 43);
    tl_lock_bench_body plain = {.count = &count};
    TL_LOCK_BENCH_ROUNDS(&plain, 4, no_op(), no_op());
    ck_assert_uint_eq(count, 47);
    ck_assert_uint_eq(plain.handovers, 0);
}
END_TEST

/* A contended generic/raw comparison not met prints both sides' rates of
 * hand-overs and what their intervals tell; one met prints none. */
static char *print_contended_with(double ratio, double generic_runs, double raw_runs,
                                  const tl_bench_figure *control)
{
    static tl_bench b;
    memset(&b, 0, sizeof b);
    b.kinds[0] = tl_lock_kind_find("ttas");
    b.nkinds = 1;
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.repeat = 5;
    b.no_peers = true;
    b.floor_exchange = flat(6.0);
    b.kind[0].kind = b.kinds[0];
    b.kind[0].generic = b.kind[0].raw = flat(6.5);
    b.kind[0].overhead = flat(0.0);
    b.kind[0].raw_x_floor = flat(1.17); /* paired: not 6.5 / 6.0 */
    tl_bench_contended *c = &b.kind[0].contended[0];
    c->threads = 2;
    c->ns_per_acq = flat(30.0 * ratio);
    c->raw_ns_per_acq = flat(30.0);
    c->ratio = flat(ratio);
    c->per_handover = flat(generic_runs);
    c->raw_per_handover = flat(raw_runs);
    c->has_control = control != NULL;
    if (control)
        c->control = *control;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    return text;
}

static char *print_contended(double ratio, double generic_runs, double raw_runs)
{
    return print_contended_with(ratio, generic_runs, raw_runs, NULL);
}

/* A contended generic/raw ratio measured with its control (the raw loop
 * against itself) is judged beside it: a miss inside the control's scatter
 * is undecided, and says why; one far past it stays NOT MET. */
START_TEST(test_contended_pair_judged_beside_its_control)
{
    double wide[] = {0.93, 0.93, 1.0, 1.08, 1.08}, narrow[] = {0.99, 0.99, 1.0, 1.01, 1.01};
    tl_bench_figure w = tl_bench_summarise(wide, 5), n = tl_bench_summarise(narrow, 5);
    char *text = print_contended_with(1.07, 20.0, 20.0, &w);
    ck_assert_msg(strstr(text, "[undecided] ttas generic <= 1.05x raw contended, 2 threads: 1.070x "
                               "(94% CI 1.070x - 1.070x); identical code reads 0.930x - 1.080x in "
                               "this run (the control's interval), so this run cannot tell which "
                               "side of the limit the pair is on\n        control: ttas's raw loop "
                               "against itself, paired the same way: 1.000x (94% CI 0.930x - "
                               "1.080x): one loop reads more than 5% off itself here, so a cost "
                               "of 5% cannot be told from the pairing's scatter in this run\n"),
                  "%s", text);
    free(text);
    text = print_contended_with(1.25, 20.0, 20.0, &n);
    ck_assert_msg(strstr(text, "[NOT MET] ttas generic <= 1.05x raw contended, 2 threads: 1.250x "
                               "(94% CI 1.250x - 1.250x); beyond what identical code reads in "
                               "this run (0.990x - 1.010x, the control's interval)\n"
                               "        control: ttas's raw loop against "
                               "itself, paired the same way: 1.000x (94% CI 0.990x - 1.010x)\n"),
                  "%s", text);
    free(text);
    /* Without a control the interval alone decides, and no control line. */
    text = print_contended(1.07, 20.0, 20.0);
    ck_assert_msg(strstr(text, "[NOT MET] ttas generic <= 1.05x raw contended"), "%s", text);
    ck_assert_msg(!strstr(text, "control:"), "%s", text);
    free(text);
}
END_TEST

/* A kind whose generic lock pays a delay its raw loop does not: the
 * engine's ratio misses by far, so it measures the control, which reads
 * the loop against itself - near 1, whatever the machine is doing. */
static void slow_init(void *s) { tl_spin_ttas_init(s); }
static void slow_lock(void *s)
{
    for (volatile int i = 0; i < 2000; i++) /* volatile: the delay is kept */
        ;
    tl_spin_ttas_lock(s);
}
static bool slow_trylock(void *s) { return tl_spin_ttas_trylock(s); }
static void slow_unlock(void *s) { tl_spin_ttas_unlock(s); }
static void slow_raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    TL_LOCK_BENCH_ROUNDS(body, rounds, tl_spin_ttas_lock(s), tl_spin_ttas_unlock(s));
}

START_TEST(test_engine_measures_the_control_on_a_miss)
{
    static const tl_lock_kind slow = {.name = "slow-generic", .summary = "test",
                                      .flags = TL_KIND_HANDBUILT, .size = sizeof(tl_spin_ttas_t),
                                      .align = _Alignof(tl_spin_ttas_t), .init = slow_init,
                                      .lock = slow_lock, .trylock = slow_trylock,
                                      .unlock = slow_unlock, .raw = slow_raw};
    static tl_bench b;
    memset(&b, 0, sizeof b);
    b.kinds[0] = &slow;
    b.nkinds = 1;
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.seconds = 0.05;
    b.repeat = 5;
    b.no_peers = true;
    tl_bench_run(&b);
    const tl_bench_contended *c = &b.kind[0].contended[0];
    ck_assert_msg(c->ratio.lo > 2.0, "the slow side reads only %.3fx", c->ratio.lo);
    ck_assert(c->has_control);
    /* Generous: one loop against itself, on a machine that may be busy. */
    ck_assert_msg(c->control.median > 0.5 && c->control.median < 2.0, "control %.3fx",
                  c->control.median);
    ck_assert_int_eq(tl_bench_ratio_at_most(&c->ratio, TL_BENCH_CONTENDED_LIMIT, &c->control),
                     TL_TARGET_NOT_MET);
}
END_TEST

/* --spin-yields off: every acquisition of the run, uncontended and
 * contended, generic and raw, sees the spin waits' yields off; the switch
 * is put back after; the table and the JSON say so; and a pair that misses
 * gets no second look with and without them (the run is the look without). */
static unsigned yield_after_least = UINT_MAX;
static void note_yield_after(void) /* under the lock: one writer at a time */
{
    if (tl__spin_yield_after < yield_after_least)
        yield_after_least = tl__spin_yield_after;
}
static void probe_lock(void *s)
{
    tl_spin_ttas_lock(s);
    note_yield_after();
}
static void probe_raw(void *s, unsigned long rounds, tl_lock_bench_body *body)
{
    TL_LOCK_BENCH_ROUNDS(body, rounds, (tl_spin_ttas_lock(s), note_yield_after()),
                         tl_spin_ttas_unlock(s));
}

START_TEST(test_spin_yields_off_for_the_whole_run)
{
    static const tl_lock_kind probe = {.name = "yield-probe", .summary = "test",
                                       .flags = TL_KIND_HANDBUILT,
                                       .size = sizeof(tl_spin_ttas_t),
                                       .align = _Alignof(tl_spin_ttas_t), .init = slow_init,
                                       .lock = probe_lock, .trylock = slow_trylock,
                                       .unlock = slow_unlock, .raw = probe_raw};
    static tl_bench b;
    memset(&b, 0, sizeof b);
    b.kinds[0] = &probe;
    b.nkinds = 1;
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.seconds = 0.02;
    b.repeat = 3;
    b.no_peers = true;
    b.spin_yields_off = true;
    yield_after_least = UINT_MAX;
    tl_bench_run(&b);
    ck_assert_uint_eq(yield_after_least, UINT_MAX);
    ck_assert_uint_eq(tl__spin_yield_after, TL_SPIN_YIELD_AFTER);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    ck_assert_msg(strstr(text, "\nspin waits never yield (--spin-yields off; by default a waiter "
                               "calls sched_yield() after 2048 pauses, tl_spin.h)\n"),
                  "%s", text);
    free(text);
    json_t *doc = tl_bench_json(&b);
    ck_assert(json_is_false(json_object_get(doc, "spin_yields")));
    json_decref(doc);

    /* By default the run leaves them on, and says nothing. */
    b.spin_yields_off = false;
    yield_after_least = UINT_MAX;
    tl_bench_run(&b);
    ck_assert_uint_eq(yield_after_least, TL_SPIN_YIELD_AFTER);
    doc = tl_bench_json(&b);
    ck_assert(json_is_true(json_object_get(doc, "spin_yields")));
    json_decref(doc);

    static const tl_bench_raw slow = {"slow tas", slow_tas_init, NULL, slow_tas_lock, tas_unlock};
    static const tl_bench_peer fast = {{"fast tas", slow_tas_init, NULL, fast_tas_lock,
                                        tas_unlock},
                                       "tas", "the same lock, no extra work"};
    static tl_bench_peer_result p;
    b.spin_yields_off = true;
    b.cores = sysconf(_SC_NPROCESSORS_ONLN);
    tl_bench_peer_measure(&b, &fast, &slow, &p);
    ck_assert_msg(p.contended[0].ratio.median > 2, "ratio %g", p.contended[0].ratio.median);
    ck_assert(!p.contended[0].has_without_yields);
}
END_TEST

/* A FIFO kind's fairness miss comes with its rate of hand-overs, and says
 * what more than one acquisition per hand-over means for a FIFO lock. */
static char *print_fifo_fairness(double jain, double runs)
{
    static tl_bench b;
    memset(&b, 0, sizeof b);
    b.kinds[0] = tl_lock_kind_find("fifo-mutex");
    b.nkinds = 1;
    b.tcounts[0] = 2;
    b.ntcounts = 1;
    b.repeat = 5;
    b.no_peers = true;
    b.kind[0].kind = b.kinds[0];
    b.kind[0].generic = b.kind[0].raw = flat(13.0);
    tl_bench_contended *c = &b.kind[0].contended[0];
    c->threads = 2;
    c->ns_per_acq = c->raw_ns_per_acq = flat(400.0);
    c->ratio = flat(1.0);
    c->per_handover = c->raw_per_handover = flat(runs);
    c->jain_each = flat(jain);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_bench_print(f, &b);
    fclose(f);
    return text;
}

START_TEST(test_fifo_fairness_miss_prints_the_runs)
{
    char *text = print_fifo_fairness(0.90, 6.4);
    ck_assert_msg(strstr(text, "[NOT MET] 2 threads: fifo-mutex fairness index >= 0.99: 0.9000 "
                               "(94% CI 0.9000 - 0.9000)\n        acquisitions per hand-over: "
                               "6.4 (94% CI 6.4 - 6.4): more than one, so at the other unlocks "
                               "the other thread held no place in line"),
                  "%s", text);
    free(text);
    text = print_fifo_fairness(0.90, 1.0);
    ck_assert_msg(strstr(text, "6.4") == NULL &&
                      strstr(text, "1.0 (94% CI 1.0 - 1.0): the lock changed hands at about "
                                   "every acquisition"),
                  "%s", text);
    free(text);
    text = print_fifo_fairness(0.999, 6.4); /* met: nothing more to say */
    ck_assert_msg(strstr(text, "[met] 2 threads: fifo-mutex fairness") &&
                      !strstr(text, "held no place in line"),
                  "%s", text);
    free(text);
}
END_TEST

START_TEST(test_contended_miss_prints_the_hand_overs)
{
    char *text = print_contended(1.25, 10.0, 30.0);
    ck_assert_msg(strstr(text, "[NOT MET] ttas generic <= 1.05x raw contended, 2 threads: 1.250x "
                               "(94% CI 1.250x - 1.250x)\n        acquisitions per hand-over: "
                               "generic 10.0 (94% CI 10.0 - 10.0), raw 30.0 (94% CI 30.0 - "
                               "30.0): the generic side changed hands more often, each "
                               "hand-over a move of the lock's line between cores\n"),
                  "%s", text);
    ck_assert_msg(strstr(text, "     10.0/30.0  "), "no column:\n%s", text);
    /* The uncontended table's last column is raw over the floor timed in
     * turn with it, the figure the floor targets judge. */
    ck_assert_msg(strstr(text, "raw/floor\nttas ") && strstr(text, "-     1.17x\n"),
                  "no paired raw/floor column:\n%s", text);
    free(text);
    text = print_contended(1.25, 30.0, 10.0);
    ck_assert_msg(strstr(text, ": the raw side changed hands more often, and was still faster\n"),
                  "%s", text);
    free(text);
    text = print_contended(1.25, 20.0, 20.0);
    ck_assert_msg(strstr(text, ": the same rate of hand-overs on both sides, as far as this run "
                               "can tell\n"),
                  "%s", text);
    free(text);
    text = print_contended(1.0, 10.0, 30.0);
    ck_assert_msg(!strstr(text, "acquisitions per hand-over:"), "%s", text);
    free(text);
}
END_TEST

START_TEST(test_bad_options_exit_2)
{
    char *bad_seconds[] = {"bench", "--seconds", "0", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_seconds), TL_EXIT_USAGE);
    char *bad_threads[] = {"bench", "--threads", "2,0", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_threads), TL_EXIT_USAGE);
    char *bad_lock[] = {"bench", "--lock", "spinny", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_lock), TL_EXIT_USAGE);
    char *bad_repeat[] = {"bench", "--repeat", "1000", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_repeat), TL_EXIT_USAGE);
    char *bad_yields[] = {"bench", "--spin-yields", "maybe", NULL};
    ck_assert_int_eq(tl_cmd_bench(3, bad_yields), TL_EXIT_USAGE);
}
END_TEST

Suite *tl_suite_bench(void)
{
    Suite *s = suite_create("bench");
    TCase *tc = tcase_create("smoke");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_every_kind_runs_and_json_has_every_field);
    tcase_add_test(tc, test_jain_index);
    tcase_add_test(tc, test_confidence_interval_and_verdicts);
    tcase_add_test(tc, test_interface_miss_says_why_with_the_call_alone);
    tcase_add_test(tc, test_missed_pair_is_measured_again_without_yields);
    tcase_add_test(tc, test_yields_look_says_what_the_turns_tell);
    tcase_add_test(tc, test_pairs_judged_beside_the_control);
    tcase_add_test(tc, test_ttas_beside_libc_is_a_pair);
    tcase_add_test(tc, test_body_counts_hand_overs);
    tcase_add_test(tc, test_contended_miss_prints_the_hand_overs);
    tcase_add_test(tc, test_contended_pair_judged_beside_its_control);
    tcase_add_test(tc, test_engine_measures_the_control_on_a_miss);
    tcase_add_test(tc, test_spin_yields_off_for_the_whole_run);
    tcase_add_test(tc, test_fifo_fairness_miss_prints_the_runs);
    tcase_add_test(tc, test_floor_miss_is_set_beside_the_peer);
    tcase_add_test(tc, test_bad_options_exit_2);
    tcase_add_test(tc, test_peer_raw_calls_exclude);
    tcase_add_test(tc, test_peers_missing_is_said_not_fatal);
    suite_add_tcase(s, tc);
    return s;
}
