// gpuxfer compare on real results and on copies derived from them (samples scaled): exit codes,
// verdicts, formats, and bad input (exit 2, one line naming the file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.hpp"

using gx::test::count_lines;
using gx::test::run_gpuxfer;
using gx::test::slurp;

namespace {

const std::string kData = std::string(GPUXFER_TEST_DATA_DIR) + "/compare/";
const std::string kRuns = std::string(GPUXFER_TEST_DATA_DIR) + "/runs/";
const std::string kTwo = kRuns + "h200x2-nvswitch-2026-11-26-b1ce9020/bench.json";
const std::string kFour = kRuns + "h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json";
const std::string kFourRun2 = kRuns + "h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run2.json";

std::string temp_path(const std::string& name) {
  return "/tmp/gpuxfer_cli_compare_" + std::to_string(::getpid()) + "_" + name;
}

// A copy of the 2x H200 report with every sample time multiplied by `time_factor`
// (1.25: every rate 20 % lower, every latency 25 % longer), written to a temp file.
std::string derived(const std::string& name, double time_factor) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(slurp(kTwo));
  for (auto& record : doc.at("records")) {
    for (auto& s : record.at("samples_s")) s = s.get<double>() * time_factor;
    auto& t = record.at("time_s");
    if (t.is_object()) {
      for (const char* field : {"min", "q1", "median", "q3", "max", "mean", "stdev"}) {
        t[field] = t[field].get<double>() * time_factor;
      }
    }
  }
  const std::string path = temp_path(name);
  std::ofstream(path) << doc.dump(1);
  return path;
}

nlohmann::json parse_json(const std::string& text) {
  return nlohmann::json::parse(text);
}

void expect_input_error(const std::string& args, const std::string& mention) {
  SCOPED_TRACE(args);
  const auto r = run_gpuxfer(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "") << "no partial output on stdout";
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(mention), std::string::npos) << r.err;
}

}  // namespace

TEST(CliCompare, SameFileTwiceIsNeverAChangeAndExit0) {
  const auto r = run_gpuxfer("compare " + kTwo + " " + kTwo + " --format json --fail-on any");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto doc = parse_json(r.out);
  EXPECT_EQ(doc.at("schema"), "gpuxfer.compare");
  EXPECT_EQ(doc.at("schema_version").at("major"), 1);
  const auto& c = doc.at("comparisons").at(0);
  EXPECT_EQ(c.at("matching"), "exact_pair");
  EXPECT_GT(c.at("rows").size(), 200u);
  for (const auto& row : c.at("rows")) {
    // same, or noisy where the method's run-to-run spread exceeds the tolerance; never a change.
    const double spread = row.at("noise").at("spread").get<double>();
    EXPECT_EQ(row.at("verdict"), spread < 0.03 ? "same" : row.at("verdict")) << row.dump();
    EXPECT_TRUE(row.at("verdict") == "same" || row.at("verdict") == "noisy") << row.dump();
    EXPECT_EQ(row.at("ratio"), 1.0);
  }
  EXPECT_TRUE(c.at("only_in_base").empty());
  EXPECT_TRUE(c.at("only_in_new").empty());
  for (const auto& s : c.at("suites")) EXPECT_EQ(s.at("geomean_ratio"), 1.0);
}

TEST(CliCompare, TwentyPercentSlowerFailsOnSlower) {
  const std::string slower = derived("slower.json", 1.25);
  const auto plain = run_gpuxfer("compare " + kTwo + " " + slower + " --format json");
  EXPECT_EQ(plain.exit_code, 0) << plain.err;  // no --fail-on: report only
  const auto doc = parse_json(plain.out);
  std::size_t slower_rows = 0;
  std::size_t faster_rows = 0;
  for (const auto& row : doc.at("comparisons").at(0).at("rows")) {
    slower_rows += row.at("verdict") == "slower";
    faster_rows += row.at("verdict") == "faster";
    EXPECT_NEAR(row.at("ratio").get<double>(), 0.8, 0.01) << row.dump();
  }
  EXPECT_GT(slower_rows, 100u);
  EXPECT_EQ(faster_rows, 0u);
  for (const auto& s : doc.at("comparisons").at(0).at("suites")) {
    EXPECT_NEAR(s.at("geomean_ratio").get<double>(), 0.8, 0.005) << s.dump();
  }

  const auto failing = run_gpuxfer("compare " + kTwo + " " + slower + " --fail-on slower");
  EXPECT_EQ(failing.exit_code, 1) << failing.err;
  EXPECT_NE(failing.out.find("slower"), std::string::npos);
  EXPECT_NE(failing.err.find("--fail-on slower"), std::string::npos) << failing.err;
  // The other way round it is faster: --fail-on slower passes.
  const auto reverse = run_gpuxfer("compare " + slower + " " + kTwo + " --fail-on slower --format csv");
  EXPECT_EQ(reverse.exit_code, 0) << reverse.err;
  EXPECT_NE(reverse.out.find(",faster,"), std::string::npos);
  // A 20 % drop is less than half of a 50 % tolerance: never slower.
  const auto tolerant = run_gpuxfer("compare " + kTwo + " " + slower + " --fail-on slower --tolerance 50%");
  EXPECT_EQ(tolerant.exit_code, 0) << tolerant.err;
  std::remove(slower.c_str());
}

