#!/usr/bin/env python3
"""results/README.md, the index of the committed runs, generated from the runs themselves.

  scripts/results_index.py                    write results/README.md
  scripts/results_index.py --check            exit 1 (with a diff) when results/README.md is stale
  scripts/results_index.py --folder-name F    print the results/ folder a report F belongs in
                                              (<gpu>x<count>[-nvswitch]-<date>-<gpu0>; scripts/gpu_validate.sh)

Per folder: the machine (from the system section of its JSON), and per file what it is (from its
schema and the command recorded in it, or from the file naming convention below) with a few
headline figures. Exit 0 done / fresh, 1 stale or a folder name that disagrees with its runs,
2 bad input. Standard library only.
"""
import argparse
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gxresults as gx  # noqa: E402

OUT = os.path.join(gx.ROOT, "results", "README.md")


# ---- one file --------------------------------------------------------------------------------

def bench_figures(doc):
    """A few headline figures of a bench, the medians over pairs or GPUs."""
    recs = [r for r in gx.records(doc) if gx.ok(r) and r.get("headline") and not gx.is_tuning(r)]
    out = []

    def pick(suite, method, label, one_gpu=True):
        vals = []
        unit = None
        for r in recs:
            if r.get("suite") == suite and r.get("method") == method and (not one_gpu or len(r.get("devices") or []) <= 1):
                v, unit = gx.value(r)
                vals.append(v)
        m = gx.median(vals)
        if m is not None:
            out.append(f"{label} {gx.fmt_value(m, unit)}")

    pick("peer", "ce_write", "ce_write")
    pick("peer", "nccl_send", "nccl_send")
    pick("host", "h2d_pinned", "h2d pinned")
    pick("elementwise", "copy", "HBM copy")
    pick("gemm", "gemm_bf16", "bf16 GEMM")
    counts = {}
    for r in gx.records(doc):
        counts[r.get("status", "?")] = counts.get(r.get("status", "?"), 0) + 1
    wall = gx.wall_seconds(doc)
    head = f"{len(gx.records(doc))} records: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1])) + \
        (f"; {wall:.1f} s" if wall is not None else "")
    return "; ".join([head] + out)


def check_line(text):
    m = re.search(r"^check: .*$", text, re.M)
    return m.group(0) if m else None


