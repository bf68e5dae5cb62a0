#include "core/launcher.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace gx {
namespace {

// A positive whole number, or 0 for absent / not a number.
int count_of(const char* value) {
  if (value == nullptr || *value == '\0') return 0;
  int n = 0;
  const char* end = value + std::strlen(value);
  const auto [ptr, ec] = std::from_chars(value, end, n);
  return ec == std::errc() && ptr == end && n > 0 ? n : 0;
}

}  // namespace

LauncherWorld launcher_world(const std::function<const char*(const char*)>& getenv) {
  const auto value = [&](const char* name) -> const char* { return getenv ? getenv(name) : nullptr; };
  const auto world = [](int n, std::string evidence) { return LauncherWorld{n, std::move(evidence)}; };
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const int n = count_of(value(name)); n > 1) return world(n, fmt::format("{}={}", name, n));
  }
  if (const char* rank = value("PMIX_RANK"); rank != nullptr) {
    for (const char* name : {"PMIX_SIZE", "OMPI_UNIVERSE_SIZE"}) {
      if (const int n = count_of(value(name)); n > 1)
        return world(n, fmt::format("PMIX_RANK={}, {}={}", rank, name, n));
    }
  }
  if (const int n = count_of(value("MPI_LOCALNRANKS")); n > 1) return world(n, fmt::format("MPI_LOCALNRANKS={}", n));
  // SLURM_NTASKS alone is the allocation's size, also inside the batch script where no srun
  // started anything: only srun's step variable counts.
  if (const char* procid = value("SLURM_PROCID"); procid != nullptr) {
    if (const int n = count_of(value("SLURM_STEP_NUM_TASKS")); n > 1) {
      return world(n, fmt::format("SLURM_PROCID={}, SLURM_STEP_NUM_TASKS={}", procid, n));
    }
  }
  return {};
}

LauncherWorld launcher_world() {
  return launcher_world([](const char* name) -> const char* { return std::getenv(name); });
}

}  // namespace gx
