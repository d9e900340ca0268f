#!/bin/sh
# Only the detector backends (harness/detectors/) may know a detector: its
# name, its output format, its runtime's entry points. Everywhere else the
# code speaks of detectors through the backend interface. This check strips
# the comments from every other source file of the harness and the reports
# (comments may use a detector as an example) and prints each line of code
# that still names one: a backend's name as a string ("tsan", "tsan:..."),
# or a detector's own words (ThreadSanitizer, valgrind, __tsan_, Annotate...).
# Exit 1 when there is one.
cd "$(dirname "$0")/.." || exit 2
names=$(sed -n 's/^ *\.name = "\([^"]*\)".*/\1/p' harness/detectors/*.c | sort -u)
[ -n "$names" ] || { echo "detector_names: no backend names found in harness/detectors/*.c" >&2; exit 2; }
pattern='ThreadSanitizer|valgrind|helgrind\.h|drd\.h|__tsan_|Annotate[A-Z]|TSAN_OPTIONS'
for n in $names; do
    [ "$n" = none ] && continue
    pattern="$pattern|\"$n[\":]"
done
status=0
checked=0
for f in harness/*.[ch] reports/*.[ch]; do
    checked=$((checked + 1))
    # -fpreprocessed: comments go, nothing is expanded or included.
    hits=$(${CC:-cc} -fpreprocessed -dD -E -P -x c "$f" 2>/dev/null | grep -nE "$pattern")
    if [ -n "$hits" ]; then
        echo "$hits" | sed "s|^|detector_names: $f: |"
        status=1
    fi
done
[ $status -eq 0 ] && echo "detector_names: no file outside harness/detectors/ names a detector ($checked files; backends: $(echo $names | tr '\n' ' '))"
exit $status
