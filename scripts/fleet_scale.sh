#!/usr/bin/env bash
# Wall time and peak memory of `gpuxfer fleet` over 250, 500 and 1000 node files made from a
# committed real 4-GPU result (hostname and GPU UUIDs changed per node), as a table.
# Usage: scripts/fleet_scale.sh [GPUXFER] [COUNTS...]   (default build/ci/src/gpuxfer, 250 500 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
gpuxfer=${1:-build/ci/src/gpuxfer}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(250 500 1000)
[ -x "$gpuxfer" ] || { echo "fleet_scale: $gpuxfer is not an executable gpuxfer" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "fleet_scale: /usr/bin/time (GNU time) is needed for peak RSS" >&2; exit 2; }
max=0
for n in "${counts[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" "$max" <<'PY'
import json, os, sys
out, n = sys.argv[1], int(sys.argv[2])
base = json.load(open("results/h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json"))
uuids = [g["uuid"] for g in base["system"]["gpus"]]
for i in range(n):
    host = f"node-{i:04d}"
    base["run"]["hostname"] = host
    base["system"]["hostname"] = host
    for g, u in zip(base["system"]["gpus"], uuids):
        g["uuid"] = f"{u[:-4]}{i:04d}"
    with open(os.path.join(out, f"{host}.json"), "w") as f:
        json.dump(base, f)
PY
size=$(du -sm "$dir" | cut -f1)
echo "fleet_scale: $max node files, $size MB, from results/h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json; $(nproc) cores" >&2
printf '| files | wall s | peak RSS MB | exit |\n|---:|---:|---:|---:|\n'
for n in "${counts[@]}"; do
  list="$dir/list-$n"
  ls "$dir"/node-*.json | head -n "$n" > "$list"
  rc=0
  /usr/bin/time -v -o "$dir/time-$n" "$gpuxfer" fleet $(cat "$list") --format json -o "$dir/fleet-$n.json" --quiet || rc=$?
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/time-$n" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$dir/time-$n")
  printf '| %d | %.2f | %s | %d |\n' "$n" "$wall" "$rss" "$rc"
done
