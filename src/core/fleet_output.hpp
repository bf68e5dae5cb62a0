#pragma once
// What `gpuxfer fleet` writes (docs/fleet.md, "Outputs"): a one-screen text summary with
// per-metric tables, the gpuxfer.fleet JSON document (schema/gpuxfer.fleet.v1.schema.json),
// CSV (one row per figure), Markdown, JUnit XML (one testcase per node) and a Prometheus
// textfile. Pure functions of a FleetResult; the CLI writes them.
#include <string>

#include "core/fleet.hpp"
#include "core/report_json.hpp"

namespace gx {

inline constexpr const char* kFleetSchema = "gpuxfer.fleet";
inline constexpr int kFleetSchemaMajor = 1;
inline constexpr int kFleetSchemaMinor = 0;

// "1.23 TB/s", "812.4 TFLOP/s", "2.28 us".
[[nodiscard]] std::string format_fleet_value(double value, const std::string& unit);

// The first line of every format: nodes judged, outliers, failed, unreadable files.
[[nodiscard]] std::string fleet_summary_line(const FleetResult& result);
// True when some input could not be judged (an unreadable file): the fleet is incomplete.
[[nodiscard]] bool fleet_incomplete(const FleetResult& result);

// `max_nodes` caps the list of non-ok nodes (the rest are counted) so the summary fits a screen.
[[nodiscard]] std::string fleet_text(const FleetResult& result, std::size_t max_nodes = 20);
[[nodiscard]] std::string fleet_markdown(const FleetResult& result);
[[nodiscard]] std::string fleet_csv(const FleetResult& result);
[[nodiscard]] Json fleet_json(const FleetResult& result);
[[nodiscard]] std::string fleet_junit(const FleetResult& result);
[[nodiscard]] std::string fleet_prometheus(const FleetResult& result);

}  // namespace gx
