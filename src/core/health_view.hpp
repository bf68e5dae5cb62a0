#pragma once
// The health section as a text table (gpuxfer list): the latest snapshot of each GPU, one row
// per GPU; unknown cells print "?" with NVML's reasons as footnotes. health_change_table: what
// the run changed (after - before), for the report beside check's findings.
#include <vector>

#include "core/health.hpp"
#include "core/table.hpp"

namespace gx {

[[nodiscard]] Table health_table(const std::vector<GpuHealth>& health);
// One row per GPU with snapshots before and after: each counter's growth over the run and the
// critical XIDs seen. No rows for single-snapshot documents (gpuxfer list).
[[nodiscard]] Table health_change_table(const std::vector<GpuHealth>& health);

}  // namespace gx
