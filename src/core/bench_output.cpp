#include "core/bench_output.hpp"

#include <fmt/format.h>

#include "core/bench_summary.hpp"
#include "core/error.hpp"

namespace gx {
namespace {

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string heading(const LoadedReport& r) {
  const std::string host = !r.system.hostname.empty() ? r.system.hostname : r.run.hostname;
  std::string text = base_name(r.path);
  if (!host.empty()) text += " \u00b7 " + host;
  text += " \u00b7 " + gpu_count_summary(r.system);
  if (!r.run.started_utc.empty()) text += " \u00b7 " + r.run.started_utc;
  return text;
}

std::string ended_early(const LoadedReport& r, OutputFormat format) {
  if (r.ended_early_exit_code == 0) return "";
  const std::string line = fmt::format("this run ended early (exit {}): {}; the cases after it were not measured",
                                       r.ended_early_exit_code, r.ended_early_reason);
  return format == OutputFormat::markdown ? "**" + line + "**\n\n" : line + "\n\n";
}

}  // namespace

std::string render_bench(const std::vector<Record>& records, const SystemInfo& system,
                         const BenchRenderOptions& options) {
  switch (options.format) {
    case OutputFormat::json: throw UsageError("JSON output is the report document itself, not a rendering of it");
    case OutputFormat::csv: return render_csv(bench_flat_table(records));
    default:
      return render_tables(bench_tables(records, system, options.detail), options.format, options.color,
                           options.max_width);
  }
}

std::string render_saved_reports(const std::vector<LoadedReport>& reports, const BenchRenderOptions& options) {
  if (options.format == OutputFormat::csv) {
    if (reports.size() == 1) return render_bench(reports.front().records, reports.front().system, options);
    Table all;
    for (const LoadedReport& r : reports) {
      Table flat = bench_flat_table(r.records);
      if (all.header.empty()) {
        all.header = flat.header;
        all.header.insert(all.header.begin(), "file");
      }
      for (auto& row : flat.rows) {
        row.insert(row.begin(), r.path);
        all.rows.push_back(std::move(row));
      }
    }
    return render_csv(all);
  }
  std::string out;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const LoadedReport& r = reports[i];
    if (i > 0) out += '\n';
    if (reports.size() > 1) {
      out += options.format == OutputFormat::markdown ? "## " + heading(r) + "\n\n" : "== " + heading(r) + " ==\n\n";
    }
    out += ended_early(r, options.format);
    out += render_bench(r.records, r.system, options);
  }
  return out;
}

}  // namespace gx
