// gpuxfer report: HTML from real results, -o writes the file, bad input is exit 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using gx::test::count_lines;
using gx::test::run_gpuxfer;
using gx::test::slurp;

namespace {

const std::string kRuns = std::string(GPUXFER_TEST_DATA_DIR) + "/runs/";
const std::string kX4 = kRuns + "h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json";
const std::string kX2 = kRuns + "h200x2-nvswitch-2026-11-26-b1ce9020/bench.json";

std::string temp_path(const std::string& name) {
  return "/tmp/gpuxfer_cli_report_" + std::to_string(::getpid()) + "_" + name;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

void expect_html(const std::string& html) {
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u) << html.substr(0, 200);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

void expect_input_error(const std::string& args, const std::string& mention) {
  SCOPED_TRACE(args);
  const auto r = run_gpuxfer(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "") << "no partial HTML on stdout";
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(mention), std::string::npos) << r.err;
}

}  // namespace

TEST(CliReport, RealResultToStdout) {
  const auto r = run_gpuxfer("report " + kX4);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_html(r.out);
  EXPECT_NE(r.out.find("4\u00d7 NVIDIA H200"), std::string::npos);
  EXPECT_NE(r.out.find("peer ce_write, 381 MiB, GB/s"), std::string::npos);
  EXPECT_EQ(r.out.find(" kB<"), std::string::npos) << "one size notation on the page: binary units";
  EXPECT_NE(r.out.find("id=\"time\""), std::string::npos) << "time per operation vs size";
  EXPECT_EQ(r.out.find("id=\"ratios\""), std::string::npos) << "one file: no ratio view";
  EXPECT_NE(r.out.find("fill-opacity=\"0.18\""), std::string::npos) << "interquartile bands";
  EXPECT_EQ(r.err, "") << "nothing on stderr when writing to stdout";
}

