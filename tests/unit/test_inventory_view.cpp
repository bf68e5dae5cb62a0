#include "core/inventory_view.hpp"

#include <gtest/gtest.h>

using namespace gx;

namespace {
SystemInfo two_gpus(bool nvml) {
  SystemInfo s;
  s.hostname = "h";
  s.cpu_model = "cpu";
  s.driver_release = nvml ? Known<std::string>(std::string("580.159.04"))
                          : Known<std::string>::unknown("NVML not available (dlopen failed)");
  s.cuda_driver_version = 13000;
  s.cuda_runtime_version = 13000;
  for (int i = 0; i < 2; ++i) {
    DeviceInfo d;
    d.index = i;
    d.name = "NVIDIA H200";
    d.pci_bus_id = i == 0 ? "0000:18:00.0" : "0000:2a:00.0";
    d.memory_total_bytes = 150ull << 30;
    if (nvml) {
      d.nvlink.links_up = 18;
      d.nvlink.links_supported = 18;
      d.nvlink.version = 40;
      d.nvlink.per_link_bytes_per_s = 26.5625e9;
      for (int l = 0; l < 18; ++l) d.nvlink.up.push_back({l, NvlinkRemote::nvswitch, "0000:05:00.0"});
    } else {
      d.nvlink.links_up = Known<int>::unknown("NVML not available (dlopen failed)");
    }
    s.devices.push_back(d);
  }
  PairInfo p{};
  p.src = 0;
  p.dst = 1;
  p.can_access_peer = true;
  p.peer_enabled = true;
  p.performance_rank = 0;
  p.native_atomics = true;
  p.link = nvml ? LinkClass{"NV18", 18} : LinkClass{"unknown", 0};
  p.theoretical_bytes_per_s = nvml ? Known<double>(478.125e9) : Known<double>::unknown("link class unknown");
  s.pairs.push_back(p);
  std::swap(p.src, p.dst);
  p.peer_enabled = false;
  p.peer_error = "cudaDeviceEnablePeerAccess failed: cudaErrorTooManyPeers";
  s.pairs.push_back(p);
  return s;
}
const Table* find(const std::vector<Table>& tables, const std::string& prefix) {
  for (const auto& t : tables)
    if (t.title.rfind(prefix, 0) == 0) return &t;
  return nullptr;
}
}  // namespace

TEST(InventoryView, PairMatricesShowClassRateAndPeerState) {
  const auto tables = inventory_tables(two_gpus(true));
  const Table* link = find(tables, "Link class");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->rows[0][1], "X");
  EXPECT_EQ(link->rows[0][2], "NV18");
  const Table* rate = find(tables, "Theoretical GB/s");
  ASSERT_NE(rate, nullptr);
  EXPECT_EQ(rate->rows[0][2], "478.1");
  const Table* peer = find(tables, "Peer access");
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ(peer->rows[0][2], "enabled r0 A");
  EXPECT_EQ(peer->rows[1][1], "can r0 A");
  ASSERT_EQ(peer->notes.size(), 1u);
  EXPECT_NE(peer->notes[0].find("GPU1 -> GPU0"), std::string::npos);
  const Table* nv = find(tables, "NVLink");
  ASSERT_NE(nv, nullptr);
  EXPECT_EQ(nv->rows[0][3], "4.0");
  EXPECT_EQ(nv->rows[0][5], "478.1");
  EXPECT_EQ(nv->rows[0][6], "nvswitch x18");
}

TEST(InventoryView, UnknownsAreMarkedWithTheirReason) {
  const auto tables = inventory_tables(two_gpus(false));
  const Table* sys = find(tables, "System");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->rows[2][1], "?");
  ASSERT_FALSE(sys->notes.empty());
  EXPECT_NE(sys->notes[0].find("NVML not available"), std::string::npos);
  const Table* rate = find(tables, "Theoretical GB/s");
  EXPECT_EQ(rate->rows[0][2], "?");
}

TEST(InventoryView, OneGpuHasNoPairTables) {
  SystemInfo s = two_gpus(true);
  s.devices.pop_back();
  s.pairs.clear();
  EXPECT_EQ(find(inventory_tables(s), "Link class"), nullptr);
}

TEST(InventoryView, FlatTablesHaveOneRowPerGpuAndPair) {
  const auto flat = inventory_flat_tables(two_gpus(true));
  ASSERT_EQ(flat.size(), 2u);
  EXPECT_EQ(flat[0].rows.size(), 2u);
  EXPECT_EQ(flat[0].rows[0].size(), flat[0].header.size());
  EXPECT_EQ(flat[1].rows.size(), 2u);
  EXPECT_EQ(flat[1].rows[0][2], "NV18");
  const auto no_nvml = inventory_flat_tables(two_gpus(false));
  EXPECT_EQ(no_nvml[0].rows[0][21], "");  // unknown -> empty CSV cell, never a guess
}
