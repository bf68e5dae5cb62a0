#!/usr/bin/env bash
# Build, the GPU tests, then the transfer suites twice back to back (wall time, run-to-run
# spread at 400 MB), on a multi-GPU host. Everything comes back as one tarball.
#   scripts/gpu-transfers-twice.sh OUTDIR
set -uo pipefail
top="${1:?usage: scripts/gpu-transfers-twice.sh OUTDIR}"
out="$top/r"
mkdir -p "$out"
cd "$(dirname "$0")/.."
export NCCL_NVLS_ENABLE=0
nvidia-smi -L >"$out/nvidia-smi.txt"
{ cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$out/build.log" 2>&1 ||
  { tail -40 "$out/build.log"; exit 1; }
(cd build/hopper && ctest --output-on-failure -L gpu -j1) >"$out/ctest-gpu.log" 2>&1
tail -3 "$out/ctest-gpu.log"
bin=build/hopper/src/gpuxfer
scripts/transfers-twice.sh "$out" "$bin"
tar -C "$top" -czf "$top/all.tgz" r
cp "$out/run-to-run.txt" "$out/ctest-gpu.log" "$top/"
rm -rf "$out"
