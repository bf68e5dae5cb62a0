#include "core/launcher.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

using namespace gx;

namespace {

LauncherWorld world_of(const std::map<std::string, std::string>& env) {
  return launcher_world([&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

}  // namespace

TEST(Launcher, NoLauncherIsOneRank) {
  const LauncherWorld w = world_of({});
  EXPECT_EQ(w.size, 1);
  EXPECT_TRUE(w.evidence.empty());
}

TEST(Launcher, OpenMpiAndHydra) {
  EXPECT_EQ(world_of({{"OMPI_COMM_WORLD_SIZE", "4"}}).evidence, "OMPI_COMM_WORLD_SIZE=4");
  EXPECT_EQ(world_of({{"OMPI_COMM_WORLD_SIZE", "4"}}).size, 4);
  EXPECT_EQ(world_of({{"PMI_SIZE", "2"}}).size, 2);
  EXPECT_EQ(world_of({{"MPI_LOCALNRANKS", "8"}}).evidence, "MPI_LOCALNRANKS=8");
}

TEST(Launcher, OneRankOfALauncherIsNotSeveral) {
  EXPECT_EQ(world_of({{"OMPI_COMM_WORLD_SIZE", "1"}}).size, 1);
  EXPECT_EQ(world_of({{"PMI_SIZE", "1"}, {"MPI_LOCALNRANKS", "1"}}).size, 1);
}

TEST(Launcher, PmixNeedsARankAndASize) {
  EXPECT_EQ(world_of({{"PMIX_RANK", "0"}, {"PMIX_SIZE", "3"}}).evidence, "PMIX_RANK=0, PMIX_SIZE=3");
  EXPECT_EQ(world_of({{"PMIX_RANK", "1"}, {"OMPI_UNIVERSE_SIZE", "2"}}).size, 2);
  EXPECT_EQ(world_of({{"PMIX_SIZE", "3"}}).size, 1);  // no rank: not started by it
  EXPECT_EQ(world_of({{"PMIX_RANK", "0"}}).size, 1);
}

TEST(Launcher, SlurmCountsOnlyUnderSrun) {
  // srun -n 4: the step's task count.
  EXPECT_EQ(world_of({{"SLURM_PROCID", "2"}, {"SLURM_STEP_NUM_TASKS", "4"}, {"SLURM_NTASKS", "4"}}).evidence,
            "SLURM_PROCID=2, SLURM_STEP_NUM_TASKS=4");
  // The batch script of sbatch -n 4 runs gpuxfer directly: the allocation is not a launch.
  EXPECT_EQ(world_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "4"}, {"SLURM_JOB_ID", "7"}}).size, 1);
  // A single-task job, under srun or not.
  EXPECT_EQ(world_of({{"SLURM_PROCID", "0"}, {"SLURM_STEP_NUM_TASKS", "1"}, {"SLURM_NTASKS", "1"}}).size, 1);
  EXPECT_EQ(world_of({{"SLURM_STEP_NUM_TASKS", "4"}}).size, 1);  // no task id: not a task
}

TEST(Launcher, GarbageIsAbsent) {
  EXPECT_EQ(world_of({{"OMPI_COMM_WORLD_SIZE", "four"}}).size, 1);
  EXPECT_EQ(world_of({{"OMPI_COMM_WORLD_SIZE", "4x"}}).size, 1);
  EXPECT_EQ(world_of({{"OMPI_COMM_WORLD_SIZE", "-4"}}).size, 1);
  EXPECT_EQ(world_of({{"OMPI_COMM_WORLD_SIZE", ""}, {"PMI_SIZE", "2"}}).size, 2);
}
