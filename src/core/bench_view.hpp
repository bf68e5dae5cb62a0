#pragma once
// `gpuxfer bench` results as tables. Human tables (text, markdown): per suite, GPU x GPU matrices
// at the headline size with % of theoretical, a per-GPU host table, size sweeps for the
// representative pairs, concurrent (multi-device) cases, the pipelined tuning grid and the
// latency tables; skip and failure reasons become deduplicated notes. The flat table (CSV) has
// one row per record with every identity field and statistic.
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"
#include "core/table.hpp"

namespace gx {

[[nodiscard]] std::vector<Table> bench_tables(const std::vector<Record>& records,
                                              const SystemInfo& system);
[[nodiscard]] Table bench_flat_table(const std::vector<Record>& records);
// The compute tables of bench_tables (elementwise, gemm, overlap), for the HTML report too.
[[nodiscard]] std::vector<Table> compute_tables(const std::vector<Record>& records);

}  // namespace gx
