#!/usr/bin/env bash
# gpuxfer on this machine with the optional libraries hidden: the CUDA toolkit's folders, and
# cuBLAS, cuBLASLt, NCCL, MPI and fmt wherever ldconfig or NVIDIA's Python wheels have them. In a
# private mount namespace (unshare -m) an empty tmpfs covers each such folder, or, where the
# folder also holds the C runtime (/lib/x86_64-linux-gnu), /dev/null covers each such file. Then:
#   --version            exit 0, cuBLAS / cuBLASLt reported not found, with the places searched
#   compare, check, report on committed runs (tests/data/runs): the same exit codes as with the libraries visible
#   no GPU (nvidia-smi fails): list and bench exit 3 naming the missing driver or GPU
#   a GPU: bench of host, latency, elementwise, gemm, overlap: elementwise measured and verified,
#          every gemm and overlap case skipped, the gemm ones with the loader's reason
#
# usage: scripts/hidden_libs_test.sh BINARY [OBSERVATIONS_FILE]
# Needs root and unshare: exit 77 (ctest: skipped) otherwise, or exit 1 where
# GPUXFER_REQUIRE_HIDDEN_LIBS_TEST=1 (CI). Each failing step prints "hidden_libs_test: FAIL: ..."
# and the script exits 1. OBSERVATIONS_FILE (optional) gets what was hidden, run and seen.
set -uo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:?usage: scripts/hidden_libs_test.sh BINARY [OBSERVATIONS_FILE]}")
notes=${2:-}
[[ -n $notes ]] && notes=$(realpath -m "$notes")

