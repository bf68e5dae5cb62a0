#pragma once
// The report's "health" section (docs/schema.md, docs/health.md): one entry per GPU with the
// snapshots before and after the run and the critical XID events seen. Unknown fields are null
// with NVML's reason in the object's "unknown" map, as everywhere in the report.
#include <vector>

#include "core/health.hpp"
#include "core/report_json.hpp"

namespace gx {

[[nodiscard]] Json health_snapshot_to_json(const HealthSnapshot& snapshot);
[[nodiscard]] Json health_to_json(const std::vector<GpuHealth>& gpus);  // {"gpus": [...]}
// Throws InputError "health section: <path>: <problem>".
[[nodiscard]] HealthSnapshot health_snapshot_from_json(const Json& json, const std::string& path);
[[nodiscard]] std::vector<GpuHealth> health_from_json(const Json& json);

}  // namespace gx
