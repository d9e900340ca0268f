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
exec "$python" - "$srcdir" <<'PY'
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
