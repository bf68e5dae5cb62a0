// Inventory against nvidia-smi on a real machine: names, bus ids, UUIDs, NVLink count and speed,
// topology classes; P2P enabled on every NVLink pair (and enabling twice still succeeds).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#include "core/topology.hpp"
#include "gpu/devices.hpp"

using namespace gx;

namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  ::pclose(pipe);
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep)) {
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(0, 1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    parts.push_back(item);
  }
  return parts;
}

struct SmiGpu {
  int smi_index;
  std::string name, bus_id, uuid;
};

// nvidia-smi's GPUs keyed by normalized bus id (its order may differ from CUDA's).
std::map<std::string, SmiGpu> smi_gpus() {
  std::map<std::string, SmiGpu> gpus;
  for (const auto& line : split(run("nvidia-smi --query-gpu=index,name,pci.bus_id,uuid "
                                    "--format=csv,noheader"),
                                '\n')) {
    const auto f = split(line, ',');
    if (f.size() != 4) continue;
    SmiGpu g{std::stoi(f[0]), f[1], normalize_pci_bus_id(f[2]), f[3]};
    gpus[g.bus_id] = g;
  }
  return gpus;
}

SystemInfo full_inventory() {
  std::vector<int> all;
  for (const auto& id : visible_devices()) all.push_back(id.index);
  return inventory(all);
}

}  // namespace

TEST(Inventory, MatchesNvidiaSmiIdentity) {
  const auto smi = smi_gpus();
  if (smi.empty()) GTEST_SKIP() << "nvidia-smi not available";
  const SystemInfo s = full_inventory();
  ASSERT_FALSE(s.devices.empty());
  for (const auto& d : s.devices) {
    SCOPED_TRACE(d.pci_bus_id);
    ASSERT_EQ(smi.count(d.pci_bus_id), 1u) << "bus id not known to nvidia-smi";
    const SmiGpu& g = smi.at(d.pci_bus_id);
    EXPECT_EQ(d.name, g.name);
    EXPECT_EQ(d.uuid, g.uuid);
    EXPECT_GT(d.sm_count, 0);
    EXPECT_GT(d.memory_total_bytes, d.memory_free_bytes);
    ASSERT_TRUE(d.memory_bandwidth_bytes_per_s.has_value());
    EXPECT_GT(*d.memory_bandwidth_bytes_per_s, 0.5e12);
  }
  EXPECT_TRUE(s.driver_release.has_value()) << s.driver_release.reason;
  EXPECT_EQ(*s.driver_release, split(run("nvidia-smi --query-gpu=driver_version --format=csv,noheader"), '\n')[0]);
}

TEST(Inventory, NvlinkCountAndSpeedMatchNvidiaSmi) {
  const auto smi = smi_gpus();
  if (smi.empty()) GTEST_SKIP() << "nvidia-smi not available";
  const SystemInfo s = full_inventory();
  for (const auto& d : s.devices) {
    SCOPED_TRACE(d.pci_bus_id);
    // "Link 0: 26.562 GB/s" per active link; inactive links say "<inactive>".
    const std::string text = run("nvidia-smi nvlink -s -i " + std::to_string(smi.at(d.pci_bus_id).smi_index));
    int active = 0;
    double speed_gbps = 0;
    for (const auto& line : split(text, '\n')) {
      const auto colon = line.find(':');
      if (line.rfind("Link ", 0) != 0 || colon == std::string::npos) continue;
      const std::string value = line.substr(colon + 1);
      if (value.find("GB/s") != std::string::npos) {
        ++active;
        speed_gbps = std::stod(value);
      }
    }
    ASSERT_TRUE(d.nvlink.links_up.has_value()) << d.nvlink.links_up.reason;
    EXPECT_EQ(*d.nvlink.links_up, active);
    if (active > 0) {
      ASSERT_TRUE(d.nvlink.per_link_bytes_per_s.has_value()) << d.nvlink.per_link_bytes_per_s.reason;
      EXPECT_NEAR(*d.nvlink.per_link_bytes_per_s / 1e9, speed_gbps, 0.01);
      EXPECT_TRUE(d.nvlink.version.has_value()) << d.nvlink.version.reason;
    }
  }
}

