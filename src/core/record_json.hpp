#pragma once
// Bench records <-> JSON (the "records" array of a report, docs/schema.md). Every statistic and
// every sample is written; derived figures (metric, shape, rate, latency_s, efficiency fraction,
// noisy, chase.distinct_lines_timed, working_set_bytes, cache_resident) are written for readers
// and recomputed from the stored fields when read back, so a round trip is exact and a
// hand-edited derived value cannot disagree with its inputs.
#include <vector>

#include "core/bench_model.hpp"
#include "core/report_json.hpp"

namespace gx {

[[nodiscard]] Json record_to_json(const Record& record);
// Throws InputError naming the field ("record.measurement.timing_mode: ...").
[[nodiscard]] Record record_from_json(const Json& json);

[[nodiscard]] Json records_to_json(const std::vector<Record>& records);
// Throws InputError naming the record index and field ("records[3].bytes: ...").
[[nodiscard]] std::vector<Record> records_from_json(const Json& json);

}  // namespace gx
