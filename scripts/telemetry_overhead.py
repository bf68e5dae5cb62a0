#!/usr/bin/env python3
"""What the telemetry sampler costs the figures: gpuxfer bench reports of the same machine and
options, some with --telemetry on and some with --telemetry off (best run interleaved: on, off,
on, off, ...), headline records paired.

  python3 scripts/telemetry_overhead.py --on ON.json [ON2.json ...] --off OFF.json [OFF2.json ...]
                                        [--output overhead.json]

Pairs the ok headline records of the peer, host, elementwise and gemm suites by identity (suite,
method, src, dst, devices, dtype, bytes, gemm_n, streams). Per record: the median over the ON
runs of each run's median rate, the same over the OFF runs, and on / off (1.000 = no cost; below
1 = slower with the sampler); beside it the OFF runs' own spread (largest / smallest OFF median),
the run-to-run noise any on/off difference has to be read against. Then per suite the geometric
mean of the ratios and the smallest one.

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


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--on", nargs="+", required=True, help="reports of bench --telemetry on")
    p.add_argument("--off", nargs="+", required=True, help="reports of bench --telemetry off")
    p.add_argument("--output", help="write the pairs and summaries as JSON here")
    args = p.parse_args()
    try:
        on = [(path, load(path)) for path in args.on]
        off = [(path, load(path)) for path in args.off]
    except (OSError, ValueError) as e:
        print("telemetry_overhead.py: %s" % e, file=sys.stderr)
        return 2
    for docs, want in ((on, "on"), (off, "off")):
        for path, doc in docs:
            got = telemetry_option(doc)
            if got not in (want, "?"):
                print("telemetry_overhead.py: warning: %s ran with --telemetry %s" % (path, got), file=sys.stderr)
    a = [headline(doc) for _, doc in on]
    b = [headline(doc) for _, doc in off]
    keys = [k for k in a[0] if all(k in x for x in a + b)]
    if not keys:
        print("telemetry_overhead.py: no headline records in common", file=sys.stderr)
        return 2
    rows = []
    print("%d runs on, %d off; rates: median over runs of each run's median" % (len(on), len(off)))
    print("%-50s %14s %14s %8s %10s" % ("record", "on", "off", "on/off", "off spread"))
    for k in keys:
        unit = a[0][k]["rate"]["unit"]
        scale = 1e12 if unit == "FLOP/s" else 1e9
        ons = [x[k]["rate"]["median"] for x in a]
        offs = [x[k]["rate"]["median"] for x in b]
        ron, roff = median(ons), median(offs)
        r = ron / roff
        spread = max(offs) / min(offs)
        rows.append({"suite": k[0], "method": k[1], "src": k[2], "dst": k[3], "devices": list(k[4]), "bytes": k[6],
                     "gemm_n": k[7], "unit": unit, "on": ron, "off": roff, "ratio": r, "on_runs": ons,
                     "off_runs": offs, "off_spread": spread})
        print("%-50s %14.2f %14.2f %8.4f %10.4f  %s" % (label(k), ron / scale, roff / scale, r, spread,
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
                       "ratio": "median over runs of the median rate, telemetry on / off", "summary": summary,
                       "pairs": rows}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
