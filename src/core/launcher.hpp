#pragma once
// Whether an MPI launcher (mpirun/mpiexec of Open MPI or MPICH, a PMIx launcher, Slurm's srun)
// started this process as one of several ranks, read from the variables launchers set. Used by
// gpuxfer (hand over to gpuxfer-mpi) and gpuxfer-mpi (run the ranks together) alike.
#include <functional>
#include <string>

namespace gx {

struct LauncherWorld {
  int size = 1;          // ranks in the job; 1 when not started by a launcher (or by one, alone)
  std::string evidence;  // the variables that said so: "OMPI_COMM_WORLD_SIZE=4"; "" when size is 1
};

// Rules, first match wins (a value that is not a number counts as absent):
//   OMPI_COMM_WORLD_SIZE > 1                                      (Open MPI's mpirun)
//   PMI_SIZE > 1                                                  (MPICH / Intel MPI hydra, srun --mpi=pmi2)
//   PMIX_RANK set and one of PMIX_SIZE, OMPI_UNIVERSE_SIZE > 1    (PMIx launchers: prterun, srun --mpi=pmix)
//   MPI_LOCALNRANKS > 1                                           (MPICH hydra, local ranks)
//   SLURM_PROCID set and srun's own SLURM_STEP_NUM_TASKS > 1      (srun)
// A batch script of a multi-task Slurm job (SLURM_NTASKS > 1 but no step of srun) and a
// single-task job are not launches of several ranks.
[[nodiscard]] LauncherWorld launcher_world(const std::function<const char*(const char*)>& getenv);

// The same on this process's environment.
[[nodiscard]] LauncherWorld launcher_world();

}  // namespace gx
