#!/bin/sh
# Runs a libFuzzer target for a bounded time (make fuzz, make fuzz-valgrind)
# on a temporary corpus seeded with captured logs, copied so that nothing is
# ever written into the source tree. A clean run removes the corpus; a crash
# keeps it with the crashing input (crash-*) and the log, and fails.
# usage: tests/fuzz.sh PROGRAM NAME SECONDS SEED_FILE...
set -u
program=$1 name=$2 seconds=$3
shift 3
dir=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-fuzz-XXXXXX") || exit 1
mkdir "$dir/corpus" || exit 1
# Seeds keep their folder in their name: clang/x.log and gcc/x.log differ.
for f in "$@"; do
    cp "$f" "$dir/corpus/$(basename "$(dirname "$f")")-$(basename "$f")" || exit 1
done
echo "make fuzz: $seconds s on $name, corpus in $dir/corpus"
if UBSAN_OPTIONS=halt_on_error=1 "$program" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/corpus" >"$dir/fuzz.log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$dir/fuzz.log"
    rm -rf "$dir"
else
    tail -n 40 "$dir/fuzz.log"
    echo "make fuzz: $name crashed; input and log kept in $dir" >&2
    exit 1
fi
