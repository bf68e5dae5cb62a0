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

const std::string kResults = std::string(GPUXFER_TEST_DATA_DIR) + "/../../results/";
const std::string kX4 = kResults + "2026-11-26-h200x4-bench.json";
const std::string kX2 = kResults + "2026-11-26-h200x2-bench.json";

std::string temp_path(const std::string& name) {
  return "/tmp/gpuxfer_cli_report_" + std::to_string(::getpid()) + "_" + name;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

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
  EXPECT_NE(r.out.find("peer ce_write, 400 MB, GB/s"), std::string::npos);
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
  EXPECT_NE(html.find("2026-11-26-h200x2-bench.json \u00b7 vm \u00b7 2\u00d7 NVIDIA H200"), std::string::npos);
  EXPECT_NE(html.find("stroke-dasharray"), std::string::npos) << "the second file is dashed";
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
  expect_input_error("report " + kX4 + " --format csv", "HTML");
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
