#!/usr/bin/env python3
"""The run-to-run noise model of `gpuxfer compare` and the evidence that it holds.

  aa_evidence.py learn    [--gpuxfer BIN] [--out data/compare-noise.v1.json]
  aa_evidence.py evaluate [--gpuxfer BIN] [--out data/compare-noise-evidence] [--pair BASE NEW ...]

learn: every A/A pair below (two runs of one binary on one machine, back to back) is compared
with the noise model switched off (`compare --noise-model none --format json`); each matched
row gives |log(NEW/BASE)| for its noise class (suite/method/regime, the class gpuxfer itself
names) and its within-run cv (BASE and NEW in quadrature). gpuxfer allows a row
class spread + CV_MULTIPLIER x cv; the class spread learned here is SAFETY times the largest
part of a deviation that CV_MULTIPLIER x cv does not explain, at least FLOOR; suite/*/regime
and */*/regime pool their members, so a class seen too rarely falls back to a wider group.
The output names every pair with its hash: the model's provenance.

evaluate: for each pair, at the default settings (tolerance 5 %),
  * false positives: faster/slower rows and suite verdicts with the compiled-in model
    (in-sample) and with a model learned without this pair (leave-one-out: out-of-sample);
  * detection: NEW's headline records of one suite (every record of a suite without headline
    records) slowed by 5 % and by 2 %: the suite's headline verdict and the share of those rows
    judged slower, with the leave-one-out model.
Writes OUT.json (every figure) and OUT.md (the tables docs/compare.md quotes).
"""
import argparse
import concurrent.futures
import copy
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = "tests/data/runs"  # the A/A pairs: fixtures, so that results/ can change without touching the model

# (BASE, NEW, what): committed A/A pairs, under tests/data/runs/.
PAIRS = [
    ("h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json", "h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run2.json", "4x H200, default bench"),
    ("h200x4-nvswitch-2026-11-26-1a698f5b/bench-staged-host-run1.json", "h200x4-nvswitch-2026-11-26-1a698f5b/bench-staged-host-run2.json",
     "4x H200, staged and host suites"),
    ("h200x4-nvswitch-2026-11-27-3914d5f9/bench-transfers-run1.json", "h200x4-nvswitch-2026-11-27-3914d5f9/bench-transfers-run2.json", "4x H200, transfer suites"),
    ("h200x4-nvswitch-2026-11-27-7d1b33bb/bench-transfers-run1.json", "h200x4-nvswitch-2026-11-27-7d1b33bb/bench-transfers-run2.json",
     "4x H200, transfer suites"),
    ("h200x4-nvswitch-2026-11-27-0e91a394/bench-transfers-run1.json", "h200x4-nvswitch-2026-11-27-0e91a394/bench-transfers-run2.json",
     "4x H200, transfer suites"),
    ("h200x4-nvswitch-2026-11-27-738b734b/bench-transfers-run1.json", "h200x4-nvswitch-2026-11-27-738b734b/bench-transfers-run2.json",
     "4x H200, transfer suites"),
    ("h200x4-nvswitch-2026-11-27-77026cf3/bench-compute.json", "h200x4-nvswitch-2026-11-27-1398c7f4/bench-compute.json",
     "4x H200, compute suites, 14 min apart"),
    ("h200x1-nvswitch-2026-11-27-516f39fa/bench-gemm-burst-run1.json", "h200x1-nvswitch-2026-11-27-516f39fa/bench-gemm-burst-run2.json",
     "2x H200, GEMM"),
    ("h200x1-nvswitch-2026-11-27-516f39fa/bench-gemm-burst-run2.json", "h200x1-nvswitch-2026-11-27-516f39fa/bench-gemm-burst-run3.json",
     "2x H200, GEMM"),
    ("h200x1-2026-12-02-dab758a9/bench-run1.json", "h200x1-2026-12-02-dab758a9/bench-run2.json", "1x H200, default bench"),
    ("h200x1-2026-12-02-dab758a9/bench-compute-run1.json", "h200x1-2026-12-02-dab758a9/bench-compute-run2.json", "1x H200, compute suites"),
    ("h200x1-2026-12-02-1fd204e4/bench-run1.json", "h200x1-2026-12-02-1fd204e4/bench-run2.json",
     "1x H200, default bench, later the same day"),
    ("h200x1-2026-12-02-1fd204e4/bench-compute-run1.json", "h200x1-2026-12-02-1fd204e4/bench-compute-run2.json",
     "1x H200, compute suites, later the same day"),
    ("h200x1-2026-12-03-6e8afc30/bench-run1.json", "h200x1-2026-12-03-6e8afc30/bench-run2.json",
     "1x H200, default bench, a day later"),
    ("h200x1-2026-12-03-6e8afc30/bench-compute-run1.json", "h200x1-2026-12-03-6e8afc30/bench-compute-run2.json",
     "1x H200, compute suites, a day later"),
]

