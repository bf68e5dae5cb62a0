#pragma once
// A record's "telemetry" object (schema 1.6) <-> Telemetry. Unknown values are null with their
// reason in the GPU entry's "unknown" map, as everywhere else in the document.
#include <string>

#include "core/report_json.hpp"
#include "core/telemetry.hpp"

namespace gx {

// `flop_rate_per_sm_ghz`: the record's FLOP/s per GHz of its median SM clock (GEMM), written
// for readers; derived, so it is recomputed rather than read back.
[[nodiscard]] Json telemetry_to_json(const Telemetry& t, std::optional<double> flop_rate_per_sm_ghz);
// Throws InputError naming `path` and the field.
[[nodiscard]] Telemetry telemetry_from_json(const Json& json, const std::string& path);

}  // namespace gx
