#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fetches the OASIS SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5.json, the
final 2.1.0 schema) for tests/sarif.sh, which then validates threadlab's
SARIF against it besides tests/sarif-subset.schema.json. It is third-party
text, so it is never committed: it comes from the npm registry, inside
Microsoft's @microsoft/jest-sarif package, and is checked against the
SHA-256 recorded here before it is written.
    tests/fetch-sarif-schema.py OUT.json
Exit 0: OUT.json is the schema (already there, or fetched); 1: it could not
be fetched or did not match (one line on stderr says why)."""
import hashlib
import io
import os
import sys
import tarfile
import urllib.request

PACKAGE = "https://registry.npmjs.org/@microsoft/jest-sarif/-/jest-sarif-1.0.0-beta.0.tgz"
MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
SHA256 = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"


def main():
    if len(sys.argv) != 2:
        print("usage: fetch-sarif-schema.py OUT.json", file=sys.stderr)
        return 2
    out = sys.argv[1]
    if os.path.exists(out) and hashlib.sha256(open(out, "rb").read()).hexdigest() == SHA256:
        return 0
    try:
        with urllib.request.urlopen(PACKAGE, timeout=60) as r:
            tgz = r.read()
        with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as t:
            schema = t.extractfile(MEMBER).read()
    except Exception as e:  # network, HTTP, a package without the member
        print("fetch-sarif-schema: %s: %s" % (PACKAGE, e), file=sys.stderr)
        return 1
    got = hashlib.sha256(schema).hexdigest()
    if got != SHA256:
        print("fetch-sarif-schema: %s has SHA-256 %s, expected %s" % (MEMBER, got, SHA256),
              file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(schema)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
