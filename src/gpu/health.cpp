#include "gpu/health.hpp"

namespace gx {

std::vector<std::string> pci_bus_ids(const SystemInfo& system) {
  std::vector<std::string> out;
  for (const auto& d : system.devices) out.push_back(d.pci_bus_id);
  return out;
}

std::vector<GpuHealth> read_health_before(const SystemInfo& system) {
  const Nvml& nvml = Nvml::instance();
  std::vector<GpuHealth> out;
  for (const auto& d : system.devices) {
    GpuHealth g;
    g.index = d.index;
    g.uuid = d.uuid;
    g.pci_bus_id = d.pci_bus_id;
    g.name = d.name;
    g.before = nvml.read_health(d.pci_bus_id);
    out.push_back(std::move(g));
  }
  return out;
}

void read_health_after(std::vector<GpuHealth>& health, XidWatch& xids) {
  const Nvml& nvml = Nvml::instance();
  (void)xids.drain();  // what arrived since the last drain (a sampler thread may drain during the run)
  const auto events = xids.received();
  for (auto& g : health) {
    g.after = nvml.read_health(g.pci_bus_id);
    const Known<bool> watched = xids.watching(g.pci_bus_id);
    if (!watched.has_value()) {
      g.xid_events = Known<std::vector<XidEvent>>::unknown(watched.reason);
      continue;
    }
    std::vector<XidEvent> mine;
    for (const auto& [bus, event] : events) {
      if (bus == g.pci_bus_id) mine.push_back(event);
    }
    g.xid_events = mine;
  }
}

std::vector<GpuHealth> read_health_now(const SystemInfo& system) {
  return read_health_before(system);
}

std::vector<GpuHealth> read_health_nvml_only() {
  const Nvml& nvml = Nvml::instance();
  std::vector<GpuHealth> out;
  for (const auto& gpu : nvml.gpus()) {
    GpuHealth g;
    g.uuid = gpu.uuid;
    g.pci_bus_id = gpu.pci_bus_id;
    g.name = gpu.name;
    g.before = nvml.read_health(gpu.pci_bus_id);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace gx
