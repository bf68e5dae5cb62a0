#!/usr/bin/env bash
# The packages as a node gets them: `cpack -G DEB` and `cpack -G TGZ` in a built tree, the .deb
# installed with apt-get and used, its files and its debug package checked, then purged; the
# tarball unpacked in a temporary folder and run from there. Where the tree has gpuxfer-mpi,
# its own package too: installed beside gpuxfer, run, purged.
#
# usage: scripts/package_test.sh [BUILD_DIR]   (default build/ci, built already)
# Each failing step prints one line "package_test: FAIL: ..." on stderr and exits 1.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/ci}
export DEBIAN_FRONTEND=noninteractive

say() { echo "package_test: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

sudo_cmd=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || fail "not root and no sudo: cannot install the package"
  sudo_cmd=sudo
fi

# Installs the Debian packages named when their command is missing (a fresh machine may lack them).
need() {
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null && return 0
  say "installing $pkg (for $cmd)"
  { $sudo_cmd apt-get install -y -qq "$pkg" || { $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq "$pkg"; }; } \
    >/dev/null 2>&1 || fail "apt-get install $pkg failed; $cmd is needed"
}
need dpkg-shlibdeps dpkg-dev  # CPack's Depends
need file file                # CPack's debug split, and the stripped check below
need readelf binutils
need man man-db

[[ -f $build/CPackConfig.cmake ]] || fail "$build has no CPackConfig.cmake: configure and build it first"
[[ -x $build/src/gpuxfer ]] || fail "$build/src/gpuxfer is missing: build it first"

work=$(mktemp -d)
installed_here=0
cleanup() {
  # A failing step must not leave the package on the machine.
  if ((installed_here)) && dpkg -s gpuxfer >/dev/null 2>&1; then
    $sudo_cmd apt-get remove --purge -y -qq gpuxfer gpuxfer-mpi >/dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- Debian package -------------------------------------------------------------------------
say "cpack -G DEB in $build"
rm -f "$build"/gpuxfer_*.deb "$build"/gpuxfer-dbgsym_*.ddeb "$build"/gpuxfer-mpi_*.deb "$build"/gpuxfer-mpi-dbgsym_*.ddeb
(cd "$build" && cpack -G DEB) >"$work/cpack-deb.log" 2>&1 ||
  { tail -20 "$work/cpack-deb.log" >&2; fail "cpack -G DEB failed in $build"; }
debs=("$build"/gpuxfer_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "cpack -G DEB made no single gpuxfer_*.deb in $build"
deb=$(realpath "${debs[0]}")
ddebs=("$build"/gpuxfer-dbgsym_*.ddeb)
[[ -f ${ddebs[0]} ]] || fail "cpack -G DEB made no gpuxfer-dbgsym_*.ddeb (debug symbols package) in $build"
say "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
# fmt is compiled in (header-only): a libfmt in Depends means the binary links libfmt.so again.
dpkg-deb -f "$deb" Depends | grep -q libfmt &&
  fail "Depends names libfmt: the binary links libfmt.so, but fmt is meant to be compiled in (header-only)"
# Only the driver is needed at run time: cuBLAS and NCCL are dlopen'ed, MPI is gpuxfer-mpi's.
dpkg-deb -f "$deb" Depends | grep -qiE 'mpi|cublas|nccl|cuda' &&
  fail "Depends of gpuxfer names MPI or CUDA libraries ($(dpkg-deb -f "$deb" Depends)): gpuxfer must need only the driver"

# gpuxfer-mpi: built where MPI was found; its own package, depending on gpuxfer and on MPI.
mpi_deb=""
if [[ -x $build/src/gpuxfer-mpi ]]; then
  mpi_debs=("$build"/gpuxfer-mpi_*.deb)
  [[ -f ${mpi_debs[0]} ]] || fail "$build/src/gpuxfer-mpi exists but cpack -G DEB made no gpuxfer-mpi_*.deb"
  mpi_deb=$(realpath "${mpi_debs[0]}")
  mpi_depends=$(dpkg-deb -f "$mpi_deb" Depends)
  say "$(basename "$mpi_deb"): $mpi_depends"
  [[ $mpi_depends == *"gpuxfer (= "* ]] || fail "Depends of gpuxfer-mpi does not name gpuxfer of its version: $mpi_depends"
  grep -qiE 'mpi' <<<"$mpi_depends" || fail "Depends of gpuxfer-mpi names no MPI library (dpkg-shlibdeps): $mpi_depends"
  [[ -f $(echo "$build"/gpuxfer-mpi-dbgsym_*.ddeb) ]] || fail "cpack -G DEB made no gpuxfer-mpi-dbgsym_*.ddeb"
  dpkg-deb -c "$deb" | grep -q 'gpuxfer-mpi' && fail "$(basename "$deb") holds gpuxfer-mpi: it belongs in its own package"
fi

say "apt-get install ./$(basename "$deb")"
(cd "$(dirname "$deb")" && $sudo_cmd apt-get install -y -qq "./$(basename "$deb")") >"$work/apt.log" 2>&1 ||
  { tail -20 "$work/apt.log" >&2; fail "apt-get install ./$(basename "$deb") failed"; }
installed_here=1
if [[ -n $mpi_deb ]]; then
  say "apt-get install ./$(basename "$mpi_deb")"
  (cd "$(dirname "$mpi_deb")" && $sudo_cmd apt-get install -y -qq "./$(basename "$mpi_deb")") >"$work/apt-mpi.log" 2>&1 ||
    { tail -20 "$work/apt-mpi.log" >&2; fail "apt-get install ./$(basename "$mpi_deb") failed"; }
  [[ -x /usr/bin/gpuxfer-mpi ]] || fail "/usr/bin/gpuxfer-mpi missing after installing $(basename "$mpi_deb")"
  gpuxfer-mpi --version >"$work/mpi-version.txt" 2>&1 ||
    fail "gpuxfer-mpi --version exited $? after install: $(head -1 "$work/mpi-version.txt")"
  dpkg -L gpuxfer | grep -q gpuxfer-mpi && fail "dpkg -L gpuxfer lists gpuxfer-mpi"
  say "apt-get remove --purge gpuxfer-mpi"
  $sudo_cmd apt-get remove --purge -y -qq gpuxfer-mpi >"$work/remove-mpi.log" 2>&1 ||
    { tail -5 "$work/remove-mpi.log" >&2; fail "apt-get remove --purge -y gpuxfer-mpi failed"; }
  [[ ! -e /usr/bin/gpuxfer-mpi ]] || fail "/usr/bin/gpuxfer-mpi is still there after apt-get remove --purge gpuxfer-mpi"
  [[ -x /usr/bin/gpuxfer ]] || fail "purging gpuxfer-mpi removed /usr/bin/gpuxfer"
fi

[[ $(command -v gpuxfer) == /usr/bin/gpuxfer ]] || fail "gpuxfer on PATH is '$(command -v gpuxfer)', not /usr/bin/gpuxfer"
gpuxfer --version >"$work/version.txt" 2>&1 || fail "gpuxfer --version exited $? after install: $(head -1 "$work/version.txt")"
grep -qE "[0-9]+\.[0-9]+\.[0-9]+" "$work/version.txt" || fail "gpuxfer --version printed no version: $(head -1 "$work/version.txt")"

man_path=$(man -w gpuxfer 2>&1) || fail "man -w gpuxfer found no man page: $man_path (a dpkg path-exclude of /usr/share/man?)"
[[ $man_path == /usr/share/man/man1/gpuxfer.1.gz ]] || fail "man -w gpuxfer gives $man_path, not /usr/share/man/man1/gpuxfer.1.gz"

run1=tests/data/runs/h200x1-2026-12-02-dab758a9/bench-run1.json
run2=tests/data/runs/h200x1-2026-12-02-dab758a9/bench-run2.json
gpuxfer compare "$run1" "$run2" >"$work/compare.txt" 2>&1 ||
  fail "gpuxfer compare $run1 $run2 exited $?: $(tail -1 "$work/compare.txt")"
gpuxfer check "$run1" >"$work/check.txt" 2>&1
rc=$?
# check: 0 no FAIL, 1 a FAIL (docs/failure.md, "Exit codes"); anything else is the tool failing.
[[ $rc -eq 0 || $rc -eq 1 ]] || fail "gpuxfer check $run1 exited $rc (0 or 1 expected): $(tail -1 "$work/check.txt")"

dpkg -L gpuxfer >"$work/files.txt" || fail "dpkg -L gpuxfer failed"
for f in /usr/bin/gpuxfer /usr/share/man/man1/gpuxfer.1.gz /usr/share/bash-completion/completions/gpuxfer \
         /usr/share/zsh/vendor-completions/_gpuxfer /usr/share/doc/gpuxfer/copyright \
         /usr/share/doc/gpuxfer/changelog.gz /usr/share/doc/gpuxfer/README.md; do
  grep -qx "$f" "$work/files.txt" || fail "dpkg -L gpuxfer does not list $f"
  [[ -f $f ]] || fail "$f is listed by dpkg -L gpuxfer but not on disk"
done
gzip -t /usr/share/man/man1/gpuxfer.1.gz /usr/share/doc/gpuxfer/changelog.gz ||
  fail "the man page or changelog.gz is not valid gzip"
grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' /usr/share/doc/gpuxfer/copyright ||
  fail "/usr/share/doc/gpuxfer/copyright is not in Debian's machine-readable format"

file_out=$(file -L /usr/bin/gpuxfer)
[[ $file_out == *", stripped"* ]] || fail "/usr/bin/gpuxfer is not stripped: $file_out"

# The debug package holds the symbols of exactly this binary, found by its build id.
build_id=$(readelf -n /usr/bin/gpuxfer | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
[[ -n $build_id ]] || fail "/usr/bin/gpuxfer has no build id (the debug package cannot be matched to it)"
debug_file=./usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug
dpkg-deb -c "${ddebs[0]}" | grep -qF " $debug_file" ||
  fail "$(basename "${ddebs[0]}") has no $debug_file for the installed binary"

say "apt-get remove --purge gpuxfer"
$sudo_cmd apt-get remove --purge -y -qq gpuxfer >"$work/remove.log" 2>&1 ||
  { tail -5 "$work/remove.log" >&2; fail "apt-get remove --purge -y gpuxfer failed"; }
installed_here=0
[[ ! -e /usr/bin/gpuxfer ]] || fail "/usr/bin/gpuxfer is still there after apt-get remove --purge"
dpkg -s gpuxfer >/dev/null 2>&1 && fail "dpkg still knows gpuxfer after apt-get remove --purge"

# --- relocatable tarball --------------------------------------------------------------------
say "cpack -G TGZ in $build"
rm -f "$build"/gpuxfer-*.tar.gz
(cd "$build" && cpack -G TGZ) >"$work/cpack-tgz.log" 2>&1 ||
  { tail -20 "$work/cpack-tgz.log" >&2; fail "cpack -G TGZ failed in $build"; }
tgzs=("$build"/gpuxfer-*.tar.gz)
[[ -f ${tgzs[0]} ]] || fail "cpack -G TGZ made no gpuxfer-*.tar.gz in $build"
mkdir "$work/unpacked"
tar -xzf "${tgzs[0]}" -C "$work/unpacked" || fail "cannot extract $(basename "${tgzs[0]}")"
top=("$work"/unpacked/gpuxfer-*)
[[ -x ${top[0]}/bin/gpuxfer ]] || fail "$(basename "${tgzs[0]}") has no gpuxfer-*/bin/gpuxfer"
[[ -f ${top[0]}/share/man/man1/gpuxfer.1.gz ]] || fail "$(basename "${tgzs[0]}") has no share/man/man1/gpuxfer.1.gz"
[[ $(file -L "${top[0]}/bin/gpuxfer") == *", stripped"* ]] || fail "bin/gpuxfer of the tarball is not stripped"
(cd / && "${top[0]}/bin/gpuxfer" --version) >"$work/tgz-version.txt" 2>&1 ||
  fail "bin/gpuxfer --version from the unpacked tarball exited $?: $(head -1 "$work/tgz-version.txt")"
if [[ -n $mpi_deb ]]; then
  [[ -x ${top[0]}/bin/gpuxfer-mpi ]] || fail "$(basename "${tgzs[0]}") has no gpuxfer-*/bin/gpuxfer-mpi"
fi

say "ok: $(basename "$deb") installs, runs, holds its man page, completions and docs, purges; $(basename "${tgzs[0]}") runs where unpacked"
