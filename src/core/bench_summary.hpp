#pragma once
// The one-screen summary of a bench run, printed first by `bench` and `show` (docs/output.md
// "Reading bench output"): one row per path class and method at the headline size, with the
// median over the pairs or GPUs measured, the slowest and fastest of them, % of theoretical and
// marks (noisy, throttled, failed, skipped, a slow outlier). Latency rows are time per
// operation at the smallest size; compute rows fold a concurrent (all GPUs at once) case into
// the notes of the per-GPU row.
#include <optional>
#include <string>
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"
#include "core/table.hpp"

namespace gx {

// A row's figures are in `unit`: "GB/s" (1e9 B/s), "TFLOP/s", "µs" or "ns" per operation, or
// "efficiency" (overlap: 1 = the shorter operation fully hidden).
struct SummaryRow {
  std::string path;    // "peer NV18", "staged NV18", "host PCIe", "async", "latency", "elementwise", "gemm", "overlap"
  std::string method;  // "ce_write", "bf16" (GEMM precisions without the gemm_ prefix)
  std::string size;    // "381 MiB", "4 B", "N=10000"
  std::string over;    // what the median is taken over: "12 pairs", "4 GPUs", or the one place measured
  std::string unit;
  std::optional<double> median;  // median of the measured records' medians; none when none measured
  std::optional<double> low;     // slowest and fastest record (in `unit`; low <= high), when more than one
  std::optional<double> high;
  std::optional<double> efficiency;  // median fraction of the theoretical rate, where known
  int measured = 0;                  // records with a value
  int noisy = 0;                     // cv > 5 %
  int throttled = 0;                 // telemetry saw a throttle reason or a clock drop
  int failed = 0;                    // failed, timeout or error
  int skipped = 0;
  std::vector<std::string> notes;  // the row's marks in words: "2 noisy*", "slowest GPU3 -> GPU0 0.41x"
};

struct BenchSummary {
  std::string title;
  std::vector<SummaryRow> rows;
  std::vector<std::string> notes;  // under the table: throttle details, skip and failure reasons
};

// A record slower than this fraction of its row's median is named as the row's slow outlier.
inline constexpr double kSlowOutlierFraction = 0.9;

[[nodiscard]] BenchSummary summarize_bench(const std::vector<Record>& records, const SystemInfo& system);
// Columns: path, method, size, over, median, min-max, unit, % theor. (of theoretical), notes.
[[nodiscard]] Table summary_table(const BenchSummary& summary);

// "4× NVIDIA H200", "2× NVIDIA H100, 1× NVIDIA A100"; "no GPU" when there is none.
[[nodiscard]] std::string gpu_count_summary(const SystemInfo& system);

}  // namespace gx
