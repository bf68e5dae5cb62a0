#pragma once
// `gpuxfer bench` results as tables. Human tables (text, markdown): the one-screen summary
// (core/bench_summary) first; then per suite, GPU x GPU matrices at the headline size with % of
// theoretical, a per-GPU host table, size sweeps for the representative pairs, concurrent
// (multi-device) cases, the pipelined tuning grid and the latency tables; skip and failure
// reasons become deduplicated notes. The flat table (CSV) has one row per record with every
// identity field and statistic. Sizes are written in binary units (format_size); sizes below
// kLatencyRegimeBytes are shown as time per operation (µs), not as GB/s.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"
#include "core/table.hpp"

namespace gx {

// How much the human tables show (bench/show --detail, docs/output.md):
//   summary  the summary table only
//   compact  the summary, the matrices and per-GPU tables, and each size sweep as one row per
//            method at a few sizes (compact_sweep_sizes); the default of bench and show
//   full     the summary and every table with every size of every sweep
enum class BenchDetail { summary, compact, full };
[[nodiscard]] std::string_view to_string(BenchDetail detail);
// Throws UsageError naming the value and the allowed names.
[[nodiscard]] BenchDetail parse_bench_detail(std::string_view text);

// Transfers smaller than this are latency-bound (the fixed cost of an operation dominates):
// their sweep cells are time per operation in µs, not a rate that would round to 0.0 GB/s.
inline constexpr std::uint64_t kLatencyRegimeBytes = 64 * 1024;

// The sizes a compact sweep shows, at most `columns` of `sizes` (ascending): the smallest and
// the largest, and between them those nearest to evenly spaced points on a log scale.
[[nodiscard]] std::vector<std::uint64_t> compact_sweep_sizes(const std::vector<std::uint64_t>& sizes,
                                                             std::size_t columns = 8);

[[nodiscard]] std::vector<Table> bench_tables(const std::vector<Record>& records, const SystemInfo& system,
                                              BenchDetail detail = BenchDetail::full);
[[nodiscard]] Table bench_flat_table(const std::vector<Record>& records);
// The compute tables of bench_tables (elementwise, gemm, overlap), for the HTML report too.
[[nodiscard]] std::vector<Table> compute_tables(const std::vector<Record>& records,
                                                BenchDetail detail = BenchDetail::full);

}  // namespace gx