TEST(Inventory, LinkClassesMatchTopoMatrix) {
  const auto smi = smi_gpus();
  if (smi.size() < 2) GTEST_SKIP() << "needs 2 GPUs and nvidia-smi";
  const SystemInfo s = full_inventory();
  // nvidia-smi topo -m: a header row "GPU0 GPU1 ...", then one row per GPU.
  std::map<int, std::vector<std::string>> rows;
  for (const auto& line : split(run("nvidia-smi topo -m"), '\n')) {
    std::stringstream in(line);
    std::string first;
    in >> first;
    if (first.rfind("GPU", 0) != 0 || first.size() < 4 || !std::isdigit(static_cast<unsigned char>(first[3]))) continue;
    std::vector<std::string> cells;
    std::string cell;
    while (in >> cell) cells.push_back(cell);
    rows[std::stoi(first.substr(3))] = cells;
  }
  ASSERT_EQ(rows.size(), smi.size());
  // After the GPU columns: CPU Affinity, NUMA Affinity, [GPU NUMA ID].
  for (const auto& d : s.devices) {
    const auto& cells = rows[smi.at(d.pci_bus_id).smi_index];
    ASSERT_GT(cells.size(), smi.size() + 1);
    SCOPED_TRACE(d.pci_bus_id);
    EXPECT_EQ(d.cpu_affinity.has_value() ? *d.cpu_affinity : "N/A", cells[smi.size()]);
    EXPECT_EQ(d.numa_node.has_value() ? std::to_string(*d.numa_node) : "N/A", cells[smi.size() + 1]);
  }
  for (const auto& p : s.pairs) {
    const int a = smi.at(s.devices[static_cast<std::size_t>(p.src)].pci_bus_id).smi_index;
    const int b = smi.at(s.devices[static_cast<std::size_t>(p.dst)].pci_bus_id).smi_index;
    SCOPED_TRACE(testing::Message() << "GPU" << a << " -> GPU" << b);
    ASSERT_LT(static_cast<std::size_t>(b), rows[a].size());
    EXPECT_EQ(p.link.name, rows[a][static_cast<std::size_t>(b)]);
  }
}

TEST(Inventory, PeerAccessEnabledOnEveryNvlinkPair) {
  SystemInfo s = full_inventory();
  if (s.devices.size() < 2) GTEST_SKIP() << "needs 2 GPUs";
  enable_peer_access(s);
  for (const auto& p : s.pairs) {
    SCOPED_TRACE(testing::Message() << p.src << " -> " << p.dst << " " << p.link.name);
    if (p.link.nvlinks > 0) {
      EXPECT_TRUE(p.can_access_peer);
      EXPECT_TRUE(p.peer_enabled) << p.peer_error;
      EXPECT_TRUE(p.performance_rank.has_value());
      ASSERT_TRUE(p.theoretical_bytes_per_s.has_value()) << p.theoretical_bytes_per_s.reason;
    }
    if (p.can_access_peer) {
      EXPECT_TRUE(p.peer_enabled) << p.peer_error;
    }
  }
  // Enabling again is "already enabled", which is success.
  enable_peer_access(s);
  for (const auto& p : s.pairs) {
    if (p.can_access_peer) {
      EXPECT_TRUE(p.peer_enabled) << p.peer_error;
    }
  }
}

TEST(Inventory, SelectionByUuidAndBusId) {
  const auto ids = visible_devices();
  const auto last = ids.back();
  const auto by_uuid = resolve_devices(parse_device_spec(last.uuid.substr(0, 12)), ids);
  ASSERT_EQ(by_uuid.size(), 1u);
  EXPECT_EQ(by_uuid[0], last.index);
  const auto by_bus = resolve_devices(parse_device_spec(last.pci_bus_id), ids);
  EXPECT_EQ(by_bus[0], last.index);
}