# A/A pairs measured after the model was learned: judged by `evaluate`, never learned from, so
# they test the model out of sample.
HELD_OUT = [
    ("h200x1-2026-12-03-8d131064/bench-run1.json", "h200x1-2026-12-03-8d131064/bench-run2.json",
     "1x H200, default bench, held out"),
    ("h200x1-2026-12-03-8d131064/bench-compute-run1.json", "h200x1-2026-12-03-8d131064/bench-compute-run2.json",
     "1x H200, compute suites, held out"),
]


CV_MULTIPLIER = 3      # a row may move 3 within-run cvs (of BASE and NEW in quadrature) between runs
SAFETY = 2.0           # twice the largest deviation the cv does not explain: A/A pairs are few
FLOOR = 0.005          # no class is steadier than 0.5 % from run to run
LATENCY_BOUND_S = 50e-6  # one operation shorter than this is latency-bound (launch, sync, PCIe round trips)
DEFAULT_SPREAD = 0.10  # a class no pair has seen, in no group either
MIN_OBSERVATIONS = 3
TOLERANCE = 0.05


def run_path(name):
    return os.path.join(ROOT, RUNS, name)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def compare(gpuxfer, base, new, noise_model=None, extra=()):
    cmd = [gpuxfer, "compare", base, new, "--format", "json", *extra]
    if noise_model is not None:
        cmd += ["--noise-model", noise_model]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["comparisons"][0]


def deviations(gpuxfer, pair):
    """Per matched row of one pair: (class, |log ratio|, within-run cv of BASE and NEW in quadrature)."""
    c = compare(gpuxfer, run_path(pair[0]), run_path(pair[1]), "none")
    return [(r["noise"]["class"], abs(math.log(r["ratio"])), math.hypot(r["base"]["cv"] or 0, r["new"]["cv"] or 0))
            for r in c["rows"] if r["ratio"] is not None]


def learn(devs_by_pair, pairs):
    groups = {}
    for devs in devs_by_pair:
        for cls, d, cv in devs:
            suite, method, regime = cls.split("/")
            for name in (cls, f"{suite}/*/{regime}", f"*/*/{regime}"):
                groups.setdefault(name, []).append((d, max(0.0, d - CV_MULTIPLIER * cv)))
    classes = {}
    for name in sorted(groups):
        ds = [d for d, _ in groups[name]]
        excess = [e for _, e in groups[name]]
        # Rounded up: the rounded spread still covers every deviation it was learned from.
        classes[name] = {"spread": math.ceil(max(FLOOR, SAFETY * max(excess)) * 1e5) / 1e5, "observations": len(ds),
                         "max_abs_log_ratio": round(max(ds), 5), "max_unexplained": round(max(excess), 5)}
    return {
        "schema": "gpuxfer.noise",
        "schema_version": {"major": 1, "minor": 1},
        "description": "Run-to-run spread of NEW/BASE per noise class, learned from A/A pairs by "
                       "scripts/aa_evidence.py learn. A row allows class spread + cv_multiplier x "
                       "hypot(cv BASE, cv NEW); class spread = max(floor, safety x largest "
                       "max(0, |log ratio| - cv_multiplier x cv)).",
        "cv_multiplier": CV_MULTIPLIER,
        "latency_bound_seconds": LATENCY_BOUND_S,
        "default_spread": DEFAULT_SPREAD,
        "min_observations": MIN_OBSERVATIONS,
        "safety": SAFETY,
        "floor": FLOOR,
        "pairs": [{"base": f"{RUNS}/{b}", "new": f"{RUNS}/{n}", "what": what,
                   "base_sha256": sha256(run_path(b)), "new_sha256": sha256(run_path(n))} for b, n, what in pairs],
        "classes": classes,
    }


