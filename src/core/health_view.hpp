#pragma once
// The health section as a text table (gpuxfer list): the latest snapshot of each GPU, one row
// per GPU; unknown cells print "?" with NVML's reasons as footnotes.
#include <vector>

#include "core/health.hpp"
#include "core/table.hpp"

namespace gx {

[[nodiscard]] Table health_table(const std::vector<GpuHealth>& health);

}  // namespace gx
