#!/usr/bin/env bash
# GEMM burst rate, gpuxfer against PyTorch, like for like: both idle the GPU for the
# same rest before each precision's samples and take the same number of samples, and the two
# tools alternate for ROUNDS rounds, so a GPU that throttles mid-run hits both alike. Per round a
# ratios table; the closing figure is the median over rounds. Builds first unless BIN is given.
#   scripts/gpu-gemm-burst.sh OUTDIR [ROUNDS]
set -uo pipefail
out="${1:?usage: scripts/gpu-gemm-burst.sh OUTDIR [ROUNDS]}"
rounds="${2:-3}"
rest="${REST:-2}"
samples="${SAMPLES:-10}"
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0
cd "$(dirname "$0")/.."
bin="${BIN:-build/hopper/src/gpuxfer}"
if [ -z "${BIN:-}" ]; then
  { cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$out/build.log" 2>&1 ||
    { tail -50 "$out/build.log"; exit 1; }
fi
status=0
for r in $(seq 1 "$rounds"); do
  echo "== round $r: gpuxfer (rest ${rest}s, $samples samples) ($(date -u +%T))" >&2
  $bin bench --suites gemm --devices 0 --gemm-rest "${rest}s" --samples "$samples" \
    --save-json "$out/burst-gpuxfer-$r.json" >"$out/burst-gpuxfer-$r.txt" 2>&1 || status=1
  echo "== round $r: PyTorch (rest ${rest}s, $samples samples) ($(date -u +%T))" >&2
  python3 scripts/reference_torch.py --gemm-only --no-gated --gemm-rest "$rest" --samples "$samples" \
    --output "$out/burst-torch-$r.json" 2>"$out/burst-torch-$r.log" || status=1
  python3 scripts/ratios.py "$out/burst-gpuxfer-$r.json" "$out/burst-torch-$r.json" --common \
    -o "$out/burst-ratios-$r.md" || status=1
  grep -E "gemm" "$out/burst-ratios-$r.md"
done
exit $status
