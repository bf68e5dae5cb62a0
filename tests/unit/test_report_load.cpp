#include "core/report_load.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "core/plan.hpp"

using namespace gx;

namespace {
std::string runs_file(const char* name) {
  return std::string(GPUXFER_TEST_DATA_DIR) + "/runs/" + name;
}
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
  const LoadedReport four = load_report(runs_file("h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json"));
  EXPECT_EQ(four.schema_major, 1);
  EXPECT_EQ(four.system.devices.size(), 4u);
  EXPECT_GT(four.records.size(), 300u);
  const LoadedReport list = load_report(runs_file("h200x4-nvswitch-2026-11-26-81750e97/list.json"));
  EXPECT_TRUE(list.records.empty());
}

TEST(ReportLoad, BadInputNamesFileAndProblem) {
  expect_input_error("", "truncated");
  expect_input_error("{\"schema\": \"gpuxfer.report\", ", "truncated");
  expect_input_error("{]", "malformed");
  expect_input_error("[]", "not a gpuxfer report");
  expect_input_error("{\"schema\": \"other\"}", "not a gpuxfer report");
  expect_input_error("{\"schema\": \"gpuxfer.report\"}", "schema_version");
  expect_input_error("{\"schema\": \"gpuxfer.report\", \"schema_version\": {\"major\": 2, \"minor\": 0}}",
                     "2.0 is newer");
  expect_input_error(
      "{\"schema\": \"gpuxfer.report\", \"schema_version\": {\"major\": 1, \"minor\": 0}, "
      "\"error\": {\"message\": \"no GPU\"}}",
      "error report");
  expect_input_error(
      "{\"schema\": \"gpuxfer.report\", \"schema_version\": {\"major\": 1, \"minor\": 7}, "
      "\"tool\": {}, \"run\": {\"started_utc\": \"x\"}, \"system\": 3, \"records\": []}",
      "system");
  std::string deep(1000, '[');
  expect_input_error(deep, "nested deeper");
}

TEST(ReportLoad, NewerMinorIsAccepted) {
  std::string text = read_file_capped(runs_file("h200x4-nvswitch-2026-11-26-81750e97/list.json"));
  Json doc = Json::parse(text);
  doc["schema_version"]["minor"] = 99;
  doc["a_future_field"] = {{"x", 1}};
  const LoadedReport r = parse_report(doc.dump(), "future.json");
  EXPECT_EQ(r.schema_minor, 99);
}

TEST(ReportLoad, FileCaps) {
  EXPECT_THROW((void)read_file_capped("/nonexistent/r.json"), InputError);
  EXPECT_THROW((void)read_file_capped(runs_file("h200x4-nvswitch-2026-11-26-81750e97/list.json"), 100), InputError);
  EXPECT_THROW((void)read_file_capped("/tmp"), InputError);
}

// Every valid schema fixture, old minors included, still loads; the 1.2 compute fixture keeps
// its compute fields through the reader and writer.
TEST(ReportLoad, EveryValidFixtureLoadsAndComputeFieldsSurvive) {
  const std::string dir = std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/";
  for (const char* name : {"v1.0-bench.json", "v1.0-bench-ended-early.json", "v1.1-bench.json", "v1.2-bench.json",
                           "v1.3-bench-merged.json", "v1.4-bench-merged-cross-rank.json", "v1.5-bench-all-pairs.json",
                           "v1.0-list-1gpu.json", "v1.0-list-2gpu.json", "v1.0-list-unknowns.json"}) {
    SCOPED_TRACE(name);
    EXPECT_NO_THROW((void)load_report(dir + name));
  }
  const LoadedReport compute = load_report(dir + "v1.2-bench.json");
  EXPECT_EQ(compute.schema_minor, 2);
  ASSERT_EQ(compute.records.size(), 8u);
  const Record& gemm = compute.records[3];
  EXPECT_EQ(gemm.test.method, Method::gemm_bf16);
  EXPECT_EQ(gemm.test.gemm_n, 10000u);
  EXPECT_DOUBLE_EQ(gemm.flops_per_op, 2e12);
  ASSERT_TRUE(gemm.accuracy.has_value());
  EXPECT_LE(gemm.accuracy->max_error, gemm.accuracy->bound);
  EXPECT_TRUE(gemm.test.theoretical_flops_per_s.has_value());
  EXPECT_NE(gemm.implementation.find("cu"), std::string::npos) << gemm.implementation;
  ASSERT_TRUE(median_flop_rate(gemm).has_value());
  EXPECT_GT(*median_flop_rate(gemm), 500e12);
  const Record& all = compute.records[4];
  EXPECT_EQ(all.test.devices.size(), 4u);
  ASSERT_EQ(all.directions.size(), 4u);
  EXPECT_GT(all.directions[0].median_flops_per_s, 500e12);
  const Record& overlap = compute.records[5];
  EXPECT_EQ(overlap.test.method, Method::copy_gemm);
  ASSERT_TRUE(overlap.overlap.has_value());
  ASSERT_TRUE(overlap_efficiency(*overlap.overlap).has_value());
  EXPECT_GT(*overlap_efficiency(*overlap.overlap), 0.5);
  EXPECT_EQ(compute.records[7].status, Status::skipped);
}

