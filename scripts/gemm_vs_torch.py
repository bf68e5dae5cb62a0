#!/usr/bin/env python3
"""gpuxfer's GEMMs against PyTorch's `a @ b`, as rates and per GHz of the SM clock.

  python3 scripts/gemm_vs_torch.py RESULT.json [--gpu 0] [--output ratios.json]

RESULT.json is a gpuxfer bench report (schema 1.6+ for the per-GHz figures: bench --telemetry on,
the default) holding the gemm suite. For each precision fp32 (TF32 off), tf32, bf16 and fp16, on
the GPU --gpu, this script runs PyTorch with the shapes and inputs of that report's headline GEMM
records (N x N x N with N = the record's gemm_n; A and B uniform in run.options.gemm_inputs,
[0, 1) by default, as gpuxfer fills them): 3 warm-up products, then 40 samples of one `a @ b`
each, timed by CUDA events, enqueued back to back so the GPU never waits for Python (gpuxfer's
samples run back to back behind its gate too). While the samples run, a thread polls the GPU's SM
clock through NVML every 10 ms, gpuxfer's telemetry period: through pynvml when it is importable,
else through ctypes on libnvidia-ml.so.1 (PyTorch images often lack pynvml). Like gpuxfer's
sampler, the driver's own SM clock samples (nvmlDeviceGetSamples, NVML_PROCESSOR_CLK_SAMPLES)
stamped inside the samples replace the polls when there are at least as many of them.

Prints per precision: gpuxfer TFLOP/s, torch TFLOP/s, their ratio (gpuxfer / torch), gpuxfer
TFLOP/s per GHz (of its record's median SM clock), torch TFLOP/s per GHz (of the clock polled
here) and the per-GHz ratio; writes the same as JSON to --output (schema "gpuxfer.gemm_vs_torch").
A rate gap that disappears per GHz is the clock, not the kernel.

Exit status: 0 done; 2 bad arguments or an unreadable report; 3 no PyTorch, no GPU or no NVML.
"""
import argparse
import ctypes
import datetime
import json
import socket
import statistics
import sys
import threading
import time

PERIOD_S = 0.010      # gpuxfer's kTelemetryPeriod (src/gpu/telemetry_sampler.hpp)
WARMUP = 3
SAMPLES = 40
PRECISIONS = ("fp32", "tf32", "bf16", "fp16")
NVML_CLOCK_SM = 1
NVML_PROCESSOR_CLK_SAMPLES = 5
NVML_ERROR_NOT_FOUND = 6


class _Value(ctypes.Union):
    _fields_ = [("d", ctypes.c_double), ("ui", ctypes.c_uint), ("ul", ctypes.c_ulong),
                ("ull", ctypes.c_ulonglong), ("sll", ctypes.c_longlong), ("si", ctypes.c_int)]


class _Sample(ctypes.Structure):
    _fields_ = [("timeStamp", ctypes.c_ulonglong), ("sampleValue", _Value)]


class Nvml:
    """The SM clock of one GPU (by PCI bus id), through pynvml or ctypes."""

    def __init__(self, pci_bus_id):
        self.kind = None
        self._bus_id = pci_bus_id
        try:
            import pynvml  # noqa: PLC0415
            pynvml.nvmlInit()
            self._py = pynvml
            self._h = pynvml.nvmlDeviceGetHandleByPciBusId(pci_bus_id.encode())
            self.kind = "pynvml"
            return
        except Exception:  # noqa: BLE001 - absent or unusable: try ctypes
            pass
        self._open_ctypes(pci_bus_id)
        self.kind = "ctypes"

    def _open_ctypes(self, pci_bus_id):
        lib = ctypes.CDLL("libnvidia-ml.so.1")
        if lib.nvmlInit_v2() != 0:
            raise RuntimeError("nvmlInit_v2 failed")
        self._lib = lib
        self._h = ctypes.c_void_p()
        rc = lib.nvmlDeviceGetHandleByPciBusId_v2(pci_bus_id.encode(), ctypes.byref(self._h))
        if rc != 0:
            raise RuntimeError("nvmlDeviceGetHandleByPciBusId_v2(%s) returned %d" % (pci_bus_id, rc))
        self._value = ctypes.c_uint()

    def clock_samples_mhz(self, since_us, until_us):
        """The driver's SM clock samples stamped in (since_us, until_us]; None when not kept."""
        if not hasattr(self, "_lib"):
            try:
                self._open_ctypes(self._bus_id)
            except (OSError, RuntimeError):
                return None
        kind = ctypes.c_int()
        count = ctypes.c_uint(256)
        buf = (_Sample * 256)()
        rc = self._lib.nvmlDeviceGetSamples(self._h, NVML_PROCESSOR_CLK_SAMPLES, ctypes.c_ulonglong(since_us),
                                            ctypes.byref(kind), ctypes.byref(count), buf)
        if rc == NVML_ERROR_NOT_FOUND:
            return []
        if rc != 0:
            return None
        field = {0: "d", 1: "ui", 2: "ul", 3: "ull", 4: "sll", 5: "si"}.get(kind.value, "ui")
        return [float(getattr(buf[i].sampleValue, field)) for i in range(min(count.value, 256))
                if since_us < buf[i].timeStamp <= until_us]

    def sm_clock_mhz(self):
        if self.kind == "pynvml":
            return float(self._py.nvmlDeviceGetClockInfo(self._h, NVML_CLOCK_SM))
        rc = self._lib.nvmlDeviceGetClockInfo(self._h, NVML_CLOCK_SM, ctypes.byref(self._value))
        return float(self._value.value) if rc == 0 else None


