#!/usr/bin/env bash
# On a GPU machine: what bench prints is what show prints of its saved JSON, at every detail
# level and in markdown, and the summary fits one screen. Leaves the outputs in OUTDIR.
#   scripts/show_roundtrip.sh OUTDIR [GPUXFER] [BENCH ARGS...]
#   (default build/hopper/src/gpuxfer, bench --quick)
# Exit 0 when every pair is identical, 1 when one differs (the diff is printed), 2 on usage.
set -uo pipefail
out="${1:?usage: scripts/show_roundtrip.sh OUTDIR [GPUXFER] [BENCH ARGS...]}"
bin="${2:-build/hopper/src/gpuxfer}"
shift $(( $# >= 2 ? 2 : $# ))
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--quick)
[ -x "$bin" ] || { echo "show_roundtrip: $bin is not an executable gpuxfer" >&2; exit 2; }
mkdir -p "$out"
export NO_COLOR=1 NCCL_NVLS_ENABLE=0
status=0
for detail in summary compact full; do
  for format in table markdown; do
    name="$detail-$format"
    # stdout is a file: whole tables, no terminal-width split, no color.
    "$bin" bench "${args[@]}" --progress never --detail "$detail" --format "$format" \
      --save-json "$out/$name.json" >"$out/bench-$name.txt" 2>"$out/bench-$name.err" || status=1
    "$bin" show "$out/$name.json" --detail "$detail" --format "$format" >"$out/show-$name.txt" || status=1
    if ! diff -u "$out/bench-$name.txt" "$out/show-$name.txt" >"$out/diff-$name.txt"; then
      echo "show_roundtrip: $name: show differs from bench:" >&2
      head -40 "$out/diff-$name.txt" >&2
      status=1
    fi
  done
done
summary_lines=$(awk 'NF == 0 { exit } { n++ } END { print n + 0 }' "$out/bench-compact-table.txt")
echo "show_roundtrip: summary $summary_lines lines; compact $(wc -l <"$out/bench-compact-table.txt"), full $(wc -l <"$out/bench-full-table.txt") lines" >&2
[ "$summary_lines" -le 50 ] || { echo "show_roundtrip: the summary is longer than one screen" >&2; status=1; }
exit "$status"
