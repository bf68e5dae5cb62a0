#!/usr/bin/env bash
# The pointer chase against the independent probe (tools/chase_probe.cu), the latency suite's
# GPU tests, and an elementwise run with cache-resident sizes, on one GPU. Writes everything
# into OUTDIR and packs it into TARBALL (default OUTDIR/r.tgz); scripts/chase_vs_probe.py reads
# the JSON (docs/method.md).
#   tools/chase_vs_probe.sh OUTDIR [TARBALL]
set -uo pipefail
out="${1:?usage: tools/chase_vs_probe.sh OUTDIR [TARBALL]}"
tarball="${2:-$out/r.tgz}"
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
cd "$(dirname "$0")/.."
status=0
step() { echo "== $* ($(date -u +%H:%M:%S))" >&2; }
finish() { tar -C "$out" -czf "$tarball" --exclude "$(basename "$tarball")" . ; exit $status; }

step "environment"
{ nvidia-smi; nvidia-smi -q | head -60; } >"$out/nvidia-smi.txt" 2>&1

step "configure + build (hopper preset) + chase_probe"
{ cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)" &&
  cmake --build --preset hopper --target chase_probe -j"$(nproc)"; } >"$out/build.log" 2>&1 ||
  { tail -60 "$out/build.log"; status=1; finish; }

step "gpu tests: pointer chase and measurement"
build/hopper/tests/gpuxfer_gpu_tests --gtest_color=no --gtest_filter='Chase.*:Measure.*' \
  >"$out/gpu-tests.log" 2>&1 || status=1
tail -30 "$out/gpu-tests.log"

bin=build/hopper/src/gpuxfer
sizes=4MiB,64MiB,256MiB,2GiB
step "gpuxfer bench --suites latency --chase-sizes $sizes"
$bin bench --suites latency --chase-sizes "$sizes" --progress never --save-json "$out/chase.json" \
  >"$out/chase.txt" 2>"$out/chase.log" || status=1
cat "$out/chase.txt"

step "tools/chase_probe $sizes"
build/hopper/tools/chase_probe 4MiB 64MiB 256MiB 2GiB >"$out/probe.jsonl" 2>"$out/probe.log" || status=1
cat "$out/probe.jsonl"

step "gpuxfer bench --suites elementwise --sizes 4MiB,16MiB,64MiB,256MiB"
$bin bench --suites elementwise --sizes 4MiB,16MiB,64MiB,256MiB --progress never \
  --save-json "$out/elementwise.json" >"$out/elementwise.txt" 2>"$out/elementwise.log" || status=1
cat "$out/elementwise.txt"

step "summaries"
python3 scripts/chase_vs_probe.py "$out/chase.json" "$out/probe.jsonl" "$out/elementwise.json" \
  >"$out/summary.md" 2>&1 || status=1
python3 scripts/sample_length.py "$out/chase.json" "$out/elementwise.json" >"$out/sample-length.md" 2>&1 || status=1
cat "$out/summary.md" "$out/sample-length.md"
finish
