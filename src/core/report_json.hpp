#pragma once
// The results document (docs/schema.md): schema header, tool, run, system, records.
// nlohmann::ordered_json keeps keys in a readable order; numbers stay numbers; an unknown value
// is null with its reason in the enclosing object's "unknown" map.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/model.hpp"

namespace gx {

using Json = nlohmann::ordered_json;

inline constexpr const char* kReportSchema = "gpuxfer.report";
inline constexpr int kReportSchemaMajor = 1;
// 1.1: "tuning"; 1.2: compute suites; 1.3: merged multi-rank documents; 1.4: transfers between
// ranks (nccl_send, nccl_bidir, run.cross_rank, per-rank src_rank/dst_rank); 1.5: all_pairs_sm,
// all_pairs_shift_ce; 1.6: per-record "telemetry" (clocks, power, temperatures, throttle
// reasons during the timed samples) and a per-GPU "health" section (before/after snapshots, XID events);
// 1.7: per-record measurement.min_sample_s and ops_capped, the pointer chase's "chase" coverage,
// and working_set_bytes, l2_bytes, cache_resident; run.options.chase_sizes
inline constexpr int kReportSchemaMinor = 7;

// Who ran what: recorded so a result can be reproduced and compared honestly.
struct RunInfo {
  std::string started_utc;
  std::string finished_utc;
  std::string hostname;
  std::vector<std::string> argv;
  Json options = Json::object();  // the resolved options
};

[[nodiscard]] Json tool_to_json();
[[nodiscard]] Json run_to_json(const RunInfo& run);
[[nodiscard]] Json system_to_json(const SystemInfo& system);
// Throws InputError naming the field when the document does not hold a valid system section.
[[nodiscard]] SystemInfo system_from_json(const Json& json);

// A whole report; records are appended by bench (empty for list).
[[nodiscard]] Json make_report(const RunInfo& run, const SystemInfo& system, Json records = Json::array());

// What `--format json` prints on stdout when the run cannot produce a report.
[[nodiscard]] Json error_document(std::string_view message, int exit_code, std::string_view kind);

}  // namespace gx
