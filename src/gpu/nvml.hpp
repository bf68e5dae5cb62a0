#pragma once
// NVML, loaded at run time (dlopen libnvidia-ml.so.1) so gpuxfer starts where the driver is
// missing. Every reading is a Known<>: a value, or null with NVML's own reason. Never guessed.
#include <memory>
#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/health.hpp"
#include "core/model.hpp"
#include "core/telemetry.hpp"
#include "core/topology.hpp"

namespace gx {

// ===== telemetry: the sampler's readings (begin) ====================================
// One GPU's readings for src/gpu/telemetry_sampler. Made once per case; every call is
// allocation-free except the first failure of a field, whose reason is kept.
class NvmlTelemetryProbe {
 public:
  // Clocks, power, temperatures, current reasons, PCIe link of one poll into `p`; a failed
  // reading leaves its field at -1 / reasons_known false and its reason in `why` (first one).
  void poll(TelemetryPoll& p, TelemetryFieldReasons& why) const;
  [[nodiscard]] Known<double> power_limit_w() const;
  // The throttle time counters (ns since boot), in kThrottleReasons order; unknown where the
  // driver has no such field.
  void counters(std::array<Known<double>, kThrottleReasons.size()>& out) const;
  // The rings of samples the driver keeps (nvmlDeviceGetSamples): total power in W and the SM
  // (processor) clock in MHz.
  enum class DriverSamples { power_w, sm_clock_mhz };
  // Appends the driver's samples of `kind` newer than *last_seen_us (its CPU-time stamps, µs)
  // and not after until_us; advances *last_seen_us. False with *why set when not kept.
  bool driver_samples(DriverSamples kind, unsigned long long* last_seen_us, unsigned long long until_us,
                      std::vector<double>& values, std::string* why) const;

  const void* impl = nullptr;     // Nvml::Impl
  void* device = nullptr;         // nvmlDevice_t
  const void* symbols = nullptr;  // the telemetry entry points (nvml.cpp)
};
// ===== telemetry (end) ===============================================================

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

// A GPU as NVML enumerates it, whether or not CUDA sees it.
struct NvmlGpu {
  std::string pci_bus_id;  // normalized "0000:18:00.0"
  std::string uuid;
  std::string name;
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
  [[nodiscard]] std::optional<PciPath> common_ancestor(const std::string& bus_a, const std::string& bus_b,
                                                       std::string* reason) const;
  // Why P2P reads between two GPUs are unsupported, as NVML words it ("" when NVML says OK).
  [[nodiscard]] std::string p2p_status(const std::string& bus_a, const std::string& bus_b) const;

  // Every GPU NVML enumerates, in NVML's order; empty when NVML is not available.
  [[nodiscard]] std::vector<NvmlGpu> gpus() const;
  // The health snapshot of one GPU (core/health.hpp, docs/health.md): a few dozen NVML queries,
  // no CUDA, milliseconds. Whatever NVML cannot tell is unknown with NVML's reason.
  [[nodiscard]] HealthSnapshot read_health(const std::string& pci_bus_id) const;
  // ===== telemetry (begin) =====
  // A probe of one GPU for the sampler, or nullopt with *reason (NVML missing, unknown bus id).
  [[nodiscard]] std::optional<NvmlTelemetryProbe> telemetry_probe(const std::string& pci_bus_id,
                                                                  std::string* reason) const;
  // ===== telemetry (end) =====

  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  struct Impl;  // the loaded library and its function pointers (nvml.cpp)

 private:
  friend class XidWatch;
  Nvml();
  std::unique_ptr<Impl> impl_;
};

// Critical XID events (nvmlEventTypeXidCriticalError) of some GPUs, from construction on: NVML
// delivers only events that happen after registration, so build it before the first case and
// drain it after the last. drain() may be called from any thread (a sampler thread may service
// it during the run); each event is returned once.
class XidWatch {
 public:
  explicit XidWatch(const std::vector<std::string>& pci_bus_ids);
  ~XidWatch();
  XidWatch(const XidWatch&) = delete;
  XidWatch& operator=(const XidWatch&) = delete;

  // Whether the GPU's events are watched: unknown with NVML's reason when they are not.
  [[nodiscard]] Known<bool> watching(const std::string& pci_bus_id) const;
  // The events received since the last drain, as (bus id, event); waits up to timeout_ms for a
  // first one when there is none yet.
  [[nodiscard]] std::vector<std::pair<std::string, XidEvent>> drain(unsigned timeout_ms = 0);
  // Every event drained so far, by whichever thread: what the run saw.
  [[nodiscard]] std::vector<std::pair<std::string, XidEvent>> received() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  mutable std::mutex mutex_;
};

}  // namespace gx
