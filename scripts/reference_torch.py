#!/usr/bin/env python3
"""Reference figures for gpuxfer: the same transfers (and, with --compute, the same device work) done
the way PyTorch and CuPy users do them, measured on the same machine in the same run.

Writes one JSON document (schema "gpuxfer.reference") to --output (default stdout) and a short table
to stderr. scripts/ratios.py pairs it with a gpuxfer bench report.

  python3 scripts/reference_torch.py --output ref.json              # pairs 0->1 and 1->0, GPU 0
  python3 scripts/reference_torch.py --all-pairs --all-gpus --compute --output ref.json
  python3 scripts/reference_torch.py --pairs 0-2,2-0 --quick

Timing (see also gpuxfer's docs/metrics.md):
  cuda_events  events recorded on the stream that carries the work, both devices synchronized before
               each sample; one operation per sample unless "ops_per_sample" says otherwise.
  host         time.perf_counter() around "issue; torch.cuda.synchronize()", for operations that
               synchronize the host anyway (pageable copies, staging through the host, small .to()).
Results whose name ends in "_gated" are the same operation with a spin kernel (torch.cuda._sleep)
queued before the start event, so that the host's issue time (PyTorch's Python and dispatcher
overhead, the caching allocator, cross-device event barriers) is not inside the timed interval;
gpuxfer times its own operations behind such a gate. "gate_held" is the fraction of samples in which
the gate was still closed when the host had finished issuing (1.0 = the interval is GPU time only).

Exit status: 0 done (individual results may still carry "error"); 2 bad arguments; 3 cannot run
the pair operations (fewer than 2 GPUs; the single-GPU operations still run and are written) or no
GPU / no PyTorch at all.
"""
import os

# Never NVLink multicast: it can take down the GPUs of a shared host (set before torch / NCCL are imported).
os.environ["NCCL_NVLS_ENABLE"] = "0"
os.environ["TORCH_SYMM_MEM_DISABLE_MULTICAST"] = "1"
os.environ["NVSHMEM_DISABLE_NVLS"] = "1"

import argparse
import datetime
import json
import socket
import statistics
import sys
import tempfile
import time
import traceback
import warnings

SCHEMA = "gpuxfer.reference"
SCHEMA_VERSION = {"major": 1, "minor": 0}
N = 10000                      # the 10000x10000 float32 headline tensor
BIG = N * N * 4                # 400,000,000 bytes
SMALL = 4                      # one float32
B2B_COPIES = 1000              # small copies per back-to-back sample
GATE_BIG_S = 0.002             # gate length for single large operations (host issue is ~10-100 us)
SUSTAIN_S = 0.5                # back-to-back GEMMs before the *_sustained samples
OP_BUDGET_S = 20.0             # stop sampling one result after this long, once MIN_SAMPLES are taken
MIN_SAMPLES = 5

torch = None  # imported in main() so that --help works anywhere
cupy = None
CUPY_ERROR = None


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# settings and results

class Settings:
    def __init__(self, args):
        q = args.quick
        self.warmup = 1 if q else 3
        self.samples = args.samples if args.samples else (5 if q else 20)
        self.small_samples = 50 if q else 200
        self.small_warmup = 5 if q else 20
        self.b2b_samples = 3 if q else 10
        self.gemm_samples = args.samples if args.samples else (3 if q else 10)
        self.gated = not args.no_gated
        self.gemm_n = args.gemm_n
        self.gemm_only = args.gemm_only
        self.gemm_rest = args.gemm_rest
        self.peer_ops = args.peer_ops


def summarize(name, src, dst, nbytes, timing, samples_s, **extra):
    """A result from per-operation times in seconds."""
    med = statistics.median(samples_s)
    best = min(samples_s)
    res = {
        "name": name, "src": src, "dst": dst, "bytes": int(nbytes),
        "median_s": med, "min_s": best, "samples": len(samples_s),
        "gbps_median": nbytes / med / 1e9 if med > 0 else None,
        "gbps_best": nbytes / best / 1e9 if best > 0 else None,
        "timing": timing,
    }
    if len(samples_s) > 1 and med > 0:
        res["cv"] = statistics.pstdev(samples_s) / statistics.mean(samples_s)
    res.update(extra)
    res["samples_s"] = [float("%.6g" % s) for s in samples_s]
    return res


