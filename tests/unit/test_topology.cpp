#include "core/topology.hpp"

#include <gtest/gtest.h>

using namespace gx;

TEST(PcieRate, Gen5x16Is63GBps) {
  EXPECT_NEAR(*pcie_bytes_per_s(5, 16), 63.0e9, 0.1e9);
  EXPECT_NEAR(*pcie_bytes_per_s(4, 16), 31.5e9, 0.1e9);
  EXPECT_NEAR(*pcie_bytes_per_s(3, 16), 15.75e9, 0.01e9);
  EXPECT_NEAR(*pcie_bytes_per_s(1, 1), 0.25e9, 1e3);
  EXPECT_NEAR(*pcie_bytes_per_s(2, 8), 4.0e9, 1e3);
  EXPECT_NEAR(*pcie_bytes_per_s(6, 16), 121.0e9, 0.1e9);
  EXPECT_NEAR(*pcie_bytes_per_s(5, 8), *pcie_bytes_per_s(5, 16) / 2, 1);
}

TEST(PcieRate, OutsideTheSpecIsUnknown) {
  EXPECT_FALSE(pcie_bytes_per_s(0, 16));
  EXPECT_FALSE(pcie_bytes_per_s(7, 16));
  EXPECT_FALSE(pcie_bytes_per_s(5, 0));
  EXPECT_FALSE(pcie_bytes_per_s(5, 3));
}

TEST(MemoryBandwidth, H100FromClockAndBus) {
  EXPECT_NEAR(memory_bytes_per_s(2619e6, 5120), 3.352e12, 0.001e12);
  EXPECT_NEAR(memory_bytes_per_s(3201e6, 6144), 4.917e12, 0.001e12);
}

namespace {
DeviceInfo gpu(int index, const std::string& bus) {
  DeviceInfo d;
  d.index = index;
  d.pci_bus_id = bus;
  return d;
}
void add_lanes(DeviceInfo& d, int n, NvlinkRemote remote, const std::string& bus) {
  for (int i = 0; i < n; ++i) {
    d.nvlink.up.push_back({static_cast<int>(d.nvlink.up.size()), remote, bus});
  }
  d.nvlink.links_up = static_cast<int>(d.nvlink.up.size());
}
}  // namespace

TEST(NvlinkCount, DirectLinksCountOnlyTowardsThatPeer) {
  DeviceInfo a = gpu(0, "0000:18:00.0");
  DeviceInfo b = gpu(1, "0000:2a:00.0");
  DeviceInfo c = gpu(2, "0000:3a:00.0");
  add_lanes(a, 4, NvlinkRemote::gpu, b.pci_bus_id);
  add_lanes(a, 2, NvlinkRemote::gpu, c.pci_bus_id);
  add_lanes(b, 4, NvlinkRemote::gpu, a.pci_bus_id);
  EXPECT_EQ(count_nvlinks(a, b), 4);
  EXPECT_EQ(count_nvlinks(a, c), 2);
  EXPECT_EQ(count_nvlinks(b, c), 0);
}

TEST(NvlinkCount, SwitchedPairUsesTheSmallerSide) {
  DeviceInfo a = gpu(0, "0000:18:00.0");
  DeviceInfo b = gpu(1, "0000:2a:00.0");
  add_lanes(a, 18, NvlinkRemote::nvswitch, "0000:05:00.0");
  add_lanes(b, 16, NvlinkRemote::nvswitch, "0000:06:00.0");
  EXPECT_EQ(count_nvlinks(a, b), 16);  // a degraded GPU limits every pair it is in
  EXPECT_EQ(count_nvlinks(b, a), 16);
  DeviceInfo lone = gpu(2, "0000:3a:00.0");
  EXPECT_EQ(count_nvlinks(a, lone), 0);
}

TEST(LinkClass, NvlinkWinsOverPcie) {
  EXPECT_EQ(classify_link(18, PciPath::system).name, "NV18");
  EXPECT_EQ(classify_link(18, std::nullopt).nvlinks, 18);
  EXPECT_EQ(classify_link(0, PciPath::single_switch).name, "PIX");
  EXPECT_EQ(classify_link(0, PciPath::multiple_switches).name, "PXB");
  EXPECT_EQ(classify_link(0, PciPath::host_bridge).name, "PHB");
  EXPECT_EQ(classify_link(0, PciPath::numa_node).name, "NODE");
  EXPECT_EQ(classify_link(0, PciPath::system).name, "SYS");
  EXPECT_EQ(classify_link(0, std::nullopt).name, "unknown");
}

