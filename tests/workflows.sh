#!/bin/sh
# SPDX-License-Identifier: MIT
# The CI files are not untested prose: both parse as YAML, both set up with
# `./quickstart.sh build` and demonstrate with ci/demonstrate.sh (which
# `make check` runs too), and every file they upload or report is one the
# script writes. Exit 1 on any failure, 77 without a Python with PyYAML.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
python=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import yaml' 2>/dev/null; then
        python=$p
        break
    fi
done
[ -n "$python" ] || { echo "workflows: SKIP: no python3 with PyYAML"; exit 77; }

# The GitHub workflow against the workflow schema GitHub's editors use
# (SchemaStore's, inside the npm package @action-validator/cli, which
# `./quickstart.sh check` installs into .cache/npm when npm is there): the
# workflow passes, and a copy with a misspelt key does not.
validator=${ACTION_VALIDATOR:-$srcdir/.cache/npm/node_modules/.bin/action-validator}
if [ -x "$validator" ]; then
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-workflows-XXXXXX") || exit 2
    trap 'rm -rf "$tmp"' EXIT
    wf=$srcdir/.github/workflows/threadlab.yml
    "$validator" "$wf" >"$tmp/ok.log" 2>&1 ||
        { cat "$tmp/ok.log"; echo "workflows: $wf does not validate"; exit 1; }
    sed 's/^    steps:/    stepz:/' "$wf" >"$tmp/broken.yml"
    if "$validator" "$tmp/broken.yml" >"$tmp/broken.log" 2>&1 ||
        ! grep -q "stepz" "$tmp/broken.log"; then
        cat "$tmp/broken.log"; echo "workflows: a workflow with 'stepz' for 'steps' was not refused"; exit 1
    fi
    echo "workflows: .github/workflows/threadlab.yml validates against the workflow schema ($validator); 'stepz' for 'steps' is refused"
else
    echo "workflows: no action-validator (./quickstart.sh check installs it with npm): the workflow schema is not checked"
fi

"$python" - "$srcdir" <<'PY'
import os, re, sys, yaml
src = sys.argv[1]
script = open(os.path.join(src, "ci/demonstrate.sh")).read()
writes = set(re.findall(r'\$out/\$role\.(junit\.xml|sarif)', script))
def fail(msg):
    print("workflows: " + msg); sys.exit(1)
def check(path, runs, files):
    text = " ".join(runs)
    for need in ("./quickstart.sh build", "ci/demonstrate.sh threadlab-reports/ci"):
        if need not in text:
            fail("%s does not run '%s'" % (path, need))
    for f in files:
        m = re.match(r"threadlab-reports/ci/(buggy|fixed)\.(junit\.xml|sarif)$", f)
        if f != "threadlab-reports/" and not (m and m.group(2) in writes):
            fail("%s uses %s, which ci/demonstrate.sh does not write" % (path, f))
    print("workflows: %s runs the quick start's build and ci/demonstrate.sh; uses %s"
          % (path, ", ".join(files)))
gh = yaml.safe_load(open(os.path.join(src, ".github/workflows/threadlab.yml")))
steps = gh["jobs"]["demonstrate"]["steps"]
check(".github/workflows/threadlab.yml", [s.get("run", "") for s in steps],
      [s["with"].get("sarif_file") or s["with"].get("path") for s in steps if "with" in s])
gl = yaml.safe_load(open(os.path.join(src, ".gitlab-ci.yml")))["threadlab"]
check(".gitlab-ci.yml", gl["script"],
      gl["artifacts"]["paths"] + gl["artifacts"]["reports"]["junit"])
PY
