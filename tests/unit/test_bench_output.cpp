// Rendering bench records (core/bench_output): the text bench prints is what show prints of the
// saved file; markdown and CSV; several files under headings; a run that ended early says so.
#include "core/bench_output.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.hpp"

using namespace gx;

namespace {

const std::string kRuns = std::string(GPUXFER_TEST_DATA_DIR) + "/runs/";

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST(BenchOutput, TextMarkdownAndCsvOfOneFile) {
  const LoadedReport rep = load_report(kRuns + "h200x1-2026-12-03-468faad9/bench.json");
  BenchRenderOptions o;
  const std::string compact = render_bench(rep.records, rep.system, o);
  EXPECT_EQ(compact.rfind("summary: 1\u00d7 NVIDIA H200", 0), 0u) << compact.substr(0, 200);
  EXPECT_NE(compact.find("host sweep, GPU0 (PCIe), GB/s; \u00b5s per op below 64 KiB"), std::string::npos);
  EXPECT_EQ(compact.find(" kB"), std::string::npos) << "one size notation: binary units only";
  EXPECT_EQ(compact.find(" MB "), std::string::npos);

  o.detail = BenchDetail::summary;
  const std::string summary = render_bench(rep.records, rep.system, o);
  EXPECT_LT(lines(summary), 40u) << summary;
  EXPECT_EQ(compact.rfind(summary.substr(0, summary.size() - 1), 0), 0u) << "compact starts with the summary";

  o.detail = BenchDetail::full;
  const std::string full = render_bench(rep.records, rep.system, o);
  EXPECT_GT(lines(full), lines(compact));
  EXPECT_NE(full.find("GPU0  scale   4 B      1 f32"), std::string::npos) << "every elementwise row";

  o.format = OutputFormat::markdown;
  o.detail = BenchDetail::compact;
  const std::string md = render_bench(rep.records, rep.system, o);
  EXPECT_EQ(md.rfind("### summary: ", 0), 0u);
  EXPECT_NE(md.find("| path | method | size |"), std::string::npos);

  o.format = OutputFormat::csv;
  const std::string csv = render_bench(rep.records, rep.system, o);
  EXPECT_EQ(lines(csv), rep.records.size() + 1) << "one row per record, whatever the detail";
  EXPECT_EQ(csv.rfind("suite,method,metric,", 0), 0u);

  o.format = OutputFormat::json;
  EXPECT_THROW((void)render_bench(rep.records, rep.system, o), UsageError);
}

TEST(BenchOutput, SeveralFilesUnderHeadingsAndCsvWithAFileColumn) {
  LoadedReport a = load_report(kRuns + "h200x1-2026-12-03-6e8afc30/bench-compute-run1.json");
  LoadedReport b = load_report(kRuns + "h200x1-2026-12-03-6e8afc30/bench-compute-run2.json");
  b.ended_early_exit_code = 130;
  b.ended_early_reason = "interrupted by SIGINT";
  BenchRenderOptions o;
  o.detail = BenchDetail::summary;
  const std::string text = render_saved_reports({a, b}, o);
  EXPECT_EQ(text.rfind("== bench-compute-run1.json \u00b7 ", 0), 0u) << text.substr(0, 200);
  EXPECT_NE(text.find("\n== bench-compute-run2.json \u00b7 "), std::string::npos);
  EXPECT_NE(text.find("this run ended early (exit 130): interrupted by SIGINT"), std::string::npos);
  EXPECT_EQ(render_saved_reports({a}, o), render_bench(a.records, a.system, o)) << "one file: no heading";

  o.format = OutputFormat::markdown;
  EXPECT_EQ(render_saved_reports({a, b}, o).rfind("## bench-compute-run1.json", 0), 0u);

  o.format = OutputFormat::csv;
  const std::string csv = render_saved_reports({a, b}, o);
  EXPECT_EQ(csv.rfind("file,suite,method,", 0), 0u);
  EXPECT_EQ(lines(csv), a.records.size() + b.records.size() + 1);
}
