#include "core/device_select.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "core/topology.hpp"

namespace gx {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool is_index(const std::string& item) {
  return !item.empty() && item.size() <= 6 &&
         std::all_of(item.begin(), item.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_uuid_prefix(const std::string& item) {
  const std::string l = lower(item);
  if (l.rfind("gpu-", 0) != 0) return false;
  const std::string rest = l.substr(4);
  const auto hex_digits =
      std::count_if(rest.begin(), rest.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  const bool only_hex_and_dashes = std::all_of(
      rest.begin(), rest.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == '-'; });
  return only_hex_and_dashes && hex_digits >= 4;
}

constexpr const char* kAllowed =
    "allowed: all, or a comma list of CUDA indices (0,1), GPU UUIDs or prefixes (GPU-1a2b), "
    "PCI bus ids (0000:18:00.0)";

std::string describe_available(const std::vector<DeviceIdentity>& available) {
  if (available.empty()) return "this machine has no GPU";
  return fmt::format("this machine has {} GPU{} (0-{})", available.size(), available.size() == 1 ? "" : "s",
                     available.size() - 1);
}

}  // namespace

DeviceSpec parse_device_spec(std::string_view text) {
  const std::string whole = trim(text);
  if (whole.empty()) throw UsageError(fmt::format("invalid --devices '': empty; {}", kAllowed));
  if (lower(whole) == "all") return DeviceSpec{};
  DeviceSpec spec;
  spec.all = false;
  std::size_t start = 0;
  while (start <= whole.size()) {
    const auto comma = whole.find(',', start);
    const std::string item =
        trim(std::string_view(whole).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) {
      throw UsageError(fmt::format("invalid --devices '{}': empty item; {}", whole, kAllowed));
    }
    if (!is_index(item) && !is_uuid_prefix(item) && normalize_pci_bus_id(item).empty()) {
      throw UsageError(fmt::format("invalid --devices item '{}': {}", item, kAllowed));
    }
    if (is_index(item) && std::any_of(spec.items.begin(), spec.items.end(), [&](const std::string& seen) {
          return is_index(seen) && std::stol(seen) == std::stol(item);
        })) {
      throw UsageError(fmt::format("invalid --devices '{}': GPU {} is named twice", whole, item));
    }
    spec.items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return spec;
}

std::vector<int> resolve_devices(const DeviceSpec& spec, const std::vector<DeviceIdentity>& available) {
  std::vector<int> chosen;
  if (spec.all) {
    for (const auto& d : available) chosen.push_back(d.index);
    return chosen;
  }
  for (const auto& item : spec.items) {
    int found = -1;
    if (is_index(item)) {
      const long index = std::stol(item);
      if (index >= static_cast<long>(available.size())) {
        throw InputError(fmt::format("--devices: GPU {} does not exist: {}", item, describe_available(available)));
      }
      found = static_cast<int>(index);
    } else if (is_uuid_prefix(item)) {
      const std::string prefix = lower(item);
      for (const auto& d : available) {
        if (lower(d.uuid).rfind(prefix, 0) == 0) {
          if (found >= 0) {
            throw InputError(
                fmt::format("--devices: UUID prefix '{}' matches more than one GPU "
                            "(GPU {} and GPU {}); give more digits",
                            item, found, d.index));
          }
          found = d.index;
        }
      }
      if (found < 0) throw InputError(fmt::format("--devices: no GPU has a UUID starting with '{}'", item));
    } else {
      const std::string bus = normalize_pci_bus_id(item);
      for (const auto& d : available) {
        if (d.pci_bus_id == bus) found = d.index;
      }
      if (found < 0) throw InputError(fmt::format("--devices: no GPU at PCI bus id '{}'", item));
    }
    if (std::find(chosen.begin(), chosen.end(), found) != chosen.end()) {
      throw InputError(fmt::format("--devices: GPU {} is named twice ('{}')", found, item));
    }
    chosen.push_back(found);
  }
  return chosen;
}

}  // namespace gx