class Recorder:
    """Runs one measurement at a time; an exception becomes that result's "error", not the run's end."""

    def __init__(self):
        self.results = []

    def run(self, name, src, dst, nbytes, timing, fn):
        log("  %-28s src=%-4s dst=%-4s ..." % (name, src, dst))
        try:
            res = fn()
        except Exception as exc:  # noqa: BLE001 - any failure is recorded, the run goes on
            msg = "%s: %s" % (type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            log("    error: " + msg)
            if os.environ.get("GPUXFER_REF_TRACEBACK"):
                traceback.print_exc()
            res = {"name": name, "src": src, "dst": dst, "bytes": int(nbytes), "timing": timing, "error": msg}
            settle()
        self.results.append(res)
        return res

    def skip(self, name, src, dst, nbytes, timing, reason):
        log("  %-28s src=%-4s dst=%-4s skipped: %s" % (name, src, dst, reason))
        self.results.append({"name": name, "src": src, "dst": dst, "bytes": int(nbytes),
                             "timing": timing, "skipped": reason})


def settle():
    """After an error: let pending work finish (or fail) so it is not blamed on the next result."""
    for d in range(torch.cuda.device_count()):
        try:
            torch.cuda.synchronize(d)
        except Exception:  # noqa: BLE001
            pass


# ----------------------------------------------------------------------------------------------
# timing primitives

def sync(*devices):
    for d in devices:
        torch.cuda.synchronize(d)


class Gate:
    """torch.cuda._sleep(cycles) queued before the start event; calibrated per device."""

    def __init__(self):
        self.cycles_per_s = {}

    def cycles(self, device, seconds):
        if device not in self.cycles_per_s:
            probe = 1_000_000
            s = torch.cuda.current_stream(device)
            with torch.cuda.device(device), torch.cuda.stream(s):
                torch.cuda._sleep(probe)  # warm-up (module load)
                sync(device)
                t = []
                for _ in range(3):
                    e0 = torch.cuda.Event(enable_timing=True)
                    e1 = torch.cuda.Event(enable_timing=True)
                    e0.record(s)
                    torch.cuda._sleep(probe)
                    e1.record(s)
                    e1.synchronize()
                    t.append(e0.elapsed_time(e1) / 1e3)
            self.cycles_per_s[device] = probe / max(min(t), 1e-6)
        return int(self.cycles_per_s[device] * seconds) + 1

    @staticmethod
    def close(stream, cycles):
        with torch.cuda.device(stream.device), torch.cuda.stream(stream):
            torch.cuda._sleep(cycles)


GATE = Gate()


def event_sample(stream, issue, sync_devices, gate_s=0.0, ops=1):
    """One device-timed sample: seconds per operation, and whether the gate held (None: no gate).

    issue() enqueues `ops` operations whose work runs on `stream` (or is joined into it) and returns
    whatever must stay alive until they finish.
    """
    sync(*sync_devices)
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    if gate_s > 0:
        Gate.close(stream, GATE.cycles(stream.device.index, gate_s))
    start.record(stream)
    keep = issue()
    end.record(stream)
    held = (not start.query()) if gate_s > 0 else None
    end.synchronize()
    sync(*sync_devices)
    del keep
    return start.elapsed_time(end) / 1e3 / ops, held


def host_sample(issue, sync_devices, before=None):
    """One host-timed sample: perf_counter around issue() and a synchronize of sync_devices.

    `before` (default: sync_devices) are synchronized before the clock starts.
    """
    sync(*(sync_devices if before is None else before))
    t0 = time.perf_counter()
    keep = issue()
    sync(*sync_devices)
    t1 = time.perf_counter()
    del keep
    return t1 - t0


def collect(one, warmup, samples):
    """Warm up, then take up to `samples` samples (fewer if OP_BUDGET_S runs out, never < MIN_SAMPLES)."""
    for _ in range(warmup):
        one()
    out = []
    t0 = time.perf_counter()
    for _ in range(samples):
        out.append(one())
        if time.perf_counter() - t0 > OP_BUDGET_S and len(out) >= MIN_SAMPLES:
            break
    return out


def event_result(name, src, dst, nbytes, stream, issue, sync_devices, st, gate_s=0.0, samples=None,
                 ops=1, **extra):
    pairs = collect(lambda: event_sample(stream, issue, sync_devices, gate_s, ops),
                    st.warmup, samples or st.samples)
    times = [t for t, _ in pairs]
    if gate_s > 0:
        extra["gated"] = True
        extra["gate_held"] = sum(1 for _, h in pairs if h) / len(pairs)
    if ops != 1:
        extra["ops_per_sample"] = ops
    return summarize(name, src, dst, nbytes, "cuda_events", times, **extra)


def host_result(name, src, dst, nbytes, issue, sync_devices, st, samples=None, warmup=None, before=None,
                **extra):
    times = collect(lambda: host_sample(issue, sync_devices, before),
                    st.warmup if warmup is None else warmup, samples or st.samples)
    return summarize(name, src, dst, nbytes, "host", times, **extra)


# ----------------------------------------------------------------------------------------------
# data

class Buffers:
    """Random source tensors and destination buffers, one of each per GPU, allocated once."""

    def __init__(self):
        self._src, self._dst = {}, {}
        self._host = {}

    def src(self, d):
        if d not in self._src:
            self._src[d] = torch.rand(N, N, device="cuda:%d" % d)
            sync(d)
        return self._src[d]

    def dst(self, d):
        if d not in self._dst:
            self._dst[d] = torch.empty(N, N, device="cuda:%d" % d).fill_(-1.0)
            sync(d)
        return self._dst[d]

    def host(self, kind):
        """'pinned_in' / 'pageable_in': random data to send; 'pinned_out' / 'pageable_out': landing space."""
        if kind not in self._host:
            if kind == "pinned_in":
                t = torch.rand(N, N).pin_memory()
            elif kind == "pinned_out":
                t = torch.empty(N, N, pin_memory=True).fill_(-1.0)
            elif kind == "pageable_in":
                t = torch.rand(N, N)
            elif kind == "pageable_out":
                t = torch.empty(N, N).fill_(-1.0)  # touch every page once
            else:
                raise ValueError(kind)
            self._host[kind] = t
        return self._host[kind]


def check_equal(a, b, what):
    """Exact comparison after the warm-up (outside timing); raises so the result records an error."""
    if not torch.equal(a.to(b.device), b):
        raise RuntimeError("verification failed: %s did not produce the source data" % what)
    return True


# ----------------------------------------------------------------------------------------------
# operations between two GPUs

def peer_ops(rec, bufs, st, src, dst):
    a, b = bufs.src(src), bufs.dst(dst)
    s_src = torch.cuda.current_stream(src)
    both = (src, dst)
    p2p = bool(torch.cuda.can_device_access_peer(src, dst))
    gates = [0.0, GATE_BIG_S] if st.gated else [0.0]

    # b.copy_(a): PyTorch issues cudaMemcpyAsync on the source's current stream, between two
    # cross-device event barriers (source waits for the destination's stream, then the reverse).
    for g in gates:
        name = "peer_copy_" + ("gated" if g else "")
        def m(g=g, name=name):
            b.fill_(-1.0)
            r = event_result(name, src, dst, BIG, s_src, lambda: [b.copy_(a) for _ in range(st.peer_ops)],
                             both, st, gate_s=g, ops=st.peer_ops, p2p=p2p, issued_on="current stream of src")
            r["verified"] = check_equal(a, b, "b.copy_(a)")
            return r
        rec.run(name, src, dst, BIG, "cuda_events", m)

    # a.to('cuda:dst'): allocation on dst (caching allocator) + the same copy as above.
    target = "cuda:%d" % dst
    for g in gates:
        name = "peer_to" + ("_gated" if g else "")
        rec.run(name, src, dst, BIG, "cuda_events",
                lambda g=g, name=name: event_result(name, src, dst, BIG, s_src,
                                                    lambda: [a.to(target) for _ in range(st.peer_ops)], both,
                                                    st, gate_s=g, ops=st.peer_ops, p2p=p2p,
                                                    issued_on="current stream of src"))

    # cupy.copyto(b, a) inside cupy.cuda.Device(dst): cudaMemcpyAsync on the current CuPy stream of dst
    # (a "read" by dst). CuPy runs on a torch stream of dst (wrapped as a CuPy external stream) so that
    # the same torch events time it.
    for g in gates:
        name = "cupy_copyto" + ("_gated" if g else "")
        if cupy is None:
            rec.skip(name, src, dst, BIG, "cuda_events", "CuPy not importable: %s" % CUPY_ERROR)
            continue
        rec.run(name, src, dst, BIG, "cuda_events", lambda g=g, name=name: cupy_copyto(name, a, b, src, dst, st, g))


def cupy_stream(torch_stream):
    """The torch stream as a CuPy stream (Stream.from_external in CuPy 14, ExternalStream before)."""
    from_external = getattr(cupy.cuda.Stream, "from_external", None)
    if from_external is not None:
        try:
            return from_external(torch_stream)  # torch streams speak the __cuda_stream__ protocol
        except Exception:  # noqa: BLE001 - older torch: fall back to the raw handle
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return cupy.cuda.ExternalStream(torch_stream.cuda_stream)


def cupy_copyto(name, a, b, src, dst, st, gate_s):
    s_dst = torch.cuda.Stream(device=dst)
    with cupy.cuda.Device(src):
        ca = cupy.asarray(a)
    with cupy.cuda.Device(dst):
        cb = cupy.asarray(b)
        with cupy_stream(s_dst):
            def issue():
                cupy.copyto(cb, ca)
            b.fill_(-1.0)
            r = event_result(name, src, dst, BIG, s_dst, issue, (src, dst), st, gate_s=gate_s,
                             issued_on="CuPy current stream of dst (a torch stream)")
    r["verified"] = check_equal(a, b, "cupy.copyto")
    r["cupy_device_of_a"] = int(ca.device.id)
    r["cupy_device_of_b"] = int(cb.device.id)
    return r


def bidir(rec, bufs, st, i, j):
    """i->j and j->i at once: b_j.copy_(a_i) on a stream of i, b_i.copy_(a_j) on a stream of j."""
    a_i, a_j, b_i, b_j = bufs.src(i), bufs.src(j), bufs.dst(i), bufs.dst(j)
    s_i, s_j = torch.cuda.Stream(device=i), torch.cuda.Stream(device=j)

    def sample(gate_s):
        sync(i, j)
        ev = {k: torch.cuda.Event(enable_timing=True) for k in ("start", "start_j", "end_i", "end_j", "end")}
        if gate_s > 0:
            Gate.close(s_i, GATE.cycles(i, gate_s))
        ev["start"].record(s_i)
        s_j.wait_event(ev["start"])
        ev["start_j"].record(s_j)
        with torch.cuda.stream(s_i):
            b_j.copy_(a_i, non_blocking=True)
        with torch.cuda.stream(s_j):
            b_i.copy_(a_j, non_blocking=True)
        ev["end_i"].record(s_i)
        ev["end_j"].record(s_j)
        s_i.wait_event(ev["end_j"])
        ev["end"].record(s_i)
        held = (not ev["start"].query()) if gate_s > 0 else None
        ev["end"].synchronize()
        ev["end_j"].synchronize()
        sync(i, j)
        return (ev["start"].elapsed_time(ev["end"]) / 1e3,
                ev["start"].elapsed_time(ev["end_i"]) / 1e3,
                ev["start_j"].elapsed_time(ev["end_j"]) / 1e3, held)

    gates = [0.0, GATE_BIG_S] if st.gated else [0.0]
    for g in gates:
        name = "peer_bidir_two_streams" + ("_gated" if g else "")

        def m(g=g, name=name):
            out = collect(lambda: sample(g), st.warmup, st.samples)
            tot = [o[0] for o in out]
            extra = {"directions": [
                {"name": "%d->%d" % (i, j), "bytes": BIG, "gbps_median": BIG / statistics.median([o[1] for o in out]) / 1e9},
                {"name": "%d->%d" % (j, i), "bytes": BIG, "gbps_median": BIG / statistics.median([o[2] for o in out]) / 1e9},
            ], "issued_on": "one torch.cuda.Stream on each source device"}
            if g:
                extra["gated"] = True
                extra["gate_held"] = sum(1 for o in out if o[3]) / len(out)
            return summarize(name, i, j, 2 * BIG, "cuda_events", tot, **extra)
        rec.run(name, i, j, 2 * BIG, "cuda_events", m)


def staged(rec, bufs, st, src, dst):
    a, b = bufs.src(src), bufs.dst(dst)
    stage = bufs.host("pinned_out")

    def naive():
        stage.copy_(a, non_blocking=True)
        torch.cuda.synchronize(src)
        b.copy_(stage, non_blocking=True)

    def m_naive():
        r = host_result("staged_naive_pinned", src, dst, BIG, naive, (dst,), st, before=(src, dst),
                        note="D2H into a preallocated pinned buffer, synchronize, H2D; 400 MB counted once")
        r["verified"] = check_equal(a, b, "staged copy")
        return r
    rec.run("staged_naive_pinned", src, dst, BIG, "host", m_naive)

    target = "cuda:%d" % dst
    rec.run("staged_cpu_to", src, dst, BIG, "host",
            lambda: host_result("staged_cpu_to", src, dst, BIG, lambda: a.cpu().to(target), (dst,), st, before=(src, dst),
                                note="a.cpu().to(dst), pageable; 400 MB counted once"))


def small_ops(rec, st, src, dst):
    a = torch.rand(1, device="cuda:%d" % src) + 0.5
    b = torch.empty(1, device="cuda:%d" % dst).fill_(-1.0)
    target = "cuda:%d" % dst
    sync(src, dst)

    rec.run("small_peer_to", src, dst, SMALL, "host",
            lambda: host_result("small_peer_to", src, dst, SMALL, lambda: a.to(target), (dst,), st, before=(src, dst),
                                samples=st.small_samples, warmup=st.small_warmup,
                                note="perf_counter around a.to(dst) + torch.cuda.synchronize(dst), per op"))

    s_src = torch.cuda.current_stream(src)
    issue_s = []

    def b2b():
        t0 = time.perf_counter()
        for _ in range(B2B_COPIES):
            b.copy_(a)
        issue_s.append(time.perf_counter() - t0)

    def m(gate_s, name):
        r = event_result(name, src, dst, SMALL, s_src, b2b, (src, dst), st, gate_s=gate_s,
                         samples=st.b2b_samples, ops=B2B_COPIES, note="1000 b.copy_(a) of 4 B back to back; per copy")
        r["host_issue_s_per_op"] = statistics.median(issue_s) / B2B_COPIES
        check_equal(a, b, "small copy")
        r["verified"] = True
        return r
    rec.run("small_peer_copy_b2b", src, dst, SMALL, "cuda_events", lambda: m(0.0, "small_peer_copy_b2b"))
    if st.gated:
        # Gate long enough to cover issuing all 1000 copies (measured above), within bounds.
        gate_s = min(max(2.0 * (statistics.median(issue_s) if issue_s else 0.05), 0.005), 0.5)
        issue_s.clear()
        rec.run("small_peer_copy_b2b_gated", src, dst, SMALL, "cuda_events",
                lambda: m(gate_s, "small_peer_copy_b2b_gated"))


# ----------------------------------------------------------------------------------------------
# one GPU and the host

def host_ops(rec, bufs, st, g):
    dev_in, dev_out = bufs.src(g), bufs.dst(g)
    s = torch.cuda.current_stream(g)
    pin_in, pin_out = bufs.host("pinned_in"), bufs.host("pinned_out")

    def h2d_pinned():
        r = event_result("h2d_pinned", None, g, BIG, s, lambda: dev_out.copy_(pin_in, non_blocking=True), (g,), st)
        r["verified"] = check_equal(pin_in, dev_out, "pinned H2D")
        return r

    def d2h_pinned():
        r = event_result("d2h_pinned", g, None, BIG, s, lambda: pin_out.copy_(dev_in, non_blocking=True), (g,), st)
        r["verified"] = check_equal(dev_in, pin_out, "pinned D2H")
        return r
    rec.run("h2d_pinned", None, g, BIG, "cuda_events", h2d_pinned)
    rec.run("d2h_pinned", g, None, BIG, "cuda_events", d2h_pinned)

    rec.run("h2d_pageable", None, g, BIG, "host",
            lambda: host_result("h2d_pageable", None, g, BIG,
                                lambda: dev_out.copy_(bufs.host("pageable_in")), (g,), st))
    rec.run("d2h_pageable", g, None, BIG, "host",
            lambda: host_result("d2h_pageable", g, None, BIG,
                                lambda: bufs.host("pageable_out").copy_(dev_in), (g,), st))


# ----------------------------------------------------------------------------------------------
# compute on one GPU (--compute)

def set_tf32(enabled):
    """Turn TF32 for float32 matmul on or off; returns the setting used (the new API where it exists)."""
    matmul = torch.backends.cuda.matmul
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if hasattr(matmul, "fp32_precision"):
            matmul.fp32_precision = "tf32" if enabled else "ieee"
            return "torch.backends.cuda.matmul.fp32_precision=%r" % matmul.fp32_precision
        matmul.allow_tf32 = enabled
        return "torch.backends.cuda.matmul.allow_tf32=%r" % matmul.allow_tf32


def compute_ops(rec, st, g):
    dev = "cuda:%d" % g
    s = torch.cuda.current_stream(g)
    gates = [0.0, GATE_BIG_S] if st.gated else [0.0]
    x = torch.rand(N, N, device=dev)
    y = torch.rand(N, N, device=dev)
    z = x.clone()
    out = torch.empty(N, N, device=dev)
    sync(g)

    elementwise = [
        ("ew_mul2", 2 * BIG, lambda: x * 2, "x * 2; bytes read + written"),
        ("ew_sqrt", 2 * BIG, lambda: torch.sqrt(x), "torch.sqrt(x); bytes read + written"),
        ("ew_add_alpha", 3 * BIG, lambda: z.add_(y, alpha=0.5), "x.add_(y, alpha=0.5); bytes read + written"),
        ("local_copy_", BIG, lambda: out.copy_(x), "b.copy_(a) on one GPU; bytes counted once"),
    ]
    for base, nbytes, fn, note in ([] if st.gemm_only else elementwise):
        for gt in gates:
            name = base + ("_gated" if gt else "")

            def m(name=name, nbytes=nbytes, fn=fn, note=note, gt=gt):
                r = event_result(name, g, g, nbytes, s, fn, (g,), st, gate_s=gt, note=note)
                if name.startswith("local_copy_"):
                    r["gbps_rw_median"] = 2 * r["gbps_median"]
                return r
            rec.run(name, g, g, nbytes, "cuda_events", m)

    n = st.gemm_n
    flops = 2 * n ** 3
    # "_sustained": the same samples after SUSTAIN_S of back-to-back GEMMs, as gpuxfer measures
    # (its algorithm choice runs the GEMM for ~0.4 s first): H100/H200 run the first tens of ms
    # after idle at boost clocks and then settle lower under the power limit.
    variants = [(gt, False) for gt in gates] + [(0.0, True)]
    for prec, dtype, tf32 in (("fp32", torch.float32, False), ("tf32", torch.float32, True),
                              ("bf16", torch.bfloat16, None), ("fp16", torch.float16, None)):
        for gt, sustained in variants:
            name = "gemm_" + prec + ("_gated" if gt else "") + ("_sustained" if sustained else "")

            def m(name=name, dtype=dtype, tf32=tf32, gt=gt, sustained=sustained):
                setting = set_tf32(bool(tf32)) if tf32 is not None else None
                try:
                    a = torch.rand(n, n, device=dev, dtype=dtype)
                    b = torch.rand(n, n, device=dev, dtype=dtype)
                    nbytes = 3 * n * n * a.element_size()
                    if st.gemm_rest > 0 and not sustained:
                        # burst: the GPU idles first, as gpuxfer's --gemm-rest does before its samples
                        time.sleep(st.gemm_rest)
                    if sustained:
                        t_end = time.perf_counter() + SUSTAIN_S
                        while time.perf_counter() < t_end:
                            for _ in range(8):
                                a @ b
                            torch.cuda.synchronize(g)
                    r = event_result(name, g, g, nbytes, s, lambda: a @ b, (g,), st, gate_s=gt,
                                     samples=st.gemm_samples, n=n, dtype=str(dtype).replace("torch.", ""),
                                     note="a @ b, N=%d; bytes = A + B + C" % n)
                finally:
                    set_tf32(False)
                r["flops"] = flops
                r["tflops_median"] = flops / r["median_s"] / 1e12
                r["tflops_best"] = flops / r["min_s"] / 1e12
                if setting:
                    r["tf32_setting"] = setting
                return r
            rec.run(name, g, g, 3 * n * n * (4 if dtype == torch.float32 else 2), "cuda_events", m)


# ----------------------------------------------------------------------------------------------
# output

def table(results):
    lines = ["%-28s %4s %4s %12s %9s %3s  %s" % ("name", "src", "dst", "median", "unit", "n", "timing")]
    for r in results:
        sd = ("-" if r.get("src") is None else str(r["src"]), "-" if r.get("dst") is None else str(r["dst"]))
        if "error" in r or "skipped" in r:
            lines.append("%-28s %4s %4s %s" % (r["name"], sd[0], sd[1],
                                              "ERROR " + r["error"] if "error" in r else "skipped: " + r["skipped"]))
            continue
        if "tflops_median" in r:
            val, unit = r["tflops_median"], "TFLOP/s"
        elif r["bytes"] <= 4096:
            val, unit = r["median_s"] * 1e6, "us/op"
        else:
            val, unit = r["gbps_median"], "GB/s"
        flag = ""
        if r.get("gated") and r.get("gate_held", 1.0) < 1.0:
            flag = "  (gate held in %.0f%% of samples)" % (100 * r["gate_held"])
        lines.append("%-28s %4s %4s %12.2f %9s %3d  %s%s" % (r["name"], sd[0], sd[1], val, unit, r["samples"],
                                                            r["timing"], flag))
    return "\n".join(lines)


def write_json(doc, path):
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    if not path or path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".reference.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def parse_pairs(text):
    pairs = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        parts = item.split("-")
        if len(parts) != 2 or not parts[0].strip().isdigit() or not parts[1].strip().isdigit():
            raise argparse.ArgumentTypeError("bad pair %r: expected SRC-DST, e.g. 0-1" % item)
        s, d = int(parts[0]), int(parts[1])
        if s == d:
            raise argparse.ArgumentTypeError("bad pair %r: source and destination are the same GPU" % item)
        if (s, d) not in pairs:
            pairs.append((s, d))
    if not pairs:
        raise argparse.ArgumentTypeError("no pairs given")
    return pairs


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="PyTorch/CuPy reference figures for gpuxfer (schema gpuxfer.reference).")
    p.add_argument("--output", "-o", default="-", help="JSON output file (default: stdout)")
    sel = p.add_mutually_exclusive_group()
    sel.add_argument("--pairs", type=parse_pairs, help='GPU pairs SRC-DST, comma separated (default "0-1,1-0")')
    sel.add_argument("--all-pairs", action="store_true", help="every ordered pair of GPUs")
    p.add_argument("--all-gpus", action="store_true", help="host<->GPU copies on every GPU (default: the first)")
    p.add_argument("--compute", action="store_true", help="also elementwise ops and matmul on GPU 0")
    p.add_argument("--gemm-n", type=int, default=N, help="matmul size N (default %d)" % N)
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--samples", type=int, default=0,
                   help="timed repetitions per bandwidth result (default 20, 5 with --quick)")
    p.add_argument("--gemm-only", action="store_true",
                   help="only the matmuls on GPU 0 (no transfers, no elementwise ops)")
    p.add_argument("--gemm-rest", type=float, default=0.0,
                   help="seconds of idle before each burst matmul variant, as gpuxfer's --gemm-rest (default 0)")
    p.add_argument("--peer-ops", type=int, default=2,
                   help="b.copy_(a) / a.to() operations back to back per sample (default 2, as gpuxfer "
                        "samples one peer copy of 400 MB; 1 = a lone copy, start-up included)")
    p.add_argument("--no-gated", action="store_true",
                   help="skip the *_gated variants (same operations with the host issue time hidden)")
    args = p.parse_args(argv)
    if not 1 <= args.peer_ops <= 64:
        p.error("--peer-ops must be 1..64")
    if args.samples < 0 or args.gemm_n <= 0:
        p.error("--samples and --gemm-n must be positive")
    if not 0 <= args.gemm_rest <= 60:
        p.error("--gemm-rest must be 0..60 seconds")
    if args.gemm_only:
        args.compute = True
    return args


