#pragma once
// The run's health record (core/health.hpp) read through NVML: one GpuHealth per GPU of a
// system, its snapshot before the first case, after the last, and the critical XIDs between.
#include <vector>

#include "core/health.hpp"
#include "core/model.hpp"
#include "gpu/nvml.hpp"

namespace gx {

[[nodiscard]] std::vector<std::string> pci_bus_ids(const SystemInfo& system);

// One entry per device of `system` with `before` read now. Create the XidWatch first: events
// before its registration are not seen.
[[nodiscard]] std::vector<GpuHealth> read_health_before(const SystemInfo& system);
// Reads `after` of every entry and takes the XID events the watch received.
void read_health_after(std::vector<GpuHealth>& health, XidWatch& xids);

// gpuxfer list: a single snapshot (`before`) of each GPU of `system`; with no CUDA device,
// of every GPU NVML enumerates (index absent).
[[nodiscard]] std::vector<GpuHealth> read_health_now(const SystemInfo& system);
[[nodiscard]] std::vector<GpuHealth> read_health_nvml_only();

}  // namespace gx
