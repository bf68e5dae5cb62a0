#!/usr/bin/env bash
# The output examples of docs/output.md and docs/report.md, made from committed results (never typed):
#   docs/examples/show-h200x4-summary.txt   gpuxfer show --detail summary of a 4x H200 default run
#   docs/examples/show-h200x1.txt           gpuxfer show (compact, the default) of a 1x H200 default run
#   docs/images/report-one-file.png         gpuxfer report of the 4x H200 run (top of the page)
#   docs/images/report-two-files.png        gpuxfer report of two 4x H200 nodes (sweeps, ratio view)
# Usage: scripts/output_examples.sh [GPUXFER]   (default build/ci/src/gpuxfer)
# The screenshots need chromium (scripts/screenshot_report.sh); without it they are left as they
# are and the script says so (exit 77 after writing the text examples).
set -euo pipefail
cd "$(dirname "$0")/.."
gpuxfer=${1:-build/ci/src/gpuxfer}
[ -x "$gpuxfer" ] || { echo "output_examples: $gpuxfer is not an executable gpuxfer" >&2; exit 2; }
x4=results/h200x4-nvswitch-2026-11-27-7d1b33bb/bench.json
x4b=results/h200x4-nvswitch-2026-11-27-0e91a394/bench.json
x1=results/h200x1-2026-12-03-468faad9/bench.json
mkdir -p docs/examples docs/images
"$gpuxfer" show "$x4" --detail summary -o docs/examples/show-h200x4-summary.txt --quiet
"$gpuxfer" show "$x1" -o docs/examples/show-h200x1.txt --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$gpuxfer" report "$x4" -o "$dir/one.html" --quiet
"$gpuxfer" report "$x4" "$x4b" -o "$dir/two.html" --quiet
rc=0
SCREENSHOT_HEIGHT=3000 scripts/screenshot_report.sh "$dir/one.html" docs/images/report-one-file.png || rc=$?
[ "$rc" -eq 0 ] && { SCREENSHOT_HEIGHT=4300 scripts/screenshot_report.sh "$dir/two.html" docs/images/report-two-files.png || rc=$?; }
[ "$rc" -eq 77 ] && echo "output_examples: screenshots skipped (no chromium); text examples written" >&2
exit "$rc"