def slowed_copy(src, dst, suite, fraction):
    """NEW with the suite's headline records (all of them without a headline size) slower by `fraction`."""
    with open(src) as f:
        doc = json.load(f)
    recs = [r for r in doc["records"] if r["suite"] == suite]
    chosen = [r for r in recs if r.get("headline")] or recs
    factor = 1 / (1 - fraction)  # times grow, rates shrink by `fraction`
    for r in chosen:
        if r.get("samples_s"):
            r["samples_s"] = [x * factor for x in r["samples_s"]]
        for key in ("time_s", "latency_s"):
            if isinstance(r.get(key), dict):
                for k, v in r[key].items():
                    if k not in ("n", "cv") and isinstance(v, (int, float)):
                        r[key][k] = v * factor
        if isinstance(r.get("rate"), dict):
            for k in ("median", "best"):
                if isinstance(r["rate"].get(k), (int, float)):
                    r["rate"][k] = r["rate"][k] / factor
    with open(dst, "w") as f:
        json.dump(doc, f)
    return len(chosen)


def verdict_counts(c):
    rows = {"faster": 0, "slower": 0, "same": 0, "noisy": 0, "not_compared": 0}
    for r in c["rows"]:
        rows[r["verdict"]] += 1
    suites = {s["suite"]: (s["headline"]["verdict"] if s["headline"] else None) for s in c["suites"]}
    ratios = {s["suite"]: (s["headline"]["ratio"] if s["headline"] else None) for s in c["suites"]}
    return rows, suites, ratios


def evaluate_pair(args):
    gpuxfer, pair, loo_model, tmp, held_out = args
    base, new = run_path(pair[0]), run_path(pair[1])
    out = {"base": pair[0], "new": pair[1], "what": pair[2], "held_out": held_out}
    for label, model in (("in_sample", None), ("leave_one_out", loo_model)):
        rows, suites, ratios = verdict_counts(compare(gpuxfer, base, new, model))
        out[label] = {"rows": rows, "suite_verdicts": suites, "suite_ratios": ratios}
    out["injected"] = []
    # Suites this pair measured (a one-GPU run holds peer rows, all skipped: nothing to slow down).
    measured = [s for s, v in out["leave_one_out"]["suite_verdicts"].items() if v is not None]
    for suite in sorted(measured):
        for fraction in (0.05, 0.02):
            # One file per pair, suite and fraction: pairs are judged on threads of one process.
            dst = os.path.join(tmp, f"{os.path.basename(pair[1])}-{suite}-{fraction}.json")
            injected = slowed_copy(new, dst, suite, fraction)
            c = compare(gpuxfer, base, dst, loo_model, ["--suites", suite])
            target = [r for r in c["rows"] if (r["headline"] or suite == "latency" or
                                               not any(x["headline"] for x in c["rows"]))]
            s = c["suites"][0]
            out["injected"].append({
                "suite": suite, "slowdown": fraction, "records": injected,
                "aa_headline_ratio": out["leave_one_out"]["suite_ratios"][suite],
                "suite_verdict": s["headline"]["verdict"] if s["headline"] else None,
                "headline_ratio": s["headline"]["ratio"] if s["headline"] else None,
                "rows_slower": sum(r["verdict"] == "slower" for r in target),
                "rows_faster": sum(r["verdict"] == "faster" for c2 in [c] for r in c2["rows"]),
                "rows": len(target)})
            os.remove(dst)
    return out


