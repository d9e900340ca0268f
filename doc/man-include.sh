#!/bin/sh
# SPDX-License-Identifier: MIT
# Prints help2man's include file for threadlab.1: the sections --help does
# not have (description, every command's own --help, environment, files),
# so the man page says what `threadlab help COMMAND` says, never something
# written twice by hand. Usage: doc/man-include.sh ./threadlab
set -eu
tl=$1
cat <<'TEXT'
[DESCRIPTION]
threadlab runs a catalogue of concurrency-bug scenarios - data races,
deadlocks, livelocks, starvation, thread-local storage, return-by-pointer
hazards, callbacks, pools, event loops, coroutines and processes - each as a
buggy variant that shows its bug on every run and fixed variants that stay
clean, against hand-built mutexes, spinlocks, semaphores and atomics, and
records what the detectors (ThreadSanitizer built by clang and by gcc,
Helgrind, DRD), the scenario's own oracle and the live monitor saw into a
report folder.
TEXT
echo '[COMMANDS IN DETAIL]'
for c in $("$tl" list --names commands); do
    [ "$c" = help ] && continue
    echo ".SS threadlab $c"
    echo ".nf"
    # roff: a backslash is \e; a line starting with . or ' is text, not a request.
    "$tl" help "$c" | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    echo ".fi"
done
cat <<'TEXT'
[ENVIRONMENT]
.TP
.B TSAN_OPTIONS
appended after threadlab's own ThreadSanitizer options; a key threadlab sets
itself (log_path, exitcode, halt_on_error, second_deadlock_stack,
strip_path_prefix, external_symbolizer_path) set to another value is refused
(exit 2). A relative suppressions file is taken from the folder threadlab
was started in.
[FILES]
.TP
.I threadlab-reports/YYYYmmdd-HHMMSS/
one folder per run command: runs.jsonl, report.json, summary.md (and
matrix.md, matrix.json), and each run's raw logs.
.TP
.I libexec/threadlab/threadlab-host*
the hosts each scenario runs in, found next to threadlab, relative to it as
installed, or in the configured libexecdir.
[SEE ALSO]
README.md, scenarios/README.md and reports/README.md in the source tree.
TEXT
