#!/usr/bin/env python3
"""Sample lengths of gpuxfer bench reports against their minimum (docs/method.md, "Sample length").

  scripts/sample_length.py FILE...

Per file: measured records, records with a sample shorter than half the minimum sample time
although the op cap did not bound them ("short"), and records the cap bounded ("capped", schema
1.7+). A sample's length is its seconds per op x ops per sample (pointer chases: seconds per
load x loads per op). The minimum is the record's own measurement.min_sample_s (1.7+) or the
run's min_sample_seconds; the cap is 256 ops (device-timed) or 100000 (host-timed).
"""
import json
import sys


def lengths(record):
    m = record["measurement"]
    per_op = 1.0
    chase = record.get("chase")
    if record["method"].startswith("chase_"):
        per_op = chase["steps_per_op"] if chase else 10000
    return [s * per_op * m["ops_per_sample"] for s in record["samples_s"]]


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    print("| file | measured | short (< half the minimum, cap not reached) | capped |")
    print("|---|---:|---:|---:|")
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        run_min = doc.get("run", {}).get("options", {}).get("min_sample_seconds")
        measured = short = capped = 0
        for r in doc.get("records", []):
            if r.get("status") != "ok" or not r.get("samples_s"):
                continue
            m = r["measurement"]
            minimum = m.get("min_sample_s") or run_min
            if not minimum:
                continue
            measured += 1
            cap = 256 if m["timing_mode"] == "device" else 100000
            if m.get("ops_capped"):
                capped += 1
                continue
            if m["ops_per_sample"] < cap and min(lengths(r)) < minimum / 2:
                short += 1
        print(f"| {path} | {measured} | {short} | {capped} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
