#!/bin/sh
# SPDX-License-Identifier: MIT
# run/list/show --file: a scenario file this test writes itself (the
# README's example under a name of its own), compiled by threadlab for
# itself and for each host, with no relink: listed, shown, and run - met
# under the plain host and, when built, TSan; a file that does not compile
# is refused with the compiler's line and exit 2. Exit 1 on any failure.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-file-test-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
fail() { echo "file: $*"; exit 1; }

sed -e 's/"example\.total"/"race.file_total"/' -e 's/"example"/"race"/' \
    -e 's/TL_SCENARIO(example_total)/TL_SCENARIO(file_total)/' \
    "$srcdir/tests/example_scenario.c" >"$tmp/file_total.c"
grep -q '"race.file_total"' "$tmp/file_total.c" || fail "could not write the scenario file"

./threadlab list --file "$tmp/file_total.c" >"$tmp/list.out" 2>&1 || { cat "$tmp/list.out"; fail "list --file failed"; }
grep -q '^race.file_total ' "$tmp/list.out" || fail "list --file does not list race.file_total"
./threadlab show race.file_total --file "$tmp/file_total.c" >"$tmp/show.out" 2>&1 ||
    { cat "$tmp/show.out"; fail "show --file failed"; }
grep -q '^race.file_total - ' "$tmp/show.out" || fail "show --file does not show it"

detectors=none
[ -x ./threadlab-host-tsan ] && detectors=none,tsan
./threadlab run --file "$tmp/file_total.c" --detector "$detectors" --out "$tmp/r" --quiet \
    >"$tmp/run.out" 2>&1 || { cat "$tmp/run.out"; fail "run --file was not all met under $detectors"; }
runs=$(grep -c '"scenario": "race.file_total"' "$tmp"/r/*/report.json)
want=$((2 * $(echo "$detectors" | tr ',' '\n' | wc -l)))  # buggy and fixed under each
[ "$runs" -eq "$want" ] || { cat "$tmp/run.out"; fail "run --file made $runs runs of race.file_total, wanted $want"; }
echo "file: race.file_total listed, shown and met in $runs runs under $detectors"

# A file that does not compile: the compiler's own line, then one line of ours, exit 2.
sed 's/static unsigned long total;/static unsigned long total/' "$tmp/file_total.c" >"$tmp/broken.c"
./threadlab run --file "$tmp/broken.c" >"$tmp/broken.out" 2>&1
status=$?
[ $status -eq 2 ] || { cat "$tmp/broken.out"; fail "a file that does not compile: exit $status, wanted 2"; }
grep -q "broken.c:[0-9][0-9]*:" "$tmp/broken.out" || { cat "$tmp/broken.out"; fail "no compiler line shown"; }
grep -q "does not compile" "$tmp/broken.out" || { cat "$tmp/broken.out"; fail "no one-line reason"; }
echo "file: a file that does not compile is refused with its line, exit 2"
exit 0