def describe(e, names):
    """(what, figures) of one file."""
    stem, ext = os.path.splitext(e.name)
    if e.name.endswith(".junit.xml"):
        return "JUnit XML of the check (`--junit`)", ""
    if ext == ".prom":
        return "Prometheus textfile of the check (`--prom`)", ""
    if e.schema == "gpuxfer.report":
        doc = e.doc
        if "error" in doc:
            return f"`{gx.command_text(doc)}`: error document", (doc.get("error") or {}).get("message", "")
        if not gx.records(doc):
            return f"`{gx.command_text(doc)}`: inventory", f"{len(gx.gpus_of(doc))} GPUs"
        what = f"`{gx.command_text(doc)}`"
        if gx.is_default_bench(doc):
            what += " (the default bench)"
        if gx.ranks_of(doc):
            what += f", merged document of {gx.ranks_of(doc)} ranks"
        if gx.measured_args(doc)[:1] == ["check"]:
            what += ": the bench check ran (`--save-json`)"
        return what, bench_figures(doc)
    if e.schema == "gpuxfer.reference":
        d = e.doc
        n = len(d.get("results") or [])
        return (f"PyTorch {d.get('torch')} / CuPy {d.get('cupy')} doing the same operations right after "
                f"(`scripts/reference_torch.py`)", f"{n} results, {d.get('wall_s', 0):.1f} s")
    if e.schema == "gpuxfer.check":
        s = e.doc.get("summary") or {}
        return "`gpuxfer check` findings as JSON (`--format json`)", s.get("line", "")
    if e.schema == "gpuxfer.fleet":
        s = e.doc.get("summary") or {}
        counts = ", ".join(f"{k} {v}" for k, v in s.items() if isinstance(v, int))
        return "`gpuxfer fleet` document (`--format json`)", counts
    if e.schema == "gpuxfer.gemm_vs_torch":
        return (f"GEMM TFLOP/s and TFLOP/s per GHz against PyTorch (`scripts/gemm_vs_torch.py` of "
                f"{os.path.basename(e.doc.get('gpuxfer_result') or '?')})", f"{len(e.doc.get('rows') or [])} precisions")
    if e.schema == "gpuxfer.telemetry_overhead":
        return "telemetry on against off, interleaved runs (`scripts/telemetry_overhead.py`)", ""
    if stem == "show-roundtrip":
        return ("`scripts/show_roundtrip.sh`: bench's printed tables against `gpuxfer show` of the saved JSON, "
                "every detail level, table and markdown (identical when it says only the line counts)"), \
            open(e.path, encoding="utf-8", errors="replace").read().strip().splitlines()[-1]
    if stem == "chase-probe":
        return "the independent pointer-chase probe (`tools/chase_probe.cu`), one JSON object per working set", ""
    if stem == "chase-vs-probe":
        return "`scripts/chase_vs_probe.py`: chase_local against the probe, every chase record, the L2 marks", ""
    if stem == "sample-length":
        return "`scripts/sample_length.py`: samples shorter than half the minimum, and capped ones", ""
    if stem == "nvml-clock-probe":
        return {".json": "`tools/nvml_clock_probe.py`: NVML's SM clock polled every ms and the driver's sample rings during a GEMM loop",
                ".txt": "the same, as printed"}.get(ext, ""), ""
    if stem == "check-quick-time":
        return "wall time of `gpuxfer check --quick` (GNU time)", open(e.path, encoding="utf-8", errors="replace").read().strip().splitlines()[-1]
    if ext == ".json":
        return "JSON", ""
    text = open(e.path, encoding="utf-8", errors="replace").read()
    if ext == ".txt" and stem + ".json" in names and stem.startswith("bench"):
        return f"the tables `gpuxfer bench` printed for {stem}.json", ""
    if stem.startswith("check"):
        return "`gpuxfer check` tables and summary", check_line(text) or ""
    if stem.startswith("ratios"):
        m = re.search(r"^targets: .*$", text, re.M) or re.search(r"largest deviation .*$", text, re.M)
        if stem.startswith("ratios-ranks"):
            return "ranks against one process, `rounds` against `serial` (`scripts/dist_ratios.py`)", ""
        return "gpuxfer against the reference, row by row (`scripts/ratios.py`)", (m.group(0) if m else "")
    if stem.startswith("compare"):
        return "`gpuxfer compare` of two runs", ""
    if stem.startswith("list"):
        return "`gpuxfer list` tables", ""
    if stem.startswith("nvidia-smi"):
        return "`nvidia-smi` of the same machine, for cross-checking", ""
    if stem == "health-vs-nvidia-smi":
        m = re.search(r"^\d+ mismatch.*$", text, re.M)
        return "`scripts/health_vs_nvidia_smi.py` of list.json and nvidia-smi-q.txt", m.group(0) if m else ""
    if stem.startswith("gemm-vs-torch"):
        return "the same comparison as text", ""
    if stem == "telemetry-overhead":
        return "the same as text", ""
    if stem == "hidden-libs":
        return "what `scripts/hidden_libs_test.sh` hid and saw", ""
    if stem == "nccl-socket-transport":
        return "NCCL's own log lines of the forced-socket run (`NCCL_DEBUG=INFO`)", ""
    if stem == "fleet-members":
        return "which committed run each fleet node is", ""
    if stem == "fleet-scale":
        return "`scripts/fleet_scale.sh`: fleet wall time and peak memory over synthetic node files", ""
    if stem.startswith("fleet"):
        return {".txt": "`gpuxfer fleet` text output", ".html": "`gpuxfer report` of fleet.json (heatmap)",
                ".png": "screenshot of fleet.html (headless Chromium)"}.get(ext, ""), ""
    if ext == ".html":
        return "`gpuxfer report` of the bench files (self-contained HTML)", ""
    if ext == ".png":
        return "screenshot of the HTML report (headless Chromium)", ""
    return "", ""


