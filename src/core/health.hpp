#pragma once
// A GPU's health as NVML reports it (docs/health.md): memory errors, row remapping, retired
// pages, link error counters, the settings that hold performance back, versions. A run records a
// snapshot before its first case and one after its last, and the critical XID events between;
// check_health judges them. Every field is a Known<>: unknown carries NVML's own reason.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/known.hpp"

namespace gx {

using Count = Known<std::uint64_t>;

struct EccCounts {
  Count corrected;    // single-bit (SBE), fixed by ECC
  Count uncorrected;  // double-bit (DBE), data lost
};

// nvmlDeviceGetTotalEccErrors (all memories) and nvmlDeviceGetMemoryErrorCounter split by where
// the error happened: SRAM (on-chip: caches, register file) and DRAM (HBM).
struct EccHealth {
  EccCounts volatile_total;   // since the driver last loaded
  EccCounts aggregate_total;  // over the GPU's life (infoROM)
  EccCounts volatile_sram;
  EccCounts aggregate_sram;
  EccCounts volatile_dram;
  EccCounts aggregate_dram;
};

// nvmlDeviceGetRemappedRows and nvmlDeviceGetRowRemapperHistogram (Ampere and newer).
struct RowRemapHealth {
  Count corrected;      // rows remapped for correctable errors
  Count uncorrected;    // rows remapped for uncorrectable errors
  Known<bool> pending;  // a remap waits for the next GPU reset
  Known<bool> failure;  // a row could not be remapped: the GPU should be replaced
  // Banks by spare rows left: max (all), high, partial, low, none.
  Count histogram_max, histogram_high, histogram_partial, histogram_low, histogram_none;
};

// nvmlDeviceGetRetiredPages / nvmlDeviceGetRetiredPagesPendingStatus (page retirement, up to Volta;
// unsupported on GPUs that remap rows).
struct RetiredPagesHealth {
  Count single_bit;  // pages retired for multiple single-bit errors
  Count double_bit;  // pages retired for a double-bit error
  Known<bool> pending;
};

// nvmlDeviceGetNvLinkErrorCounter for one link that exists.
struct NvlinkErrorCounters {
  int link = 0;
  Count replay;    // data link transmit replays
  Count recovery;  // data link recoveries (link retrained)
  Count crc_flit;  // receive flow-control digit CRC errors
  Count crc_data;  // receive data CRC errors
};

struct HealthSnapshot {
  std::string read_utc;  // when it was read, ISO 8601
  Known<bool> ecc_mode;
  EccHealth ecc;
  RowRemapHealth remapped_rows;
  RetiredPagesHealth retired_pages;
  // The links that exist; unknown when NVML cannot walk them.
  Known<std::vector<NvlinkErrorCounters>> nvlink;
  Count pcie_replay;  // nvmlDeviceGetPcieReplayCounter
  Known<bool> persistence_mode;
  Known<double> power_limit_w;          // enforced
  Known<double> default_power_limit_w;  // the board's default
  Known<double> app_sm_clock_hz;        // application clock target (NVML_CLOCK_ID_APP_CLOCK_TARGET)
  Known<double> max_sm_clock_hz;
  Known<double> app_memory_clock_hz;
  Known<double> max_memory_clock_hz;
  Known<bool> mig_mode;          // current
  Known<bool> mig_mode_pending;  // after the next reset
  // NVML_FI_DEV_GET_GPU_RECOVERY_ACTION: nvmlDeviceGpuRecoveryAction_t (0 none, 1 GPU reset,
  // 2 node reboot, 3 drain P2P, 4 drain and reset, ...).
  Known<int> recovery_action;
  Known<std::string> vbios_version;
  Known<std::string> inforom_image_version;
};

struct XidEvent {
  std::uint64_t xid = 0;
  std::string time_utc;  // when gpuxfer received it, ISO 8601
};

// One GPU's health in a report. `index` is the CUDA ordinal, absent for a GPU NVML sees that CUDA
// does not (gpuxfer list with no usable CUDA device).
struct GpuHealth {
  std::optional<int> index;
  std::string uuid;
  std::string pci_bus_id;
  std::string name;
  std::optional<HealthSnapshot> before;  // before the first case (list: the only snapshot)
  std::optional<HealthSnapshot> after;   // after the last case
  // Critical XID events between the snapshots; unknown when they could not be watched.
  Known<std::vector<XidEvent>> xid_events;
};

[[nodiscard]] std::string recovery_action_name(int action);

// The critical XIDs check fails on, from NVIDIA's XID catalogue (docs/health.md): the meaning,
// or "" for an XID not in the list.
[[nodiscard]] std::string critical_xid_meaning(std::uint64_t xid);

// after - before of a counter; unknown with the reason when either is unknown or the counter
// went back (a driver reload resets volatile counters).
[[nodiscard]] Count counter_growth(const Count& before, const Count& after);

// Sum of a counter over the links (unknown if any link's is).
[[nodiscard]] Count nvlink_total(const Known<std::vector<NvlinkErrorCounters>>& links,
                                 Count NvlinkErrorCounters::*counter);

inline bool operator==(const NvlinkErrorCounters& a, const NvlinkErrorCounters& b) {
  return a.link == b.link && a.replay == b.replay && a.recovery == b.recovery && a.crc_flit == b.crc_flit &&
         a.crc_data == b.crc_data;
}
inline bool operator==(const XidEvent& a, const XidEvent& b) {
  return a.xid == b.xid && a.time_utc == b.time_utc;
}

}  // namespace gx
