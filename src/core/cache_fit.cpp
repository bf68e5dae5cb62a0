#include "core/cache_fit.hpp"

#include <algorithm>

namespace gx {

std::vector<int> working_set_gpus(const Case& c) {
  if (working_set_bytes(c) == 0) return {};
  if (is_elementwise(c.method)) {
    if (!c.devices.empty()) return c.devices;
    return c.src != kHost ? std::vector<int>{c.src} : std::vector<int>{};
  }
  return c.dst != kHost ? std::vector<int>{c.dst} : std::vector<int>{};
}

std::uint64_t working_set_l2_bytes(const Case& c, const SystemInfo& system) {
  const std::vector<int> gpus = working_set_gpus(c);
  if (gpus.empty()) return 0;
  std::uint64_t smallest = 0;
  for (int gpu : gpus) {
    const auto it = std::find_if(system.devices.begin(), system.devices.end(),
                                 [gpu](const DeviceInfo& d) { return d.index == gpu; });
    if (it == system.devices.end() || it->l2_bytes == 0) return 0;
    smallest = smallest == 0 ? it->l2_bytes : std::min(smallest, it->l2_bytes);
  }
  return smallest;
}

void assign_l2_bytes(std::vector<Record>& records, const SystemInfo& system) {
  for (Record& r : records) {
    if (r.test.l2_bytes == 0) r.test.l2_bytes = working_set_l2_bytes(r.test, system);
  }
}

}  // namespace gx
