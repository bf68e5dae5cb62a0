#!/usr/bin/env bash
# Peer copy probe on a machine with 2+ GPUs: scripts/probes/peer_copy_probe.cu (copy engine and SM
# kernel variants, 1 vs 8 operations per sample), gpuxfer's peer suite at 400 MB with 1 ms and
# 8 ms samples, and PyTorch's b.copy_(a) with 1 and 8 copies per sample, as one script.
#   scripts/gpu-peer-probe.sh OUTDIR
set -uo pipefail
top="${1:?usage: scripts/gpu-peer-probe.sh OUTDIR}"
out="$top/work"  # everything, returned as one tarball (the device returns few files)
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv >"$out/gpus.csv" 2>&1
(cmake --preset hopper >"$out/build.log" 2>&1 && cmake --build --preset hopper -j"$(nproc)" --target gpuxfer >>"$out/build.log" 2>&1) &
build=$!
nvcc -O3 -arch=sm_90 -std=c++17 scripts/probes/peer_copy_probe.cu -o /tmp/peer_probe && /tmp/peer_probe | tee "$out/peer-probe.txt"
wait $build || { tail -30 "$out/build.log"; exit 1; }
bin=build/hopper/src/gpuxfer
for t in 1ms 8ms; do
  $bin bench --suites peer,async --sizes 400MB --min-sample-time $t --progress never --format json --output "$out/bench-peer-$t.json" 2>"$out/bench-peer-$t.log"
done
for k in 1 8; do
  python3 scripts/reference_torch.py --pairs 0-1,1-0 --peer-ops $k --output "$out/torch-peer-ops$k.json" 2>"$out/torch-peer-ops$k.log"
done
for t in 1ms 8ms; do
  for k in 1 8; do
    python3 scripts/ratios.py "$out/bench-peer-$t.json" "$out/torch-peer-ops$k.json" --common -o "$out/ratios-$t-ops$k.md"
  done
done
cp "$out/peer-probe.txt" "$out"/ratios-*.md "$top/"
tar -C "$top" -czf "$top/peer-probe-all.tgz" work && rm -rf "$out"
ls -la "$top"