TEST(PairTheoretical, NvlinkIsCountTimesSpeed) {
  DeviceInfo a = gpu(0, "0000:18:00.0");
  DeviceInfo b = gpu(1, "0000:2a:00.0");
  a.nvlink.per_link_bytes_per_s = 26.5625e9;
  b.nvlink.per_link_bytes_per_s = 26.5625e9;
  const auto rate = pair_theoretical_bytes_per_s(a, b, LinkClass{"NV18", 18});
  ASSERT_TRUE(rate.has_value());
  EXPECT_NEAR(*rate, 478.1e9, 0.1e9);
}

TEST(PairTheoretical, PcieIsTheSlowerSide) {
  DeviceInfo a = gpu(0, "0000:18:00.0");
  DeviceInfo b = gpu(1, "0000:2a:00.0");
  a.pcie.max_bytes_per_s = *pcie_bytes_per_s(5, 16);
  b.pcie.max_bytes_per_s = *pcie_bytes_per_s(4, 16);
  EXPECT_NEAR(*pair_theoretical_bytes_per_s(a, b, LinkClass{"SYS", 0}), 31.5e9, 0.1e9);
}

TEST(PairTheoretical, UnknownInputsGiveAReason) {
  DeviceInfo a = gpu(0, "0000:18:00.0");
  DeviceInfo b = gpu(1, "0000:2a:00.0");
  a.pcie.max_bytes_per_s = Known<double>::unknown("NVML not available");
  b.pcie.max_bytes_per_s = 63e9;
  const auto rate = pair_theoretical_bytes_per_s(a, b, LinkClass{"PIX", 0});
  EXPECT_FALSE(rate.has_value());
  EXPECT_NE(rate.reason.find("NVML not available"), std::string::npos);
  EXPECT_FALSE(pair_theoretical_bytes_per_s(a, b, LinkClass{"unknown", 0}).has_value());
  a.nvlink.per_link_bytes_per_s = Known<double>::unknown("no field");
  b.nvlink.per_link_bytes_per_s = Known<double>::unknown("no field");
  EXPECT_FALSE(pair_theoretical_bytes_per_s(a, b, LinkClass{"NV4", 4}).has_value());
}

TEST(BusId, NormalizesEveryForm) {
  EXPECT_EQ(normalize_pci_bus_id("00000000:18:00.0"), "0000:18:00.0");
  EXPECT_EQ(normalize_pci_bus_id("0000:1A:00.0"), "0000:1a:00.0");
  EXPECT_EQ(normalize_pci_bus_id("1a:00.0"), "0000:1a:00.0");
  EXPECT_EQ(normalize_pci_bus_id("0001:c1:1f.7"), "0001:c1:1f.7");
  EXPECT_EQ(normalize_pci_bus_id("x"), "");
  EXPECT_EQ(normalize_pci_bus_id("18:00"), "");
  EXPECT_EQ(normalize_pci_bus_id("zz:00.0"), "");
  EXPECT_EQ(normalize_pci_bus_id("123:00.0"), "");
  EXPECT_EQ(normalize_pci_bus_id("100000000:18:00.0"), "");
}

TEST(CpuList, RangesFromMask) {
  EXPECT_EQ(format_cpu_list({0xFFFFFFFFull, 0}), "0-31");
  EXPECT_EQ(format_cpu_list({0x5ull}), "0,2");
  EXPECT_EQ(format_cpu_list({0xFFFFFFFF00000000ull, 0x1ull}), "32-64");
  EXPECT_EQ(format_cpu_list({0xFFFFull, 0xFFFFull}), "0-15,64-79");
  EXPECT_EQ(format_cpu_list({~0ull}), "0-63");
  EXPECT_EQ(format_cpu_list({}), "");
}

TEST(Uuid, FormatsLikeNvidiaSmi) {
  const unsigned char bytes[16] = {0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81,
                                   0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8, 0x09};
  EXPECT_EQ(format_gpu_uuid(bytes), "GPU-1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809");
}

TEST(NvlinkVersion, FromNvmlEnum) {
  EXPECT_EQ(nvlink_version_from_nvml(6), 40);
  EXPECT_EQ(nvlink_version_from_nvml(7), 50);
  EXPECT_EQ(nvlink_version_from_nvml(3), 22);
  EXPECT_FALSE(nvlink_version_from_nvml(0));
  EXPECT_FALSE(nvlink_version_from_nvml(99));
  EXPECT_EQ(format_nvlink_version(40), "4.0");
  EXPECT_EQ(format_nvlink_version(22), "2.2");
}