def main(argv=None):
    global torch, cupy, CUPY_ERROR
    args = parse_args(argv)
    st = Settings(args)

    try:
        import torch as _torch
    except Exception as exc:  # noqa: BLE001
        print("reference_torch: error: cannot import torch: %s" % exc, file=sys.stderr)
        return 3
    torch = _torch
    try:
        import cupy as _cupy
        cupy = _cupy
        CUPY_ERROR = None
    except Exception as exc:  # noqa: BLE001
        cupy, CUPY_ERROR = None, "%s: %s" % (type(exc).__name__, exc)

    ngpu = torch.cuda.device_count() if torch.cuda.is_available() else 0
    doc = {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION,
        "torch": torch.__version__, "torch_cuda": torch.version.cuda,
        "cupy": getattr(cupy, "__version__", None) if cupy is not None else None,
        "gpus": [torch.cuda.get_device_name(i) for i in range(ngpu)],
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname(),
        "argv": sys.argv if argv is None else ["reference_torch.py"] + list(argv),
        "env": {k: os.environ.get(k) for k in ("NCCL_NVLS_ENABLE", "CUDA_VISIBLE_DEVICES")},
        "settings": {"warmup": st.warmup, "samples": st.samples, "small_samples": st.small_samples,
                     "b2b_samples": st.b2b_samples, "b2b_copies": B2B_COPIES, "gemm_samples": st.gemm_samples, "gemm_rest_s": st.gemm_rest,
                     "gated_variants": st.gated, "peer_ops": st.peer_ops, "gate_s": GATE_BIG_S, "op_budget_s": OP_BUDGET_S},
        "results": [],
    }
    if cupy is None:
        doc["cupy_error"] = CUPY_ERROR
    if ngpu == 0:
        write_json(doc, args.output)
        print("reference_torch: error: no CUDA GPU visible to PyTorch", file=sys.stderr)
        return 3

    if args.pairs:
        bad = [p for p in args.pairs if max(p) >= ngpu]
        if bad and ngpu >= 2:
            print("reference_torch: error: --pairs names GPU %d but only %d GPUs are visible"
                  % (max(max(p) for p in bad), ngpu), file=sys.stderr)
            return 2
        pairs = args.pairs
    elif args.all_pairs:
        pairs = [(s, d) for s in range(ngpu) for d in range(ngpu) if s != d]
    else:
        pairs = [(0, 1), (1, 0)]
    host_gpus = list(range(ngpu)) if args.all_gpus else [0]
    if args.gemm_only:
        host_gpus, pairs = [], []

    rec = Recorder()
    doc["results"] = rec.results
    bufs = Buffers()
    t_start = time.perf_counter()
    log("reference_torch: torch %s, CuPy %s, %d GPU(s): %s" % (torch.__version__, doc["cupy"], ngpu,
                                                              ", ".join(sorted(set(doc["gpus"])))))

    log("host <-> GPU")
    for g in host_gpus:
        host_ops(rec, bufs, st, g)

    pair_error = None
    if not pairs:
        pass
    elif ngpu < 2:
        pair_error = "pair operations need 2 GPUs, %d visible" % ngpu
    else:
        log("GPU -> GPU")
        for src, dst in pairs:
            peer_ops(rec, bufs, st, src, dst)
        done = set()
        for src, dst in pairs:
            key = (min(src, dst), max(src, dst))
            if key not in done:
                done.add(key)
                bidir(rec, bufs, st, *key)
        log("staged through the host")
        for src, dst in pairs:
            staged(rec, bufs, st, src, dst)
        log("small copies")
        for src, dst in pairs:
            small_ops(rec, st, src, dst)

    if args.compute:
        log("compute on GPU 0")
        del bufs  # give the transfer buffers back before the matmuls
        torch.cuda.empty_cache()
        compute_ops(rec, st, 0)

    doc["wall_s"] = time.perf_counter() - t_start
    write_json(doc, args.output)
    log(table(rec.results))
    nerr = sum(1 for r in rec.results if "error" in r)
    log("reference_torch: %d results, %d errors, %.0f s" % (len(rec.results), nerr, doc["wall_s"]))
    if pair_error:
        print("reference_torch: error: " + pair_error + " (single-GPU results written)", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
