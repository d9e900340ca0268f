#!/bin/sh
# threadlab quick start: installs what a fresh Debian 12 machine lacks,
# bootstraps, configures, builds, then runs the demo (no argument) or the
# whole test suite (`./quickstart.sh check`), or stops after the build
# (`./quickstart.sh build`, what CI workflows use before ci/demonstrate.sh).
# Safe to run again: every step is skipped when already done.
set -eu
cd "$(dirname "$0")"
what=${1:-demo}
case $what in
demo|check|build) ;;
*) echo "quickstart.sh: unknown target '$what'; allowed: demo (default), check, build" >&2; exit 2 ;;
esac

# clang-19, llvm-19 (its symbolizer) and libclang-rt-19-dev are for the
# portability runs of `./quickstart.sh check` (tests/portability.sh);
# libck-dev (Concurrency Kit) for the peers `threadlab bench` compares with.
packages="clang llvm libclang-rt-14-dev gcc make autoconf automake pkg-config check libjansson-dev libexpat1-dev libxml2-dev help2man python3-jsonschema valgrind graphviz clang-19 llvm-19 libclang-rt-19-dev libck-dev"
missing=
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
if [ -n "$missing" ]; then
    echo "quickstart: installing$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

# clang 14's TSan cannot place its shadow memory when the kernel randomises
# mmap addresses with more than 28 bits (the default of some newer kernels).
bits=$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)
if [ "$bits" -gt 28 ]; then
    echo "quickstart: vm.mmap_rnd_bits is $bits; ThreadSanitizer needs at most 28, setting it"
    $sudo sysctl -q -w vm.mmap_rnd_bits=28 || echo "quickstart: could not set it; TSan may fail" >&2
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

if [ "$what" = build ]; then
    exit 0
elif [ "$what" = check ]; then
    status=0
    # The OASIS SARIF 2.1.0 schema, which tests/sarif.sh validates the
    # SARIF output against besides its own subset schema: third-party text,
    # fetched (SHA-256 checked) and kept out of the tree.
    if [ -z "${SARIF_SCHEMA:-}" ]; then
        if python3 tests/fetch-sarif-schema.py .cache/sarif-2.1.0-rtm.5.json; then
            SARIF_SCHEMA=$PWD/.cache/sarif-2.1.0-rtm.5.json
            export SARIF_SCHEMA
        else
            echo "quickstart: the OASIS SARIF schema could not be fetched; SARIF is checked against tests/sarif-subset.schema.json only" >&2
        fi
    fi
    # action-validator, which tests/workflows.sh checks the GitHub workflow
    # with (the workflow schema GitHub's editors use), from the npm registry.
    if [ ! -x .cache/npm/node_modules/.bin/action-validator ]; then
        if command -v npm >/dev/null 2>&1 &&
            timeout 300 npm install --silent --no-audit --no-fund --prefix .cache/npm @action-validator/cli@0.6.0 >/dev/null 2>&1; then
            :
        else
            echo "quickstart: action-validator could not be installed (npm missing or offline); the workflow schema check is left out" >&2
        fi
    fi
    # Built in parallel above; the tests run one program at a time. They pass
    # on a busy machine too (verdicts do not depend on the schedule); one at
    # a time only keeps the whole run short on 2 cores.
    make check || status=$?
    # Show each test program's Check summary: the parallel harness keeps them
    # in the logs, and they say how many tests ran.
    for log in tests/*.log; do
        [ -f "$log" ] && grep -H '%: Checks:' "$log" || true
    done
    [ $status -eq 0 ] || { cat test-suite.log; exit $status; }
    # The same suite built with gcc, with clang 19, with ASan + UBSan and
    # without TSan, each in a temporary build of its own: what the README
    # promises is tested, not hoped for.
    tests/portability.sh
    # A short bounded fuzz of the TSan log parser (make fuzz), when this
    # build's compiler has libFuzzer (clang does, gcc does not).
    if grep -q '^have_fuzzer = yes' Makefile; then
        make -s fuzz FUZZ_SECONDS=30
    else
        echo "quickstart: no libFuzzer with this build's compiler; skipping make fuzz"
    fi
else
    # The headline demo: one race, one deadlock, one TLS and one
    # return-by-pointer scenario, buggy and fixed side by side under TSan;
    # then the same deadlock really happening, caught by the live monitor.
    status=0
    ./threadlab run race.counter deadlock.abba tls.counter retptr.static_buffer || status=$?
    echo
    ./threadlab run deadlock.abba --mode actual --verbose || status=$?
    exit $status
fi
