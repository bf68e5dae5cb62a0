#!/usr/bin/env bash
# The fleet example of docs/fleet.md: the committed default-bench runs of one H200 node, each
# given its own hostname, judged as a fleet of nine nodes.
# Usage: scripts/fleet_example.sh [GPUXFER] [OUTPUT_PREFIX]
#   (default build/ci/src/gpuxfer; writes PREFIX.txt, PREFIX.json and PREFIX-members.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
gpuxfer=${1:-build/ci/src/gpuxfer}
prefix=${2:-fleet-example}
[ -x "$gpuxfer" ] || { echo "fleet_example: $gpuxfer is not an executable gpuxfer" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=0
: > "$prefix-members.txt"
for f in results/2026-12-0*-h200x1-*aa-default-run*.json results/2026-12-03-h200x1-telemetry-default.json; do
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
