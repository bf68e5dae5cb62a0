#!/usr/bin/env python3
"""Pair a gpuxfer bench report with the PyTorch/CuPy reference of the same run and machine.

  python3 scripts/ratios.py bench.json reference.json            # markdown table on stdout
  python3 scripts/ratios.py bench.json reference.json --common --fail-on-miss

bench.json is `gpuxfer bench --format json` (schema "gpuxfer.report"); reference.json is written by
scripts/reference_torch.py (schema "gpuxfer.reference"). Each row pairs one gpuxfer figure with the
reference figure that measures the same thing, gives the ratio gpuxfer / reference for bandwidth
(reference / gpuxfer for latency, so > 1 always means gpuxfer is better) and, where gpuxfer sets itself
one (docs/method.md, "Targets"), the target and whether it is met.

Exit status: 0 done; 1 with --fail-on-miss when a target is not met or not measured; 2 bad input.
Standard library only.
"""
import argparse
import json
import sys

GB = 1e9
US = 1e-6

# The targets of docs/method.md ("Targets"), measured side by side in one run on the same machine.
PEER_CE_VS_TORCH = 1.03      # copy engine >= 1.03x PyTorch's .to() / copy_()
SM_COPY_GBPS = 380.0         # SM copy >= 380 GB/s on 18-NVLink pairs
BIDIR_TOTAL_GBPS = 775.0     # both directions at once, total, on 18-NVLink pairs
PINNED_VS_TORCH = 0.99       # pinned H2D / D2H >= 0.99x PyTorch's
PIPELINED_VS_D2H = 0.93      # pipelined staging >= 0.93x gpuxfer's own pinned D2H
PIPELINED_VS_NAIVE = 1.8     # pipelined staging >= 1.8x gpuxfer's own naive staging
B2B_US = 2.0                 # 4 B peer copies back to back <= 2.0 us per copy
ELEMENTWISE_VS_TORCH = 1.0   # elementwise >= PyTorch's same op
GEMM_VS_TORCH = 0.98         # GEMM >= 0.98x PyTorch's x @ y, per precision
TF = 1e12


