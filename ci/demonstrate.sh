#!/bin/sh
# SPDX-License-Identifier: MIT
# Demonstrates every buggy variant and every fixed variant of the catalogue
# under ThreadSanitizer, as CI does: the GitHub workflow
# (.github/workflows/threadlab.yml), the GitLab example (.gitlab-ci.yml) and
# `make check` all call this one script, so the workflow is never untested
# prose. Writes to OUT (default threadlab-reports/ci):
#   buggy/, fixed/            the two report folders (summary.md, report.json, ...)
#   buggy.junit.xml, fixed.junit.xml   JUnit, one testcase per run
#   buggy.sarif, fixed.sarif  SARIF 2.1.0: the buggy variants' findings on their
#                             source lines; the fixed variants' must be empty
# Exit 0 when every buggy variant showed its bug and every fixed one was
# clean (and the fixed SARIF has no result), 1 otherwise, 77 without a TSan
# host (a --disable-tsan build). THREADLAB names the program (default
# ./threadlab); extra arguments go to both runs (e.g. --detector tsan,tsan-gcc).
set -u
tl=${THREADLAB:-./threadlab}
out=${1:-threadlab-reports/ci}
[ $# -gt 0 ] && shift
mkdir -p "$out/probe" || exit 1
case "$("$tl" list --names detectors 2>/dev/null)" in
*tsan*) ;;
*) echo "demonstrate: $tl lists no TSan detector"; exit 1 ;;
esac
"$tl" run race.counter --variant fixed --out "$out/probe" --quiet >/dev/null 2>&1
if [ $? -eq 3 ]; then
    echo "demonstrate: SKIP: the TSan host is not built here"
    exit 77
fi
mkdir -p "$out/buggy" "$out/fixed" || exit 1
status=0
for role in buggy fixed; do
    "$tl" run --all --variant "$role" --out "$out/$role" --quiet \
        --junit "$out/$role.junit.xml" --sarif "$out/$role.sarif" "$@" || status=1
done
# The fixed variants are clean: no finding at all in their SARIF.
if grep -q '"ruleId"' "$out/fixed.sarif" 2>/dev/null; then
    echo "demonstrate: the fixed variants' SARIF has findings ($out/fixed.sarif)"
    status=1
fi
grep -q '"ruleId"' "$out/buggy.sarif" 2>/dev/null ||
    { echo "demonstrate: the buggy variants' SARIF has no finding"; status=1; }
[ $status -eq 0 ] && echo "demonstrate: every buggy variant shown, every fixed variant clean; reports in $out"
exit $status
