#!/usr/bin/env bash
# Formats the tracked C++ and CUDA sources with the tree's .clang-format.
#   scripts/format.sh            rewrite every file that differs
#   scripts/format.sh --check    list the files that differ; exit 1 when there is one
# Exit 2 when clang-format is missing.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
command -v clang-format >/dev/null 2>&1 || { echo "format.sh: clang-format not found (apt install clang-format)" >&2; exit 2; }
check=0
[ "${1:-}" = "--check" ] && check=1
status=0
while IFS= read -r f; do
  if [ $check -eq 1 ]; then
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || { echo "$f"; status=1; }
  else
    clang-format -i "$f"
  fi
done < <(git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh' '*.h')
exit $status
