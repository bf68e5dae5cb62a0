#pragma once
// `gpuxfer report`: one self-contained HTML page (inline CSS and SVG, no script, no network, no
// external fonts) from one or more result files. Sections, each left out when it has nothing
// to show: the system summary; bandwidth-vs-size charts per suite and link class (log axes,
// interquartile bands), the files overlaid (a dash style per file); time per operation vs size;
// with several files, each one's speed relative to the first; GPU x GPU heatmaps at the
// headline size, colored by % of theoretical; per-GPU host bars; concurrent transfers; latency
// tables; compute bars with % of peak (suites elementwise / gemm); the "check" findings a
// result may carry. Sizes are written in binary units throughout (byte_label).
// Host-only: starts from JSON files and never touches CUDA.
#include <string>
#include <string_view>
#include <vector>

#include "core/report_load.hpp"
#include "core/table.hpp"
#include "report/svg.hpp"

namespace gx::report {

// One input of a report.
struct ReportSource {
  std::string label;  // shown in headings and legends: the file name, or the path if names clash
  LoadedReport report;
  Json check;  // the document's top-level "check" object when present; null otherwise
};

// Reads and validates a result like load_report (InputError naming the file) and keeps its
// "check" object. The label is the path's last component.
[[nodiscard]] ReportSource parse_report_source(std::string_view text, const std::string& path);
[[nodiscard]] ReportSource load_report_source(const std::string& path);
// Labels that are equal for different sources become the full paths.
void disambiguate_labels(std::vector<ReportSource>& sources);

struct HtmlReportOptions {
  std::string title;  // empty: "gpuxfer report: <labels>"
};

// The whole page. Deterministic: the same inputs give the same bytes.
[[nodiscard]] std::string render_html_report(const std::vector<ReportSource>& sources,
                                             const HtmlReportOptions& options = {});

// ---- the pieces, exposed for tests ----------------------------------------------------------------

// "label · hostname · 4× NVIDIA H200": how a file is named in legends.
[[nodiscard]] std::string source_caption(const ReportSource& source);
// "4× NVIDIA H200", "2× NVIDIA H100, 1× NVIDIA A100"; "no GPU" when empty.
[[nodiscard]] std::string gpu_summary(const SystemInfo& system);

struct LineChart {
  std::vector<Series> series;
  LineChartAxes axes;
};
// Per suite and link class, the representative pair's size sweep of every file (the first
// sweep of that link class in the file), one series per method and file: median GB/s on a log
// axis, the interquartile range of the samples as a band.
[[nodiscard]] std::vector<LineChart> sweep_charts(const std::vector<ReportSource>& sources);
// The same sweeps as time per operation (µs, log-log), with the latency suite's small copies.
[[nodiscard]] std::vector<LineChart> time_charts(const std::vector<ReportSource>& sources);
// Several files: per sweep of the first file, each other file's speed relative to it per method
// and size (file 1's median time / file k's; > 1 = faster), with the quartiles' reach as a band.
// Empty for one file.
[[nodiscard]] std::vector<LineChart> ratio_charts(const std::vector<ReportSource>& sources);

// Per pair method (peer, staged, async bidirectional) and headline size: GB/s and % of theoretical.
[[nodiscard]] std::vector<HeatmapMatrix> pair_heatmaps(const LoadedReport& report);
// Per headline size: host <-> GPU methods, one group of bars per GPU.
[[nodiscard]] std::vector<BarChartSpec> host_bar_charts(const LoadedReport& report);
// Records of compute suites (elementwise, gemm), whatever their metric: per suite and size, one
// group per GPU, % of peak where the peak is known. Empty when there are none.
[[nodiscard]] std::vector<BarChartSpec> compute_bar_charts(const LoadedReport& report);
// Latency copies (µs per copy by size and method) and the pointer chase (ns per load).
[[nodiscard]] std::vector<Table> latency_tables(const LoadedReport& report);
// Multi-device cases (all_h2d, all_pairs_*, scatter, gather, split) with per-direction rates.
[[nodiscard]] std::vector<Table> concurrent_tables(const LoadedReport& report);
// The "check" object as HTML: its scalar fields, then a table per array of objects (columns are
// the keys in first-seen order). "" for null.
[[nodiscard]] std::string check_html(const Json& check);

}  // namespace gx::report
