#!/usr/bin/env bash
# Telemetry on the GPU machine: the sampler's cost (the default bench with --telemetry on and
# off, alternating twice so drift hits both alike, headline figures paired by
# scripts/telemetry_overhead.py), the telemetry tests (gpu and fake-NVML), and gpuxfer's GEMMs
# against PyTorch per GHz of the SM clock (scripts/gemm_vs_torch.py). Builds first unless BIN is
# given.
#   scripts/gpu-telemetry.sh OUTDIR
set -uo pipefail
out="${1:?usage: scripts/gpu-telemetry.sh OUTDIR}"
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0
cd "$(dirname "$0")/.."
bin="${BIN:-build/hopper/src/gpuxfer}"
if [ -z "${BIN:-}" ]; then
  { cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$out/build.log" 2>&1 ||
    { tail -50 "$out/build.log"; exit 1; }
fi
status=0
(cd build/hopper && ctest -R 'Telemetry|FakeNvml' --output-on-failure) >"$out/ctest-telemetry.log" 2>&1 || status=1
tail -5 "$out/ctest-telemetry.log"
for round in 1 2; do
  for t in on off; do
    echo "== round $round: bench --telemetry $t ($(date -u +%T))" >&2
    $bin bench --telemetry "$t" --save-json "$out/bench-$t-$round.json" >"$out/bench-$t-$round.txt" 2>&1 || status=1
  done
  python3 scripts/telemetry_overhead.py "$out/bench-on-$round.json" "$out/bench-off-$round.json" \
    --output "$out/overhead-$round.json" | tee "$out/overhead-$round.txt" | tail -6
done
$bin compare "$out/bench-off-1.json" "$out/bench-on-1.json" >"$out/compare-off-on.txt" 2>&1 || true
echo "== gemm_vs_torch ($(date -u +%T))" >&2
python3 scripts/gemm_vs_torch.py "$out/bench-on-1.json" --output "$out/gemm-vs-torch.json" \
  | tee "$out/gemm-vs-torch.txt" || status=1
exit $status
