#!/usr/bin/env bash
# Runs an MPI test program for ctest: tests/mpi/mpirun.sh NP PROGRAM [ARGS...]
# Exit 77 (ctest: skipped) when there is no mpirun. $MPIEXEC (set by CMake from FindMPI) wins
# over the mpirun on PATH.
set -u
np=$1
shift
launcher="${MPIEXEC:-}"
if [ -z "$launcher" ] || ! [ -x "$launcher" ]; then
  launcher="$(command -v mpirun || true)"
fi
if [ -z "$launcher" ]; then
  echo "mpirun.sh: no mpirun found: MPI test skipped (apt-get install openmpi-bin)" >&2
  exit 77
fi
# Open MPI refuses root even for --version unless told (CI runs as root); MPICH ignores these.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
flags=()
if "$launcher" --version 2>/dev/null | grep -qE "Open MPI|OpenRTE"; then
  # CI and containers run as root; a 2-core machine has fewer cores than -np 4 asks for; a hung
  # rank ends the job after 60 s with Open MPI's own cleanup (ctest's TIMEOUT is the backstop).
  flags=(--allow-run-as-root --oversubscribe --timeout 60)
  # Shared-memory single-copy (CMA) needs ptrace rights that containers usually withhold; the
  # copy-in/copy-out path needs none and is plenty for control messages.
  export OMPI_MCA_btl_vader_single_copy_mechanism=none
fi
exec "$launcher" "${flags[@]}" -np "$np" "$@"
