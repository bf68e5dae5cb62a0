#!/usr/bin/env python3
"""Run-to-run spread of the 400 MB bandwidth figures of two gpuxfer bench JSON files, per method.

  run_to_run.py FIRST.json SECOND.json"""
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
def rates(d):
    out = {}
    for r in d["records"]:
        if r["status"] == "ok" and r.get("rate") and r["bytes"] == 400000000 and r["metric"] == "bandwidth":
            out[(r["suite"], r["method"], str(r["src"]), str(r["dst"]), r["streams"], r["chunk_bytes"], r["ring_depth"], json.dumps(r["devices"]))] = r["rate"]["median"]
    return out
ra, rb = rates(a), rates(b)
by = {}
for k in ra:
    if k in rb:
        dev = abs(rb[k] / ra[k] - 1)
        by.setdefault(k[1], []).append(dev)
for m, v in sorted(by.items()):
    print("%-14s %3d records, max run-to-run difference %.2f %%" % (m, len(v), 100 * max(v)))
