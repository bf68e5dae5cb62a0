#!/usr/bin/env bash
# Issue 3 figures in one call on a lent 4-GPU host: scripts/gpu-release-check.sh (build, GPU
# tests, default bench, check, report, PyTorch, mpirun --quick), then the transfer suites twice
# for the wall time and the run-to-run spread, then the concurrent all-GPU cases with 40 ms
# samples (do longer samples settle them?; CONCURRENT_40MS=0 skips that). Everything comes back
# as one tarball.
#   scripts/gpu-session-transfers.sh OUTDIR
set -uo pipefail
top="${1:?usage: scripts/gpu-session-transfers.sh OUTDIR}"
out="$top/r"
mkdir -p "$out"
cd "$(dirname "$0")/.."
export NCCL_NVLS_ENABLE=0
scripts/gpu-release-check.sh "$out" 2>&1 | tee "$out/release-check-call.log"
bin=build/hopper/src/gpuxfer
scripts/transfers-twice.sh "$out" "$bin"
if [ "${CONCURRENT_40MS:-1}" = 1 ]; then
  $bin bench --suites async,host --sizes 400MB --min-sample-time 40ms --progress never \
    --save-json "$out/concurrent-40ms.json" >"$out/concurrent-40ms.txt" 2>&1
fi
tar -C "$top" -czf "$top/all.tgz" r
cp "$out/release-check-call.log" "$out/run-to-run.txt" "$out/ratios.md" "$top/" 2>/dev/null
rm -rf "$out"
