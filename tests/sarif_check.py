#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks a SARIF file threadlab wrote: valid against tests/sarif-subset.schema.json
(and against the OASIS SARIF 2.1.0 schema too when SARIF_SCHEMA names a copy),
and what the schema cannot say: each ruleIndex points at its rule, each run has
its own category, every location is a real line of a real file of the tree, and
the expected results are there. Usage: sarif_check.py FILE SRCDIR EXPECT...
where EXPECT is TOOL:SCENARIO/VARIANT/KIND (a result that must be present)."""
import json
import os
import sys

import jsonschema


def fail(msg):
    print("sarif_check: " + msg)
    sys.exit(1)


def main():
    path, srcdir, expected = sys.argv[1], sys.argv[2], sys.argv[3:]
    here = os.path.dirname(os.path.abspath(__file__))
    doc = json.load(open(path))
    schemas = [os.path.join(here, "sarif-subset.schema.json")]
    if os.environ.get("SARIF_SCHEMA"):
        schemas.append(os.environ["SARIF_SCHEMA"])
    for s in schemas:
        try:
            jsonschema.validate(doc, json.load(open(s)))
        except jsonschema.ValidationError as e:
            fail("%s does not validate against %s: %s at %s" % (path, s, e.message, list(e.path)))
    categories = set()
    found = set()
    results = 0
    for run in doc["runs"]:
        cat = run.get("automationDetails", {}).get("id")
        if cat in categories:
            fail("two runs with the category %s" % cat)
        categories.add(cat)
        rules = run["tool"]["driver"].get("rules", [])
        tool = run["tool"]["driver"]["name"]
        for r in run["results"]:
            results += 1
            if rules[r["ruleIndex"]]["id"] != r["ruleId"]:
                fail("ruleIndex %d is not rule %s" % (r["ruleIndex"], r["ruleId"]))
            for loc in r["locations"] + r.get("relatedLocations", []):
                p = loc["physicalLocation"]
                f = os.path.join(srcdir, p["artifactLocation"]["uri"])
                if not os.path.isfile(f):
                    fail("location %s is not a file of the tree" % p["artifactLocation"]["uri"])
                with open(f) as src:
                    lines = src.read().count("\n")
                if p["region"]["startLine"] > lines:
                    fail("%s has no line %d" % (f, p["region"]["startLine"]))
            for fp in r["partialFingerprints"].values():
                found.add("%s:%s" % (tool, fp))
    for e in expected:
        if e not in found:
            fail("no result %s (found: %s)" % (e, ", ".join(sorted(found))))
    print("sarif_check: %s valid (%s), %d runs, %d results, every location a line of the tree"
          % (path, ", ".join(os.path.basename(s) for s in schemas), len(doc["runs"]), results))


main()
