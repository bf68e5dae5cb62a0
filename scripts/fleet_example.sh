#!/usr/bin/env bash
# The fleet example of docs/fleet.md: the committed default-bench runs of one-GPU H200 machines, each
# given its own hostname, judged as a fleet of nine nodes.
# Usage: scripts/fleet_example.sh [GPUXFER] [OUTPUT_PREFIX]
#   (default build/ci/src/gpuxfer and results/fleet-h200x1-2026-12-03/fleet; writes PREFIX.txt,
#   PREFIX.json and PREFIX-members.txt; `gpuxfer report PREFIX.json -o PREFIX.html` draws it)
set -euo pipefail
cd "$(dirname "$0")/.."
gpuxfer=${1:-build/ci/src/gpuxfer}
prefix=${2:-results/fleet-h200x1-2026-12-03/fleet}
[ -x "$gpuxfer" ] || { echo "fleet_example: $gpuxfer is not an executable gpuxfer" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=0
: > "$prefix-members.txt"
# The default-bench runs of the one-GPU H200 machines, in the order they were measured.
members=(results/h200x1-2026-12-02-dab758a9/bench-run{1,2}.json results/h200x1-2026-12-02-1fd204e4/bench-run{1,2}.json
         results/h200x1-2026-12-03-6e8afc30/bench-run{1,2}.json results/h200x1-2026-12-03-8d131064/bench-run{1,2}.json
         results/h200x1-2026-12-03-468faad9/bench.json)
for f in "${members[@]}"; do
  host=$(printf 'h200-node%02d' "$n")
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["run"]["hostname"] = d["system"]["hostname"] = sys.argv[2]
json.dump(d, open(sys.argv[3], "w"))' "$f" "$host" "$dir/node$n.json"
  echo "$host $f" >> "$prefix-members.txt"
  n=$((n + 1))
done
rc=0
"$gpuxfer" fleet "$dir" > "$prefix.txt" || rc=$?
"$gpuxfer" fleet "$dir" --format json -o "$prefix.json" --quiet || true
echo "fleet_example: $n nodes, gpuxfer fleet exit $rc" >&2
