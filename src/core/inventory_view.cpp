#include "core/inventory_view.hpp"

#include <fmt/format.h>

#include <map>

#include "core/health_view.hpp"
#include "core/topology.hpp"
#include "core/units.hpp"
#include "core/unknown_cells.hpp"

namespace gx {
namespace {

using Unknowns = UnknownCells;

std::string mhz(double hz) {
  return fmt::format("{:.0f}", hz / 1e6);
}
std::string integer(int v) {
  return std::to_string(v);
}
std::string yes_no(bool v) {
  return v ? "yes" : "no";
}

Table system_table(const SystemInfo& s) {
  Table t;
  t.title = "System";
  t.header = {"field", "value"};
  Unknowns u;
  auto text = [](const std::string& v) { return v; };
  auto cuda = [](int v) { return format_cuda_version(v); };
  t.rows = {{"host", s.hostname},
            {"CPU", s.cpu_model},
            {"NVIDIA driver", u.cell(s.driver_release, text)},
            {"CUDA driver", u.cell(s.cuda_driver_version, cuda)},
            {"CUDA runtime", u.cell(s.cuda_runtime_version, cuda)},
            {"NVML", u.cell(s.nvml_version, text)},
            {"GPUs", std::to_string(s.devices.size())}};
  u.add_notes(t);
  return t;
}

Table gpu_table(const SystemInfo& s) {
  Table t;
  t.title = "GPUs";
  t.header = {"GPU", "name", "UUID", "PCI bus id", "CC", "SMs", "memory", "free", "L2", "ECC"};
  t.align = {Align::right, Align::left,  Align::left,  Align::left,  Align::left,
             Align::right, Align::right, Align::right, Align::right, Align::left};
  Unknowns u;
  for (const auto& d : s.devices) {
    t.rows.push_back({std::to_string(d.index), d.name, d.uuid, d.pci_bus_id,
                      fmt::format("{}.{}", d.cc_major, d.cc_minor), std::to_string(d.sm_count),
                      format_bytes_binary(d.memory_total_bytes), format_bytes_binary(d.memory_free_bytes),
                      format_bytes_binary(d.l2_bytes), u.cell(d.ecc_enabled, [](bool v) { return v ? "on" : "off"; })});
  }
  u.add_notes(t);
  return t;
}

Table memory_table(const SystemInfo& s) {
  Table t;
  t.title = "Clocks and memory (theoretical memory bandwidth = 2 x memory clock x bus width)";
  t.header = {"GPU", "max SM MHz", "max mem MHz", "bus bits", "mem GB/s"};
  t.align = {Align::right, Align::right, Align::right, Align::right, Align::right};
  Unknowns u;
  for (const auto& d : s.devices) {
    t.rows.push_back({std::to_string(d.index), u.cell(d.max_sm_clock_hz, mhz), u.cell(d.max_memory_clock_hz, mhz),
                      std::to_string(d.memory_bus_width_bits), u.cell(d.memory_bandwidth_bytes_per_s, format_gbps)});
  }
  u.add_notes(t);
  return t;
}

Table host_link_table(const SystemInfo& s) {
  Table t;
  t.title = "Host link (PCIe GB/s per direction, theoretical)";
  t.header = {"GPU", "NUMA", "CPU affinity", "PCIe now", "PCIe max", "GB/s now", "GB/s max"};
  t.align = {Align::right, Align::right, Align::left, Align::left, Align::left, Align::right, Align::right};
  Unknowns u;
  auto link = [&](const Known<int>& gen, const Known<int>& width) {
    if (!gen.has_value()) return u.cell(gen, integer);
    if (!width.has_value()) return u.cell(width, integer);
    return fmt::format("Gen{} x{}", *gen, *width);
  };
  for (const auto& d : s.devices) {
    t.rows.push_back({std::to_string(d.index), u.cell(d.numa_node, integer),
                      u.cell(d.cpu_affinity, [](const std::string& v) { return v; }),
                      link(d.pcie.current_gen, d.pcie.current_width), link(d.pcie.max_gen, d.pcie.max_width),
                      u.cell(d.pcie.current_bytes_per_s, format_gbps), u.cell(d.pcie.max_bytes_per_s, format_gbps)});
  }
  t.notes.push_back("PCIe 'now' drops at idle for power saving; 'max' is what the slot and GPU allow.");
  u.add_notes(t);
  return t;
}

Table nvlink_table(const SystemInfo& s) {
  Table t;
  t.title = "NVLink (GB/s per direction, theoretical)";
  t.header = {"GPU", "links up", "links", "version", "GB/s per link", "GB/s total", "connected to"};
  t.align = {Align::right, Align::right, Align::right, Align::left, Align::right, Align::right, Align::left};
  Unknowns u;
  for (const auto& d : s.devices) {
    const auto& nv = d.nvlink;
    std::map<std::string, int> remotes;
    for (const auto& lane : nv.up) {
      std::string who = std::string(to_string(lane.remote));
      for (const auto& other : s.devices) {
        if (lane.remote == NvlinkRemote::gpu && other.pci_bus_id == lane.remote_pci_bus_id) {
          who = fmt::format("GPU {}", other.index);
        }
      }
      ++remotes[who];
    }
    std::vector<std::string> parts;
    for (const auto& [who, n] : remotes) parts.push_back(fmt::format("{} x{}", who, n));
    std::string total = "-";
    if (nv.per_link_bytes_per_s.has_value() && nv.links_up.has_value()) {
      total = format_gbps(*nv.per_link_bytes_per_s * *nv.links_up);
    }
    t.rows.push_back({std::to_string(d.index), u.cell(nv.links_up, integer), u.cell(nv.links_supported, integer),
                      u.cell(nv.version, [](int v) { return format_nvlink_version(v); }),
                      nv.up.empty() ? "-" : u.cell(nv.per_link_bytes_per_s, format_gbps), total,
                      parts.empty() ? "-" : fmt::format("{}", fmt::join(parts, ", "))});
  }
  u.add_notes(t);
  return t;
}

// A GPU x GPU matrix, rows = source, columns = destination.
template <class CellFn>
Table pair_matrix(const SystemInfo& s, std::string title, CellFn cell) {
  Table t;
  t.title = std::move(title);
  t.header.push_back("src\\dst");
  t.align.push_back(Align::left);
  for (const auto& d : s.devices) {
    t.header.push_back(fmt::format("GPU{}", d.index));
    t.align.push_back(Align::right);
  }
  for (const auto& a : s.devices) {
    std::vector<std::string> row{fmt::format("GPU{}", a.index)};
    for (const auto& b : s.devices) {
      const PairInfo* p = find_pair(s, a.index, b.index);
      row.push_back(a.index == b.index || p == nullptr ? "X" : cell(*p));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace

std::vector<Table> inventory_tables(const SystemInfo& s) {
  std::vector<Table> tables{system_table(s), gpu_table(s), memory_table(s), host_link_table(s), nvlink_table(s)};
  if (s.devices.size() < 2) return tables;

  tables.push_back(pair_matrix(s, "Link class (as nvidia-smi topo -m)", [](const PairInfo& p) { return p.link.name; }));
  Unknowns u;
  Table rates = pair_matrix(s, "Theoretical GB/s per direction",
                            [&](const PairInfo& p) { return u.cell(p.theoretical_bytes_per_s, format_gbps); });
  u.add_notes(rates);
  tables.push_back(std::move(rates));

  Table peer =
      pair_matrix(s, "Peer access (P2P: enabled / can access / no; rank = performance rank, A = native atomics)",
                  [](const PairInfo& p) {
                    std::string state = p.peer_enabled ? "enabled" : p.can_access_peer ? "can" : "no";
                    if (p.performance_rank.has_value()) state += fmt::format(" r{}", *p.performance_rank);
                    if (p.native_atomics.has_value() && *p.native_atomics) state += " A";
                    return state;
                  });
  for (const auto& p : s.pairs) {
    if (!p.peer_error.empty()) {
      peer.notes.push_back(fmt::format("GPU{} -> GPU{}: {}", p.src, p.dst, p.peer_error));
    }
    if (!p.link_reason.empty()) {
      peer.notes.push_back(fmt::format("GPU{} -> GPU{} link class unknown: {}", p.src, p.dst, p.link_reason));
    }
  }
  tables.push_back(std::move(peer));
  if (!s.health.empty()) tables.push_back(health_table(s.health));
  return tables;
}

std::vector<Table> inventory_flat_tables(const SystemInfo& s) {
  auto opt = [](const auto& known) -> std::string {
    if (!known.has_value()) return "";
    return fmt::format("{}", *known);
  };
  Table gpus;
  gpus.header = {"index",
                 "name",
                 "uuid",
                 "pci_bus_id",
                 "compute_capability",
                 "sm_count",
                 "memory_total_bytes",
                 "memory_free_bytes",
                 "l2_bytes",
                 "max_sm_clock_hz",
                 "max_memory_clock_hz",
                 "memory_bus_width_bits",
                 "memory_bandwidth_bytes_per_s",
                 "ecc_enabled",
                 "numa_node",
                 "cpu_affinity",
                 "pcie_current_gen",
                 "pcie_current_width",
                 "pcie_max_gen",
                 "pcie_max_width",
                 "pcie_max_bytes_per_s",
                 "nvlinks_up",
                 "nvlinks_supported",
                 "nvlink_version",
                 "nvlink_per_link_bytes_per_s"};
  for (const auto& d : s.devices) {
    gpus.rows.push_back({std::to_string(d.index),
                         d.name,
                         d.uuid,
                         d.pci_bus_id,
                         fmt::format("{}.{}", d.cc_major, d.cc_minor),
                         std::to_string(d.sm_count),
                         std::to_string(d.memory_total_bytes),
                         std::to_string(d.memory_free_bytes),
                         std::to_string(d.l2_bytes),
                         opt(d.max_sm_clock_hz),
                         opt(d.max_memory_clock_hz),
                         std::to_string(d.memory_bus_width_bits),
                         opt(d.memory_bandwidth_bytes_per_s),
                         opt(d.ecc_enabled),
                         opt(d.numa_node),
                         opt(d.cpu_affinity),
                         opt(d.pcie.current_gen),
                         opt(d.pcie.current_width),
                         opt(d.pcie.max_gen),
                         opt(d.pcie.max_width),
                         opt(d.pcie.max_bytes_per_s),
                         opt(d.nvlink.links_up),
                         opt(d.nvlink.links_supported),
                         d.nvlink.version.has_value() ? format_nvlink_version(*d.nvlink.version) : "",
                         opt(d.nvlink.per_link_bytes_per_s)});
  }
  Table pairs;
  pairs.header = {"src",
                  "dst",
                  "link_class",
                  "nvlinks",
                  "can_access_peer",
                  "peer_enabled",
                  "performance_rank",
                  "native_atomics",
                  "theoretical_bytes_per_s",
                  "peer_error"};
  for (const auto& p : s.pairs) {
    pairs.rows.push_back({std::to_string(p.src), std::to_string(p.dst), p.link.name, std::to_string(p.link.nvlinks),
                          yes_no(p.can_access_peer), yes_no(p.peer_enabled), opt(p.performance_rank),
                          opt(p.native_atomics), opt(p.theoretical_bytes_per_s), p.peer_error});
  }
  return {gpus, pairs};
}

}  // namespace gx
