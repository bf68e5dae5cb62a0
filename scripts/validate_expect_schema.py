#!/usr/bin/env python3
"""Validate gpuxfer.expect documents against schema/gpuxfer.expect.v1.schema.json.

  scripts/validate_expect_schema.py GPUXFER   the self-test ctest runs (expect_schema_validation):
      tests/data/check/*.expect.json that gpuxfer accepts must pass, unknown-key.expect.json must
      fail; and `GPUXFER check R --emit-expect` of every gpuxfer.report with records in tests/data/runs/
      must pass.
Exit 0 when every file is as expected, 1 otherwise, 77 (ctest: skipped) without python3-jsonschema.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    import jsonschema
except ImportError:
    print("validate_expect_schema.py: SKIP: the Python module 'jsonschema' is not installed "
          "(Debian: apt-get install python3-jsonschema)")
    sys.exit(77)


def main():
    gpuxfer = sys.argv[1]
    with open(os.path.join(ROOT, "schema/gpuxfer.expect.v1.schema.json")) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0

    def check(path, doc, want_valid):
        nonlocal bad
        errors = list(validator.iter_errors(doc))
        ok = (not errors) == want_valid
        print(f"{'ok' if ok else 'FAIL'}: {os.path.relpath(path, ROOT)}"
              f"{'' if want_valid else ' (rejected, as it should be)' if ok else ''}"
              f"{': ' + errors[0].message if errors and want_valid else ''}")
        bad += not ok

    for path in sorted(glob.glob(os.path.join(ROOT, "tests/data/check/*.expect.json"))):
        name = os.path.basename(path)
        if name in ("malformed.expect.json", "newer-major.expect.json"):
            continue  # not JSON / another major: gpuxfer refuses them before any schema applies
        with open(path) as f:
            check(path, json.load(f), name != "unknown-key.expect.json")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "emitted.expect.json")
        for path in sorted(glob.glob(os.path.join(ROOT, "tests/data/runs/*/*.json"))):
            with open(path) as f:
                doc = json.load(f)
            if doc.get("schema") != "gpuxfer.report" or not doc.get("records"):
                continue
            r = subprocess.run([gpuxfer, "check", path, "--emit-expect", out], capture_output=True, text=True)
            if r.returncode == 2 or not os.path.exists(out):
                print(f"FAIL: {os.path.relpath(path, ROOT)}: --emit-expect: {r.stderr.strip()}")
                bad += 1
                continue
            with open(out) as f:
                check(path + " (emitted)", json.load(f), True)
            os.remove(out)
    print(f"validate_expect_schema.py: {'all as expected' if bad == 0 else f'{bad} unexpected'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
