#!/usr/bin/env bash
# The compute figures on one GPU machine, as one script: build, the GPU tests,
# `gpuxfer bench` of the compute suites, then PyTorch doing the same operations on the same
# machine right after, and the ratios.
#   scripts/gpu-compute.sh OUTDIR [extra gpuxfer bench flags]
set -uo pipefail
out="${1:?usage: scripts/gpu-compute.sh OUTDIR [bench flags]}"
shift
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
cd "$(dirname "$0")/.."
status=0
step() { echo "== $* ($(date -u +%T))" >&2; }

step "configure + build (hopper preset)"
{ cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$out/build.log" 2>&1 ||
  { tail -50 "$out/build.log"; exit 1; }

step "ctest -L gpu"
(cd build/hopper && ctest --output-on-failure -L gpu -j1) >"$out/ctest-gpu.log" 2>&1 || status=1
tail -25 "$out/ctest-gpu.log"

bin=build/hopper/src/gpuxfer
step "gpuxfer bench --suites elementwise,gemm,overlap $*"
/usr/bin/time -f "wall %e s" $bin bench --suites elementwise,gemm,overlap --save-json "$out/bench-compute.json" "$@" \
  >"$out/bench-compute.txt" 2>"$out/bench-compute.log" || status=1
cat "$out/bench-compute.txt" "$out/bench-compute.log"

step "gpuxfer bench --suites gemm --devices 0 --gemm-rest 2s --samples 10 (burst: as PyTorch's timing sees it)"
$bin bench --suites gemm --devices 0 --gemm-rest 2s --samples 10 --save-json "$out/bench-gemm-burst.json" \
  >"$out/bench-gemm-burst.txt" 2>"$out/bench-gemm-burst.log" || status=1
grep -E "^GPU0" "$out/bench-gemm-burst.txt"

step "PyTorch reference (same machine, right after)"
python3 scripts/reference_torch.py --pairs 0-1 --compute --output "$out/reference-compute.json" \
  2>"$out/reference-compute.log" || status=1
tail -30 "$out/reference-compute.log"
python3 scripts/ratios.py "$out/bench-compute.json" "$out/reference-compute.json" --common \
  -o "$out/ratios-compute.md" || status=1
grep -E "elementwise|gemm|targets" "$out/ratios-compute.md"
python3 scripts/ratios.py "$out/bench-gemm-burst.json" "$out/reference-compute.json" --common \
  -o "$out/ratios-gemm-burst.md" || status=1
grep -E "gemm|targets" "$out/ratios-gemm-burst.md"
exit $status