say() { echo "hidden_libs_test: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
note() { [[ -n $notes ]] && echo "$*" >>"$notes"; say "$*"; }
skip() {
  if [[ ${GPUXFER_REQUIRE_HIDDEN_LIBS_TEST:-0} == 1 ]]; then fail "$* (GPUXFER_REQUIRE_HIDDEN_LIBS_TEST=1: not skipped)"; fi
  say "skipped: $*"
  exit 77
}

[[ -x $binary ]] || fail "$binary is not an executable"

if [[ ${GPUXFER_HIDDEN_LIBS_INNER:-0} != 1 ]]; then
  [[ $(id -u) -eq 0 ]] || skip "not root: mounts need root"
  unshare -m --propagation private true 2>/dev/null || skip "unshare -m failed (no mount namespaces here)"
  [[ -n $notes ]] && : >"$notes"
  GPUXFER_HIDDEN_LIBS_INNER=1 exec unshare -m --propagation private bash "$0" "$binary" "$notes"
fi

# ---- inside the private mount namespace ------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run1=tests/data/runs/h200x1-nvswitch-2026-11-27-516f39fa/bench-gemm-burst-run1.json
run2=tests/data/runs/h200x1-nvswitch-2026-11-27-516f39fa/bench-gemm-burst-run2.json

# Exit codes with every library visible, to compare against.
"$binary" compare "$run1" "$run2" >/dev/null 2>&1
base_compare=$?
"$binary" check "$run1" >/dev/null 2>&1
base_check=$?
"$binary" report "$run1" -o "$work/base.html" --quiet >/dev/null 2>&1
base_report=$?
note "visible: compare $base_compare, check $base_check, report $base_report"

# What to hide. Folders of the C runtime itself stay; their matching files are covered instead.
patterns='libcublas|libcublasLt|libnccl|libmpi|libopen-rte|libopen-pal|libfmt'
declare -A folders=() files=()
for d in /usr/local/cuda*/lib* /usr/local/cuda*/targets/*/lib; do
  [[ -d $d ]] && folders[$(realpath "$d")]=1
done
while read -r path; do
  [[ -e $path ]] || continue
  real=$(realpath "$path")
  folders[$(dirname "$real")]=1
done < <(ldconfig -p | sed -n 's/.*=> //p' | grep -E "/($patterns)[^/]*\.so")
for site in /usr/lib/python3*/*-packages /usr/local/lib/python3*/*-packages "${VIRTUAL_ENV:-/nonexistent}"/lib/python3*/site-packages \
            "${HOME:-/nonexistent}"/.local/lib/python3*/site-packages; do
  for d in "$site"/nvidia/*/lib; do [[ -d $d ]] && folders[$(realpath "$d")]=1; done
done
hidden_folders=()
for d in "${!folders[@]}"; do
  if compgen -G "$d/libc.so.*" >/dev/null; then
    for f in "$d"/*; do
      [[ $(basename "$f") =~ ^($patterns)[^/]*\.so ]] && [[ -f $f ]] && files[$f]=1
    done
  else
    hidden_folders+=("$d")
  fi
done
case " ${hidden_folders[*]} " in *" $(dirname "$binary") "*) fail "the binary's own folder $(dirname "$binary") would be hidden";; esac
for d in "${hidden_folders[@]}"; do
  mount -t tmpfs -o size=1m,mode=0755 gpuxfer-hidden "$d" || fail "cannot mount a tmpfs over $d"
  note "hidden folder: $d"
done
for f in "${!files[@]}"; do
  mount --bind /dev/null "$f" || fail "cannot cover $f"
  note "hidden file: $f"
done
((${#hidden_folders[@]} + ${#files[@]} > 0)) || note "nothing to hide: none of the libraries is installed here"
# Nothing may bring them back by another road.
unset GPUXFER_LIBRARY_PATH LD_LIBRARY_PATH PYTHONPATH VIRTUAL_ENV

# ---- --version ------------------------------------------------------------------------------
"$binary" --version >"$work/version.txt" 2>&1 || fail "--version exited $? with the libraries hidden: $(head -3 "$work/version.txt")"
grep -q '^  cuBLASLt: not found: ' "$work/version.txt" ||
  fail "--version does not say cuBLASLt was not found: $(cat "$work/version.txt")"
grep -q '^  cuBLAS: not found: ' "$work/version.txt" || fail "--version does not say cuBLAS was not found"
note "--version: $(grep 'cuBLASLt' "$work/version.txt")"
"$binary" --version --format json >"$work/version.json" 2>"$work/version.err" || fail "--version --format json exited $?"
python3 - "$work/version.json" <<'EOF' || fail "--version --format json: the libraries are not reported as hidden"
import json, sys
doc = json.load(open(sys.argv[1]))
libs = {l["name"]: l for l in doc["libraries"]}
for name in ("cuBLASLt", "cuBLAS") + (("NCCL",) if "NCCL" in libs else ()):
    l = libs[name]
    assert l["found"] is False, f"{name} found at {l['path']}"
    assert l["path"] is None and l["reason"], f"{name}: no reason"
lt = libs["cuBLASLt"]
assert "libcublasLt.so.13" in lt["reason"] and "/usr/local/cuda/lib64" in lt["reason"], lt["reason"]
assert any(s.startswith("system library path") for s in lt["searched"]), lt["searched"]
EOF

# ---- host-only commands: as with the libraries visible ---------------------------------------
"$binary" compare "$run1" "$run2" >"$work/compare.txt" 2>&1
rc=$?
[[ $rc -eq $base_compare ]] || fail "compare exited $rc, $base_compare with the libraries visible: $(tail -1 "$work/compare.txt")"
"$binary" check "$run1" >"$work/check.txt" 2>&1
rc=$?
[[ $rc -eq $base_check ]] || fail "check exited $rc, $base_check with the libraries visible: $(tail -1 "$work/check.txt")"
"$binary" report "$run1" -o "$work/x.html" --quiet >"$work/report.txt" 2>&1
rc=$?
[[ $rc -eq $base_report ]] || fail "report exited $rc, $base_report with the libraries visible: $(tail -1 "$work/report.txt")"
[[ $base_report -ne 0 ]] || [[ -s $work/x.html ]] || fail "report wrote no x.html"
note "hidden: compare $base_compare, check $base_check, report $base_report (as visible)"

# ---- GPU commands -----------------------------------------------------------------------------
if ! nvidia-smi -L >/dev/null 2>&1; then
  for cmd in "list" "bench --quick"; do
    # shellcheck disable=SC2086
    "$binary" $cmd >"$work/out.txt" 2>"$work/err.txt"
    rc=$?
    [[ $rc -eq 3 ]] || fail "$cmd exited $rc without a GPU (3 expected): $(tail -1 "$work/err.txt")"
    grep -qiE 'driver|no CUDA GPU' "$work/err.txt" || fail "$cmd does not name the missing driver or GPU: $(cat "$work/err.txt")"
    note "no GPU: $cmd exit 3: $(tail -1 "$work/err.txt")"
  done
  say "ok: no GPU here; --version, compare, check and report work with the libraries hidden"
  exit 0
fi

"$binary" list --format json -o "$work/list.json" >/dev/null 2>"$work/list.err" ||
  fail "list exited $? with a GPU and the libraries hidden: $(tail -1 "$work/list.err")"
"$binary" bench --suites host,latency,elementwise,gemm,overlap --quick --sizes 64MiB --gemm-n 4096 --samples 5 \
  --format json -o "$work/bench.json" >/dev/null 2>"$work/bench.err"
rc=$?
[[ $rc -eq 0 ]] || fail "bench exited $rc with the libraries hidden: $(tail -3 "$work/bench.err")"
python3 - "$work/bench.json" "$work/list.json" "${notes:-/dev/null}" <<'EOF' || fail "bench records with the libraries hidden are not as expected"
import json, sys
records = json.load(open(sys.argv[1]))["records"]
libs = json.load(open(sys.argv[2]))["system"]["libraries"]
out = open(sys.argv[3], "a")
assert not next(l for l in libs if l["name"] == "cuBLASLt")["found"], "list: cuBLASLt found"
by_suite = {}
for r in records:
    by_suite.setdefault(r["suite"], []).append(r)
for suite in ("host", "latency", "elementwise", "gemm", "overlap"):
    assert by_suite.get(suite), f"no {suite} records"
for r in by_suite["elementwise"]:
    assert r["status"] == "ok" and r["measurement"]["verified"] is True, f"elementwise {r['method']}: {r['status']} {r.get('reason')}"
for suite in ("gemm", "overlap"):
    for r in by_suite[suite]:
        assert r["status"] == "skipped", f"{suite} {r['method']}: {r['status']}"
for r in by_suite["gemm"]:
    assert "libcublasLt.so.13" in r["reason"], f"gemm {r['method']}: reason {r['reason']}"
counts = {s: f"{sum(r['status'] == 'ok' for r in rs)} ok / {len(rs)}" for s, rs in by_suite.items()}
print(f"GPU: bench records {counts}", file=out)
print(f"GPU: gemm reason: {by_suite['gemm'][0]['reason']}", file=out)
EOF
[[ -n $notes ]] && cp "$work/bench.json" "${notes%.*}-bench.json"
say "ok: with the libraries hidden, --version, compare, check, report, list and bench behave as documented"
