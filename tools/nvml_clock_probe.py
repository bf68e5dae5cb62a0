#!/usr/bin/env python3
"""How fine NVML's view of the SM clock is while a GEMM runs: 1 ms polls of nvmlDeviceGetClockInfo
beside the driver's sample rings (nvmlDeviceGetSamples: SM clock, memory clock, power), during 400
back-to-back PyTorch `a @ b` (N = 10000, bf16 then fp16, CUDA-event timed) on GPU 0.

  python3 tools/nvml_clock_probe.py OUT.json

Per precision: the loop's length, the median GEMM time, TFLOP/s of the first 40 and of the last
200 GEMMs, the number of polls and how often the polled clock changed, and per ring its sample
count and median interval (or the NVML return code when the driver keeps none: 6 = NOT_FOUND).
Traces: every 20th poll, every 10th GEMM time.
"""
import ctypes, time, threading, statistics, json, sys
import torch
lib = ctypes.CDLL("libnvidia-ml.so.1"); assert lib.nvmlInit_v2() == 0
h = ctypes.c_void_p(); assert lib.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(h)) == 0
class Val(ctypes.Union): _fields_ = [("d", ctypes.c_double), ("ui", ctypes.c_uint), ("ul", ctypes.c_ulong), ("ull", ctypes.c_ulonglong), ("sll", ctypes.c_longlong), ("si", ctypes.c_int), ("us", ctypes.c_ushort)]
class Sample(ctypes.Structure): _fields_ = [("ts", ctypes.c_ulonglong), ("v", Val)]
def samples(kind, since):
    t = ctypes.c_int(); n = ctypes.c_uint(0)
    rc = lib.nvmlDeviceGetSamples(h, kind, ctypes.c_ulonglong(since), ctypes.byref(t), ctypes.byref(n), None)
    if rc != 0: return rc, []
    buf = (Sample * n.value)(); rc = lib.nvmlDeviceGetSamples(h, kind, ctypes.c_ulonglong(since), ctypes.byref(t), ctypes.byref(n), buf)
    if rc != 0: return rc, []
    out = []
    for i in range(n.value):
        s = buf[i]; val = {0: s.v.d, 1: s.v.ui, 2: s.v.ul, 3: s.v.ull, 4: s.v.sll, 5: s.v.si}.get(t.value, s.v.ui)
        out.append((s.ts, val))
    return t.value, out
clk = ctypes.c_uint()
def poll(): lib.nvmlDeviceGetClockInfo(h, 1, ctypes.byref(clk)); return clk.value
res = {}
for prec, dt in (("bf16", torch.bfloat16), ("fp16", torch.float16)):
    n = 10000
    a = torch.rand(n, n, device="cuda").to(dt); b = torch.rand(n, n, device="cuda").to(dt)
    for _ in range(3): a @ b
    torch.cuda.synchronize()
    polls = []; stop = threading.Event()
    def run():
        while not stop.is_set():
            polls.append((time.time(), poll())); time.sleep(0.001)
    since = int(time.time() * 1e6)
    th = threading.Thread(target=run); th.start()
    ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(400)]
    t0 = time.time()
    for s, e in ev: s.record(); a @ b; e.record()
    torch.cuda.synchronize(); t1 = time.time(); stop.set(); th.join()
    ms = [s.elapsed_time(e) for s, e in ev]
    r = {"loop_s": t1 - t0, "gemm_ms_median": statistics.median(ms), "tflops_first40": 2*n**3/statistics.median(ms[:40])/1e9,
         "tflops_last200": 2*n**3/statistics.median(ms[200:])/1e9, "ms_trace": ms[::10]}
    r["polls"] = len(polls); pv = [v for _, v in polls]
    r["poll_median"] = statistics.median(pv); r["poll_distinct_changes"] = sum(1 for i in range(1, len(pv)) if pv[i] != pv[i-1])
    r["poll_trace"] = pv[::20]
    for kind, name in ((5, "clk"), (6, "memclk"), (0, "power")):
        typ, ss = samples(kind, since)
        ss = [x for x in ss if x[0] >= since]
        if isinstance(ss, list) and ss:
            ts = [x[0] for x in ss]; d = [ts[i]-ts[i-1] for i in range(1, len(ts))]
            r[name] = {"type": typ, "count": len(ss), "span_s": (ts[-1]-ts[0])/1e6, "interval_us_median": statistics.median(d) if d else None,
                       "median": statistics.median(x[1] for x in ss), "min": min(x[1] for x in ss), "max": max(x[1] for x in ss), "trace": [x[1] for x in ss][:80]}
        else:
            r[name] = {"rc_or_type": typ, "count": 0}
    res[prec] = r
    print(prec, json.dumps({k: v for k, v in r.items() if not k.endswith("trace")}, default=str))
json.dump(res, open(sys.argv[1], "w"), indent=1)
