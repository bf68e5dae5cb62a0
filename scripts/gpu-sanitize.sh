#!/usr/bin/env bash
# compute-sanitizer over every kernel gpuxfer launches, on a GPU machine: a small bench of
# every suite (tiny sizes, 2 samples) under each tool; cuBLAS's kernels run too. Needs a build in
# build/hopper (scripts/gpu-check.sh or gpu-compute.sh makes it).
#   scripts/gpu-sanitize.sh OUTDIR [TOOL...]     (default: memcheck racecheck initcheck synccheck)
# SANITIZE_TIMEOUT (default 240 s) bounds each run; DEVICES (default 0,1) picks the two GPUs.
set -uo pipefail
out="${1:?usage: scripts/gpu-sanitize.sh OUTDIR [TOOL...]}"
shift
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(memcheck racecheck initcheck synccheck)
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0
cd "$(dirname "$0")/.."
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
bin=build/hopper/src/gpuxfer
# Every suite on two GPUs at tiny sizes; the bulk SM copy kernel (shared memory) in a second run.
small=(bench --devices "${DEVICES:-0,1}" --quick --sizes 4KiB --shape 256x256 --gemm-n 256 --samples 2 --warmup 0
       --timeout 120s --progress never --format json --no-gate)
status=0
for tool in "${tools[@]}"; do
  for variant in vector bulk; do
    args=("${small[@]}")
    [ "$variant" = bulk ] && args+=(--suites peer,async --sm-kernel bulk)
    log="$out/sanitize-$tool-$variant.log"
    start=$SECONDS
    timeout "${SANITIZE_TIMEOUT:-240}" "$sanitizer" --tool "$tool" --error-exitcode 99 --print-limit 20 "$bin" "${args[@]}" \
      -o "$out/sanitize-$tool-$variant.json" >"$log" 2>&1
    rc=$?
    summary=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY|========= (Invalid|Uninitialized|Race|Barrier)" "$log" | head -3 | tr '\n' ' ')
    echo "$tool $variant: exit $rc in $((SECONDS - start)) s; $summary"
    [ $rc -eq 0 ] || status=1
  done
done
exit $status
