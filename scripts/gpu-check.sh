#!/usr/bin/env bash
# What a GPU CI runner does: build Release for Hopper, run the GPU tests and every other test,
# then the tool itself, leaving logs and JSON in OUTDIR. Run on a GPU machine.
#   scripts/gpu-check.sh OUTDIR
set -uo pipefail
out="${1:?usage: scripts/gpu-check.sh OUTDIR}"
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
cd "$(dirname "$0")/.."
status=0
step() { echo "== $*" >&2; }

step "environment"
{ nvidia-smi; nvidia-smi topo -m; nvidia-smi nvlink -s; nvidia-smi -q | head -200; } >"$out/nvidia-smi.txt" 2>&1

step "configure + build (hopper preset)"
{ cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$out/build.log" 2>&1 ||
  { tail -50 "$out/build.log"; exit 1; }

step "ctest: gpu, unit, cli"
(cd build/hopper && ctest --output-on-failure -L 'gpu|unit|cli') >"$out/ctest.log" 2>&1 || status=1
tail -15 "$out/ctest.log"
grep -E "^\[  (FAILED|SKIPPED) " "$out/ctest.log" | head -20

bin=build/hopper/src/gpuxfer
step "gpuxfer --version / list"
$bin --version | tee "$out/version.txt"
$bin list >"$out/list.txt" 2>&1 || status=1
$bin list --format json --output "$out/list.json" || status=1
$bin list --format markdown >"$out/list.md" 2>&1 || status=1
cat "$out/list.txt"
if [ -x "$bin" ] && $bin --help | grep -q " bench"; then
  step "gpuxfer bench --quick"
  $bin bench --quick --format json --output "$out/bench-quick.json" 2>"$out/bench-quick.log" || status=1
fi
exit $status
