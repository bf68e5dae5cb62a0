#pragma once
// Check rules on the report's health section (docs/health.md has every rule, its threshold and
// source, and the action). Pure: snapshots in, findings out. Per GPU, each rule gives one
// finding: PASS, WARN, FAIL, or INFO when NVML could not tell (never a pass by default).
//
//   remap_failure          FAIL: a row could not be remapped
//   remap_pending          FAIL: a row remap waits for a GPU reset
//   retired_pages_pending  FAIL: a page retirement waits for a GPU reset (page-retirement GPUs)
//   ecc_uncorrected        FAIL: uncorrected ECC errors grew during the run (after - before > 0)
//   xid_critical           FAIL: a critical XID event during the run (WARN: another XID)
//   nvlink_errors          FAIL: per link, replay + recovery growth > 1, or CRC growth > 100/s;
//                          WARN: any smaller growth
//   pcie_replay            FAIL: PCIe replays grew > 8 per minute; WARN: any smaller growth
//   reset_required         FAIL: NVML's recovery action is not "none"
//   power_limit            WARN: enforced power limit below the default
//   app_clocks             WARN: application clocks (SM or memory) below the maximum
//   persistence_mode       WARN: persistence mode off
// Rules that compare before and after report INFO for a document with a single snapshot
// (gpuxfer list). Clock and throttle rules from per-record telemetry live in their own module,
// registered next to this one in run_check (check.cpp).
#include <optional>
#include <string_view>
#include <vector>

#include "core/check.hpp"
#include "core/health.hpp"

namespace gx {

struct HealthCheckSettings {
  // DCGM's hardware limits (docs/health.md): more PCIe replays per minute than this is a fault.
  double pcie_replays_per_minute = 8;
  // NVLink replay + recovery events per link during a run above this fail.
  double nvlink_errors_per_link = 1;
  // NVLink CRC (flit + data) errors per second per link above this fail.
  double nvlink_crc_per_second = 100;
};

[[nodiscard]] std::vector<Finding> check_health(const std::vector<GpuHealth>& health,
                                                const HealthCheckSettings& settings);

// Whether `rule` is one of the rules above (metrics and reports group them).
[[nodiscard]] bool is_health_rule(std::string_view rule);

// Seconds between the snapshots (from read_utc), at least 1; nullopt when either is unreadable.
[[nodiscard]] std::optional<double> health_interval_seconds(const GpuHealth& gpu);

}  // namespace gx
