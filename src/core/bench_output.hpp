#pragma once
// Rendering bench results as people and spreadsheets read them, shared by `gpuxfer bench` (the
// run it just made) and `gpuxfer show` / `gpuxfer report --format table|markdown|csv` (saved
// result files), so a file shows exactly what its run printed (docs/output.md "Reading bench output").
#include <cstddef>
#include <string>
#include <vector>

#include "core/bench_view.hpp"
#include "core/report_load.hpp"
#include "core/table.hpp"

namespace gx {

struct BenchRenderOptions {
  OutputFormat format = OutputFormat::table;  // table, markdown or csv; json is the document itself
  BenchDetail detail = BenchDetail::compact;
  bool color = false;
  std::size_t max_width = 0;  // terminal columns; 0: tables whole
};

// table / markdown: bench_tables at options.detail; csv: the flat table, one row per record
// (every detail). Throws UsageError for json.
[[nodiscard]] std::string render_bench(const std::vector<Record>& records, const SystemInfo& system,
                                       const BenchRenderOptions& options);

// Saved result files, one after the other. With several files each starts with a heading that
// names it ("== a.json · node17 · 4× NVIDIA H200 =="; "## ..." in markdown); csv is one table with
// a leading "file" column. A file whose run ended early says so first.
[[nodiscard]] std::string render_saved_reports(const std::vector<LoadedReport>& reports,
                                               const BenchRenderOptions& options);

}  // namespace gx
