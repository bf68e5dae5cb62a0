#!/usr/bin/env python3
"""Writes the telemetry fixtures of tests/data/check (read by the check and compare CLI tests) from
tests/data/runs/h200x4-nvswitch-2026-11-27-1398c7f4/bench-compute.json (4x H200, schema 1.2): its system and its five gemm_bf16
records (GPUs 0-3 alone and all four at once), as schema 1.6 with hand-made telemetry in the
shape src/core/telemetry_json.cpp writes.

  telemetry-calm.json       every GPU at 1980 MHz, power cap 30 % of the time, no HW reason
  telemetry-throttled.json  GPU 2 at 1500 MHz with HW thermal slowdown 25 % of the time (counter)
                            and its GEMM 25 % slower (samples, time_s, rate, efficiency scaled);
                            GPU 3's clock event reasons unknown (NVML: Not Supported)

Run from the repository root: python3 tests/data/make_telemetry_fixtures.py
"""
import copy
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REASONS = ["sw_power_cap", "hw_slowdown", "sync_boost", "sw_thermal_slowdown", "hw_thermal_slowdown",
           "hw_power_brake_slowdown"]


def gpu(i, mhz=1980.0, shares=None, reasons_unknown=False):
    shares = shares or {}
    g = {"gpu": i, "samples": 24, "window_s": 0.245,
         "sm_clock_mhz": {"min": mhz - 15, "median": mhz, "max": min(1980.0, mhz + 15)},
         "mem_clock_mhz_median": 3201.0, "power_w_median": 672.0, "power_w_max": 701.0, "power_source": "samples",
         "power_limit_w": 700.0, "power_percent_of_limit": 96.0, "gpu_temp_c_max": 61.0, "mem_temp_c_max": 70.0,
         "throttle": [], "pcie_gen_min": 5, "pcie_width_min": 16}
    if reasons_unknown:
        g["unknown"] = {"throttle": "clock event reasons: NVML: Not Supported"}
    else:
        for r in REASONS:
            g["throttle"].append({"reason": r, "share": shares.get(r, 0.0),
                                  "source": "polled" if r == "hw_slowdown" else "counter"})
    return g


def telemetry(gpus, rate):
    clocks = [g["sm_clock_mhz"]["median"] for g in gpus]
    return {"period_s": 0.01, "flop_rate_per_sm_ghz": rate / (sum(clocks) / len(clocks) / 1e3), "gpus": gpus}


def slow_down(rec, factor):
    """The record `factor` times as fast: every time divided by it, rates multiplied."""
    rec["samples_s"] = [s / factor for s in rec["samples_s"]]
    for k in ("min", "q1", "median", "q3", "max", "mean", "stdev"):
        rec["time_s"][k] /= factor
    rec["rate"]["median"] *= factor
    if rec["rate"].get("best") is not None:
        rec["rate"]["best"] *= factor
    if rec["efficiency"].get("fraction") is not None:
        rec["efficiency"]["fraction"] *= factor


def main():
    src = json.load(open(os.path.join(ROOT, "tests/data/runs/h200x4-nvswitch-2026-11-27-1398c7f4/bench-compute.json")))
    src["schema_version"]["minor"] = 6
    src["run"]["options"]["telemetry"] = "on"
    src["records"] = [r for r in src["records"] if r["method"] == "gemm_bf16"]
    calm = copy.deepcopy(src)
    for r in calm["records"]:
        ids = r["devices"] or [r["src"]]
        r["telemetry"] = telemetry([gpu(i, shares={"sw_power_cap": 0.30}) for i in ids], r["rate"]["median"])
    hot = copy.deepcopy(src)
    for r in hot["records"]:
        ids = r["devices"] or [r["src"]]
        if r["src"] == 2 and not r["devices"]:
            slow_down(r, 0.75)
        gs = []
        for i in ids:
            if i == 2:
                gs.append(gpu(i, mhz=1500.0, shares={"sw_power_cap": 0.30, "hw_thermal_slowdown": 0.25,
                                                     "hw_slowdown": 0.24}))
            elif i == 3:
                gs.append(gpu(i, reasons_unknown=True))
            else:
                gs.append(gpu(i, shares={"sw_power_cap": 0.30}))
        r["telemetry"] = telemetry(gs, r["rate"]["median"])
    for name, doc in (("telemetry-calm.json", calm), ("telemetry-throttled.json", hot)):
        with open(os.path.join(ROOT, "tests/data/check", name), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
