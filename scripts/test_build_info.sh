#!/usr/bin/env bash
# The build stamp tells the truth: cmake/BuildInfo.cmake + cmake/WriteBuildInfo.cmake, used by a
# tiny project (tests/build_info), must report the sha of HEAD and whether tracked files changed,
# refreshed by every build without reconfiguring, and "unknown" when the project is not the root
# of its own repository. Exit 77 (skipped) only when git is missing.
set -euo pipefail

src_root=$(cd "$(dirname "$0")/.." && pwd)
command -v git >/dev/null 2>&1 || { echo "git not found: skipped"; exit 77; }
cmake=${GPUXFER_CMAKE:-cmake}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

fail() { echo "FAIL: $*" >&2; exit 1; }

# Copies the tiny project and the real modules into $1.
make_project() {
  mkdir -p "$1/cmake"
  cp "$src_root"/tests/build_info/{CMakeLists.txt,main.cpp,stamp.cpp.in} "$1/"
  cp "$src_root"/cmake/BuildInfo.cmake "$src_root"/cmake/WriteBuildInfo.cmake "$1/cmake/"
}

git_quiet() { git -c user.name=stamp -c user.email=stamp@localhost -c init.defaultBranch=main \
                  -c commit.gpgsign=false "$@" >/dev/null; }

build() { "$cmake" --build "$1" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build of $1"; }; }

# "sha dirty dirty-as-bool|note"
expect_stamp() {
  local binary=$1 want=$2 got
  got=$("$binary")
  [[ "$got" == "$want|a value with spaces" ]] || fail "stamp '$got', expected '$want'"
  echo "ok: $want"
}

# 1. Its own repository, clean.
proj="$work/own"
make_project "$proj"
git_quiet -C "$proj" init
git_quiet -C "$proj" add -A
git_quiet -C "$proj" commit -m one
"$cmake" -S "$proj" -B "$proj/build" "${generator[@]}" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; fail "configure"; }
build "$proj/build"
sha1=$(git -C "$proj" rev-parse --short=12 HEAD)
[[ "$sha1" =~ ^[0-9a-f]{12}$ ]] || fail "git gave '$sha1'"
expect_stamp "$proj/build/stamp_probe" "$sha1 no no"
# The build folder is inside the repository but untracked: it must not count as a change.

# 2. An unchanged stamp rewrites nothing, so nothing relinks.
before=$(stat -c %Y.%y "$proj/build/stamp_probe" "$proj/build/generated/stamp.cpp")
sleep 1.1
build "$proj/build"
after=$(stat -c %Y.%y "$proj/build/stamp_probe" "$proj/build/generated/stamp.cpp")
[[ "$before" == "$after" ]] || fail "a build with nothing changed rewrote the stamp or relinked"
echo "ok: unchanged stamp, nothing relinked"

# 3. A tracked file edited: the next build, without reconfiguring, says dirty.
echo "// edit" >>"$proj/main.cpp"
build "$proj/build"
expect_stamp "$proj/build/stamp_probe" "$sha1 yes yes"

# 4. Committed: a new sha, clean again, still without reconfiguring.
git_quiet -C "$proj" commit -am two
sha2=$(git -C "$proj" rev-parse --short=12 HEAD)
[[ "$sha2" != "$sha1" ]] || fail "the commit did not change HEAD"
build "$proj/build"
expect_stamp "$proj/build/stamp_probe" "$sha2 no no"

# 5. A staged change counts as uncommitted too.
echo "// staged" >>"$proj/main.cpp"
git_quiet -C "$proj" add main.cpp
build "$proj/build"
expect_stamp "$proj/build/stamp_probe" "$sha2 yes yes"

# 6. The project as a plain folder inside another repository (a release tarball unpacked in
#    someone's checkout): that repository's sha is not the project's.
outer="$work/outer"
mkdir -p "$outer"
git_quiet -C "$outer" init
echo outer >"$outer/README"
git_quiet -C "$outer" add README
git_quiet -C "$outer" commit -m outer
make_project "$outer/vendor/stamp"
git_quiet -C "$outer" add -A
git_quiet -C "$outer" commit -m vendored
"$cmake" -S "$outer/vendor/stamp" -B "$work/outer-build" "${generator[@]}" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; fail "configure inside the outer repository"; }
build "$work/outer-build"
expect_stamp "$work/outer-build/stamp_probe" "unknown unknown unknown"

# 7. The same project reached through a symlink is still its own repository.
ln -s "$proj" "$work/link"
"$cmake" -S "$work/link" -B "$work/link-build" "${generator[@]}" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; fail "configure through a symlink"; }
build "$work/link-build"
expect_stamp "$work/link-build/stamp_probe" "$sha2 yes yes"

echo "build stamp: all checks passed"
