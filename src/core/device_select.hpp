#pragma once
// --devices: "all", or a comma list of CUDA ordinals, GPU UUIDs (or unique prefixes of them) and
// PCI bus ids. Parsed in two steps so syntax errors are reported even where no GPU exists.
#include <string>
#include <string_view>
#include <vector>

namespace gx {

struct DeviceIdentity {
  int index = 0;
  std::string uuid;        // "GPU-..."
  std::string pci_bus_id;  // normalized "0000:18:00.0"
};

struct DeviceSpec {
  bool all = true;
  std::vector<std::string> items;  // as typed, trimmed; empty when all
};

// Throws UsageError for an empty list, an empty item, or an item that is neither an index,
// a UUID prefix ("GPU-" + at least 4 hex digits) nor a bus id.
[[nodiscard]] DeviceSpec parse_device_spec(std::string_view text);

// CUDA ordinals in the order given. Throws InputError for an index out of range, an unknown or
// ambiguous UUID prefix, an unknown bus id, or a device named twice.
[[nodiscard]] std::vector<int> resolve_devices(const DeviceSpec& spec, const std::vector<DeviceIdentity>& available);

}  // namespace gx
