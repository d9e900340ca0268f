#!/usr/bin/env python3
"""Runs per second at two points of a finished threadlab report, measured
over whole repetitions of the plan (so both windows hold the same mix of
scenarios), from each record's started_unix_s in runs.jsonl.

usage: tests/report_rate.py REPORT_DIR RUNS_PER_REPETITION [AT_RUN ...]
"""
import json
import sys

report, per_rep = sys.argv[1], int(sys.argv[2])
at_runs = [int(a) for a in sys.argv[3:]] or [100, 20000]
start = {}
for line in open(report + "/runs.jsonl"):
    rec = json.loads(line)
    start[rec["index"]] = rec["started_unix_s"]
reps = 10  # each window: ten whole repetitions of the plan
for at in at_runs:
    first_rep = max(0, (at - 1) // per_rep - reps // 2)
    lo, hi = first_rep * per_rep + 1, (first_rep + reps) * per_rep + 1
    if hi not in start:
        print(f"run {at}: the report has no run {hi}")
        continue
    print(f"run {at}: {(hi - lo) / (start[hi] - start[lo]):.1f} runs/s "
          f"(runs {lo}-{hi}, {reps} repetitions)")
print(f"{len(start)} runs in {max(start.values()) - min(start.values()):.0f} s")