TEST(CliCompare, SeveralNewReportsAreEachComparedWithBase) {
  const std::string same = derived("same.json", 1.0);
  const std::string slower = derived("slower3.json", 1.25);
  const auto r = run_gpuxfer("compare " + kTwo + " " + same + " " + slower + " --format json --fail-on slower");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = parse_json(r.out);
  ASSERT_EQ(doc.at("comparisons").size(), 2u);
  EXPECT_EQ(doc.at("comparisons").at(0).at("failures"), 0);
  EXPECT_GT(doc.at("comparisons").at(1).at("failures").get<int>(), 100);
  EXPECT_EQ(doc.at("base").at("file"), kTwo);
  const auto text = run_gpuxfer("compare " + kTwo + " " + same + " " + slower);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("NEW 2"), std::string::npos);
  std::remove(same.c_str());
  std::remove(slower.c_str());
}

TEST(CliCompare, FourAgainstTwoGpusMatchesByLinkClass) {
  const auto r = run_gpuxfer("compare " + kFour + " " + kTwo + " --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = parse_json(r.out);
  EXPECT_EQ(doc.at("base").at("gpus").at(0).at("count"), 4);
  const auto& c = doc.at("comparisons").at(0);
  EXPECT_EQ(c.at("matching"), "link_class");
  EXPECT_EQ(c.at("new").at("gpus").at(0).at("count"), 2);
  bool pooled = false;
  for (const auto& row : c.at("rows")) {
    if (row.at("method") == "ce_write" && row.at("bytes") == 400000000) {
      EXPECT_EQ(row.at("base").at("records"), 12);
      EXPECT_EQ(row.at("new").at("records"), 2);
      pooled = true;
    }
  }
  EXPECT_TRUE(pooled);
  EXPECT_FALSE(c.at("only_in_base").empty());  // the 4-GPU all-to-all cases
  // --fail-on any: keys of BASE that NEW lacks fail.
  EXPECT_EQ(run_gpuxfer("compare " + kFour + " " + kTwo + " --fail-on any --quiet").exit_code, 1);
}

TEST(CliCompare, TwoRunsOnOneMachineMatchByPair) {
  const auto r = run_gpuxfer("compare " + kFour + " " + kFourRun2 + " --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = parse_json(r.out);
  const auto& c = doc.at("comparisons").at(0);
  EXPECT_EQ(c.at("matching"), "exact_pair");
  EXPECT_TRUE(c.at("only_in_base").empty());
  EXPECT_TRUE(c.at("only_in_new").empty());
}

TEST(CliCompare, FormatsPutOnlyDataOnStdout) {
  const auto csv = run_gpuxfer("compare " + kTwo + " " + kTwo + " --format csv");
  EXPECT_EQ(csv.exit_code, 0);
  EXPECT_EQ(csv.err, "");
  EXPECT_EQ(csv.out.rfind("base_file,new_file,matching,suite,method", 0), 0u) << csv.out.substr(0, 200);

  const auto md = run_gpuxfer("compare " + kFour + " " + kTwo + " --format markdown");
  EXPECT_EQ(md.exit_code, 0);
  EXPECT_NE(md.out.find("### Reports"), std::string::npos);
  EXPECT_NE(md.out.find("| BASE |"), std::string::npos);
  EXPECT_NE(md.out.find("4x NVIDIA H200"), std::string::npos);
  EXPECT_NE(md.out.find("2x NVIDIA H200"), std::string::npos);
  EXPECT_NE(md.out.find("580.159.04"), std::string::npos);
  EXPECT_NE(md.out.find("NEW is faster"), std::string::npos);

  const auto table = run_gpuxfer("compare " + kFour + " " + kTwo);
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out.find("\x1b["), std::string::npos) << "no color when not a terminal";
  EXPECT_NE(table.out.find("Summary by suite"), std::string::npos);
  EXPECT_NE(table.out.find("geomean"), std::string::npos);

  const std::string out = temp_path("out.json");
  const auto written = run_gpuxfer("compare " + kTwo + " " + kTwo + " --format json --output " + out);
  EXPECT_EQ(written.exit_code, 0) << written.err;
  EXPECT_EQ(written.out, "");
  EXPECT_EQ(parse_json(slurp(out)).at("schema"), "gpuxfer.compare");
  std::remove(out.c_str());
}

TEST(CliCompare, BadInputIsOneLineAndExit2) {
  expect_input_error("compare " + kData + "malformed.json " + kTwo, "malformed.json");
  expect_input_error("compare " + kTwo + " " + kData + "malformed.json", "truncated");
  expect_input_error("compare " + kTwo + " " + kData + "newer-major.json", "2.0 is newer");
  expect_input_error("compare " + kTwo + " " + kData + "error-document.json", "error report");
  expect_input_error("compare " + kTwo + " /nonexistent/x.json", "/nonexistent/x.json");
  expect_input_error("compare " + kTwo + " " + kRuns + "h200x4-nvswitch-2026-11-26-81750e97/list.json",
                     "no benchmark records");
  expect_input_error("compare " + kTwo, "at least two reports");
  expect_input_error("compare", "at least two reports");
  expect_input_error("compare " + kTwo + " " + kTwo + " --tolerance 5", "--tolerance '5'");
  expect_input_error("compare " + kTwo + " " + kTwo + " --tolerance abc", "'abc'");
  expect_input_error("compare " + kTwo + " " + kTwo + " --tolerance=-5%", "negative");
  expect_input_error("compare " + kTwo + " " + kTwo + " --fail-on sometimes", "'sometimes'");
  expect_input_error("compare " + kTwo + " " + kTwo + " --bogus", "--bogus");
}

TEST(CliCompare, ErrorWithJsonFormatIsAnErrorDocument) {
  const auto r = run_gpuxfer("compare " + kTwo + " " + kData + "newer-major.json --format json");
  EXPECT_EQ(r.exit_code, 2);
  const auto doc = parse_json(r.out);
  EXPECT_EQ(doc.at("error").at("exit_code"), 2);
}

TEST(CliCompare, HelpShowsExamples) {
  const auto r = run_gpuxfer("compare --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  EXPECT_NE(r.out.find("--tolerance"), std::string::npos);
  EXPECT_NE(r.out.find("--fail-on"), std::string::npos);
}

TEST(CliCompare, FiltersNarrowAndAnEmptySelectionIsExit2) {
  const auto r = run_gpuxfer("compare " + kTwo + " " + kTwo + " --format json --suites host --sizes headline");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = parse_json(r.out);
  const auto& rows = doc.at("comparisons").at(0).at("rows");
  EXPECT_FALSE(rows.empty());
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("suite"), "host");
    EXPECT_TRUE(row.at("headline").get<bool>()) << row.dump();
  }
  const auto m = run_gpuxfer("compare " + kTwo + " " + kTwo + " --format json --methods h2d_pinned --sizes 4KiB");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const auto narrowed = parse_json(m.out);
  for (const auto& row : narrowed.at("comparisons").at(0).at("rows")) {
    EXPECT_EQ(row.at("method"), "h2d_pinned");
    EXPECT_EQ(row.at("bytes"), 4096);
  }
  expect_input_error("compare " + kTwo + " " + kTwo + " --suites gemm", "no record matches");
  expect_input_error("compare " + kTwo + " " + kTwo + " --suites bogus", "unknown suite 'bogus'");
  expect_input_error("compare " + kTwo + " " + kTwo + " --methods nope", "unknown method 'nope'");
  expect_input_error("compare " + kTwo + " " + kTwo + " --sizes 4Q", "--sizes");
  expect_input_error("compare " + kTwo + " " + kTwo + " --noise-model /nonexistent.json", "/nonexistent.json");
}
