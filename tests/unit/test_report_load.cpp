#include "core/report_load.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace gx;

namespace {
std::string results_file(const char* name) { return std::string(GPUXFER_TEST_DATA_DIR) + "/../../results/" + name; }
void expect_input_error(std::string_view text, const std::string& mention) {
  try {
    (void)parse_report(text, "f.json");
    FAIL() << "accepted: " << text.substr(0, 80);
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("f.json"), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(ReportLoad, RealResultsLoad) {
  const LoadedReport four = load_report(results_file("2026-11-26-h200x4-bench.json"));
  EXPECT_EQ(four.schema_major, 1);
  EXPECT_EQ(four.system.devices.size(), 4u);
  EXPECT_GT(four.records.size(), 300u);
  const LoadedReport list = load_report(results_file("2026-11-26-h200x4-list.json"));
  EXPECT_TRUE(list.records.empty());
}

TEST(ReportLoad, BadInputNamesFileAndProblem) {
  expect_input_error("", "truncated");
  expect_input_error("{\"schema\": \"gpuxfer.report\", ", "truncated");
  expect_input_error("{]", "malformed");
  expect_input_error("[]", "not a gpuxfer report");
  expect_input_error("{\"schema\": \"other\"}", "not a gpuxfer report");
  expect_input_error("{\"schema\": \"gpuxfer.report\"}", "schema_version");
  expect_input_error("{\"schema\": \"gpuxfer.report\", \"schema_version\": {\"major\": 2, \"minor\": 0}}", "2.0 is newer");
  expect_input_error("{\"schema\": \"gpuxfer.report\", \"schema_version\": {\"major\": 1, \"minor\": 0}, "
                     "\"error\": {\"message\": \"no GPU\"}}", "error report");
  expect_input_error("{\"schema\": \"gpuxfer.report\", \"schema_version\": {\"major\": 1, \"minor\": 7}, "
                     "\"tool\": {}, \"run\": {\"started_utc\": \"x\"}, \"system\": 3, \"records\": []}", "system");
  std::string deep(1000, '[');
  expect_input_error(deep, "nested deeper");
}

TEST(ReportLoad, NewerMinorIsAccepted) {
  std::string text = read_file_capped(results_file("2026-11-26-h200x4-list.json"));
  Json doc = Json::parse(text);
  doc["schema_version"]["minor"] = 99;
  doc["a_future_field"] = {{"x", 1}};
  const LoadedReport r = parse_report(doc.dump(), "future.json");
  EXPECT_EQ(r.schema_minor, 99);
}

TEST(ReportLoad, FileCaps) {
  EXPECT_THROW((void)read_file_capped("/nonexistent/r.json"), InputError);
  EXPECT_THROW((void)read_file_capped(results_file("2026-11-26-h200x4-list.json"), 100), InputError);
  EXPECT_THROW((void)read_file_capped("/tmp"), InputError);
}