class InputError(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# loading

def load(path, schema):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as exc:
        raise InputError("%s: %s" % (path, exc))
    if not isinstance(doc, dict) or doc.get("schema") != schema:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise InputError("%s: expected schema %r, found %r" % (path, schema, found))
    major = (doc.get("schema_version") or {}).get("major", 1)
    if major != 1:
        raise InputError("%s: schema %s major version %s is not supported (this script reads 1.x)"
                         % (path, schema, major))
    return doc


def endpoint(value):
    """A CUDA ordinal, or None for the host (-1, null, "host")."""
    if value is None or value == "host" or (isinstance(value, int) and value < 0):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    return None


def median_of(obj):
    if isinstance(obj, dict):
        return obj.get("median")
    if isinstance(obj, (int, float)):
        return obj
    return None


class GxRecord:
    def __init__(self, raw):
        merged = {}
        for k in ("case", "test"):  # identity may be nested in a case object
            if isinstance(raw.get(k), dict):
                merged.update(raw[k])
        merged.update({k: v for k, v in raw.items() if k not in ("case", "test")})
        self.raw = merged
        self.suite = merged.get("suite")
        self.method = merged.get("method")
        self.src = endpoint(merged.get("src"))
        self.dst = endpoint(merged.get("dst"))
        self.bytes = int(merged.get("bytes") or 0)
        self.status = merged.get("status", "ok")
        self.reason = merged.get("reason") or ""
        rate = merged.get("rate")
        scale = 1.0
        if isinstance(rate, dict) and str(rate.get("unit", "B/s")).lower() in ("gb/s", "gbps"):
            scale = GB
        self.rate = median_of(rate) * scale if median_of(rate) is not None else None
        best = rate.get("best") if isinstance(rate, dict) else None
        self.rate_best = best * scale if best is not None else None
        self.latency = median_of(merged.get("latency_s"))
        if self.latency is None and self.suite == "latency":
            self.latency = median_of(merged.get("time_s"))
        self.chunk = merged.get("chunk_bytes")
        self.gemm_n = merged.get("gemm_n")

    @property
    def ok(self):
        return self.status == "ok"


class Data:
    def __init__(self, gx_doc, ref_doc):
        self.gx = [GxRecord(r) for r in gx_doc.get("records") or [] if isinstance(r, dict)]
        self.ref = {}
        for r in ref_doc.get("results") or []:
            if isinstance(r, dict) and "name" in r:
                self.ref.setdefault((r["name"], endpoint(r.get("src")), endpoint(r.get("dst"))), r)

    def gx_find(self, suite, method, src, dst, sizes, best=False, any_order=False):
        """Records of (suite, method, src, dst) at one of `sizes`; the first ok one (or the fastest)."""
        def match(r):
            if r.suite != suite or r.method != method or r.bytes not in sizes:
                return False
            if any_order:
                return {r.src, r.dst} == {src, dst}
            return r.src == src and r.dst == dst
        found = [r for r in self.gx if match(r)]
        ok = [r for r in found if r.ok and (r.rate is not None or r.latency is not None)]
        if ok:
            if best:
                return max(ok, key=lambda r: r.rate or 0.0)
            return ok[0]
        return found[0] if found else None

    def ref_find(self, name, src, dst):
        return self.ref.get((name, src, dst))


# ----------------------------------------------------------------------------------------------
# rows

def fmt_gbps(v):
    return "%.1f GB/s" % (v / GB)


def fmt_us(v):
    return "%.2f µs" % (v / US)


class Cell(tuple):
    """(value in SI units or None, text); `status` is set when a gpuxfer record exists but is not ok."""
    status = None


def gx_cell(rec, latency=False):
    """(value or None, text) of a gpuxfer record."""
    if rec is None:
        return None, "not measured"
    if not rec.ok:
        c = Cell((None, "%s%s" % (rec.status, ": " + rec.reason if rec.reason else "")))
        c.status = rec.status
        return c
    v = rec.latency if latency else rec.rate
    if v is None:
        return None, "no %s in record" % ("latency" if latency else "rate")
    return v, fmt_us(v) if latency else fmt_gbps(v)


def fmt_tflops(v):
    return "%.1f TFLOP/s" % (v / TF)


def gx_flops_cell(rec):
    if rec is None:
        return None, "not measured"
    if not rec.ok or rec.rate is None:
        c = Cell((None, "%s%s" % (rec.status, ": " + rec.reason if rec.reason else "")))
        c.status = rec.status
        return c
    return rec.rate, fmt_tflops(rec.rate)


def ref_flops_cell(res):
    if res is None or "error" in res or "skipped" in res:
        return ref_cell(res)
    v = res.get("tflops_median")
    return (v * TF, fmt_tflops(v * TF)) if v else (None, "no rate")


def ref_rw_cell(res):
    """PyTorch's local copy_ counts bytes once; gpuxfer's copy counts read + written."""
    if res is None or "error" in res or "skipped" in res:
        return ref_cell(res)
    v = res.get("gbps_rw_median")
    return (v * GB, fmt_gbps(v * GB) + " (read + written)") if v else (None, "no rate")


def ref_cell(res, latency=False):
    if res is None:
        return None, "not measured"
    if "error" in res:
        return None, "error: %s" % res["error"]
    if "skipped" in res:
        return None, "skipped: %s" % res["skipped"]
    if latency:
        v = res.get("median_s")
        return (v, fmt_us(v)) if v else (None, "no median")
    g = res.get("gbps_median")
    return (g * GB, fmt_gbps(g * GB)) if g else (None, "no rate")


class Table:
    def __init__(self):
        self.rows = []

    def add(self, what, where, gx, ref, target=None, latency=False, ratio_target=None, abs_target=None):
        """gx, ref: (value, text). ratio_target: minimum of the ratio. abs_target: ('>=' | '<=', value)
        on the gpuxfer value in SI units. The verdict uses the absolute target where given."""
        gv, gt = gx
        rv, rt = ref
        ratio = None
        if gv and rv:
            ratio = (rv / gv) if latency else (gv / rv)
        verdict, target_text = "", ""
        if ratio_target is not None:
            target_text = "≥ %.2f×" % ratio_target
            if ratio is not None:
                verdict = "met" if ratio >= ratio_target else "not met"
        if abs_target is not None:
            op, val = abs_target
            target_text = "%s %s" % ("≥" if op == ">=" else "≤", fmt_us(val) if latency else fmt_gbps(val))
            if gv:
                verdict = "met" if ((gv >= val) if op == ">=" else (gv <= val)) else "not met"
        if (ratio_target is not None or abs_target is not None) and not verdict:
            verdict = getattr(gx, "status", None) or "not measured"
        self.rows.append({"what": what, "where": where, "gx": gt, "ref": rt,
                          "ratio": "%.3f×" % ratio if ratio is not None else "—",
                          "target": target_text or "—", "verdict": verdict or "—"})

    def markdown(self):
        head = ["what", "GPUs", "gpuxfer", "reference", "ratio", "target", "verdict"]
        keys = ["what", "where", "gx", "ref", "ratio", "target", "verdict"]
        out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        for r in self.rows:
            out.append("| " + " | ".join(str(r[k]).replace("|", "\\|") for k in keys) + " |")
        return "\n".join(out)


def pair_text(s, d):
    return "%s→%s" % ("host" if s is None else s, "host" if d is None else d)


# ----------------------------------------------------------------------------------------------
# the mapping

def build(data, size, small, common, gated):
    t = Table()
    sizes = {size}

    def ref_variants(name, s, d):
        """(name, result, is_gated): the plain reference result, then the gated one where it was measured.
        The targets' PyTorch figures are plain (host issue time inside the interval), so the targets apply to
        the plain rows; the gated rows are for information."""
        out = [(name, data.ref_find(name, s, d), False)]
        if gated:
            g = "_gated" if not name.endswith("_") else "gated"
            res = data.ref_find(name + g, s, d)
            if res is not None:
                out.append((name + g, res, True))
        return out

    # pairs and GPUs that either side measured
    gx_pairs = {(r.src, r.dst) for r in data.gx
                if r.suite in ("peer", "staged", "latency") and r.src is not None and r.dst is not None
                and r.src != r.dst}
    ref_pairs = {(s, d) for (n, s, d) in data.ref
                 if n.startswith(("peer_", "cupy_", "staged_", "small_")) and not n.startswith("peer_bidir")
                 and s is not None and d is not None}
    pairs = sorted((gx_pairs & ref_pairs) if common else (gx_pairs | ref_pairs))
    gx_bi = {tuple(sorted((r.src, r.dst))) for r in data.gx
             if r.suite == "async" and r.method in ("bidir_ce", "bidir_sm") and None not in (r.src, r.dst)}
    ref_bi = {tuple(sorted((s, d))) for (n, s, d) in data.ref
              if n.startswith("peer_bidir") and None not in (s, d)}
    bipairs = sorted((gx_bi & ref_bi) if common else (gx_bi | ref_bi))
    gx_gpus = {r.dst if r.method.startswith("h2d") else r.src for r in data.gx
               if r.suite == "host" and r.method in ("h2d_pinned", "d2h_pinned", "h2d_pageable", "d2h_pageable")}
    ref_gpus = {d if n.startswith("h2d") else s for (n, s, d) in data.ref
                if n in ("h2d_pinned", "d2h_pinned", "h2d_pageable", "d2h_pageable")}
    gpus = sorted(g for g in ((gx_gpus & ref_gpus) if common else (gx_gpus | ref_gpus)) if g is not None)

    # peer copies, one direction
    for s, d in pairs:
        where = pair_text(s, d)
        for method in ("ce_write", "ce_read"):
            gx = gx_cell(data.gx_find("peer", method, s, d, sizes))
            for name, res, info in ref_variants("peer_copy_", s, d) + ref_variants("peer_to", s, d):
                t.add("peer %s vs torch %s" % (method, name), where, gx, ref_cell(res),
                      ratio_target=None if info else PEER_CE_VS_TORCH)
        for name, res, _ in ref_variants("cupy_copyto", s, d):
            if res is not None:
                t.add("peer ce_read vs CuPy %s" % name, where,
                      gx_cell(data.gx_find("peer", "ce_read", s, d, sizes)), ref_cell(res))
        for method in ("sm_push", "sm_pull"):
            t.add("peer %s vs torch peer_copy_" % method, where,
                  gx_cell(data.gx_find("peer", method, s, d, sizes)),
                  ref_cell(data.ref_find("peer_copy_", s, d)), abs_target=(">=", SM_COPY_GBPS * GB))

    # both directions at once
    for i, j in bipairs:
        where = "%d↔%d" % (i, j)
        both = {size, 2 * size}
        gx = gx_cell(data.gx_find("async", "bidir_ce", i, j, both, any_order=True))
        for name, res, info in ref_variants("peer_bidir_two_streams", i, j):
            t.add("bidir_ce total vs torch %s" % name, where, gx, ref_cell(res),
                  abs_target=None if info else (">=", BIDIR_TOTAL_GBPS * GB))
        sm = data.gx_find("async", "bidir_sm", i, j, both, any_order=True)
        if sm is not None:
            t.add("bidir_sm total vs torch peer_bidir_two_streams", where, gx_cell(sm),
                  ref_cell(data.ref_find("peer_bidir_two_streams", i, j)))

    # host <-> GPU
    for g in gpus:
        for method in ("h2d_pinned", "d2h_pinned", "h2d_pageable", "d2h_pageable"):
            s, d = (None, g) if method.startswith("h2d") else (g, None)
            t.add("host %s vs torch %s" % (method, method), pair_text(s, d),
                  gx_cell(data.gx_find("host", method, s, d, sizes)), ref_cell(data.ref_find(method, s, d)),
                  ratio_target=PINNED_VS_TORCH if method.endswith("pinned") else None)

    # staged through the host
    for s, d in pairs:
        where = pair_text(s, d)
        naive = data.gx_find("staged", "naive", s, d, sizes)
        t.add("staged naive vs torch staged_naive_pinned", where, gx_cell(naive),
              ref_cell(data.ref_find("staged_naive_pinned", s, d)))
        t.add("staged pageable vs torch staged_cpu_to", where,
              gx_cell(data.gx_find("staged", "pageable", s, d, sizes)),
              ref_cell(data.ref_find("staged_cpu_to", s, d)))
        pipe = data.gx_find("staged", "pipelined", s, d, sizes, best=True)
        label = "staged pipelined (best%s)" % (", %s chunks" % size_text(pipe.chunk)
                                               if pipe is not None and pipe.chunk else "")
        d2h = data.gx_find("host", "d2h_pinned", s, None, sizes)
        t.add("%s vs 0.93× gpuxfer d2h_pinned of GPU %d" % (label, s), where, gx_cell(pipe),
              gx_own(d2h),
              ratio_target=PIPELINED_VS_D2H)
        t.add("%s vs 1.8× gpuxfer naive" % label, where, gx_cell(pipe), gx_own(naive),
              ratio_target=PIPELINED_VS_NAIVE)
        t.add("%s vs torch staged_naive_pinned" % label, where, gx_cell(pipe),
              ref_cell(data.ref_find("staged_naive_pinned", s, d)))

    # small copies
    for s, d in pairs:
        where = pair_text(s, d)
        b2b = gx_cell(data.gx_find("latency", "peer_b2b", s, d, {small}), latency=True)
        for name, res, info in ref_variants("small_peer_copy_b2b", s, d):
            t.add("latency peer_b2b %d B vs torch %s" % (small, name), where, b2b, ref_cell(res, latency=True),
                  latency=True, abs_target=None if info else ("<=", B2B_US * US))
        b2b_sm = gx_cell(data.gx_find("latency", "peer_b2b_sm", s, d, {small}), latency=True)
        for name, res, info in ref_variants("small_peer_copy_b2b", s, d):
            t.add("latency peer_b2b_sm %d B vs torch %s" % (small, name), where, b2b_sm,
                  ref_cell(res, latency=True), latency=True,
                  abs_target=None if info else ("<=", B2B_US * US))
        issued = gx_cell(data.gx_find("latency", "peer_b2b_issued", s, d, {small}), latency=True)
        for name, res, info in ref_variants("small_peer_copy_b2b", s, d):
            t.add("latency peer_b2b_issued %d B vs torch %s" % (small, name), where, issued,
                  ref_cell(res, latency=True), latency=True,
                  abs_target=None if info else ("<=", B2B_US * US))
        t.add("latency peer_roundtrip %d B vs torch small_peer_to" % small, where,
              gx_cell(data.gx_find("latency", "peer_roundtrip", s, d, {small}), latency=True),
              ref_cell(data.ref_find("small_peer_to", s, d), latency=True), latency=True)

    # compute on one GPU (reference_torch.py --compute): the same op, size and GPU
    compute_gpus = sorted({s for (n, s, d) in data.ref
                           if n.startswith(("ew_", "gemm_", "local_copy_")) and s is not None and s == d})
    for g in compute_gpus:
        where = "GPU %d" % g
        for method, name in (("scale", "ew_mul2"), ("sqrt", "ew_sqrt"), ("axpy", "ew_add_alpha")):
            rec = data.gx_find("elementwise", method, g, g, sizes)
            for rname, res, info in ref_variants(name, g, g):
                t.add("elementwise %s vs torch %s" % (method, rname), where, gx_cell(rec), ref_cell(res),
                      ratio_target=None if info else ELEMENTWISE_VS_TORCH)
        copy = data.gx_find("elementwise", "copy", g, g, sizes)
        for rname, res, info in ref_variants("local_copy_", g, g):
            t.add("elementwise copy vs torch %s" % rname, where, gx_cell(copy), ref_rw_cell(res),
                  ratio_target=None if info else ELEMENTWISE_VS_TORCH)
        for prec in ("fp32", "tf32", "bf16", "fp16"):
            sustained = data.ref_find("gemm_%s_sustained" % prec, g, g)
            extra = [("gemm_%s_sustained" % prec, sustained, True)] if sustained is not None else []
            for rname, res, info in ref_variants("gemm_" + prec, g, g) + extra:
                n = res.get("n") if isinstance(res, dict) else None
                found = [r for r in data.gx if r.suite == "gemm" and r.method == "gemm_" + prec
                         and r.src == g and r.dst == g and (n is None or r.gemm_n == n)]
                ok = [r for r in found if r.ok]
                rec = ok[0] if ok else (found[0] if found else None)
                t.add("gemm %s N=%s vs torch %s" % (prec, n, rname), where, gx_flops_cell(rec),
                      ref_flops_cell(res), ratio_target=None if info else GEMM_VS_TORCH)
    return t


def size_text(n):
    n = int(n)
    for unit, f in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= f and n % f == 0:
            return "%d %s" % (n // f, unit)
    return "%d B" % n


def gx_own(rec):
    """A gpuxfer figure used as the reference of another gpuxfer figure: labelled as such."""
    v, text = gx_cell(rec)
    return v, ("gpuxfer " + text) if v is not None else "gpuxfer: " + text


# ----------------------------------------------------------------------------------------------

def header(gx_doc, ref_doc, gx_path, ref_path):
    sysinfo = gx_doc.get("system") or {}
    gx_gpus = [g.get("name") for g in sysinfo.get("gpus") or [] if isinstance(g, dict)]
    ref_gpus = ref_doc.get("gpus") or []
    gx_host = sysinfo.get("hostname") or (gx_doc.get("run") or {}).get("hostname")
    lines = [
        "gpuxfer: `%s` (%s, %s)" % (gx_path, describe(gx_gpus), (gx_doc.get("run") or {}).get("started_utc", "?")),
        "",
        "reference: `%s` (PyTorch %s, CuPy %s, %s, %s)" % (ref_path, ref_doc.get("torch"), ref_doc.get("cupy"),
                                                         describe(ref_gpus), ref_doc.get("date_utc", "?")),
    ]
    warn = []
    if gx_gpus and ref_gpus and sorted(gx_gpus) != sorted(ref_gpus):
        warn.append("the two files list different GPUs: compare only runs of the same machine")
    if gx_host and ref_doc.get("host") and gx_host != ref_doc.get("host"):
        warn.append("host names differ (%s vs %s)" % (gx_host, ref_doc.get("host")))
    for w in warn:
        lines += ["", "**warning:** " + w]
    return "\n".join(lines)


def describe(names):
    if not names:
        return "GPUs unknown"
    counts = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return ", ".join("%d× %s" % (c, n) for n, c in counts.items())


def main(argv=None):
    p = argparse.ArgumentParser(description="gpuxfer vs PyTorch/CuPy reference: ratios and targets "
                                            "as a markdown table.")
    p.add_argument("gpuxfer", help="gpuxfer bench JSON (schema gpuxfer.report)")
    p.add_argument("reference", help="reference JSON from scripts/reference_torch.py (schema gpuxfer.reference)")
    p.add_argument("--size", type=int, default=400_000_000,
                   help="bytes of the bandwidth records to compare (default 400000000)")
    p.add_argument("--small-size", type=int, default=4, help="bytes of the latency records (default 4)")
    p.add_argument("--common", action="store_true",
                   help="only pairs and GPUs measured by both files (default: either, missing ones say so)")
    p.add_argument("--no-gated", action="store_true", help="leave out rows against the *_gated references")
    p.add_argument("--output", "-o", default="-", help="write the markdown here (default stdout)")
    p.add_argument("--fail-on-miss", action="store_true",
                   help="exit 1 when a target is not met or not measured")
    args = p.parse_args(argv)
    try:
        gx_doc = load(args.gpuxfer, "gpuxfer.report")
        ref_doc = load(args.reference, "gpuxfer.reference")
    except InputError as exc:
        print("ratios: error: %s" % exc, file=sys.stderr)
        return 2
    table = build(Data(gx_doc, ref_doc), args.size, args.small_size, args.common, not args.no_gated)
    verdicts = [r["verdict"] for r in table.rows if r["target"] != "—"]
    broken = len(verdicts) - verdicts.count("met") - verdicts.count("not met") - verdicts.count("not measured")
    summary = "targets: %d met, %d not met, %d not measured, %d failed records" % (
        verdicts.count("met"), verdicts.count("not met"), verdicts.count("not measured"), broken)
    text = "\n".join([header(gx_doc, ref_doc, args.gpuxfer, args.reference), "", table.markdown(), "",
                      summary, ""])
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w") as f:
            f.write(text)
    print("ratios: " + summary, file=sys.stderr)
    if args.fail_on_miss and any(v != "met" for v in verdicts):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
