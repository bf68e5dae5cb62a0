// gpuxfer show (and report --format table|markdown|csv) on committed results: the summary first,
// the detail levels, markdown and CSV, several files; bad input is one line and exit 2. And the
// help every subcommand prints: global options, defaults, bench's option groups.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "cli_runner.hpp"

using gx::test::count_lines;
using gx::test::run_gpuxfer;
using gx::test::slurp;

namespace {

const std::string kRuns = std::string(GPUXFER_TEST_DATA_DIR) + "/runs/";
const std::string kX4 = kRuns + "h200x4-nvswitch-2026-11-27-7d1b33bb/bench.json";
const std::string kX1 = kRuns + "h200x1-2026-12-03-468faad9/bench.json";

std::string temp_path(const std::string& name) {
  return "/tmp/gpuxfer_cli_show_" + std::to_string(::getpid()) + "_" + name;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

TEST(CliShow, SummaryFirstThenCompactTables) {
  const auto r = run_gpuxfer("show " + kX4);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(first_line(r.out).rfind("summary: 4\u00d7 NVIDIA H200 on vm", 0), 0u) << first_line(r.out);
  // The summary ends at the first blank line, within one screen.
  const std::string summary = r.out.substr(0, r.out.find("\n\n") + 1);
  EXPECT_LE(count_lines(summary), 50) << summary;
  for (const char* row : {"peer NV18    ce_write", "host PCIe    h2d_pinned", "latency      peer_b2b",
                          "elementwise  copy", "gemm         bf16"}) {
    EXPECT_NE(summary.find(row), std::string::npos) << row;
  }
  // Compact sweeps: one row per method, µs columns for the latency-bound sizes.
  EXPECT_NE(r.out.find("peer sweep, GPU0 -> GPU1 (NV18), GB/s; \u00b5s per op below 64 KiB\n"
                       "method     4 B \u00b5s  64 B \u00b5s"),
            std::string::npos);
  EXPECT_NE(r.out.find("8 of 15 sizes; every size with --detail full"), std::string::npos);
  // One size notation: binary units, never "1.02 kB" or "400 MB".
  EXPECT_EQ(r.out.find(" kB"), std::string::npos);
  EXPECT_EQ(r.out.find("400 MB"), std::string::npos);
  EXPECT_NE(r.out.find("peer ce_write, 381 MiB, GB/s (% of theoretical)"), std::string::npos);
  EXPECT_LT(count_lines(r.out), 300);
}

TEST(CliShow, DetailLevels) {
  const auto summary = run_gpuxfer("show " + kX1 + " --detail summary");
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_LT(count_lines(summary.out), 45) << summary.out;
  EXPECT_NE(summary.out.find("\u2020 tf32 GPU0 N=10000: 1590 MHz"), std::string::npos) << "throttle explained";
  EXPECT_NE(summary.out.find("skip: needs at least 2 GPUs"), std::string::npos);
  const auto compact = run_gpuxfer("show " + kX1);
  const auto full = run_gpuxfer("show " + kX1 + " --detail full");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_EQ(compact.out.rfind(summary.out.substr(0, summary.out.size() - 1), 0), 0u) << "compact starts with it";
  EXPECT_GT(count_lines(full.out), count_lines(compact.out) + 60) << "every elementwise row";
  EXPECT_NE(full.out.find("size     shape        unit  h2d_pinned"), std::string::npos) << "a unit per row";
  EXPECT_NE(full.out.find("    4 B            1  \u00b5s          2.24"), std::string::npos)
      << full.out.substr(0, 3000);
  EXPECT_NE(full.out.find(" 64 KiB      128x128  GB/s        17.3"), std::string::npos);
}

TEST(CliShow, MarkdownCsvAndReportSharesTheRenderer) {
  const auto md = run_gpuxfer("show " + kX1 + " --format markdown");
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_EQ(md.out.rfind("### summary: 1\u00d7 NVIDIA H200", 0), 0u);
  EXPECT_NE(md.out.find("| path | method | size | over | median |"), std::string::npos);

  const auto csv = run_gpuxfer("show " + kX1 + " --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("suite,method,metric,src,dst,", 0), 0u);
  const std::string doc = slurp(kX1);
  std::size_t records = 0;
  for (auto at = doc.find("\"suite\":"); at != std::string::npos; at = doc.find("\"suite\":", at + 1)) ++records;
  EXPECT_EQ(static_cast<std::size_t>(count_lines(csv.out)), records + 1) << "one row per record";

  for (const char* format : {"table", "markdown", "csv"}) {
    const auto shown = run_gpuxfer("show " + kX1 + " --format " + std::string(format) + " --detail full");
    const auto reported = run_gpuxfer("report " + kX1 + " --format " + std::string(format) + " --detail full");
    ASSERT_EQ(reported.exit_code, 0) << reported.err;
    EXPECT_EQ(reported.out, shown.out) << format;
  }
  // Without --format, report still writes HTML.
  EXPECT_EQ(run_gpuxfer("report " + kX1).out.rfind("<!DOCTYPE html>", 0), 0u);
}

TEST(CliShow, SeveralFilesAndOutputFile) {
  const std::string a = kRuns + "h200x1-2026-12-03-6e8afc30/bench-compute-run1.json";
  const std::string b = kRuns + "h200x1-2026-12-03-6e8afc30/bench-compute-run2.json";
  const auto text = run_gpuxfer("show " + a + " " + b + " --detail summary");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind("== bench-compute-run1.json \u00b7 ", 0), 0u) << first_line(text.out);
  EXPECT_NE(text.out.find("\n== bench-compute-run2.json \u00b7 "), std::string::npos);
  const std::string path = temp_path("both.csv");
  std::remove(path.c_str());
  const auto csv = run_gpuxfer("show " + a + " " + b + " --format csv -o " + path);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "");
  const std::string written = slurp(path);
  EXPECT_EQ(written.rfind("file,suite,method,", 0), 0u);
  EXPECT_NE(written.find(b + ",gemm,"), std::string::npos) << "rows say which file they are from";
  std::remove(path.c_str());
}

TEST(CliShow, BadInputIsOneLineAndExit2) {
  const std::string fleet = kRuns + "fleet-h200x1-2026-12-03/fleet.json";
  const std::string garbage = temp_path("garbage.json");
  std::ofstream(garbage) << "<html>not json</html>";
  const struct {
    std::string args;
    std::string mention;
  } cases[] = {
      {"show", "results"},
      {"show /nonexistent/result.json", "/nonexistent/result.json: cannot open"},
      {"show " + garbage, "malformed JSON"},
      {"show " + kX1 + " " + garbage, "garbage.json"},
      {"show " + fleet, "a fleet document, not a bench result"},
      {"show " + kX1 + " --format json", "--format json does not apply"},
      {"show " + kX1 + " --detail everything", "invalid --detail 'everything': allowed summary, compact, full"},
      {"show " + kX1 + " --devices 0", "--devices"},
      {"report " + kX1 + " --detail full", "--detail"},
      {"report " + kX1 + " --format table --title x", "--title"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = run_gpuxfer(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.mention), std::string::npos) << r.err;
  }
  std::remove(garbage.c_str());
}

// Every subcommand's help lists the global options and every option's default; bench's options
// are in groups.
TEST(CliHelp, GlobalOptionsDefaultsAndGroups) {
  for (const char* sub : {"list", "bench", "compare", "check", "fleet", "report", "show"}) {
    SCOPED_TRACE(sub);
    const auto r = run_gpuxfer(std::string(sub) + " --help");
    ASSERT_EQ(r.exit_code, 0);
    const auto globals = r.out.find("\nGlobal options:\n");
    ASSERT_NE(globals, std::string::npos) << r.out;
    for (const char* opt :
         {"--format FORMAT=table", "-o,--output FILE", "-d,--devices LIST=all", "-q,--quiet", "-v,--verbose"}) {
      EXPECT_NE(r.out.find(opt, globals), std::string::npos) << opt;
    }
    EXPECT_EQ(r.out.find("--version", globals), std::string::npos) << "--version only precedes a subcommand";
    EXPECT_EQ(r.out.find("\n\n\n"), std::string::npos) << "one blank line between groups";
  }
  const auto bench = run_gpuxfer("bench --help");
  std::size_t last = 0;
  for (const char* group :
       {"\nWhat to run:\n", "\nHow to sample:\n", "\nKernel shape:\n", "\nOutput:\n", "\nGlobal options:\n"}) {
    const auto at = bench.out.find(group);
    ASSERT_NE(at, std::string::npos) << group;
    EXPECT_GT(at, last) << group << " in order";
    last = at;
  }
  for (const char* shown : {"--samples INT=20", "--warmup INT=2", "--min-sample-time TIME=1ms", "--timeout TIME=60s",
                            "--shape SHAPE=10000x10000", "--gemm-n N=10000", "--sm-chunk SIZE=16KiB",
                            "--detail LEVEL=compact", "--telemetry TEXT=on", "--gemm-rest TIME=0s"}) {
    EXPECT_NE(bench.out.find(shown), std::string::npos) << shown;
  }
  EXPECT_NE(run_gpuxfer("compare --help").out.find("--tolerance TEXT=5%"), std::string::npos);
  EXPECT_NE(run_gpuxfer("fleet --help").out.find("--mad-k TEXT=4"), std::string::npos);
}
