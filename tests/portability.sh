#!/bin/sh
# Portability runs: `make check` of the same sources built another way, each
# in a build of its own under a temporary directory, so the main build (where
# this is started from) is never touched. quickstart.sh check runs it after the
# main `make check`; it can also be run by hand from a configured build tree:
#
#   tests/portability.sh [NAME...]      (default: every configuration below)
#
#   gcc            ./configure CC=gcc                (and no compiler warning)
#   clang-19       ./configure CC=clang-19        (Debian's clang-19, libclang-rt-19-dev)
#   asan           ./configure --enable-asan      (ASan + LSan + UBSan; the TSan host keeps TSan)
#   disable-tsan   ./configure --disable-tsan --without-ck
#                  (the TSan tests must skip, not fail; threadlab bench must say
#                  Concurrency Kit is missing, and build and run without it)
#
# The sources come from `make distdir` (what a release tarball holds, so a
# file missing from the distribution fails here too), and every configuration
# is a VPATH build out of that one copy. Each run prints Check's closing lines
# and how long it took; the exit status is 1 when any run failed, and then the
# temporary directory is kept for a look (its path is printed).
# TL_PORTABILITY_KEEP=1 keeps it in any case.
set -u

builddir=$(pwd)
[ -f "$builddir/Makefile" ] || { echo "portability.sh: run it from a configured build tree" >&2; exit 2; }
names=${*:-gcc clang-19 asan disable-tsan}
for name in $names; do
    case $name in
    gcc|clang-19|asan|disable-tsan) ;;
    *) echo "portability.sh: unknown configuration '$name'; allowed: gcc, clang-19, asan, disable-tsan" >&2; exit 2 ;;
    esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-portability-XXXXXX") || exit 1
src=$tmp/src
echo "portability: sources (make distdir) in $src"
if ! make -s -C "$builddir" distdir distdir="$src" top_distdir="$src" >"$tmp/distdir.log" 2>&1; then
    cat "$tmp/distdir.log"
    echo "portability: make distdir failed; kept $tmp" >&2
    exit 1
fi

# A whole number of seconds, for the durations reported.
now() { date +%s; }

failed=
for name in $names; do
    case $name in
    gcc) set -- CC=gcc ;;
    clang-19) set -- CC=clang-19 ;;
    asan) set -- --enable-asan ;;
    disable-tsan) set -- --disable-tsan --without-ck ;;
    esac
    b=$tmp/build-$name
    mkdir "$b"
    echo "portability: [$name] ./configure $*"
    start=$(now)
    status=0
    (cd "$b" && "$src/configure" "$@" >configure.out 2>&1) || status=$?
    if [ $status -ne 0 ]; then
        tail -n 5 "$b/configure.out"
    else
        # The build is parallel; the tests run one program at a time, like
        # the main `make check`, so timing-sensitive scenarios get the cores.
        (cd "$b" && make -j"$(nproc)" >make.out 2>&1) || { status=$?; tail -n 30 "$b/make.out"; }
    fi
    built=$(now)
    if [ $status -eq 0 ]; then
        (cd "$b" && make check >check.out 2>&1) || status=$?
        for log in "$b"/tests/*.log; do
            [ -f "$log" ] && grep -H '%: Checks:' "$log" | sed "s|^$b/|  [$name] |"
        done
        grep -h '^skip: ' "$b"/tests/*.log 2>/dev/null | sed "s|^|  [$name] |"
        [ $status -eq 0 ] || cat "$b/test-suite.log"
    fi
    # gcc builds everything (the CLI, the hosts, the tests) without a
    # warning, and keeps it so: a new one fails this run, shown here.
    if [ $status -eq 0 ] && [ "$name" = gcc ]; then
        warnings=$(cat "$b/make.out" "$b/check.out" | grep -c 'warning:')
        if [ "$warnings" -ne 0 ]; then
            grep -h 'warning:' "$b/make.out" "$b/check.out" | sort -u | head -n 20
            echo "portability: [gcc] $warnings compiler warnings; the gcc build has none" >&2
            status=1
        fi
    fi
    end=$(now)
    if [ $status -eq 0 ]; then
        echo "portability: [$name] passed: build $((built - start)) s, make check $((end - built)) s"
    else
        echo "portability: [$name] FAILED (status $status) after $((end - start)) s; logs in $b" >&2
        failed="$failed $name"
    fi
done

if [ -n "$failed" ]; then
    echo "portability: failed:$failed; kept $tmp" >&2
    exit 1
fi
if [ "${TL_PORTABILITY_KEEP:-0}" = 1 ]; then
    echo "portability: kept $tmp"
else
    rm -rf "$tmp"
fi
echo "portability: all passed ($names)"
