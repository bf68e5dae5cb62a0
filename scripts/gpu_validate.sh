#!/usr/bin/env bash
# GPU validation of the tree on one GPU machine, as one script: Release build for Hopper, the GPU
# tests, the default bench with check, report and the PyTorch reference right after, the ratios,
# all written into results/<machine>-<date>-<gpu0>/ (results/README.md); then
# `python3 scripts/gen_docs.py` on any machine regenerates the index and docs/results.md.
#
#   scripts/gpu_validate.sh [--repeat] [--mpi] [--sanitize] [--no-build] [--no-torch] [--results DIR]
#
#   --repeat     the default bench twice back to back (bench-run1/2: a run-to-run pair)
#   --mpi        also one rank per GPU under mpirun: --schedule serial and rounds against one process,
#                NCCL forced onto sockets, and `bench --quick` (needs 2+ GPUs, mpirun, gpuxfer-mpi)
#   --sanitize   compute-sanitizer memcheck, racecheck, initcheck and synccheck over every kernel
#                (tiny sizes); their logs stay in the work folder, a summary line each is printed
#   --no-build   use build/hopper as it is
#   --no-torch   no PyTorch reference (and no ratios)
#   --results D  the results root (default results/)
#
# Logs (build, ctest, stderr of each step) go to build/gpu-validate/, never into results/.
# Exit 0 when every step succeeded, 1 when one failed (the others still ran), 2 bad usage.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
repeat=0 mpi=0 sanitize=0 build=1 torch=1 root=results
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat=1 ;;
    --mpi) mpi=1 ;;
    --sanitize) sanitize=1 ;;
    --no-build) build=0 ;;
    --no-torch) torch=0 ;;
    --results) root="${2:?gpu_validate.sh: --results needs a folder}"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu_validate.sh: unknown option '$1' (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done

export NCCL_NVLS_ENABLE=0  # never NVLink multicast: it can take down the GPUs of a shared host
work=build/gpu-validate
mkdir -p "$work"
bin=build/hopper/src/gpuxfer
status=0
step() { echo "== $* ($(date -u +%T))" >&2; }
failed() { echo "gpu_validate.sh: FAILED: $*" >&2; status=1; }

if [ "$build" = 1 ]; then
  step "configure + build (hopper preset)"
  { cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; echo "gpu_validate.sh: build failed ($work/build.log)" >&2; exit 1; }
fi
[ -x "$bin" ] || { echo "gpu_validate.sh: $bin is missing: build first (without --no-build)" >&2; exit 1; }

step "gpuxfer list"
"$bin" list --format json --output "$work/list.json" 2>"$work/list.log" ||
  { cat "$work/list.log" >&2; echo "gpu_validate.sh: gpuxfer list found no usable GPU" >&2; exit 1; }
name=$(python3 scripts/results_index.py --folder-name "$work/list.json") || exit 1
out="$root/$name"
if [ -e "$out/bench.json" ] || [ -e "$out/bench-run1.json" ]; then
  echo "gpu_validate.sh: $out already holds a default bench; move it away or pass --results elsewhere" >&2
  exit 2
fi
mkdir -p "$out"
cp "$work/list.json" "$out/list.json"
"$bin" list >"$out/list.txt" 2>>"$work/list.log" || failed "gpuxfer list (tables)"
{ nvidia-smi; nvidia-smi topo -m; nvidia-smi -q; } >"$out/nvidia-smi.txt" 2>&1
gpus=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["system"]["gpus"]))' "$out/list.json")
echo "gpu_validate.sh: $gpus GPU(s); results go to $out" >&2

step "ctest -L gpu"
(cd build/hopper && ctest --output-on-failure --no-tests=error -L gpu -j1) >"$work/ctest-gpu.log" 2>&1 || failed "ctest -L gpu ($work/ctest-gpu.log)"
grep -E "tests passed|tests failed" "$work/ctest-gpu.log" >&2

bench() {  # bench NAME [ARGS...]: tables to NAME.txt, JSON to NAME.json, wall time on stderr
  local name=$1
  shift
  local start=$SECONDS
  "$bin" bench --progress never "$@" --save-json "$out/$name.json" >"$out/$name.txt" 2>"$work/$name.log" ||
    failed "gpuxfer bench $* (exit $?, $work/$name.log)"
  echo "gpu_validate.sh: bench $name: $((SECONDS - start)) s" >&2
}

if [ "$repeat" = 1 ]; then
  step "default bench, twice back to back"
  bench bench-run1
  bench bench-run2
  main=bench-run1
else
  step "default bench"
  bench bench
  main=bench
fi

step "check, report"
"$bin" check "$out/$main.json" >"$out/check.txt" 2>&1
rc=$?
[ $rc -le 1 ] || failed "gpuxfer check exited $rc"
"$bin" check "$out/$main.json" --format json --output "$out/check.json" --junit "$out/check.junit.xml" \
  --prom "$out/check.prom" --quiet >/dev/null 2>>"$work/check.log"
