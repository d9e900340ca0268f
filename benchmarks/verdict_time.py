#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Time to verdict of the live monitor, per verdict kind, from finished
threadlab reports: each record's monitor.time_to_verdict_ms (from the first
moment the condition held to the look that saw it; reports/README.md).

usage: benchmarks/verdict_time.py REPORT_DIR [REPORT_DIR ...]

Prints, per verdict kind and per scenario, the number of verdicts and their
median, 90th percentile and maximum in ms. A hang can never come before TL_MON_HANG_MIN_NS
(10 ms): compare deadlocks with deadlocks.
"""
import json
import statistics
import sys
from collections import defaultdict

by_kind = defaultdict(list)
by_scenario = defaultdict(list)
for report in sys.argv[1:]:
    with open(report + "/runs.jsonl") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            mon = rec.get("monitor") or {}
            if mon.get("verdict") is None:
                continue
            ms = mon["time_to_verdict_ms"]
            by_kind[mon["verdict"]].append(ms)
            by_scenario[(mon["verdict"], rec["scenario"])].append(ms)


def line(label, values):
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
    print(f"  {label:<38} n={len(values):<4} median {statistics.median(values):6.2f}"
          f"  p90 {p90:6.2f}  max {values[-1]:6.2f} ms")


for kind in sorted(by_kind):
    line(kind, by_kind[kind])
    for (k, scenario), values in sorted(by_scenario.items()):
        if k == kind:
            line("  " + scenario, values)
