#include "core/report_json.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace gx;

namespace {

SystemInfo sample_system() {
  SystemInfo s;
  s.hostname = "node-17";
  s.cpu_model = "Intel(R) Xeon(R) Platinum 8480+";
  s.driver_release = std::string("580.159.04");
  s.cuda_driver_version = 13000;
  s.cuda_runtime_version = 13000;
  s.nvml_version = Known<std::string>::unknown("NVML not available (libnvidia-ml.so.1: missing)");
  for (int i = 0; i < 2; ++i) {
    DeviceInfo d;
    d.index = i;
    d.name = "NVIDIA H100 80GB HBM3";
    d.uuid = "GPU-0000000" + std::to_string(i) + "-0000-0000-0000-000000000000";
    d.pci_bus_id = i == 0 ? "0000:18:00.0" : "0000:2a:00.0";
    d.cc_major = 9;
    d.sm_count = 132;
    d.memory_total_bytes = 85520809984ull;
    d.memory_free_bytes = 84934656000ull;
    d.l2_bytes = 52428800;
    d.memory_bus_width_bits = 5120;
    d.max_sm_clock_hz = 1980e6;
    d.max_memory_clock_hz = 2619e6;
    d.memory_bandwidth_bytes_per_s = 3.35e12;
    d.ecc_enabled = true;
    d.numa_node = Known<int>::unknown("NVML: Not Supported");
    d.cpu_affinity = std::string("0-55,112-167");
    d.pcie.current_gen = 5;
    d.pcie.current_width = 16;
    d.pcie.max_gen = 5;
    d.pcie.max_width = 16;
    d.pcie.max_bytes_per_s = 63.0e9;
    d.pcie.current_bytes_per_s = 63.0e9;
    d.nvlink.links_supported = 18;
    d.nvlink.links_up = 18;
    d.nvlink.version = 40;
    d.nvlink.per_link_bytes_per_s = 26.562e9;
    for (int l = 0; l < 18; ++l) d.nvlink.up.push_back({l, NvlinkRemote::nvswitch, "0000:05:00.0"});
    s.devices.push_back(d);
  }
  PairInfo p;
  p.src = 0;
  p.dst = 1;
  p.can_access_peer = true;
  p.performance_rank = 0;
  p.native_atomics = true;
  p.link = {"NV18", 18};
  p.theoretical_bytes_per_s = 478.1e9;
  p.peer_enabled = true;
  s.pairs.push_back(p);
  p.src = 1;
  p.dst = 0;
  p.peer_enabled = false;
  p.peer_error = "cudaDeviceEnablePeerAccess failed: cudaErrorTooManyPeers: too many peers";
  s.pairs.push_back(p);
  return s;
}

}  // namespace

TEST(ReportJson, SystemRoundTripsExactly) {
  const SystemInfo s = sample_system();
  const Json j = system_to_json(s);
  const SystemInfo back = system_from_json(Json::parse(j.dump()));
  EXPECT_EQ(system_to_json(back).dump(), j.dump());
  ASSERT_EQ(back.devices.size(), 2u);
  EXPECT_EQ(back.devices[1].pci_bus_id, "0000:2a:00.0");
  EXPECT_EQ(*back.devices[0].nvlink.links_up, 18);
  EXPECT_EQ(back.pairs[1].peer_error, s.pairs[1].peer_error);
}

TEST(ReportJson, UnknownIsNullWithReason) {
  const Json j = system_to_json(sample_system());
  EXPECT_TRUE(j["nvml_version"].is_null());
  EXPECT_NE(j["unknown"]["nvml_version"].get<std::string>().find("NVML not available"), std::string::npos);
  const Json& gpu = j["gpus"][0];
  EXPECT_TRUE(gpu["numa_node"].is_null());
  EXPECT_EQ(gpu["unknown"]["numa_node"], "NVML: Not Supported");
  EXPECT_EQ(gpu["sm_count"], 132);  // numbers stay numbers
  EXPECT_TRUE(gpu["memory_bandwidth_bytes_per_s"].is_number());
  const SystemInfo back = system_from_json(j);
  EXPECT_FALSE(back.devices[0].numa_node.has_value());
  EXPECT_EQ(back.devices[0].numa_node.reason, "NVML: Not Supported");
}

TEST(ReportJson, ReportHeaderFollowsTheSchema) {
  RunInfo run;
  run.started_utc = "2026-11-26T21:39:36.123Z";
  run.argv = {"gpuxfer", "list"};
  const Json r = make_report(run, sample_system());
  auto it = r.begin();
  EXPECT_EQ(it.key(), "schema");
  EXPECT_EQ(r["schema"], "gpuxfer.report");
  EXPECT_EQ(r["schema_version"]["major"], 1);
  EXPECT_TRUE(r["schema_version"]["minor"].is_number_integer());
  EXPECT_EQ(r["tool"]["name"], "gpuxfer");
  EXPECT_FALSE(r["tool"]["git_sha"].get<std::string>().empty());
  EXPECT_EQ(r["run"]["argv"][1], "list");
  EXPECT_TRUE(r["records"].is_array());
}

TEST(ReportJson, ErrorDocument) {
  const Json e = error_document("no CUDA GPU found", 3, "cannot_run");
  EXPECT_EQ(e["schema"], "gpuxfer.report");
  EXPECT_EQ(e["error"]["exit_code"], 3);
  EXPECT_EQ(e["error"]["kind"], "cannot_run");
}

TEST(ReportJson, MalformedSystemNamesTheField) {
  Json j = system_to_json(sample_system());
  j["gpus"][1].erase("sm_count");
  try {
    (void)system_from_json(j);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("gpus[1].sm_count"), std::string::npos) << e.what();
  }
  Json k = system_to_json(sample_system());
  k["gpus"][0]["pcie"]["max_gen"] = "five";
  EXPECT_THROW((void)system_from_json(k), InputError);
  EXPECT_THROW((void)system_from_json(Json::array()), InputError);
  Json m = system_to_json(sample_system());
  m["pairs"] = 3;
  EXPECT_THROW((void)system_from_json(m), InputError);
  Json n = system_to_json(sample_system());
  n["gpus"][0]["compute_capability"] = "nine";
  EXPECT_THROW((void)system_from_json(n), InputError);
}
