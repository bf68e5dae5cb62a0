// gpuxfer's NVML layer (src/gpu/nvml, src/gpu/health) on the fake NVML library: the health
// snapshot, its reasons when NVML cannot answer, counters growing between snapshots, XID events.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "fake_script.hpp"
#include "gpu/health.hpp"
#include "gpu/nvml.hpp"

namespace gx {
namespace {

constexpr const char* kBus = "0000:18:00.0";

constexpr const char* kScript = R"({
  "driver_version": "580.95.05",
  "omit": ["nvmlDeviceGetRowRemapperHistogram"],
  "devices": [{
    "pci_bus_id": "00000000:18:00.0", "uuid": "GPU-aaaa", "name": "NVIDIA H200",
    "values": {
      "ecc_mode": true,
      "ecc_errors": {"volatile": {"corrected": 3, "uncorrected": 0}, "aggregate": {"corrected": 12, "uncorrected": 0}},
      "memory_errors": {"dram": {"volatile": {"corrected": 3, "uncorrected": 0}, "aggregate": {"corrected": 12, "uncorrected": 0}}},
      "remapped_rows": {"corrected": 1, "uncorrected": 0, "pending": false, "failure": false},
      "nvlink": {"0": {"active": true, "errors": {"replay": 0, "recovery": 0, "crc_flit": 0, "crc_data": 0}},
                 "1": {"active": false, "errors": {"replay": 2, "recovery": 0, "crc_flit": 0, "crc_data": 0}}},
      "pcie": {"replay_counter": 4},
      "persistence_mode": true,
      "power_mw": {"enforced_limit": 650000, "default_limit": 700000},
      "clocks_mhz": {"sm": {"max": 1980, "app": 1755}, "mem": {"max": 3201, "app": 3201}},
      "mig_mode": {"current": 0, "pending": 1},
      "recovery_action": 0,
      "vbios_version": "96.00.AF.00.01",
      "inforom_image_version": "G520.0221.00.05",
      "fail": {"nvmlDeviceGetRetiredPages": "NOT_SUPPORTED", "nvmlDeviceGetRetiredPagesPendingStatus": "NO_PERMISSION"}
    },
    "steps": [{"after_calls": 1,
               "ecc_errors": {"volatile": {"uncorrected": 2}},
               "nvlink": {"0": {"errors": {"replay": 7}}},
               "remapped_rows": {"pending": true},
               "recovery_action": 1}],
    "xid_events": [{"after_ms": 40, "xid": 79}]
  }]
})";

TEST(NvmlHealth, SnapshotReadsEveryField) {
  test::use_fake_nvml_script(kScript);
  const Nvml& nvml = Nvml::instance();
  ASSERT_TRUE(nvml.available()) << nvml.unavailable_reason();
  EXPECT_EQ(*nvml.driver_release(), "580.95.05");
  const HealthSnapshot s = nvml.read_health(kBus);
  EXPECT_EQ(s.ecc_mode, Known<bool>(true));
  EXPECT_EQ(s.ecc.volatile_total.corrected, Count(std::uint64_t{3}));
  EXPECT_EQ(s.ecc.aggregate_dram.corrected, Count(std::uint64_t{12}));
  EXPECT_EQ(s.ecc.volatile_sram.corrected.reason, "NVML: Not Supported");
  EXPECT_EQ(s.remapped_rows.corrected, Count(std::uint64_t{1}));
  EXPECT_EQ(s.remapped_rows.pending, Known<bool>(false));
  EXPECT_EQ(s.remapped_rows.histogram_max.reason, "NVML: nvmlDeviceGetRowRemapperHistogram not in this driver");
  EXPECT_EQ(s.retired_pages.single_bit.reason, "NVML: Not Supported");
  EXPECT_EQ(s.retired_pages.pending.reason, "NVML: Insufficient Permissions");
  ASSERT_TRUE(s.nvlink.has_value()) << s.nvlink.reason;
  ASSERT_EQ(s.nvlink->size(), 2u) << "a link that is down still has counters";
  EXPECT_EQ((*s.nvlink)[1].replay, Count(std::uint64_t{2}));
  EXPECT_EQ(s.pcie_replay, Count(std::uint64_t{4}));
  EXPECT_EQ(s.persistence_mode, Known<bool>(true));
  EXPECT_EQ(s.power_limit_w, Known<double>(650.0));
  EXPECT_EQ(s.default_power_limit_w, Known<double>(700.0));
  EXPECT_EQ(s.app_sm_clock_hz, Known<double>(1755e6));
  EXPECT_EQ(s.max_sm_clock_hz, Known<double>(1980e6));
  EXPECT_EQ(s.mig_mode, Known<bool>(false));
  EXPECT_EQ(s.mig_mode_pending, Known<bool>(true));
  EXPECT_EQ(s.recovery_action, Known<int>(0));
  EXPECT_EQ(s.vbios_version, Known<std::string>("96.00.AF.00.01"));
  EXPECT_EQ(s.inforom_image_version, Known<std::string>("G520.0221.00.05"));
  EXPECT_FALSE(s.read_utc.empty());
}

