#!/bin/sh
# The layers of threadlab, lowest first; a file may include headers of its
# own layer and of the layers below it, never above, so there is no circle:
#   1 primitives/            the hand-built primitives and the monitor's recording
#   2 harness/ (core)        catalogue, scenario runtime, runner, monitor,
#                            TSan reader, verdicts, and the detector backends
#                            (harness/detectors/)
#   3 reports/               the run record and one writer per report format
#   4 harness/ (CLI)         cli.c, cli_util.c, cmd_*.[ch], bench_cmd.c, the
#                            command table (commands.c), what the CLI prints at the
#                            end (run_table, ci_github), and the plan (options
#                            turned into runs, with their errors)
# Prints each include that goes upwards; exit 1 if there is one.
cd "$(dirname "$0")/.." || exit 2
layer_of() {
    case $1 in
    primitives/*) echo 1 ;;
    reports/*) echo 3 ;;
    harness/cli.[ch] | harness/cli_util.c | harness/cmd_*.[ch] | harness/bench_cmd.c | harness/plan.[ch] | \
        harness/commands.c | harness/run_table.[ch] | harness/ci_github.[ch]) echo 4 ;;
    harness/*) echo 2 ;;
    *) echo 0 ;;
    esac
}
status=0
for f in primitives/*.[ch] harness/*.[ch] harness/detectors/*.[ch] reports/*.[ch]; do
    mine=$(layer_of "$f")
    for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
        for dir in primitives harness harness/detectors reports; do
            [ -f "$dir/$h" ] || continue
            theirs=$(layer_of "$dir/$h")
            if [ "$theirs" -gt "$mine" ]; then
                echo "layers: $f (layer $mine) includes $dir/$h (layer $theirs)"
                status=1
            fi
        done
    done
done
[ $status -eq 0 ] && echo "layers: no include goes upwards ($(ls primitives/*.[ch] harness/*.[ch] harness/detectors/*.[ch] reports/*.[ch] | wc -l) files)"
exit $status
