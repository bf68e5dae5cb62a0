// The report's health section: written, read back, and absent from older documents.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/health_json.hpp"
#include "core/report_load.hpp"

namespace gx {
namespace {

GpuHealth sample() {
  HealthSnapshot s;
  s.read_utc = "2026-11-26T21:40:00.000Z";
  s.ecc_mode = true;
  s.ecc.volatile_total = EccCounts{std::uint64_t{3}, std::uint64_t{1}};
  s.ecc.aggregate_sram = EccCounts{Count::unknown("NVML: Not Supported"), std::uint64_t{0}};
  s.remapped_rows.corrected = std::uint64_t{2};
  s.remapped_rows.pending = true;
  s.remapped_rows.histogram_max = std::uint64_t{640};
  s.nvlink = std::vector<NvlinkErrorCounters>{
      {0, std::uint64_t{5}, std::uint64_t{0}, std::uint64_t{7}, Count::unknown("NVML: Not Supported")}};
  s.pcie_replay = std::uint64_t{9};
  s.power_limit_w = 650.0;
  s.recovery_action = 0;
  s.vbios_version = std::string("96.00.AF.00.01");
  GpuHealth g;
  g.index = 2;
  g.uuid = "GPU-abc";
  g.pci_bus_id = "0000:18:00.0";
  g.name = "NVIDIA H200";
  g.before = s;
  s.read_utc = "2026-11-26T21:41:00.000Z";
  s.pcie_replay = std::uint64_t{11};
  g.after = s;
  g.xid_events = std::vector<XidEvent>{{79, "2026-11-26T21:40:30.000Z"}};
  return g;
}

TEST(HealthJson, RoundTrips) {
  const GpuHealth g = sample();
  const Json j = health_to_json({g});
  const auto back = health_from_json(j);
  ASSERT_EQ(back.size(), 1u);
  const GpuHealth& b = back[0];
  EXPECT_EQ(b.index, 2);
  EXPECT_EQ(b.uuid, "GPU-abc");
  ASSERT_TRUE(b.before && b.after);
  EXPECT_EQ(b.before->ecc.volatile_total.uncorrected, g.before->ecc.volatile_total.uncorrected);
  EXPECT_EQ(b.before->ecc.aggregate_sram.corrected.reason, "NVML: Not Supported");
  EXPECT_EQ(b.after->pcie_replay, Count(std::uint64_t{11}));
  EXPECT_EQ(b.before->remapped_rows.pending, Known<bool>(true));
  EXPECT_EQ(b.before->remapped_rows.histogram_max, Count(std::uint64_t{640}));
  EXPECT_EQ(b.before->nvlink, g.before->nvlink);
  EXPECT_EQ(b.before->power_limit_w, Known<double>(650.0));
  EXPECT_EQ(b.before->persistence_mode.reason, "not queried");  // the writer kept the reason
  EXPECT_EQ(b.xid_events, g.xid_events);
  EXPECT_EQ(j["gpus"][0]["xid_events"][0]["meaning"], "GPU has fallen off the bus");
  EXPECT_EQ(j["gpus"][0]["before"]["unknown"]["persistence_mode"], "not queried");
  // Nested objects carry their own reasons.
  EXPECT_EQ(j["gpus"][0]["before"]["retired_pages"]["unknown"]["pending"], "not queried");
  EXPECT_EQ(j["gpus"][0]["before"]["remapped_rows"]["unknown"]["failure"], "not queried");
  EXPECT_EQ(j["gpus"][0]["before"]["nvlink"][0]["unknown"]["crc_data"], "NVML: Not Supported");
  EXPECT_EQ(j["gpus"][0]["before"]["ecc"]["aggregate_sram"]["unknown"]["corrected"], "NVML: Not Supported");
}

TEST(HealthJson, UnwatchedXidsAreNullWithTheReason) {
  GpuHealth g = sample();
  g.xid_events = Known<std::vector<XidEvent>>::unknown("NVML: Not Supported");
  const Json j = health_to_json({g});
  EXPECT_TRUE(j["gpus"][0]["xid_events"].is_null());
  EXPECT_EQ(j["gpus"][0]["unknown"]["xid_events"], "NVML: Not Supported");
  EXPECT_EQ(health_from_json(j)[0].xid_events.reason, "NVML: Not Supported");
}

TEST(HealthJson, ListSnapshotHasNoAfterAndNoEvents) {
  GpuHealth g = sample();
  g.after.reset();
  g.index.reset();
  const Json j = health_to_json({g});
  EXPECT_TRUE(j["gpus"][0]["index"].is_null());
  EXPECT_FALSE(j["gpus"][0].contains("after"));
  EXPECT_FALSE(j["gpus"][0].contains("xid_events"));
}

TEST(HealthJson, BadValuesAreInputErrorsNamingThePath) {
  Json j = health_to_json({sample()});
  j["gpus"][0]["after"]["pcie_replay"] = -3;
  try {
    (void)health_from_json(j);
    FAIL() << "accepted a negative counter";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("gpus[0].after.pcie_replay"), std::string::npos) << e.what();
  }
  j = health_to_json({sample()});
  j["gpus"][0]["before"]["remapped_rows"]["pending"] = "yes";
  EXPECT_THROW((void)health_from_json(j), InputError);
}

TEST(HealthJson, ReportsLoadWithAndWithoutHealth) {
  const auto old = load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.0-bench.json");
  EXPECT_TRUE(old.system.health.empty());
  const auto now = load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.6-bench-health.json");
  EXPECT_EQ(now.schema_minor, 6);
  ASSERT_EQ(now.system.health.size(), 2u);
  EXPECT_EQ(now.system.health[0].index, 0);
  ASSERT_TRUE(now.system.health[1].after.has_value());
  EXPECT_FALSE(now.system.health[1].xid_events.has_value());
}

TEST(HealthJson, MakeReportWritesTheSectionBeforeRecords) {
  SystemInfo system;
  system.health = {sample()};
  const Json doc = make_report(RunInfo{}, system);
  ASSERT_TRUE(doc.contains("health"));
  EXPECT_EQ(doc["schema_version"]["minor"], kReportSchemaMinor);  // 1.6 or later
  std::vector<std::string> keys;
  for (auto it = doc.begin(); it != doc.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys.back(), "records");
  EXPECT_EQ(keys[keys.size() - 2], "health");
  EXPECT_FALSE(make_report(RunInfo{}, SystemInfo{}).contains("health"));
}

}  // namespace
}  // namespace gx
