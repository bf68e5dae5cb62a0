#!/usr/bin/env bash
# The transfer suites twice back to back with a built gpuxfer (wall time of each, run-to-run
# spread at 400 MB): OUTDIR/transfers-{1,2}.{json,txt,log} and OUTDIR/run-to-run.txt.
# Run by scripts/gpu-transfers-twice.sh.
#   scripts/transfers-twice.sh OUTDIR GPUXFER
set -uo pipefail
out="${1:?usage: scripts/transfers-twice.sh OUTDIR GPUXFER}"
bin="${2:?usage: scripts/transfers-twice.sh OUTDIR GPUXFER}"
cd "$(dirname "$0")/.."
for i in 1 2; do
  /usr/bin/time -f "transfers run $i: wall %e s" "$bin" bench --suites peer,staged,host,async,latency \
    --progress never --save-json "$out/transfers-$i.json" >"$out/transfers-$i.txt" 2>"$out/transfers-$i.log"
  tail -1 "$out/transfers-$i.log"
done
python3 scripts/run_to_run.py "$out/transfers-1.json" "$out/transfers-2.json" | tee "$out/run-to-run.txt"