// A merged multi-rank document (1.3) reads as an ordinary report with global GPU ids.
TEST(ReportLoad, MergedMultiRankDocumentLoads) {
  const LoadedReport merged = load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.3-bench-merged.json");
  EXPECT_EQ(merged.schema_minor, 3);
  EXPECT_EQ(merged.system.devices.size(), 4u);
  EXPECT_EQ(merged.system.devices[3].index, 3);
  EXPECT_EQ(merged.records.size(), 16u);
}

// All-pairs methods (1.5): the three ways of sending every GPU's tensor to every other read
// back with their GPUs, per-direction rates (per pair, or per source for the shift schedule)
// and the theoretical rate of all the links.
TEST(ReportLoad, AllPairsMethodsLoad) {
  const LoadedReport doc = load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.5-bench-all-pairs.json");
  EXPECT_EQ(doc.schema_minor, 5);
  ASSERT_EQ(doc.records.size(), 3u);
  std::vector<Method> methods;
  for (const Record& r : doc.records) {
    methods.push_back(r.test.method);
    EXPECT_EQ(r.status, Status::ok);
    EXPECT_TRUE(r.verified);
    EXPECT_EQ(r.test.devices, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_DOUBLE_EQ(r.bytes_per_op, 12.0 * 400e6);
  }
  EXPECT_EQ(methods, (std::vector<Method>{Method::all_pairs_ce, Method::all_pairs_sm, Method::all_pairs_shift_ce}));
  EXPECT_EQ(doc.records[1].directions.size(), 12u);  // one stream per pair
  ASSERT_EQ(doc.records[2].directions.size(), 4u);   // one stream per source GPU
  EXPECT_EQ(doc.records[2].directions[0].name, "0->1+0->2+0->3");
}

// Transfers between ranks (1.4): the methods only multi-rank runs measure read back with their
// global endpoints, the NCCL bidirectional record counts both directions, and the same-host
// pairs of the node inventory survive the merge.
TEST(ReportLoad, CrossRankDocumentLoads) {
  const LoadedReport doc =
      load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.4-bench-merged-cross-rank.json");
  EXPECT_EQ(doc.schema_minor, 4);
  EXPECT_EQ(doc.system.devices.size(), 4u);
  EXPECT_EQ(doc.system.pairs.size(), 12u);
  ASSERT_EQ(doc.records.size(), 4u);
  std::vector<Method> methods;
  for (const Record& r : doc.records) {
    methods.push_back(r.test.method);
    EXPECT_EQ(r.status, Status::ok);
    EXPECT_TRUE(r.verified);
    EXPECT_FALSE(r.src_rank.has_value());  // the merge resolved them into global ids
    EXPECT_NE(r.test.src, r.test.dst);
    EXPECT_EQ(r.test.link_class, "NV18");
  }
  EXPECT_EQ(methods, (std::vector<Method>{Method::ce_write, Method::sm_push, Method::nccl_send, Method::nccl_bidir}));
  const Record& bidir = doc.records[3];
  EXPECT_DOUBLE_EQ(bidir.bytes_per_op, 2.0 * static_cast<double>(bidir.test.bytes));
  EXPECT_TRUE(is_bidir(bidir.test.method));
}

// 1.0 documents had no `tuning` key: the loader marks their pipelined tuning grid (several
// settings at one pair and size, outside the headline matrix), so every reader asks
// is_tuning_case. From 1.1 on the key is the only source.
TEST(ReportLoad, TuningGridOfA10DocumentIsMarkedOnLoad) {
  std::ifstream in(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.0-bench.json");
  Json doc = Json::parse(in);
  Json* grid = nullptr;
  for (auto& r : doc["records"]) {
    if (r["method"] == "pipelined") grid = &r;
  }
  ASSERT_NE(grid, nullptr);
  Json other = *grid;
  other["chunk_bytes"] = 4 * 1048576;
  other["ring_depth"] = 4;
  doc["records"].push_back(other);
  const auto count_tuning = [](const LoadedReport& rep) {
    int n = 0;
    for (const auto& r : rep.records) n += is_tuning_case(r.test) ? 1 : 0;
    return n;
  };
  EXPECT_EQ(count_tuning(parse_report(doc.dump(), "v1.0.json")), 2);
  doc["records"].erase(doc["records"].size() - 1);
  EXPECT_EQ(count_tuning(parse_report(doc.dump(), "v1.0.json")), 0) << "one setting is not a grid";
  doc["records"].push_back(other);
  doc["schema_version"]["minor"] = 1;
  EXPECT_EQ(count_tuning(parse_report(doc.dump(), "v1.1.json")), 0) << "1.1+: only the tuning key says so";
}
