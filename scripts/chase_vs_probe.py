#!/usr/bin/env python3
"""gpuxfer's pointer chase beside the independent probe (tools/chase_probe.cu), from their JSON.

  scripts/chase_vs_probe.py FILE...

Each FILE is a gpuxfer bench report (--save-json) or the probe's output (one JSON object per
line); reports written before schema 1.7 (whose chase restarted every operation at slot 0) may
be given too, for the figure before the fix. Prints Markdown: chase_local against the probe at every working set both measured (ns per
dependent load, medians, and gpuxfer / probe - 1), every chase record with what its walk covered,
and the elementwise records with their cache-resident mark and % of memory bandwidth.
"""
import json
import sys


def load(path):
    with open(path) as f:
        text = f.read()
    try:
        doc = json.loads(text)
        if isinstance(doc, dict) and doc.get("schema") == "gpuxfer.report":
            return "report", doc
    except json.JSONDecodeError:
        pass
    rows = [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]
    if not rows or any(r.get("probe") != "chase_probe" for r in rows):
        raise SystemExit(f"chase_vs_probe: {path}: neither a gpuxfer report nor chase_probe output")
    return "probe", rows


def mib(n):
    return f"{n / 2**20:g} MiB" if n < 2**30 else f"{n / 2**30:g} GiB"


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    chases, elementwise, probe, gpus, versions = [], [], {}, {}, {}
    for path in paths:
        kind, data = load(path)
        if kind == "probe":
            for row in data:
                probe[row["bytes"]] = row
            continue
        v = data["schema_version"]
        versions[path] = f"{v['major']}.{v['minor']}"
        for g in data["system"]["gpus"]:
            gpus[g["name"]] = dict(g, driver=data["system"].get("driver_release"))
        for r in data["records"]:
            if r["status"] != "ok":
                continue
            if r["method"].startswith("chase_"):
                chases.append((path, r))
            elif r["suite"] == "elementwise":
                elementwise.append((path, r))

    print("## chase_local vs tools/chase_probe (ns per dependent load, median)\n")
    print("| working set | cache-resident | gpuxfer chase_local | probe | gpuxfer / probe - 1 | gpuxfer file (schema) |")
    print("|---:|:---:|---:|---:|---:|---|")
    for path, r in chases:
        if r["method"] != "chase_local" or r["bytes"] not in probe:
            continue
        p = probe[r["bytes"]]
        ours = r["latency_s"]["median"] * 1e9
        theirs = p["ns_per_load_median"]
        mark = "yes" if r.get("cache_resident") else "no"
        print(f"| {mib(r['bytes'])} | {mark} | {ours:.1f} | {theirs:.1f} | {100 * (ours / theirs - 1):+.1f} % | "
              f"{path} ({versions[path]}) |")

    print("\n## every chase record\n")
    print("| method | src -> memory | working set | ns per load (median) | best | cv | timed loads | cycles | "
          "loads before samples | distinct lines timed | file |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for path, r in chases:
        c = r.get("chase") or {}
        lines = c.get("lines") or 0
        timed = c.get("loads_timed", 0)
        dst = "host" if r["dst"] is None else f"GPU{r['dst']}"
        print(f"| {r['method']} | GPU{r['src']} -> {dst} | {mib(r['bytes'])}"
              f"{' (L2)' if r.get('cache_resident') else ''} | {r['latency_s']['median'] * 1e9:.1f} | "
              f"{r['latency_s']['best'] * 1e9:.1f} | {100 * r['time_s']['cv']:.1f} % | {timed} | "
              f"{timed / lines if lines else 0:.2f} | {c.get('loads_before_samples', '')} | "
              f"{c.get('distinct_lines_timed', '')} | {path} |")

    if probe:
        print("\n## probe runs\n")
        print("| working set | lines | warm loads | loads per rep | reps | median ns | min | max | walk checked |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
        for size in sorted(probe):
            p = probe[size]
            print(f"| {mib(size)} | {p['lines']} | {p['warm_loads']} | {p['steps_per_rep']} | {p['reps']} | "
                  f"{p['ns_per_load_median']:.1f} | {min(p['ns_per_load']):.1f} | {max(p['ns_per_load']):.1f} | "
                  f"{'yes' if p['walk_verified'] else 'NO'} |")

    if elementwise:
        print("\n## elementwise: cache-resident marks\n")
        print("| kernel | GPU | tensor | working set | L2 | cache-resident | GB/s | % of memory |")
        print("|---|---|---:|---:|---:|:---:|---:|---:|")
        for path, r in elementwise:
            where = f"GPU{r['src']}" if r["src"] is not None else ",".join(map(str, r["devices"]))
            frac = r["efficiency"]["fraction"]
            ws = r.get("working_set_bytes")
            l2 = r.get("l2_bytes")
            print(f"| {r['method']} | {where} | {r['bytes']} | {ws if ws is not None else '-'} | "
                  f"{l2 if l2 is not None else '-'} | {'yes' if r.get('cache_resident') else 'no'} | "
                  f"{r['rate']['median'] / 1e9:.1f} | {'-' if frac is None else f'{100 * frac:.0f} %'} |")
    for name, g in sorted(gpus.items()):
        print(f"\n{name}: L2 {g['l2_bytes']} bytes, driver {g['driver']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
