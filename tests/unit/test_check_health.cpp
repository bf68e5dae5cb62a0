// check_health: every rule's PASS, WARN, FAIL and INFO (unknown) on hand-made snapshots.
#include <gtest/gtest.h>

#include <string>

#include "core/check.hpp"
#include "core/check_health.hpp"

namespace gx {
namespace {

HealthSnapshot healthy(const std::string& when) {
  HealthSnapshot s;
  s.read_utc = when;
  s.ecc_mode = true;
  for (EccCounts* e : {&s.ecc.volatile_total, &s.ecc.aggregate_total, &s.ecc.volatile_sram, &s.ecc.aggregate_sram,
                       &s.ecc.volatile_dram, &s.ecc.aggregate_dram}) {
    e->corrected = std::uint64_t{0};
    e->uncorrected = std::uint64_t{0};
  }
  s.remapped_rows.corrected = s.remapped_rows.uncorrected = std::uint64_t{0};
  s.remapped_rows.pending = false;
  s.remapped_rows.failure = false;
  s.retired_pages.single_bit = s.retired_pages.double_bit = Count::unknown("NVML: Not Supported");
  s.retired_pages.pending = Known<bool>::unknown("NVML: Not Supported");
  std::vector<NvlinkErrorCounters> links(2);
  for (int i = 0; i < 2; ++i) {
    links[i].link = i;
    links[i].replay = links[i].recovery = links[i].crc_flit = links[i].crc_data = std::uint64_t{0};
  }
  s.nvlink = links;
  s.pcie_replay = std::uint64_t{0};
  s.persistence_mode = true;
  s.power_limit_w = 700.0;
  s.default_power_limit_w = 700.0;
  s.app_sm_clock_hz = s.max_sm_clock_hz = 1980e6;
  s.app_memory_clock_hz = s.max_memory_clock_hz = 3201e6;
  s.mig_mode = s.mig_mode_pending = false;
  s.recovery_action = 0;
  s.vbios_version = std::string("96.00.AF.00.01");
  s.inforom_image_version = std::string("G520.0221.00.05");
  return s;
}

GpuHealth run(const HealthSnapshot& before, const HealthSnapshot& after) {
  GpuHealth g;
  g.index = 0;
  g.uuid = "GPU-x";
  g.pci_bus_id = "0000:18:00.0";
  g.name = "NVIDIA H200";
  g.before = before;
  g.after = after;
  g.xid_events = std::vector<XidEvent>{};
  return g;
}

const Finding& finding(const std::vector<Finding>& findings, const std::string& rule) {
  for (const auto& f : findings) {
    if (f.rule == rule) return f;
  }
  static Finding none;
  ADD_FAILURE() << "no finding for " << rule;
  return none;
}

CheckVerdict verdict(const GpuHealth& g, const std::string& rule) {
  return finding(check_health({g}, HealthCheckSettings{}), rule).verdict;
}

const char* kT0 = "2026-11-26T21:40:00.000Z";
const char* kT1 = "2026-11-26T21:41:00.000Z";  // one minute later

TEST(CheckHealth, AHealthyRunPassesEveryRuleButTheUnknownOne) {
  const auto findings = check_health({run(healthy(kT0), healthy(kT1))}, HealthCheckSettings{});
  EXPECT_EQ(findings.size(), 11u);
  for (const auto& f : findings) {
    EXPECT_TRUE(is_health_rule(f.rule)) << f.rule;
    EXPECT_EQ(f.gpu, 0);
    EXPECT_EQ(f.subject, "GPU 0");
    if (f.rule == "retired_pages_pending") {
      EXPECT_EQ(f.verdict, CheckVerdict::info) << "unknown is said, not passed";
      EXPECT_NE(f.note.find("Not Supported"), std::string::npos) << f.note;
    } else {
      EXPECT_EQ(f.verdict, CheckVerdict::pass) << f.rule << ": " << f.note;
    }
  }
}

TEST(CheckHealth, RemapPendingAndFailureFailWithTheResetCommand) {
  HealthSnapshot after = healthy(kT1);
  after.remapped_rows.pending = true;
  const auto findings = check_health({run(healthy(kT0), after)}, HealthCheckSettings{});
  const Finding& f = finding(findings, "remap_pending");
  EXPECT_EQ(f.verdict, CheckVerdict::fail);
  EXPECT_NE(f.note.find("remap pending: reset the GPU before use — nvidia-smi -r -i 0000:18:00.0"), std::string::npos)
      << f.note;
  EXPECT_EQ(finding(findings, "remap_failure").verdict, CheckVerdict::pass);
  after.remapped_rows.failure = true;
  EXPECT_EQ(verdict(run(healthy(kT0), after), "remap_failure"), CheckVerdict::fail);
  after.remapped_rows.failure = Known<bool>::unknown("NVML: Insufficient Permissions");
  EXPECT_EQ(verdict(run(healthy(kT0), after), "remap_failure"), CheckVerdict::info);
}

TEST(CheckHealth, RetiredPagesPendingFails) {
  HealthSnapshot after = healthy(kT1);
  after.retired_pages.pending = true;
  EXPECT_EQ(verdict(run(healthy(kT0), after), "retired_pages_pending"), CheckVerdict::fail);
  after.retired_pages.pending = false;
  EXPECT_EQ(verdict(run(healthy(kT0), after), "retired_pages_pending"), CheckVerdict::pass);
}

TEST(CheckHealth, UncorrectedEccGrowthFailsCorrectedDoesNot) {
  HealthSnapshot before = healthy(kT0), after = healthy(kT1);
  before.ecc.volatile_total.uncorrected = std::uint64_t{4};  // errors before the run are not the run's
  after.ecc.volatile_total.uncorrected = std::uint64_t{4};
  after.ecc.volatile_total.corrected = std::uint64_t{100};
  EXPECT_EQ(verdict(run(before, after), "ecc_uncorrected"), CheckVerdict::pass);
  after.ecc.volatile_total.uncorrected = std::uint64_t{6};
  const auto findings = check_health({run(before, after)}, HealthCheckSettings{});
  EXPECT_EQ(finding(findings, "ecc_uncorrected").verdict, CheckVerdict::fail);
  EXPECT_EQ(finding(findings, "ecc_uncorrected").measured, "2");
  // Volatile unknown: the aggregate counter judges.
  before.ecc.volatile_total.uncorrected = after.ecc.volatile_total.uncorrected = Count::unknown("NVML: Not Supported");
  before.ecc.aggregate_total.uncorrected = std::uint64_t{1};
  after.ecc.aggregate_total.uncorrected = std::uint64_t{1};
  EXPECT_EQ(verdict(run(before, after), "ecc_uncorrected"), CheckVerdict::pass);
  after.ecc.aggregate_total.uncorrected = Count::unknown("NVML: Not Supported");
  EXPECT_EQ(verdict(run(before, after), "ecc_uncorrected"), CheckVerdict::info);
}

TEST(CheckHealth, OneSnapshotLeavesTheRunRulesUnjudged) {
  GpuHealth g = run(healthy(kT0), healthy(kT1));
  g.after.reset();
  g.xid_events = Known<std::vector<XidEvent>>::unknown("not recorded");
  const auto findings = check_health({g}, HealthCheckSettings{});
  for (const char* rule : {"ecc_uncorrected", "xid_critical", "nvlink_errors", "pcie_replay"}) {
    EXPECT_EQ(finding(findings, rule).verdict, CheckVerdict::info) << rule;
  }
  EXPECT_EQ(finding(findings, "persistence_mode").verdict, CheckVerdict::pass);
}

TEST(CheckHealth, CriticalXidFailsOtherXidWarns) {
  GpuHealth g = run(healthy(kT0), healthy(kT1));
  g.xid_events = std::vector<XidEvent>{{13, "2026-11-26T21:40:10.000Z"}};
  EXPECT_EQ(verdict(g, "xid_critical"), CheckVerdict::warn);
  g.xid_events = std::vector<XidEvent>{{13, "2026-11-26T21:40:10.000Z"}, {79, "2026-11-26T21:40:20.000Z"}};
  const auto findings = check_health({g}, HealthCheckSettings{});
  const Finding& f = finding(findings, "xid_critical");
  EXPECT_EQ(f.verdict, CheckVerdict::fail);
  EXPECT_NE(f.measured.find("XID 79"), std::string::npos);
  EXPECT_NE(f.measured.find("fallen off the bus"), std::string::npos);
  EXPECT_NE(f.note.find("XID 13"), std::string::npos) << "the other XID is still listed";
  for (std::uint64_t xid : {48, 63, 64, 74, 79, 92, 94, 95, 119, 120}) EXPECT_NE(critical_xid_meaning(xid), "") << xid;
  EXPECT_EQ(critical_xid_meaning(13), "");
  g.xid_events = Known<std::vector<XidEvent>>::unknown("NVML: Not Supported");
  EXPECT_EQ(verdict(g, "xid_critical"), CheckVerdict::info);
}

TEST(CheckHealth, NvlinkThresholds) {
  HealthSnapshot before = healthy(kT0), after = healthy(kT1);
  auto set = [&](std::uint64_t replay, std::uint64_t recovery, std::uint64_t crc) {
    std::vector<NvlinkErrorCounters> links = *after.nvlink;
    links[1].replay = replay;
    links[1].recovery = recovery;
    links[1].crc_flit = crc;
    after.nvlink = links;
  };
  set(1, 0, 0);  // one replay: at DCGM's limit, not beyond
  EXPECT_EQ(verdict(run(before, after), "nvlink_errors"), CheckVerdict::warn);
  set(1, 1, 0);  // replay + recovery = 2 > 1
  EXPECT_EQ(verdict(run(before, after), "nvlink_errors"), CheckVerdict::fail);
  set(0, 0, 6000);  // 100 CRC/s over 60 s: at the limit
  EXPECT_EQ(verdict(run(before, after), "nvlink_errors"), CheckVerdict::warn);
  set(0, 0, 6061);
  const auto findings = check_health({run(before, after)}, HealthCheckSettings{});
  EXPECT_EQ(finding(findings, "nvlink_errors").verdict, CheckVerdict::fail);
  EXPECT_NE(finding(findings, "nvlink_errors").measured.find("link 1"), std::string::npos);
  after.nvlink =
      Known<std::vector<NvlinkErrorCounters>>::unknown("NVML: nvmlDeviceGetNvLinkErrorCounter not in this driver");
  EXPECT_EQ(verdict(run(before, after), "nvlink_errors"), CheckVerdict::info);
  before.nvlink = after.nvlink = std::vector<NvlinkErrorCounters>{};
  EXPECT_EQ(verdict(run(before, after), "nvlink_errors"), CheckVerdict::pass) << "no NVLink: nothing to fail";
}

TEST(CheckHealth, PcieReplayRate) {
  HealthSnapshot before = healthy(kT0), after = healthy(kT1);
  before.pcie_replay = std::uint64_t{100};
  after.pcie_replay = std::uint64_t{108};  // 8 in one minute: DCGM's limit
  EXPECT_EQ(verdict(run(before, after), "pcie_replay"), CheckVerdict::warn);
  after.pcie_replay = std::uint64_t{109};
  EXPECT_EQ(verdict(run(before, after), "pcie_replay"), CheckVerdict::fail);
  after.pcie_replay = std::uint64_t{100};
  EXPECT_EQ(verdict(run(before, after), "pcie_replay"), CheckVerdict::pass);
  after.pcie_replay = std::uint64_t{50};  // went back: a driver reload, not judged
  EXPECT_EQ(verdict(run(before, after), "pcie_replay"), CheckVerdict::info);
}

TEST(CheckHealth, ResetRequired) {
  HealthSnapshot after = healthy(kT1);
  after.recovery_action = 1;
  const auto findings = check_health({run(healthy(kT0), after)}, HealthCheckSettings{});
  EXPECT_EQ(finding(findings, "reset_required").verdict, CheckVerdict::fail);
  EXPECT_EQ(finding(findings, "reset_required").measured, "GPU reset");
  after.recovery_action = Known<int>::unknown("NVML: Not Supported");
  EXPECT_EQ(verdict(run(healthy(kT0), after), "reset_required"), CheckVerdict::info);
}

TEST(CheckHealth, SettingsThatHoldPerformanceBackWarn) {
  HealthSnapshot after = healthy(kT1);
  after.power_limit_w = 500.0;
  after.app_sm_clock_hz = 1500e6;
  after.persistence_mode = false;
  const auto findings = check_health({run(healthy(kT0), after)}, HealthCheckSettings{});
  EXPECT_EQ(finding(findings, "power_limit").verdict, CheckVerdict::warn);
  EXPECT_NE(finding(findings, "power_limit").note.find("nvidia-smi -pl 700"), std::string::npos);
  EXPECT_EQ(finding(findings, "app_clocks").verdict, CheckVerdict::warn);
  EXPECT_NE(finding(findings, "app_clocks").measured.find("SM 1500 < 1980 MHz"), std::string::npos);
  EXPECT_EQ(finding(findings, "persistence_mode").verdict, CheckVerdict::warn);
  after.power_limit_w = Known<double>::unknown("NVML: Not Supported");
  after.app_sm_clock_hz = after.app_memory_clock_hz = Known<double>::unknown("NVML: Not Supported");
  after.persistence_mode = Known<bool>::unknown("NVML: GPU is lost");
  const auto unknown = check_health({run(healthy(kT0), after)}, HealthCheckSettings{});
  for (const char* rule : {"power_limit", "app_clocks", "persistence_mode"}) {
    EXPECT_EQ(finding(unknown, rule).verdict, CheckVerdict::info) << rule;
  }
  EXPECT_NE(finding(unknown, "persistence_mode").note.find("GPU is lost"), std::string::npos);
}

TEST(CheckHealth, RunCheckAddsHealthAndCountsInfoApart) {
  SystemInfo system;
  system.hostname = "node";
  GpuHealth g = run(healthy(kT0), healthy(kT1));
  system.health = {g};
  const CheckResult r = run_check(system, {}, Expectations{}, CheckSettings{});
  const CheckCounts c = count_findings(r.findings);
  EXPECT_EQ(c.info, 1);
  EXPECT_NE(check_summary_line(r.findings, system).find(", 1 INFO on"), std::string::npos)
      << check_summary_line(r.findings, system);
  system.health.clear();  // an older document: no health rules at all
  const CheckResult old = run_check(system, {}, Expectations{}, CheckSettings{});
  for (const auto& f : old.findings) EXPECT_FALSE(is_health_rule(f.rule)) << f.rule;
}

}  // namespace
}  // namespace gx
