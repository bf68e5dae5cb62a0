#!/usr/bin/env bash
# The whole product at HEAD on one multi-GPU host, as one script: build, the GPU tests, a default
# `gpuxfer bench` with `gpuxfer check` and the HTML report of it, PyTorch right after and the
# ratios, then a default-suites run under `mpirun -np <GPUs>` (--quick), so every figure comes
# from one machine. On an 8-GPU host follow it with
# `BIN=build/hopper/src/gpuxfer scripts/gpu-dist.sh OUTDIR/dist 8` for serial vs rounds.
#   scripts/gpu-release-check.sh OUTDIR
set -uo pipefail
out="${1:?usage: scripts/gpu-release-check.sh OUTDIR}"
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
cd "$(dirname "$0")/.."
status=0
step() { echo "== $* ($(date -u +%T))" >&2; }
np="$(nvidia-smi -L | wc -l)"
{ nvidia-smi -L; nvidia-smi topo -m; } >"$out/nvidia-smi.txt" 2>&1

step "configure + build (hopper preset)"
{ cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$out/build.log" 2>&1 ||
  { tail -50 "$out/build.log"; exit 1; }
bin=build/hopper/src/gpuxfer

step "ctest -L gpu"
(cd build/hopper && ctest --output-on-failure -L gpu -j1) >"$out/ctest-gpu.log" 2>&1 || status=1
tail -4 "$out/ctest-gpu.log"

step "default gpuxfer bench"
/usr/bin/time -f "wall %e s" $bin bench --save-json "$out/bench-default.json" >"$out/bench-default.txt" \
  2>"$out/bench-default.log" || status=1
tail -2 "$out/bench-default.log"
grep -A12 -E "^latency peer_b2b" "$out/bench-default.txt" | head -30

step "gpuxfer check and report of that run"
$bin check "$out/bench-default.json" --format json --output "$out/check.json" >/dev/null 2>"$out/check.log"
echo "check exit $?" | tee -a "$out/check.log"
$bin check "$out/bench-default.json" >"$out/check.txt" 2>&1
tail -3 "$out/check.txt"
$bin report "$out/bench-default.json" -o "$out/report.html" --quiet || status=1

step "PyTorch reference, pairs 0-1 and 1-0 (right after)"
python3 scripts/reference_torch.py --pairs 0-1,1-0 --output "$out/reference.json" 2>"$out/reference.log" || status=1
python3 scripts/ratios.py "$out/bench-default.json" "$out/reference.json" --common -o "$out/ratios.md" || status=1
grep -E "targets|peer ce_write|sm_push|sm_pull|bidir|latency peer_b2b|pipelined|pinned" "$out/ratios.md" | head -40

step "mpirun -np $np gpuxfer bench --quick (every suite, one rank per GPU)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
/usr/bin/time -f "wall %e s" mpirun --allow-run-as-root --oversubscribe --bind-to none --timeout 300 -np "$np" \
  $bin bench --quick --save-json "$out/ranks-quick.json" >"$out/ranks-quick.txt" 2>"$out/ranks-quick.log" || status=1
tail -8 "$out/ranks-quick.log"
python3 - "$out/ranks-quick.json" <<'PY' || status=1
import collections, json, sys
d = json.load(open(sys.argv[1]))
c = collections.Counter((r["suite"], r["status"]) for r in d["records"])
print("merged records by suite/status:", dict(sorted(c.items())))
print("ranks:", [(r["rank"], r["status"], r["records"]) for r in d["run"]["ranks"]])
PY
exit $status
