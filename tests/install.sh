#!/bin/sh
# SPDX-License-Identifier: MIT
# `make install` gives a threadlab that works from any folder: installed into
# a temporary DESTDIR (so the configured libexecdir does not exist there),
# run from /, it finds its hosts relative to its own executable and meets
# race.counter under each detector whose host was installed; with the hosts
# moved away it says where it looked (exit 3). Exit 1 on any failure.
set -u
make=${TL_MAKE:-make}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-install-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install: $*"; exit 1; }

$make -s install DESTDIR="$tmp/dest" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install DESTDIR=$tmp/dest failed"; }
bin=$(find "$tmp/dest" -type f -path '*/bin/threadlab' | head -n 1)
[ -x "$bin" ] || fail "no threadlab installed under $tmp/dest"
hosts=$(find "$tmp/dest" -type f -name 'threadlab-host*')
[ -n "$hosts" ] || fail "no host installed under $tmp/dest"

detectors=none
for h in $hosts; do
    case "$h" in
    */threadlab-host-tsan) detectors="$detectors,tsan" ;;
    esac
done
(cd / && "$bin" run race.counter --detector "$detectors" --out "$tmp/reports" --quiet) \
    >"$tmp/run.log" 2>&1 || { cat "$tmp/run.log"; fail "the installed threadlab, run from /, did not meet race.counter under $detectors"; }
echo "install: the installed $bin found its hosts and met race.counter under $detectors"

# The checker's own scenarios are in no installed program: the installed
# threadlab does not know them, and no installed host carries their names.
status=0
(cd / && "$bin" run selftest.checker --detector none --out "$tmp/reports") >"$tmp/selftest.log" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q "selftest.checker" "$tmp/selftest.log" ||
    { cat "$tmp/selftest.log"; fail "the installed threadlab ran selftest.checker (exit $status, wanted 2)"; }
for f in "$bin" $hosts; do
    [ -f "$f" ] || continue
    ! grep -q "selftest\.checker" "$f" || fail "$f carries the selftest scenarios"
done
echo "install: no installed program carries the selftest scenarios ($(cat "$tmp/selftest.log"))"

# The man page and the bash completion, installed; the completion asks the
# installed threadlab for its words.
man=$(find "$tmp/dest" -type f -name threadlab.1 | head -n 1)
[ -n "$man" ] && grep -q '^\.SS threadlab run' "$man" || fail "no man page with the commands installed"
src=$(find "$tmp/dest" -type f -path '*/threadlab/scenarios/race_counter.c' | head -n 1)
[ -n "$src" ] || fail "the scenario sources (for show --code) are not installed"
comp=$(find "$tmp/dest" -type f -path '*bash-completion/completions/threadlab' | head -n 1)
[ -n "$comp" ] || fail "no bash completion installed"
if command -v bash >/dev/null; then
    words=$(bash -c '. "$1"; COMP_WORDS=("$2" run --lo); COMP_CWORD=2; _threadlab; echo "${COMPREPLY[*]}"
                     COMP_WORDS=("$2" run race.cou); COMP_CWORD=2; _threadlab; echo "${COMPREPLY[*]}"
                     COMP_WORDS=("$2" run --lock t); COMP_CWORD=3; _threadlab; echo "${COMPREPLY[*]}"' \
        _ "$comp" "$bin")
    [ "$words" = "--lock
race.counter
tas ttas ttas-eb ticket" ] || fail "completion offered '$words'"
    echo "install: man page and bash completion installed; completion offers --lock, race.counter, tas ttas ttas-eb ticket"
fi

# The installed headers and pkg-config file are enough to compile a scenario
# file (what `threadlab run --file` does without a source tree), and the
# installed threadlab runs one from /.
pc=$(find "$tmp/dest" -type f -name threadlab.pc | head -n 1)
[ -n "$pc" ] || fail "no threadlab.pc installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
cflags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$tmp/dest$prefix" --cflags threadlab) ||
    fail "pkg-config cannot read the installed threadlab.pc"
sed -e 's/"example\.total"/"race.installed_total"/' -e 's/"example"/"race"/' \
    -e 's/TL_SCENARIO(example_total)/TL_SCENARIO(installed_total)/' \
    "$(dirname "$0")/example_scenario.c" >"$tmp/installed_total.c"
${CC:-cc} $cflags -fPIC -shared -DTL_SCENARIO_DSO -o "$tmp/installed_total.so" "$tmp/installed_total.c" \
    >"$tmp/cc.log" 2>&1 || { cat "$tmp/cc.log"; fail "the installed headers do not compile a scenario file ($cflags)"; }
(cd / && "$bin" run --file "$tmp/installed_total.c" --detector none --out "$tmp/reports" --quiet) \
    >"$tmp/file.log" 2>&1 || { cat "$tmp/file.log"; fail "the installed threadlab did not run --file"; }
echo "install: the installed headers (pkg-config --cflags threadlab) compile a scenario file; the installed threadlab runs it with --file"

# The hosts moved away: a clear error naming where it looked, exit 3.
hostdir=$(dirname "$(echo "$hosts" | head -n 1)")
mv "$hostdir" "$hostdir.moved"
(cd / && "$bin" run race.counter --detector none --out "$tmp/reports") >"$tmp/err.log" 2>&1
status=$?
[ $status -eq 3 ] || { cat "$tmp/err.log"; fail "without its hosts: exit $status, wanted 3"; }
grep -q "looked next to threadlab in" "$tmp/err.log" || { cat "$tmp/err.log"; fail "the error does not say where it looked"; }
echo "install: without its hosts it exits 3 and says where it looked"
exit 0
