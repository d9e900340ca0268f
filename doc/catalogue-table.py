#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints the README's catalogue table from `threadlab list --json`, so the
table is what the program says, never a second hand-kept list:
    doc/catalogue-table.py ./threadlab > table.md"""
import json
import subprocess
import sys

tl = sys.argv[1] if len(sys.argv) > 1 else "./threadlab"
scenarios = json.loads(subprocess.run([tl, "list", "--json"], check=True,
                                      capture_output=True, text=True).stdout)


def cell(text):
    return (text or "").replace("|", "\\|").replace("\n", " ")


print("| scenario | what goes wrong | buggy shows | fixes |")
print("|---|---|---|---|")
for s in scenarios:
    buggy = [v for v in s["variants"] if v["role"] == "buggy"]
    fixed = [v for v in s["variants"] if v["role"] == "fixed"]
    shows = []
    for v in buggy:
        e = v["expect"] or "clean"
        if s["modes"] and v.get("expect_actual") is not None:
            e = "potential: %s; actual: %s" % (e, v["expect_actual"] or "clean")
        shows.append(e)
    fixes = []
    for v in fixed:
        f = "`%s`: %s" % (v["name"], v["about"])
        if v.get("breaks"):
            f += " (breaks %s)" % v["breaks"]
        fixes.append(f)
    print("| `%s` | %s | %s | %s |" % (s["name"], cell(s["summary"]), cell("; ".join(shows)),
                                      cell("<br>".join(fixes))))
counts = {}
for s in scenarios:
    counts[s["category"]] = counts.get(s["category"], 0) + 1
print()
print("%d scenarios, %d variants, in %d categories: %s." % (
    len(scenarios), sum(len(s["variants"]) for s in scenarios), len(counts),
    ", ".join("%s %d" % (c, n) for c, n in sorted(counts.items()))))
