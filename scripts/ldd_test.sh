#!/usr/bin/env bash
# The gpuxfer binary needs only the C and C++ runtime: everything else (the driver, NVML,
# cuBLAS/cuBLASLt, NCCL) is loaded at run time, cudart and fmt are compiled in, MPI lives in
# gpuxfer-mpi. Fails naming each other library ldd lists.
#
# usage: scripts/ldd_test.sh BINARY
# GPUXFER_LDD_ALLOW: a further regex of names allowed (the sanitizer build's libasan, libubsan).
set -uo pipefail
binary=${1:?usage: scripts/ldd_test.sh BINARY}
[[ -x $binary ]] || { echo "ldd_test: FAIL: $binary is not an executable" >&2; exit 1; }
out=$(ldd "$binary" 2>&1) || { echo "ldd_test: FAIL: ldd $binary failed: $out" >&2; exit 1; }
allowed='^(linux-vdso\.so|linux-gate\.so|ld-linux[-a-z0-9_.]*\.so|libc\.so|libm\.so|libgcc_s\.so|libstdc\+\+\.so|libdl\.so|libpthread\.so|librt\.so)'
if [[ -n ${GPUXFER_LDD_ALLOW:-} ]]; then
  allowed="$allowed|^(${GPUXFER_LDD_ALLOW})"
fi
bad=0
while read -r line; do
  [[ -z $line ]] && continue
  name=${line%% *}
  name=${name##*/}  # ld-linux is listed by its path
  if ! [[ $name =~ $allowed ]]; then
    echo "ldd_test: FAIL: $binary needs $line" >&2
    bad=1
  fi
done <<<"$out"
if ((bad)); then
  echo "ldd_test: only the C/C++ runtime may be linked (cuBLAS, NCCL are dlopen'ed; MPI belongs in gpuxfer-mpi)" >&2
  exit 1
fi
echo "ldd_test: ok: $(wc -l <<<"$out") entries, all C/C++ runtime"
