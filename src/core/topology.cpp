#include "core/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace gx {

std::optional<double> pcie_bytes_per_s(int gen, int width) {
  static constexpr int kWidths[] = {1, 2, 4, 8, 12, 16, 32};
  if (std::find(std::begin(kWidths), std::end(kWidths), width) == std::end(kWidths)) {
    return std::nullopt;
  }
  double gigatransfers = 0;
  double efficiency = 0;
  switch (gen) {
    case 1:
      gigatransfers = 2.5;
      efficiency = 8.0 / 10.0;
      break;
    case 2:
      gigatransfers = 5.0;
      efficiency = 8.0 / 10.0;
      break;
    case 3:
      gigatransfers = 8.0;
      efficiency = 128.0 / 130.0;
      break;
    case 4:
      gigatransfers = 16.0;
      efficiency = 128.0 / 130.0;
      break;
    case 5:
      gigatransfers = 32.0;
      efficiency = 128.0 / 130.0;
      break;
    case 6:
      gigatransfers = 64.0;
      efficiency = 242.0 / 256.0;
      break;
    default: return std::nullopt;
  }
  return gigatransfers * 1e9 * efficiency * width / 8.0;
}

double memory_bytes_per_s(double memory_clock_hz, int bus_width_bits) {
  return 2.0 * memory_clock_hz * bus_width_bits / 8.0;
}

std::string_view pci_path_class(PciPath path) {
  switch (path) {
    case PciPath::same_board: return "PIX";  // a multi-GPU board sits behind one switch
    case PciPath::single_switch: return "PIX";
    case PciPath::multiple_switches: return "PXB";
    case PciPath::host_bridge: return "PHB";
    case PciPath::numa_node: return "NODE";
    case PciPath::system: return "SYS";
  }
  return "unknown";
}

int count_nvlinks(const DeviceInfo& a, const DeviceInfo& b) {
  int direct = 0;
  int a_switch = 0;
  for (const auto& lane : a.nvlink.up) {
    if (lane.remote == NvlinkRemote::gpu && lane.remote_pci_bus_id == b.pci_bus_id) ++direct;
    if (lane.remote == NvlinkRemote::nvswitch) ++a_switch;
  }
  const auto b_switch =
      static_cast<int>(std::count_if(b.nvlink.up.begin(), b.nvlink.up.end(),
                                     [](const NvlinkLane& lane) { return lane.remote == NvlinkRemote::nvswitch; }));
  return direct + std::min(a_switch, b_switch);
}

LinkClass classify_link(int nvlinks, std::optional<PciPath> path) {
  if (nvlinks > 0) return {fmt::format("NV{}", nvlinks), nvlinks};
  if (path) return {std::string(pci_path_class(*path)), 0};
  return {"unknown", 0};
}

Known<double> pair_theoretical_bytes_per_s(const DeviceInfo& a, const DeviceInfo& b, const LinkClass& link) {
  if (link.nvlinks > 0) {
    const auto& ra = a.nvlink.per_link_bytes_per_s;
    const auto& rb = b.nvlink.per_link_bytes_per_s;
    if (!ra.has_value() && !rb.has_value()) {
      return Known<double>::unknown("NVLink speed unknown: " + ra.reason);
    }
    const double per_link = (ra.has_value() && rb.has_value()) ? std::min(*ra, *rb) : ra.has_value() ? *ra : *rb;
    return link.nvlinks * per_link;
  }
  if (link.name == "unknown") return Known<double>::unknown("link class unknown");
  const auto& pa = a.pcie.max_bytes_per_s;
  const auto& pb = b.pcie.max_bytes_per_s;
  if (!pa.has_value())
    return Known<double>::unknown("PCIe rate of GPU " + std::to_string(a.index) + " unknown: " + pa.reason);
  if (!pb.has_value())
    return Known<double>::unknown("PCIe rate of GPU " + std::to_string(b.index) + " unknown: " + pb.reason);
  return std::min(*pa, *pb);
}

std::string normalize_pci_bus_id(std::string_view text) {
  // domain:bus:device.function, the domain optional and of any width.
  std::string s;
  for (char c : text) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const auto dot = s.rfind('.');
  const auto last_colon = s.rfind(':');
  if (dot == std::string::npos || last_colon == std::string::npos || dot < last_colon) return "";
  const auto first_colon = s.find(':');
  std::string domain = "0";
  std::string bus;
  if (first_colon == last_colon) {
    bus = s.substr(0, last_colon);
  } else {
    domain = s.substr(0, first_colon);
    bus = s.substr(first_colon + 1, last_colon - first_colon - 1);
  }
  const std::string device = s.substr(last_colon + 1, dot - last_colon - 1);
  const std::string function = s.substr(dot + 1);
  auto hex = [](const std::string& part, std::size_t max_len) {
    return !part.empty() && part.size() <= max_len && std::all_of(part.begin(), part.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    });
  };
  if (!hex(domain, 8) || !hex(bus, 2) || !hex(device, 2) || !hex(function, 1)) return "";
  const unsigned long domain_value = std::stoul(domain, nullptr, 16);
  if (domain_value > 0xffff) return "";
  return fmt::format("{:04x}:{:02x}:{:02x}.{}", domain_value, std::stoul(bus, nullptr, 16),
                     std::stoul(device, nullptr, 16), function);
}

std::string format_cpu_list(const std::vector<std::uint64_t>& mask_words) {
  std::vector<std::string> ranges;
  int start = -1;
  const int total = static_cast<int>(mask_words.size()) * 64;
  for (int cpu = 0; cpu <= total; ++cpu) {
    const bool set = cpu < total && ((mask_words[static_cast<std::size_t>(cpu / 64)] >> (cpu % 64)) & 1u);
    if (set && start < 0) start = cpu;
    if (!set && start >= 0) {
      ranges.push_back(start == cpu - 1 ? fmt::format("{}", start) : fmt::format("{}-{}", start, cpu - 1));
      start = -1;
    }
  }
  return fmt::format("{}", fmt::join(ranges, ","));
}

std::string format_nvlink_version(int version_x10) {
  return fmt::format("{}.{}", version_x10 / 10, version_x10 % 10);
}

}  // namespace gx

namespace gx {

std::string format_gpu_uuid(const unsigned char (&b)[16]) {
  return fmt::format(
      "GPU-{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

std::optional<int> nvlink_version_from_nvml(unsigned int nvml_enum) {
  static constexpr int kVersions[] = {0, 10, 20, 22, 30, 31, 40, 50, 60};
  if (nvml_enum == 0 || nvml_enum >= std::size(kVersions)) return std::nullopt;
  return kVersions[nvml_enum];
}

}  // namespace gx