reports=("$out/$main.json")
[ "$repeat" = 1 ] && reports+=("$out/bench-run2.json")
"$bin" report "${reports[@]}" -o "$out/report.html" --quiet || failed "gpuxfer report"
tail -1 "$out/check.txt" >&2

if [ "$torch" = 1 ]; then
  step "PyTorch reference right after, and the ratios"
  pairs=()
  [ "$gpus" -ge 2 ] && pairs=(--pairs 0-1,1-0)
  python3 scripts/reference_torch.py "${pairs[@]}" --compute --output "$out/reference-torch.json" \
    2>"$work/reference-torch.log"
  rc=$?
  # 3: no pair to copy between (one GPU); the single-GPU figures are written all the same.
  if [ $rc -eq 0 ] || { [ $rc -eq 3 ] && [ "$gpus" -lt 2 ] && [ -s "$out/reference-torch.json" ]; }; then
    python3 scripts/ratios.py "$out/$main.json" "$out/reference-torch.json" --common -o "$out/ratios.md" ||
      failed "scripts/ratios.py"
    grep -E "^targets" "$out/ratios.md" >&2
  else
    failed "scripts/reference_torch.py ($work/reference-torch.log)"
  fi
fi

if [ "$mpi" = 1 ]; then
  if [ "$gpus" -lt 2 ] || ! command -v mpirun >/dev/null; then
    echo "gpu_validate.sh: --mpi needs 2+ GPUs and mpirun: skipped" >&2
  else
    step "one rank per GPU under mpirun"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
    launch=(mpirun --allow-run-as-root --oversubscribe --bind-to none --timeout 300 -np "$gpus")
    bench bench-single --suites peer --sizes 400MB
    for schedule in serial rounds; do
      "${launch[@]}" "$bin" bench --progress never --suites peer,async --schedule $schedule \
        --save-json "$out/bench-ranks-$schedule.json" >/dev/null 2>"$work/ranks-$schedule.log" ||
        failed "mpirun bench --schedule $schedule ($work/ranks-$schedule.log)"
    done
    "${launch[@]}" -x NCCL_P2P_DISABLE=1 -x NCCL_SHM_DISABLE=1 -x NCCL_NET=Socket -x NCCL_IB_DISABLE=1 \
      -x NCCL_SOCKET_IFNAME=lo -x NCCL_NVLS_ENABLE=0 -x NCCL_DEBUG=INFO -x NCCL_DEBUG_SUBSYS=INIT,NET \
      "$bin" bench --progress never --suites peer,async --schedule rounds --samples 5 \
      --save-json "$out/bench-ranks-socket.json" >/dev/null 2>"$work/ranks-socket.log" ||
      failed "mpirun bench over sockets ($work/ranks-socket.log)"
    grep -E "NET/Socket|Using network|via NET" "$work/ranks-socket.log" | head -20 >"$out/nccl-socket-transport.txt"
    "${launch[@]}" "$bin" bench --progress never --quick --save-json "$out/bench-ranks-quick.json" >/dev/null \
      2>"$work/ranks-quick.log" || failed "mpirun bench --quick ($work/ranks-quick.log)"
    python3 scripts/dist_ratios.py "$out/bench-single.json" "$out/bench-ranks-serial.json" \
      "$out/bench-ranks-rounds.json" "$out/bench-ranks-socket.json" -o "$out/ratios-ranks.md" || failed "dist_ratios.py"
    "$bin" check "$out/bench-ranks-rounds.json" >"$out/check-ranks-rounds.txt" 2>&1
  fi
fi

if [ "$sanitize" = 1 ]; then
  step "compute-sanitizer over every kernel"
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  devices=0
  [ "$gpus" -ge 2 ] && devices=0,1
  small=(bench --devices "$devices" --quick --sizes 4KiB --shape 256x256 --gemm-n 256 --samples 2 --warmup 0
         --timeout 120s --progress never --format json --no-gate)
  for tool in memcheck racecheck initcheck synccheck; do
    for variant in vector bulk; do
      args=("${small[@]}")
      [ "$variant" = bulk ] && args+=(--suites peer,async --sm-kernel bulk)
      log="$work/sanitize-$tool-$variant.log"
      timeout 600 "$sanitizer" --tool "$tool" --error-exitcode 99 --print-limit 20 "$bin" "${args[@]}" \
        -o "$work/sanitize-$tool-$variant.json" >"$log" 2>&1 || failed "compute-sanitizer $tool $variant ($log)"
      echo "$tool $variant: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$log" | head -1)" >&2
    done
  done
fi

step "schema validation of what was written"
python3 scripts/validate_schema.py "$out"/bench*.json "$out/list.json" >"$work/validate.log" 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 77 ] || failed "scripts/validate_schema.py ($work/validate.log)"
echo "gpu_validate.sh: wrote $out; now: python3 scripts/gen_docs.py, then commit $out and the regenerated pages" >&2
exit $status
