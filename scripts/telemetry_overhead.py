#!/usr/bin/env python3
"""What the telemetry sampler costs the figures: two gpuxfer bench reports of the same machine and
options, one with --telemetry on and one with --telemetry off, headline records paired.

  python3 scripts/telemetry_overhead.py ON.json OFF.json [--output overhead.json]

Pairs the ok headline records of the peer, host, elementwise and gemm suites by identity (suite,
method, src, dst, devices, dtype, bytes, gemm_n, streams) and prints per record the median rate
with telemetry on, off, and on / off (1.000 = no cost; below 1 = slower with the sampler), then
per suite the geometric mean of the ratios and the smallest one. A run-to-run spread of about
1 % between two identical runs is normal (docs/compare.md, noise model); `gpuxfer compare OFF ON`
judges the same pair against it.

Exit status: 0 done; 2 bad arguments, unreadable reports, or no record pairs.
"""
import argparse
import json
import math
import sys

SUITES = ("peer", "host", "elementwise", "gemm")


def load(path):
    with open(path) as f:
        doc = json.load(f)
    if doc.get("schema") != "gpuxfer.report":
        raise ValueError("not a gpuxfer report")
    return doc


def key(r):
    return (r["suite"], r["method"], r.get("src"), r.get("dst"), tuple(r.get("devices") or []), r.get("dtype"),
            r.get("bytes"), r.get("gemm_n", 0), r.get("streams", 1))


def headline(doc):
    out = {}
    for r in doc.get("records", []):
        if r.get("suite") in SUITES and r.get("headline") and r.get("status") == "ok" and r.get("rate"):
            out[key(r)] = r
    return out


def telemetry_option(doc):
    return doc.get("run", {}).get("options", {}).get("telemetry", "?")


def label(k):
    suite, method, src, dst, devices, _, nbytes, gemm_n, _ = k
    where = "GPUs " + ",".join(map(str, devices)) if devices else (
        "GPU %s" % src if src == dst else "%s->%s" % ("host" if src is None else src, "host" if dst is None else dst))
    size = "N=%d" % gemm_n if suite == "gemm" else "%d B" % nbytes
    return "%-11s %-13s %-12s %s" % (suite, method, where, size)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("on", help="report of bench --telemetry on")
    p.add_argument("off", help="report of bench --telemetry off")
    p.add_argument("--output", help="write the pairs and summaries as JSON here")
    args = p.parse_args()
    try:
        on, off = load(args.on), load(args.off)
    except (OSError, ValueError) as e:
        print("telemetry_overhead.py: %s" % e, file=sys.stderr)
        return 2
    for doc, path, want in ((on, args.on, "on"), (off, args.off, "off")):
        got = telemetry_option(doc)
        if got not in (want, "?"):
            print("telemetry_overhead.py: warning: %s ran with --telemetry %s" % (path, got), file=sys.stderr)
    a, b = headline(on), headline(off)
    keys = [k for k in a if k in b]
    if not keys:
        print("telemetry_overhead.py: no headline records in common", file=sys.stderr)
        return 2
    rows = []
    print("%-50s %14s %14s %8s" % ("record", "on", "off", "on/off"))
    for k in keys:
        unit = a[k]["rate"]["unit"]
        scale = 1e12 if unit == "FLOP/s" else 1e9
        ron, roff = a[k]["rate"]["median"], b[k]["rate"]["median"]
        r = ron / roff
        rows.append({"suite": k[0], "method": k[1], "src": k[2], "dst": k[3], "devices": list(k[4]), "bytes": k[6],
                     "gemm_n": k[7], "unit": unit, "on": ron, "off": roff, "ratio": r})
        print("%-50s %14.2f %14.2f %8.3f  %s" % (label(k), ron / scale, roff / scale, r,
                                                 "TFLOP/s" if unit == "FLOP/s" else "GB/s"))
    print()
    summary = {}
    print("%-12s %6s %10s %10s" % ("suite", "pairs", "geomean", "lowest"))
    for s in SUITES:
        ratios = [x["ratio"] for x in rows if x["suite"] == s]
        if not ratios:
            continue
        g = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        summary[s] = {"pairs": len(ratios), "geomean": g, "lowest": min(ratios)}
        print("%-12s %6d %10.4f %10.4f" % (s, len(ratios), g, min(ratios)))
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"schema": "gpuxfer.telemetry_overhead", "on": args.on, "off": args.off,
                       "ratio": "median rate with telemetry on / off", "summary": summary, "pairs": rows}, f,
                      indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