def pct(a, b):
    return "-" if b == 0 else f"{100 * a / b:.1f} %"


def render(evidence):
    lines = ["# compare: A/A false positives and injected slowdowns", "",
             "Generated by `scripts/aa_evidence.py evaluate` from the committed A/A pairs; tolerance 5 %, "
             "default settings. In-sample: the compiled-in noise model (learned from every pair not held out); "
             "leave-one-out: a model learned without the pair judged.", "",
             "## False positives (faster/slower on A/A)", "",
             "| pair | what | rows | faster+slower in-sample | faster+slower leave-one-out | noisy (l-o-o) | "
             "suite verdicts faster/slower (l-o-o) |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for p in evidence["pairs"]:
        ins, loo = p["in_sample"]["rows"], p["leave_one_out"]["rows"]
        n = sum(loo.values()) - loo["not_compared"]
        sv = sum(v in ("faster", "slower") for v in p["leave_one_out"]["suite_verdicts"].values())
        lines.append(f"| {p['base']} vs {p['new'].split('-')[-1] if False else p['new']} | {p['what']} | {n} | "
                     f"{ins['faster'] + ins['slower']} | {loo['faster'] + loo['slower']} | {loo['noisy']} | {sv} |")
    t = evidence["totals"]
    held = [p for p in evidence["pairs"] if p.get("held_out")]
    if held:
        rows = sum(sum(p["in_sample"]["rows"].values()) - p["in_sample"]["rows"]["not_compared"] for p in held)
        fp = sum(p["in_sample"]["rows"]["faster"] + p["in_sample"]["rows"]["slower"] for p in held)
        sv = sum(v in ("faster", "slower") for p in held for v in p["in_sample"]["suite_verdicts"].values())
        lines += ["", f"Held-out pairs (never learned from), judged with the compiled-in model: {len(held)} pairs, "
                  f"{rows} rows, {fp} faster/slower rows, {sv} faster/slower suite verdicts."]
    lines += ["", f"Rows judged: {t['rows']}; false-positive rate in-sample {pct(t['fp_in_sample'], t['rows'])} "
              f"({t['fp_in_sample']}), leave-one-out {pct(t['fp_loo'], t['rows'])} ({t['fp_loo']}); "
              f"suite verdicts faster/slower (leave-one-out): {t['suite_fp_loo']} of {t['suites']}.", "",
              "## Injected slowdowns (NEW's headline records of one suite, leave-one-out model)", "",
              "| slowdown | suites × pairs | suite verdict slower | rows slower / injected rows |",
              "|---:|---:|---:|---:|"]
    for f in ("0.05", "0.02"):
        d = t["injected"][f]
        lines.append(f"| {float(f) * 100:g} % | {d['cases']} | {d['suite_slower']} ({pct(d['suite_slower'], d['cases'])}) "
                     f"| {d['rows_slower']} / {d['rows']} ({pct(d['rows_slower'], d['rows'])}) |")
    lines += ["", "Per suite (5 % / 2 %: suite verdict slower, of pairs holding the suite):", "",
              "| suite | 5 % detected | 2 % flagged |", "|---|---:|---:|"]
    for suite, d in sorted(t["by_suite"].items()):
        lines.append(f"| {suite} | {d['0.05'][0]} / {d['0.05'][1]} | {d['0.02'][0]} / {d['0.02'][1]} |")
    misses = [(p, i) for p in evidence["pairs"] for i in p["injected"]
              if i["slowdown"] == 0.05 and i["suite_verdict"] != "slower"]
    if misses:
        lines += ["", "5 % slowdowns not called `slower`, with the suite's own A/A headline ratio (NEW/BASE "
                  "before the slowdown): where NEW was already faster by about the injected amount, a "
                  "5 % slowdown leaves it level with BASE.", "",
                  "| pair | suite | A/A headline ratio | after the slowdown | verdict |", "|---|---|---:|---:|---|"]
        for p, i in misses:
            aa = i["aa_headline_ratio"]
            lines.append(f"| {p['new']} | {i['suite']} | {aa:.4f} | {i['headline_ratio']:.4f} | {i['suite_verdict']} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["learn", "evaluate"])
    ap.add_argument("--gpuxfer", default=os.path.join(ROOT, "build/ci/src/gpuxfer"))
    ap.add_argument("--out")
    ap.add_argument("--pair", nargs=3, action="append", metavar=("BASE", "NEW", "WHAT"),
                    help="an extra A/A pair (paths under tests/data/runs/), judged but not learned from")
    a = ap.parse_args()
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        devs = list(pool.map(lambda p: deviations(a.gpuxfer, p), PAIRS))
    if a.mode == "learn":
        out = a.out or os.path.join(ROOT, "data/compare-noise.v1.json")
        with open(out, "w") as f:
            json.dump(learn(devs, PAIRS), f, indent=1)
            f.write("\n")
        print(f"{out}: {len(PAIRS)} pairs")
        return 0
    extra = HELD_OUT + [tuple(p) for p in (a.pair or [])]
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for i, pair in enumerate(PAIRS + extra):
            model = os.path.join(tmp, f"loo-{i}.json")
            keep = [j for j, p in enumerate(PAIRS) if j != i and not set(p[:2]) & set(pair[:2])]
            with open(model, "w") as f:
                json.dump(learn([devs[j] for j in keep], [PAIRS[j] for j in keep]), f)
            jobs.append((a.gpuxfer, pair, model, tmp, i >= len(PAIRS)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            pairs = list(pool.map(evaluate_pair, jobs))
    totals = {"rows": 0, "fp_in_sample": 0, "fp_loo": 0, "suite_fp_loo": 0, "suites": 0, "injected": {},
              "by_suite": {}}
    for p in pairs:
        ins, loo = p["in_sample"]["rows"], p["leave_one_out"]["rows"]
        totals["rows"] += sum(loo.values()) - loo["not_compared"]
        totals["fp_in_sample"] += ins["faster"] + ins["slower"]
        totals["fp_loo"] += loo["faster"] + loo["slower"]
        sv = p["leave_one_out"]["suite_verdicts"].values()
        totals["suite_fp_loo"] += sum(v in ("faster", "slower") for v in sv)
        totals["suites"] += sum(v is not None for v in sv)
        for inj in p["injected"]:
            f = f"{inj['slowdown']:.2f}"
            d = totals["injected"].setdefault(f, {"cases": 0, "suite_slower": 0, "rows": 0, "rows_slower": 0})
            d["cases"] += 1
            d["suite_slower"] += inj["suite_verdict"] == "slower"
            d["rows"] += inj["rows"]
            d["rows_slower"] += inj["rows_slower"]
            s = totals["by_suite"].setdefault(inj["suite"], {"0.05": [0, 0], "0.02": [0, 0]})
            s[f][0] += inj["suite_verdict"] == "slower"
            s[f][1] += 1
    evidence = {"tolerance": TOLERANCE, "pairs": pairs, "totals": totals}
    out = a.out or os.path.join(ROOT, "data/compare-noise-evidence")
    with open(out + ".json", "w") as f:
        json.dump(evidence, f, indent=1)
        f.write("\n")
    with open(out + ".md", "w") as f:
        f.write(render(evidence))
    print(render(evidence))
    ok = (totals["fp_in_sample"] == 0 and totals["injected"]["0.02"]["suite_slower"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