class ClockPoller:
    """Polls the SM clock every PERIOD_S between start() and stop()."""

    def __init__(self, nvml):
        self.nvml = nvml
        self.values = []
        self._stop = threading.Event()
        self._thread = None

    def _run(self):
        next_t = time.perf_counter()
        while not self._stop.is_set():
            v = self.nvml.sm_clock_mhz()
            if v is not None:
                self.values.append(v)
            next_t += PERIOD_S
            self._stop.wait(max(0.0, next_t - time.perf_counter()))

    def start(self):
        self.values = []
        self.source = "polled"
        self._since_us = int(time.time() * 1e6)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()
        ring = self.nvml.clock_samples_mhz(self._since_us, int(time.time() * 1e6))
        if ring and len(ring) >= len(self.values):
            self.values = ring
            self.source = "samples"
        return statistics.median(self.values) if self.values else None


def set_tf32(torch, enabled):
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        try:
            matmul.fp32_precision = "tf32" if enabled else "ieee"
            return
        except Exception:  # noqa: BLE001 - older builds: the flag below
            pass
    matmul.allow_tf32 = enabled


def torch_gemm(torch, gpu, precision, n, lo, hi, nvml):
    dtype = {"fp32": torch.float32, "tf32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    dev = "cuda:%d" % gpu
    set_tf32(torch, precision == "tf32")
    try:
        a = (torch.rand(n, n, device=dev) * (hi - lo) + lo).to(dtype)
        b = (torch.rand(n, n, device=dev) * (hi - lo) + lo).to(dtype)
        for _ in range(WARMUP):
            a @ b
        torch.cuda.synchronize(gpu)
        starts = [torch.cuda.Event(enable_timing=True) for _ in range(SAMPLES)]
        ends = [torch.cuda.Event(enable_timing=True) for _ in range(SAMPLES)]
        poller = ClockPoller(nvml)
        poller.start()
        for i in range(SAMPLES):
            starts[i].record()
            a @ b
            ends[i].record()
        torch.cuda.synchronize(gpu)
        clock = poller.stop()
    finally:
        set_tf32(torch, False)
    seconds = sorted(s.elapsed_time(e) * 1e-3 for s, e in zip(starts, ends))
    median_s = statistics.median(seconds)
    tflops = 2.0 * n ** 3 / median_s / 1e12
    return {"tflops": tflops, "median_s": median_s, "sm_clock_mhz": clock,
            "tflops_per_ghz": tflops / (clock / 1e3) if clock else None, "samples": SAMPLES,
            "clock_polls": len(poller.values), "clock_source": poller.source}


def gpuxfer_gemm(report, gpu, precision):
    """The headline single-GPU GEMM record of `precision` on `gpu`: TFLOP/s, per GHz, N."""
    for r in report.get("records", []):
        if r.get("method") != "gemm_" + precision or r.get("status") != "ok" or r.get("devices"):
            continue
        if r.get("src") != gpu or not r.get("headline"):
            continue
        tflops = r["rate"]["median"] / 1e12
        tel = r.get("telemetry") or {}
        clock = None
        source = None
        for g in tel.get("gpus", []):
            if g.get("gpu") == gpu and g.get("sm_clock_mhz"):
                clock = g["sm_clock_mhz"]["median"]
                source = g.get("sm_clock_source", "polled")
        per_ghz = tel.get("flop_rate_per_sm_ghz")
        return {"tflops": tflops, "n": r.get("gemm_n") or 10000, "sm_clock_mhz": clock, "clock_source": source,
                "tflops_per_ghz": per_ghz / 1e12 if per_ghz else (tflops / (clock / 1e3) if clock else None)}
    return None


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("result", help="gpuxfer bench report (JSON) holding the gemm suite")
    p.add_argument("--gpu", type=int, default=0, help="CUDA ordinal to run on and to read from the report (default 0)")
    p.add_argument("--output", help="write the figures as JSON here")
    args = p.parse_args()
    try:
        with open(args.result) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print("gemm_vs_torch.py: cannot read %s: %s" % (args.result, e), file=sys.stderr)
        return 2
    if report.get("schema") != "gpuxfer.report":
        print("gemm_vs_torch.py: %s is not a gpuxfer report" % args.result, file=sys.stderr)
        return 2
    inputs = report.get("run", {}).get("options", {}).get("gemm_inputs", {"lo": 0.0, "hi": 1.0})
    lo, hi = float(inputs.get("lo", 0.0)), float(inputs.get("hi", 1.0))
    try:
        import torch  # noqa: PLC0415
    except ImportError:
        print("gemm_vs_torch.py: PyTorch is not importable", file=sys.stderr)
        return 3
    if not torch.cuda.is_available() or args.gpu >= torch.cuda.device_count():
        print("gemm_vs_torch.py: no CUDA GPU %d visible to PyTorch" % args.gpu, file=sys.stderr)
        return 3
    torch.cuda.set_device(args.gpu)
    props = torch.cuda.get_device_properties(args.gpu)
    bus_id = None
    for g in report.get("system", {}).get("gpus", []):
        if g.get("index") == args.gpu:
            bus_id = g.get("pci_bus_id")
    if bus_id is None:
        bus_id = "%04x:%02x:%02x.0" % (getattr(props, "pci_domain_id", 0), props.pci_bus_id, props.pci_device_id)
    try:
        nvml = Nvml(bus_id)
    except (OSError, RuntimeError) as e:
        print("gemm_vs_torch.py: NVML not usable: %s" % e, file=sys.stderr)
        return 3

    rows = []
    for prec in PRECISIONS:
        gx = gpuxfer_gemm(report, args.gpu, prec)
        n = gx["n"] if gx else 10000
        th = torch_gemm(torch, args.gpu, prec, n, lo, hi, nvml)
        rows.append({"precision": prec, "n": n,
                     "gpuxfer_tflops": gx["tflops"] if gx else None,
                     "gpuxfer_sm_clock_mhz": gx["sm_clock_mhz"] if gx else None,
                     "gpuxfer_tflops_per_ghz": gx["tflops_per_ghz"] if gx else None,
                     "torch_tflops": th["tflops"], "torch_sm_clock_mhz": th["sm_clock_mhz"],
                     "torch_tflops_per_ghz": th["tflops_per_ghz"], "torch_clock_polls": th["clock_polls"],
                     "torch_clock_source": th["clock_source"],
                     "gpuxfer_clock_source": gx["clock_source"] if gx else None,
                     "ratio": ratio(gx["tflops"] if gx else None, th["tflops"]),
                     "ratio_per_ghz": ratio(gx["tflops_per_ghz"] if gx else None, th["tflops_per_ghz"])})

    print("%-5s %6s %10s %10s %7s %8s %8s %12s %12s %9s" % (
        "prec", "N", "gpuxfer", "torch", "ratio", "gx MHz", "pt MHz", "gx TF/GHz", "pt TF/GHz", "ratio/GHz"))
    for r in rows:
        print("%-5s %6d %10s %10s %7s %8s %8s %12s %12s %9s" % (
            r["precision"], r["n"], fmt(r["gpuxfer_tflops"]), fmt(r["torch_tflops"]), fmt(r["ratio"], "%.3f"),
            fmt(r["gpuxfer_sm_clock_mhz"], "%.0f"), fmt(r["torch_sm_clock_mhz"], "%.0f"),
            fmt(r["gpuxfer_tflops_per_ghz"]), fmt(r["torch_tflops_per_ghz"]), fmt(r["ratio_per_ghz"], "%.3f")))
    doc = {"schema": "gpuxfer.gemm_vs_torch", "schema_version": {"major": 1, "minor": 0},
           "started_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "hostname": socket.gethostname(), "gpuxfer_result": args.result, "gpu": args.gpu,
           "gpu_name": props.name, "torch_version": torch.__version__, "nvml_via": nvml.kind,
           "method": {"warmup": WARMUP, "samples": SAMPLES, "clock_period_s": PERIOD_S,
                      "clock": "the driver's SM clock samples inside the samples where at least as many as the polls, else the polls",
                      "inputs": {"lo": lo, "hi": hi}, "op": "a @ b",
                      "ratio": "gpuxfer / torch; per GHz: each rate over its own median SM clock"},
           "rows": rows}
    if args.output:
        with open(args.output, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
