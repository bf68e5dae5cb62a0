// Telemetry through the real binary on fixture files (tests/data/make_telemetry_fixtures.py):
// check's throttling and gemm_clock rules (pass / warn / unknown) and the note on a rate
// finding that throttling explains; compare's clock/power/reason change on a slower key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"

using gx::test::run_gpuxfer;

namespace {

std::string data_file(const std::string& name) {
  return std::string(GPUXFER_TEST_DATA_DIR) + "/check/" + name;
}
const std::string kCalm = data_file("telemetry-calm.json");
const std::string kThrottled = data_file("telemetry-throttled.json");

std::vector<nlohmann::json> findings_of(const std::string& out, const std::string& rule) {
  std::vector<nlohmann::json> found;
  const auto doc = nlohmann::json::parse(out);  // kept: a range over a temporary's member would dangle
  for (const auto& f : doc["findings"]) {
    if (f["rule"] == rule) found.push_back(f);
  }
  return found;
}

const nlohmann::json* about_gpu(const std::vector<nlohmann::json>& findings, int gpu) {
  for (const auto& f : findings) {
    if (f["gpu"] == gpu) return &f;
  }
  return nullptr;
}

}  // namespace

TEST(CliTelemetry, CalmRunPassesThrottlingAndGemmClock) {
  const auto r = run_gpuxfer("check " + kCalm + " --format json");
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto throttling = findings_of(r.out, "throttling");
  ASSERT_EQ(throttling.size(), 4u) << r.out;
  for (const auto& f : throttling) EXPECT_EQ(f["verdict"], "PASS") << f.dump();
  const auto clock = findings_of(r.out, "gemm_clock");
  ASSERT_EQ(clock.size(), 4u);
  for (const auto& f : clock) {
    EXPECT_EQ(f["verdict"], "PASS") << f.dump();
    EXPECT_EQ(f["measured"]["text"], "1980 MHz") << f.dump();
  }
}

TEST(CliTelemetry, ThrottledGpuWarnsAndItsLowRateSaysWhy) {
  const auto r = run_gpuxfer("check " + kThrottled + " --format json");
  // GPU 2's GEMM is 25 % below the others: compute_outlier FAILs (exit 1).
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  const auto throttling = findings_of(r.out, "throttling");
  ASSERT_EQ(throttling.size(), 4u) << r.out;
  const auto* hot = about_gpu(throttling, 2);
  ASSERT_NE(hot, nullptr);
  EXPECT_EQ((*hot)["verdict"], "WARN");
  EXPECT_EQ((*hot)["measured"]["text"], "HW thermal 25 %") << hot->dump();
  const auto* blind = about_gpu(throttling, 3);
  ASSERT_NE(blind, nullptr);
  EXPECT_EQ((*blind)["verdict"], "WARN");
  EXPECT_NE((*blind)["note"].get<std::string>().find("NVML: Not Supported"), std::string::npos) << blind->dump();
  EXPECT_EQ((*about_gpu(throttling, 0))["verdict"], "PASS");

  const auto clock = findings_of(r.out, "gemm_clock");
  ASSERT_EQ(clock.size(), 4u);
  EXPECT_EQ((*about_gpu(clock, 2))["verdict"], "WARN");
  EXPECT_EQ((*about_gpu(clock, 2))["measured"]["text"], "1500 MHz");
  EXPECT_EQ((*about_gpu(clock, 1))["verdict"], "PASS");

  const auto outlier = findings_of(r.out, "compute_outlier");
  const auto* slow = about_gpu(outlier, 2);
  ASSERT_NE(slow, nullptr);
  EXPECT_EQ((*slow)["verdict"], "FAIL");
  EXPECT_NE((*slow)["note"].get<std::string>().find("ran throttled: 1500 MHz · HW thermal 25 %"), std::string::npos)
      << slow->dump();
  // A passing GPU's finding gets no such note.
  EXPECT_EQ((*about_gpu(outlier, 0))["note"].get<std::string>().find("throttled"), std::string::npos);
}

TEST(CliTelemetry, ResultWithoutTelemetryAddsNoTelemetryFinding) {
  const std::string old =
      std::string(GPUXFER_TEST_DATA_DIR) + "/runs/h200x4-nvswitch-2026-11-27-1398c7f4/bench-compute.json";
  const auto r = run_gpuxfer("check " + old + " --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(findings_of(r.out, "throttling").empty());
  EXPECT_TRUE(findings_of(r.out, "gemm_clock").empty());
}

TEST(CliTelemetry, CompareExplainsASlowerKeyByClocksAndReasons) {
  const auto r = run_gpuxfer("compare " + kCalm + " " + kThrottled + " --format json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["schema_version"]["minor"], 1);
  int slower = 0;
  for (const auto& row : doc["comparisons"][0]["rows"]) {
    if (row["verdict"] != "slower") {
      EXPECT_FALSE(row.contains("telemetry_change")) << row.dump();
      continue;
    }
    ++slower;
    ASSERT_TRUE(row.contains("telemetry_change")) << row.dump();
    EXPECT_EQ(row["telemetry_change"],
              "NEW: SM 1500 MHz vs 1980, HW slowdown 24 % of the time vs 0 %, HW thermal 25 % of the time vs 0 %");
    EXPECT_EQ(row["new"]["telemetry"]["sm_clock_mhz"], 1500.0);
    EXPECT_EQ(row["base"]["telemetry"]["sm_clock_mhz"], 1980.0);
  }
  EXPECT_EQ(slower, 1) << r.out;

  const auto text = run_gpuxfer("compare " + kCalm + " " + kThrottled, "NO_COLOR=1");
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("slower †"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("NEW: SM 1500 MHz vs 1980"), std::string::npos) << text.out;
}
