#!/bin/sh
# SPDX-License-Identifier: MIT
# run --sarif: the file validates (tests/sarif_check.py: the schema written
# from the SARIF 2.1.0 specification and GitHub's required fields, every
# location a real line of the tree, each rule index right, one category per
# run) and holds the expected results; a file with a result's ruleId taken
# out does not validate (the check can fail). Exit 1 on any failure.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-sarif-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
fail() { echo "sarif: $*"; exit 1; }

python=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema' 2>/dev/null; then
        python=$p
        break
    fi
done
[ -n "$python" ] || fail "no python3 with jsonschema (Debian: python3-jsonschema; ./quickstart.sh installs it)"

if [ ! -x ./threadlab-host-tsan ]; then
    echo "sarif: SKIP: no TSan host (configured with --disable-tsan)"
    exit 77
fi
detectors=tsan
[ -x ./threadlab-host-tsan-gcc ] && detectors=tsan,tsan-gcc
./threadlab run race.counter tls.escape deadlock.abba callback.freed_context \
    --detector "$detectors" --sarif "$tmp/out.sarif" --out "$tmp/reports" --quiet >"$tmp/run.log" 2>&1 ||
    { cat "$tmp/run.log"; fail "the run was not all met"; }
if [ -n "${SARIF_SCHEMA:-}" ]; then
    [ -f "$SARIF_SCHEMA" ] || fail "SARIF_SCHEMA names '$SARIF_SCHEMA', which is not a file"
    echo "sarif: validating against the OASIS schema too: $SARIF_SCHEMA"
else
    echo "sarif: SARIF_SCHEMA unset: the subset schema only (./quickstart.sh check fetches the OASIS one: tests/fetch-sarif-schema.py)"
fi
"$python" "$srcdir/tests/sarif_check.py" "$tmp/out.sarif" "$srcdir" \
    ThreadSanitizer:race.counter/buggy/data-race \
    ThreadSanitizer:tls.escape/buggy/data-race \
    ThreadSanitizer:deadlock.abba/buggy/lock-order-inversion \
    ThreadSanitizer:callback.freed_context/buggy/heap-use-after-free || fail "the SARIF file does not check"

# The check can fail: a result without its ruleId.
"$python" - "$tmp/out.sarif" "$tmp/broken.sarif" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
del d["runs"][0]["results"][0]["ruleId"]
json.dump(d, open(sys.argv[2], "w"))
PY
if "$python" "$srcdir/tests/sarif_check.py" "$tmp/broken.sarif" "$srcdir" >"$tmp/broken.log" 2>&1; then
    fail "a result without ruleId passed the check"
fi
grep -q "ruleId" "$tmp/broken.log" || { cat "$tmp/broken.log"; fail "the check did not name ruleId"; }
echo "sarif: a result without ruleId is refused: $(cat "$tmp/broken.log")"

# The OASIS schema's check can fail too: a property SARIF does not define,
# which the subset schema lets through and the OASIS one refuses.
if [ -n "${SARIF_SCHEMA:-}" ]; then
    "$python" - "$tmp/out.sarif" "$tmp/extra.sarif" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["notASarifProperty"] = 1
json.dump(d, open(sys.argv[2], "w"))
PY
    if "$python" "$srcdir/tests/sarif_check.py" "$tmp/extra.sarif" "$srcdir" >"$tmp/extra.log" 2>&1; then
        fail "a property SARIF does not define passed the OASIS schema"
    fi
    grep -q "notASarifProperty" "$tmp/extra.log" || { cat "$tmp/extra.log"; fail "the OASIS check did not name the property"; }
    echo "sarif: the OASIS schema refuses what SARIF does not define: $(cat "$tmp/extra.log")"
fi
exit 0
