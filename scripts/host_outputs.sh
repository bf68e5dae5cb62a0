#!/usr/bin/env bash
# The host-only outputs under results/ (compare, report, fleet: documents gpuxfer computes from
# committed runs, no GPU involved), rewritten with a built gpuxfer so that they name the files as
# they are now and show what the current tool says about them. The runs themselves are untouched.
#   scripts/host_outputs.sh [GPUXFER]     (default build/ci/src/gpuxfer)
# Screenshots need chromium (scripts/screenshot_report.sh); without it the PNGs are left as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
gpuxfer=${1:-build/ci/src/gpuxfer}
[ -x "$gpuxfer" ] || { echo "host_outputs: $gpuxfer is not an executable gpuxfer" >&2; exit 2; }
gpuxfer=$(realpath "$gpuxfer")
shot() { MIN_INK_PERCENT=1 scripts/screenshot_report.sh "$1" "$2" >/dev/null 2>&1 || echo "host_outputs: no screenshot of $1 (chromium?)" >&2; }

# Two machines of different size compared (link classes matched), and their report overlaid.
(cd results/h200x4-nvswitch-2026-11-26-26b4d5b7 &&
  "$gpuxfer" compare bench-run1.json ../h200x2-nvswitch-2026-11-26-b1ce9020/bench.json \
    >compare-vs-h200x2.txt &&
  "$gpuxfer" report bench-run1.json ../h200x2-nvswitch-2026-11-26-b1ce9020/bench.json -o report.html --quiet)
shot results/h200x4-nvswitch-2026-11-26-26b4d5b7/report.html results/h200x4-nvswitch-2026-11-26-26b4d5b7/report.png

# A/A pairs of one machine: the second run against the first.
for d in results/h200x1-2026-12-02-1fd204e4 results/h200x1-2026-12-03-6e8afc30 results/h200x1-2026-12-03-8d131064; do
  (cd "$d" &&
    "$gpuxfer" compare bench-run1.json bench-run2.json >compare-run1-vs-run2.txt &&
    "$gpuxfer" compare bench-compute-run1.json bench-compute-run2.json >compare-compute-run1-vs-run2.txt)
done

# One process against one rank per GPU, the same pairs matched by GPU UUID.
(cd results/h200x4-nvswitch-2026-11-27-3db224f2 &&
  "$gpuxfer" compare bench-single.json bench-ranks-serial.json --format markdown >compare-single-vs-ranks-serial.md)

# The fleet example (scripts/fleet_example.sh) and its heatmap.
scripts/fleet_example.sh "$gpuxfer"
(cd results/fleet-h200x1-2026-12-03 && "$gpuxfer" report fleet.json -o fleet.html --quiet)
shot results/fleet-h200x1-2026-12-03/fleet.html results/fleet-h200x1-2026-12-03/fleet-heatmap.png
echo "host_outputs: done; now python3 scripts/gen_docs.py" >&2