TEST(CliReport, OutputFileIsWrittenAndOverlaysBothFiles) {
  const std::string path = temp_path("overlay.html");
  std::remove(path.c_str());
  const auto r = run_gpuxfer("report " + kX4 + " " + kX2 + " -o " + path + " --title 'x4 <vs> x2'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "") << "the HTML goes to the file";
  const std::string html = slurp(path);
  expect_html(html);
  EXPECT_NE(html.find("<title>x4 &lt;vs&gt; x2</title>"), std::string::npos);
  EXPECT_NE(html.find("bench.json \u00b7 vm \u00b7 2\u00d7 NVIDIA H200"), std::string::npos);
  EXPECT_NE(html.find("stroke-dasharray"), std::string::npos) << "the second file is dashed";
  EXPECT_NE(html.find("id=\"ratios\""), std::string::npos) << "two files: the ratio view";
  EXPECT_NE(html.find("speed relative to the first file"), std::string::npos);
  std::remove(path.c_str());
}

TEST(CliReport, OptionsMayComeFirst) {
  const std::string path = temp_path("first.html");
  const auto r = run_gpuxfer("--quiet --output " + path + " report " + kX2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  expect_html(slurp(path));
  std::remove(path.c_str());
}

TEST(CliReport, HostileStringsAreEscaped) {
  auto doc = nlohmann::ordered_json::parse(slurp(kX2));
  doc["run"]["hostname"] = "<script>alert(1)</script>";
  doc["system"]["hostname"] = "<script>alert(2)</script>";
  doc["system"]["gpus"][0]["name"] = "H200 <img src=x onerror=alert(3)>";
  doc["run"]["argv"].push_back("--sizes='<b>'");
  doc["check"] = {{"verdict", "FAIL"}, {"rows", {{{"rule", "<i>min</i>"}, {"result", "FAIL"}}}}};
  const std::string input = temp_path("hostile.json");
  write(input, doc.dump());
  const auto r = run_gpuxfer("report " + input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_html(r.out);
  EXPECT_EQ(r.out.find("<img"), std::string::npos);
  EXPECT_EQ(r.out.find("<b>"), std::string::npos);
  EXPECT_EQ(r.out.find("<i>"), std::string::npos);
  EXPECT_NE(r.out.find("&lt;script&gt;alert(2)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(r.out.find("H200 &lt;img src=x onerror=alert(3)&gt;"), std::string::npos);
  EXPECT_NE(r.out.find("Check findings"), std::string::npos) << "a check object is rendered";
  EXPECT_NE(r.out.find("&lt;i&gt;min&lt;/i&gt;"), std::string::npos);
  std::remove(input.c_str());
}

TEST(CliReport, MalformedInputIsExit2) {
  const std::string truncated = temp_path("truncated.json");
  write(truncated, slurp(kX2).substr(0, 5000));
  expect_input_error("report " + truncated, "truncated");
  const std::string other = temp_path("other.json");
  write(other, "{\"schema\": \"something.else\"}");
  expect_input_error("report " + other, "not a gpuxfer report");
  const std::string garbage = temp_path("garbage.json");
  write(garbage, "<html>not json</html>");
  expect_input_error("report " + garbage, "malformed JSON");
  expect_input_error("report " + kX4 + " " + garbage, "garbage.json");
  std::remove(truncated.c_str());
  std::remove(other.c_str());
  std::remove(garbage.c_str());
}

TEST(CliReport, MissingFileIsExit2) {
  expect_input_error("report", "results");
  expect_input_error("report /nonexistent/result.json", "/nonexistent/result.json");
  expect_input_error("report " + kX4 + " --output /nonexistent-dir/r.html", "/nonexistent-dir");
  expect_input_error("report " + kX4 + " --format json", "HTML");
}

TEST(CliReport, NoFileIsLeftOnFailure) {
  const std::string path = temp_path("never.html");
  std::remove(path.c_str());
  const auto r = run_gpuxfer("report /nonexistent/result.json -o " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(CliReport, HelpShowsExamples) {
  const auto r = run_gpuxfer("report --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  EXPECT_NE(r.out.find("RESULT.json"), std::string::npos);
}

// A fleet document is drawn as a node x metric heatmap: one row per node, one column per metric,
// an outlier cell framed, its finding listed with its telemetry, unreadable files named.
TEST(CliReport, FleetDocumentIsAHeatmap) {
  std::ifstream in(kRuns + "fleet-h200x1-2026-12-03/fleet.json");
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(in);
  const std::size_t nodes = doc["nodes"].size();
  const std::size_t metrics = doc["groups"][0]["metrics"].size();
  ASSERT_GE(nodes, 3u);
  // Make the first node's GEMM cell an outlier with a finding, and one file unreadable.
  auto& node = doc["nodes"][0];
  node["verdict"] = "outlier";
  for (auto& cell : node["metrics"]) {
    if (cell["metric"] == "gemm.gemm_bf16") {
      cell["deviation"] = -0.12;
      cell["verdict"] = "outlier";
    }
  }
  node["findings"].push_back({{"metric", "gemm.gemm_bf16"},
                              {"entity", "GPU0"},
                              {"gpu", 0},
                              {"uuid", nullptr},
                              {"status", "ok"},
                              {"reason", nullptr},
                              {"value", 6.5e14},
                              {"deviation", -0.12},
                              {"z", -9.0},
                              {"cv", 0.01},
                              {"noisy", false},
                              {"verdict", "outlier"},
                              {"telemetry", "SM 1500 MHz, SW power cap 88 %"}});
  doc["unreadable"].push_back({{"path", "node-x.json"}, {"reason", "truncated <JSON>"}});
  const std::string path = temp_path("fleet.json");
  std::ofstream(path) << doc.dump();
  const auto r = run_gpuxfer("report " + path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(r.out.find("</html>"), std::string::npos);
  std::size_t findings = 0;
  for (const auto& n : doc["nodes"]) findings += n["findings"].size();
  std::size_t rows = 0;
  for (auto at = r.out.find("<tr><td class=\"h\">h200-node"); at != std::string::npos;
       at = r.out.find("<tr><td class=\"h\">h200-node", at + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, nodes + findings) << "one heatmap row per node, one row per finding";
  std::size_t cells = 0;
  for (auto at = r.out.find("<td style=\""); at != std::string::npos; at = r.out.find("<td style=\"", at + 1)) ++cells;
  EXPECT_EQ(cells, nodes * metrics);
  EXPECT_NE(r.out.find("outline:2px solid #b00\" title=\"GPU0 outlier\">-12.0 %"), std::string::npos);
  EXPECT_NE(r.out.find("SM 1500 MHz, SW power cap 88 %"), std::string::npos);
  EXPECT_NE(r.out.find("node-x.json: truncated &lt;JSON&gt;"), std::string::npos);
  std::remove(path.c_str());
}

TEST(CliReport, FleetDocumentBesideAReportOrBrokenIsRefused) {
  const std::string fleet = kRuns + "fleet-h200x1-2026-12-03/fleet.json";
  auto r = run_gpuxfer("report " + fleet + " " + kX2);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is a fleet document; report draws it on its own"), std::string::npos) << r.err;
  const std::string path = temp_path("broken-fleet.json");
  std::ofstream(path) << R"({"schema":"gpuxfer.fleet","schema_version":{"major":1,"minor":0}})";
  r = run_gpuxfer("report " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a gpuxfer.fleet 1.x document"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  std::remove(path.c_str());
}
