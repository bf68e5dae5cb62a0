#pragma once
// What gpuxfer knows about a machine: GPUs, their host and peer links, and the pair matrix.
// Plain data in SI units (bytes, bytes/s, Hz); filled by src/gpu/devices, read by everything else.
#include <cstdint>
#include <string>
#include <vector>

#include "core/health.hpp"
#include "core/known.hpp"

namespace gx {

struct PcieLink {
  Known<int> current_gen;
  Known<int> current_width;
  Known<int> max_gen;  // the lower of what the GPU and its slot support
  Known<int> max_width;
  // Theoretical per-direction rate of the link at its max gen/width (derived, core/topology).
  Known<double> max_bytes_per_s;
  Known<double> current_bytes_per_s;
};

enum class NvlinkRemote { gpu, nvswitch, other };

struct NvlinkLane {
  int link = 0;  // NVML link index
  NvlinkRemote remote = NvlinkRemote::other;
  std::string remote_pci_bus_id;  // normalized; for a switch, the switch's bus id
};

struct NvlinkState {
  Known<int> links_supported;          // links the device has
  Known<int> links_up;                 // links active now
  Known<int> version;                  // NVLink major.minor * 10 (40 = NVLink 4.0)
  Known<double> per_link_bytes_per_s;  // per direction, as NVML reports it
  std::vector<NvlinkLane> up;          // one entry per active link
};

struct DeviceInfo {
  int index = 0;         // CUDA ordinal, after CUDA_VISIBLE_DEVICES
  std::string hostname;  // merged multi-host documents: the GPU's host; "": the system's hostname
  std::string name;
  std::string uuid;        // "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
  std::string pci_bus_id;  // normalized "0000:18:00.0"
  int cc_major = 0;
  int cc_minor = 0;
  int sm_count = 0;
  std::uint64_t memory_total_bytes = 0;
  std::uint64_t memory_free_bytes = 0;
  std::uint64_t l2_bytes = 0;
  Known<double> max_sm_clock_hz;
  Known<double> max_memory_clock_hz;
  int memory_bus_width_bits = 0;
  Known<double> memory_bandwidth_bytes_per_s;  // theoretical, from clock and bus width
  Known<bool> ecc_enabled;
  Known<int> numa_node;
  Known<std::string> cpu_affinity;  // "0-31,64-95"
  PcieLink pcie;
  NvlinkState nvlink;
};

// The topology class of a pair, spelled as `nvidia-smi topo -m` prints it.
struct LinkClass {
  std::string name;  // "NV18", "PIX", "PXB", "PHB", "NODE", "SYS", or "unknown"
  int nvlinks = 0;   // NVLinks joining the pair (directly or through NVSwitch)
};

struct PairInfo {
  int src = 0;  // CUDA ordinals
  int dst = 0;
  bool can_access_peer = false;
  Known<int> performance_rank;
  Known<bool> native_atomics;
  LinkClass link;
  std::string link_reason;                // why link is "unknown", when it is
  Known<double> theoretical_bytes_per_s;  // per direction
  bool peer_enabled = false;
  std::string peer_error;  // the enable error, or why P2P is impossible ("" when enabled)
};

struct SystemInfo {
  std::string hostname;
  std::string cpu_model;
  Known<std::string> driver_release;  // "580.159.04"
  Known<int> cuda_driver_version;     // 13000 = 13.0
  Known<int> cuda_runtime_version;
  Known<std::string> nvml_version;
  std::vector<DeviceInfo> devices;
  std::vector<PairInfo> pairs;  // every ordered pair (src != dst) of `devices`
  // NVML's health of each GPU (the report's "health" section): bench reads it before the first
  // case and after the last, list once. Empty where nothing was read (older documents).
  std::vector<GpuHealth> health;
};

[[nodiscard]] std::string_view to_string(NvlinkRemote remote);
[[nodiscard]] NvlinkRemote parse_nvlink_remote(std::string_view text);

// The pair entry for (src, dst), or nullptr.
[[nodiscard]] const PairInfo* find_pair(const SystemInfo& system, int src, int dst);

// "13.0" from 13000.
[[nodiscard]] std::string format_cuda_version(int version);

}  // namespace gx
