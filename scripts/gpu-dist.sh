#!/usr/bin/env bash
# Multi-rank figures on one multi-GPU NVLink host, as one script: the same pairs measured by one process and
# by one rank per GPU under mpirun (schedules serial and rounds), the NCCL path forced onto
# sockets as if the ranks were on different hosts, the ratios, and the MPI tests.
#   scripts/gpu-dist.sh OUTDIR [NP]        (BIN=... to skip the build)
set -uo pipefail
out="${1:?usage: scripts/gpu-dist.sh OUTDIR [NP]}"
np="${2:-$(nvidia-smi -L | wc -l)}"
mkdir -p "$out"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
cd "$(dirname "$0")/.."
bin="${BIN:-build/hopper/src/gpuxfer}"
status=0
step() { echo "== $* ($(date -u +%T))" >&2; }
if [ -z "${BIN:-}" ]; then
  step "configure + build (hopper preset, MPI and NCCL auto)"
  { cmake --preset hopper && cmake --build --preset hopper -j"$(nproc)"; } >"$out/build.log" 2>&1 ||
    { tail -50 "$out/build.log"; exit 1; }
  grep -E "MPI layer|NCCL transfers" "$out/build.log"
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none --timeout ${MPI_TIMEOUT:-180} -np "$np")
suites=peer,async

step "one process: --suites peer --sizes 400MB (every pair at 400 MB)"
/usr/bin/time -f "wall %e s" $bin bench --suites peer --sizes 400MB --save-json "$out/single.json" \
  >"$out/single.txt" 2>"$out/single.log" || status=1
tail -3 "$out/single.log"

for schedule in serial rounds; do
  step "mpirun -np $np gpuxfer bench --suites $suites --schedule $schedule"
  /usr/bin/time -f "wall %e s" "${mpi[@]}" $bin bench --suites $suites --schedule $schedule \
    --save-json "$out/ranks-$schedule.json" >"$out/ranks-$schedule.txt" 2>"$out/ranks-$schedule.log" || status=1
  tail -8 "$out/ranks-$schedule.log"
done

step "forced sockets (inter-node path on one host): NCCL_P2P_DISABLE=1 NCCL_SHM_DISABLE=1 NCCL_NET=Socket"
/usr/bin/time -f "wall %e s" "${mpi[@]}" -x NCCL_P2P_DISABLE=1 -x NCCL_SHM_DISABLE=1 -x NCCL_NET=Socket \
  -x NCCL_IB_DISABLE=1 -x NCCL_SOCKET_IFNAME=lo -x NCCL_NVLS_ENABLE=0 -x NCCL_DEBUG=INFO -x NCCL_DEBUG_SUBSYS=INIT,NET \
  $bin bench --suites $suites --schedule rounds --samples 5 --save-json "$out/ranks-socket.json" \
  >"$out/ranks-socket.txt" 2>"$out/ranks-socket.log" || status=1
grep -E "NET/Socket|Using network|via NET" "$out/ranks-socket.log" | head -5
grep -vE "NCCL INFO" "$out/ranks-socket.log" | tail -8

step "ratios"
python3 scripts/dist_ratios.py "$out/single.json" "$out/ranks-serial.json" "$out/ranks-rounds.json" \
  "$out/ranks-socket.json" -o "$out/dist-ratios.md" || status=1
cat "$out/dist-ratios.md"
$bin compare "$out/single.json" "$out/ranks-serial.json" --format markdown >"$out/compare-single-vs-serial.md" 2>&1
$bin compare "$out/ranks-serial.json" "$out/ranks-rounds.json" --format markdown >"$out/compare-serial-vs-rounds.md" 2>&1
python3 scripts/validate_schema.py "$out/ranks-rounds.json" "$out/ranks-socket.json" 2>&1 | tail -3
$bin check "$out/ranks-rounds.json" >"$out/check-rounds.txt" 2>&1
echo "gpuxfer check of the merged rounds document: exit $?"
grep -E "^(FAIL|WARN)|^check:" "$out/check-rounds.txt" | head -8

step "MPI tests (ctest -R mpi)"
if [ -z "${BIN:-}" ]; then
  (cd build/hopper && ctest --output-on-failure -R mpi) >"$out/ctest-mpi.log" 2>&1 || status=1
  tail -12 "$out/ctest-mpi.log"
fi
exit $status
