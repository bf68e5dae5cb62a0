#pragma once
// NVML, loaded at run time (dlopen libnvidia-ml.so.1) so gpuxfer starts where the driver is
// missing. Every reading is a Known<>: a value, or null with NVML's own reason. Never guessed.
#include <memory>
#include <optional>
#include <string>

#include "core/model.hpp"
#include "core/topology.hpp"

namespace gx {

// What NVML tells about one GPU beyond the CUDA runtime.
struct NvmlDeviceFacts {
  Known<double> max_sm_clock_hz;
  Known<double> max_memory_clock_hz;
  Known<bool> ecc_enabled;
  Known<int> numa_node;
  Known<std::string> cpu_affinity;
  PcieLink pcie;  // gens and widths; rates are derived by the caller
  NvlinkState nvlink;
};

class Nvml {
 public:
  // Loads and initializes NVML once per process; shut down at exit.
  static Nvml& instance();

  [[nodiscard]] bool available() const;
  [[nodiscard]] const std::string& unavailable_reason() const;

  [[nodiscard]] Known<std::string> driver_release() const;
  [[nodiscard]] Known<std::string> version() const;
  [[nodiscard]] NvmlDeviceFacts device_facts(const std::string& pci_bus_id) const;
  // PCIe path between two GPUs; nullopt with *reason set when NVML cannot tell.
  [[nodiscard]] std::optional<PciPath> common_ancestor(const std::string& bus_a,
                                                       const std::string& bus_b,
                                                       std::string* reason) const;
  // Why P2P reads between two GPUs are unsupported, as NVML words it ("" when NVML says OK).
  [[nodiscard]] std::string p2p_status(const std::string& bus_a, const std::string& bus_b) const;

  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  struct Impl;  // the loaded library and its function pointers (nvml.cpp)

 private:
  Nvml();
  std::unique_ptr<Impl> impl_;
};

}  // namespace gx