# ---- the page --------------------------------------------------------------------------------

def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(root=None):
    lines = [
        "# results/",
        "",
        "<!-- Generated by scripts/results_index.py from the files below; do not edit. -->",
        "",
        "Canonical runs of gpuxfer on real machines: one folder per machine and date,",
        "`<gpu>x<count>[-nvswitch]-<date>-<gpu0>` (GPU model and count, what the NVLinks connect to, the",
        "UTC date, the first 8 hex digits of GPU 0's UUID). Each `*.json` is a versioned document",
        "(`gpuxfer.report`: [docs/schema.md](../docs/schema.md)); text files beside a JSON are what the same",
        "command printed. The figures, with % of theoretical, the ratios to PyTorch and the run-to-run",
        "spread, are in [docs/results.md](../docs/results.md). Tests never read this folder: they read",
        "copies in `tests/data/runs/`. New runs: `scripts/gpu_validate.sh` on a GPU machine, then",
        "`python3 scripts/gen_docs.py`.",
        "",
        "| folder | machine | runs | gpuxfer |",
        "|---|---|---:|---|",
    ]
    sections = []
    problems = []
    for folder in gx.folders(root):
        ents = gx.entries(folder)
        ents = [e for e in ents if e.name != "README.md"]
        name = os.path.basename(folder)
        report = gx.folder_report(ents)
        benches = [e for e in ents if e.is_bench]
        if report is not None:
            machine = gx.describe_machine(report)
            want = gx.folder_name(report)
            for e in ents:
                if e.is_report and gx.gpus_of(e.doc) and gx.folder_name(e.doc) != name and gx.machine_key(e.doc) != gx.machine_key(report):
                    problems.append(f"results/{name}/{e.name}: a run of another machine ({gx.folder_name(e.doc)})")
            if want != name:
                problems.append(f"results/{name}: its runs say it is {want}")
            tools = sorted({gx.tool_text(e.doc) for e in ents if e.is_report})
        else:
            machine = "several machines' runs (see below)"
            tools = []
        lines.append(f"| [{name}]({name}/) | {cell(machine)} | {len(benches)} | {cell(', '.join(tools))} |")
        sec = [f"## {name}", "", machine + ".", ""]
        sec += ["| file | what | figures |", "|---|---|---|"]
        names = {e.name for e in ents}
        for e in sorted(ents, key=lambda e: e.name):
            what, figures = describe(e, names)
            sec.append(f"| [{e.name}]({name}/{e.name}) | {cell(what)} | {cell(figures)} |")
        sections.append("\n".join(sec))
    lines.append("")
    text = "\n".join(lines) + "\n" + "\n\n".join(sections) + "\n"
    return text, problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 when results/README.md is not what this writes")
    ap.add_argument("--folder-name", metavar="REPORT", help="print the folder REPORT belongs in")
    ap.add_argument("--output", default=OUT, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.folder_name:
        doc = gx.load(a.folder_name)
        name = gx.folder_name(doc) if isinstance(doc, dict) else None
        if not name:
            print(f"results_index.py: error: {a.folder_name}: not a gpuxfer report with GPUs and a start time", file=sys.stderr)
            return 2
        print(name)
        return 0
    text, problems = render()
    for p in problems:
        print(f"results_index.py: {p}", file=sys.stderr)
    if a.check:
        try:
            old = open(a.output, encoding="utf-8").read()
        except OSError:
            old = ""
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                       "results/README.md (committed)", "results/README.md (generated)"))
            print("results_index.py: results/README.md is stale: run python3 scripts/results_index.py", file=sys.stderr)
            return 1
        return 1 if problems else 0
    with open(a.output, "w", encoding="utf-8") as f:
        f.write(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