TEST(NvmlHealth, BeforeAndAfterSeeTheCountersGrowAndTheXid) {
  test::use_fake_nvml_script(kScript);
  SystemInfo system;
  DeviceInfo d;
  d.index = 0;
  d.uuid = "GPU-aaaa";
  d.pci_bus_id = kBus;
  d.name = "NVIDIA H200";
  system.devices.push_back(d);
  XidWatch xids(pci_bus_ids(system));
  EXPECT_EQ(xids.watching(kBus), Known<bool>(true));
  std::vector<GpuHealth> health = read_health_before(system);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));  // the "run": the XID is due at 40 ms
  read_health_after(health, xids);
  ASSERT_EQ(health.size(), 1u);
  const GpuHealth& g = health[0];
  EXPECT_EQ(g.before->ecc.volatile_total.uncorrected, Count(std::uint64_t{0}));
  EXPECT_EQ(g.after->ecc.volatile_total.uncorrected, Count(std::uint64_t{2}));
  EXPECT_EQ((*g.after->nvlink)[0].replay, Count(std::uint64_t{7}));
  EXPECT_EQ(g.after->remapped_rows.pending, Known<bool>(true));
  ASSERT_TRUE(g.xid_events.has_value()) << g.xid_events.reason;
  ASSERT_EQ(g.xid_events->size(), 1u);
  EXPECT_EQ((*g.xid_events)[0].xid, 79u);
  EXPECT_TRUE(xids.drain().empty()) << "each event is returned once";
}

TEST(NvmlHealth, EnumeratesGpusWithoutCuda) {
  test::use_fake_nvml_script(kScript);
  const auto gpus = Nvml::instance().gpus();
  ASSERT_EQ(gpus.size(), 1u);
  EXPECT_EQ(gpus[0].pci_bus_id, kBus);
  EXPECT_EQ(gpus[0].uuid, "GPU-aaaa");
  EXPECT_EQ(gpus[0].name, "NVIDIA H200");
  const auto health = read_health_nvml_only();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_FALSE(health[0].index.has_value());
  EXPECT_TRUE(health[0].before.has_value());
}

TEST(NvmlHealth, OmittedEntryPointsAreUnknownNotInventedOrCrashing) {
  test::use_fake_nvml_script(R"({
    "omit": ["nvmlDeviceGetRemappedRows", "nvmlDeviceGetNvLinkErrorCounter", "nvmlEventSetCreate",
             "nvmlDeviceGetFieldValues", "nvmlDeviceGetClock", "nvmlDeviceGetApplicationsClock"],
    "devices": [{"pci_bus_id": "0000:18:00.0", "values": {"fail": {"nvmlDeviceGetPersistenceMode": "GPU_IS_LOST"}}}]
  })");
  const HealthSnapshot s = Nvml::instance().read_health(kBus);
  EXPECT_EQ(s.remapped_rows.pending.reason, "NVML: nvmlDeviceGetRemappedRows not in this driver");
  EXPECT_EQ(s.nvlink.reason, "NVML: nvmlDeviceGetNvLinkErrorCounter not in this driver");
  EXPECT_EQ(s.recovery_action.reason, "NVML: nvmlDeviceGetFieldValues not in this driver");
  EXPECT_FALSE(s.app_sm_clock_hz.has_value());
  EXPECT_EQ(s.persistence_mode.reason, "NVML: GPU is lost");
  XidWatch xids({kBus});
  EXPECT_EQ(xids.watching(kBus).reason, "NVML: nvmlEventSetCreate not in this driver");
  EXPECT_TRUE(xids.drain().empty());
}

TEST(NvmlHealth, AnUnknownGpuIsUnknownEverywhere) {
  test::use_fake_nvml_script(kScript);
  const HealthSnapshot s = Nvml::instance().read_health("0000:99:00.0");
  EXPECT_NE(s.ecc_mode.reason.find("Not Found"), std::string::npos) << s.ecc_mode.reason;
  EXPECT_NE(s.vbios_version.reason.find("0000:99:00.0"), std::string::npos) << s.vbios_version.reason;
}

TEST(NvmlHealth, NoLibraryMeansUnavailable) {
  ::setenv("GPUXFER_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);  // not a file: the default is tried
  ::setenv("LD_LIBRARY_PATH", "/nonexistent", 1);
  const Nvml& nvml = Nvml::instance();
  if (nvml.available()) GTEST_SKIP() << "this machine has a real NVML";
  EXPECT_NE(nvml.unavailable_reason().find("NVML not available"), std::string::npos);
  EXPECT_FALSE(nvml.read_health(kBus).ecc_mode.has_value());
}

}  // namespace
}  // namespace gx
