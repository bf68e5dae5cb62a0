#pragma once
// Link facts derived from raw inventory readings: PCIe and NVLink theoretical rates,
// `nvidia-smi topo -m` style pair classes, bus-id and cpuset formatting. Pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace gx {

// Theoretical per-direction payload rate of a PCIe link, in bytes/s: lanes × transfer rate ×
// line-code efficiency / 8 (Gen1-2: 8b/10b; Gen3-5: 128b/130b; Gen6: FLIT mode, 242/256).
// Gen5 x16 = 63.0 GB/s. nullopt for a generation or width outside the spec.
[[nodiscard]] std::optional<double> pcie_bytes_per_s(int gen, int width);

// Theoretical DRAM bandwidth: two transfers per memory clock over the bus (HBM and GDDR as
// CUDA reports their clocks). H100 SXM: 2619 MHz × 2 × 5120 bit / 8 = 3.35 TB/s.
[[nodiscard]] double memory_bytes_per_s(double memory_clock_hz, int bus_width_bits);

// How two GPUs reach each other over PCIe, as NVML's common-ancestor query reports it.
enum class PciPath { same_board, single_switch, multiple_switches, host_bridge, numa_node, system };
[[nodiscard]] std::string_view pci_path_class(PciPath path);  // "PIX", "PXB", "PHB", "NODE", "SYS"

// NVLinks between a and b: direct links from a to b's bus id, or, where both reach NVSwitches,
// the smaller of their switch link counts (what `nvidia-smi topo -m` prints as NV#).
[[nodiscard]] int count_nvlinks(const DeviceInfo& a, const DeviceInfo& b);

// NV# when any NVLink joins them, else the PCIe path class, else "unknown".
[[nodiscard]] LinkClass classify_link(int nvlinks, std::optional<PciPath> path);

// Theoretical per-direction rate between a pair: NVLinks × per-link rate, or the slower of the
// two PCIe links at their max gen/width. Unknown, with the reason, when the inputs are.
[[nodiscard]] Known<double> pair_theoretical_bytes_per_s(const DeviceInfo& a, const DeviceInfo& b,
                                                         const LinkClass& link);

// "0000:18:00.0" from "00000000:18:00.0", "18:00.0" or upper case; "" when unparseable.
[[nodiscard]] std::string normalize_pci_bus_id(std::string_view text);

// "0-31,64-95" from a cpuset bitmask, 64 CPUs per word, word 0 = CPUs 0-63.
[[nodiscard]] std::string format_cpu_list(const std::vector<std::uint64_t>& mask_words);

// "NVLink 4.0" style text from the version number stored in NvlinkState (40 -> "4.0").
[[nodiscard]] std::string format_nvlink_version(int version_x10);

}  // namespace gx

namespace gx {

// "GPU-1a2b3c4d-...." from the 16 raw bytes CUDA reports (the form nvidia-smi prints).
[[nodiscard]] std::string format_gpu_uuid(const unsigned char (&bytes)[16]);

// NVML's nvmlNvlinkVersion_t (1 = 1.0, 2 = 2.0, 3 = 2.2, 4 = 3.0, 5 = 3.1, 6 = 4.0, 7 = 5.0,
// 8 = 6.0) as major*10+minor; nullopt for INVALID (0) or values this build does not know.
[[nodiscard]] std::optional<int> nvlink_version_from_nvml(unsigned int nvml_enum);

}  // namespace gx
