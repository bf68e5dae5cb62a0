#pragma once
// What each GPU was doing while a record's timed samples ran (docs/telemetry.md): the raw polls the
// sampler thread takes (src/gpu/telemetry_sampler) and the per-GPU summary a record carries.
// Host-only and pure, so the summary math is unit-tested without a GPU or NVML.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/known.hpp"

namespace gx {

// Clock event ("throttle") reasons gpuxfer reports, spelled as in JSON. The bits are NVML's
// nvmlClocksEventReason* values (a stable part of its ABI).
enum class ThrottleReason {
  sw_power_cap,             // 0x04: the board holds power at its enforced limit
  hw_slowdown,              // 0x08: any hardware slowdown (thermal, power brake, ...)
  sync_boost,               // 0x10: clocks matched to the slowest GPU of a sync-boost group
  sw_thermal_slowdown,      // 0x20: GPU or memory near its maximum operating temperature
  hw_thermal_slowdown,      // 0x40: too hot, clocks cut by half or more
  hw_power_brake_slowdown,  // 0x80: an external power brake asserted
};
inline constexpr std::array<ThrottleReason, 6> kThrottleReasons = {
    ThrottleReason::sw_power_cap,        ThrottleReason::hw_slowdown,         ThrottleReason::sync_boost,
    ThrottleReason::sw_thermal_slowdown, ThrottleReason::hw_thermal_slowdown, ThrottleReason::hw_power_brake_slowdown};

[[nodiscard]] std::string_view to_string(ThrottleReason r);
[[nodiscard]] std::optional<ThrottleReason> parse_throttle_reason(std::string_view text);
// Words for tables and verdicts: "power cap", "HW thermal slowdown".
[[nodiscard]] std::string_view describe(ThrottleReason r);
[[nodiscard]] std::uint64_t nvml_reason_bit(ThrottleReason r);
// Reasons that mean the hardware itself cut the clocks (check WARNs on them).
[[nodiscard]] bool is_hardware_or_thermal(ThrottleReason r);

// One poll of one GPU. NaN / -1 mark a reading that failed (its reason is kept once per field
// in GpuTelemetryRaw, not per poll, so a poll never allocates).
struct TelemetryPoll {
  double t = 0;  // seconds since the first window opened
  double sm_clock_mhz = -1;
  double mem_clock_mhz = -1;
  double power_w = -1;
  double gpu_temp_c = -1;
  double mem_temp_c = -1;
  std::uint64_t reasons = 0;
  bool reasons_known = false;
  int pcie_gen = -1;
  int pcie_width = -1;
};

// Where a field's values came from and why one is unknown.
struct TelemetryFieldReasons {
  std::string sm_clock, mem_clock, power, power_limit, gpu_temp, mem_temp, reasons, pcie;
};

// Everything the sampler gathered for one GPU over the sample windows of one case.
struct GpuTelemetryRaw {
  int gpu = 0;
  std::vector<TelemetryPoll> polls;
  // nvmlDeviceGetSamples(NVML_TOTAL_POWER_SAMPLES) inside the windows, in W; empty when the
  // driver does not keep them (power then comes from the polls).
  std::vector<double> power_samples_w;
  std::string power_samples_reason;  // why power_samples_w is empty
  // nvmlDeviceGetSamples(NVML_PROCESSOR_CLK_SAMPLES) inside the windows, in MHz; the SM clock
  // summary uses them instead of the polls when they are at least as many (a finer time base).
  std::vector<double> sm_clock_samples_mhz;
  std::string sm_clock_samples_reason;  // why sm_clock_samples_mhz is empty
  Known<double> power_limit_w;
  double window_seconds = 0;  // the windows' total length on the host clock
  // Throttle time counters: nanoseconds spent under each reason over the windows (the sum of
  // each window's end - start), unknown with the reason where the driver has no such counter.
  std::array<Known<double>, kThrottleReasons.size()> counter_ns;
  TelemetryFieldReasons unknown;  // per field, why its readings failed (first failure)
};

struct ThrottleShare {
  ThrottleReason reason = ThrottleReason::sw_power_cap;
  double share = 0;    // of the windows' time (counter) or of the polls (polled), 0..1
  std::string source;  // "counter" | "polled"
};

struct MinMedianMax {
  double min = 0, median = 0, max = 0;
};

// The per-GPU summary a record carries (JSON "telemetry.gpus[]").
struct GpuTelemetry {
  int gpu = 0;
  int samples = 0;      // polls taken inside the sample windows
  double window_s = 0;  // the windows' total length
  Known<MinMedianMax> sm_clock_mhz;
  Known<double> mem_clock_mhz_median;
  Known<double> power_w_median;
  Known<double> power_w_max;
  std::string power_source;     // "samples" (nvmlDeviceGetSamples) | "polled"; "" when unknown
  std::string sm_clock_source;  // the same for sm_clock_mhz
  Known<double> power_limit_w;
  Known<double> power_percent_of_limit;  // median power / enforced limit x 100
  Known<double> gpu_temp_c_max;
  Known<double> mem_temp_c_max;
  std::vector<ThrottleShare> throttle;  // every reason known by either source, in kThrottleReasons order
  std::string throttle_reason;          // why throttle is empty (no reasons readable)
  Known<int> pcie_gen_min;
  Known<int> pcie_width_min;
};

struct Telemetry {
  double period_s = 0;  // the poll period asked for
  std::vector<GpuTelemetry> gpus;
};

// Pure summary of one GPU's raw telemetry. Counters win over polled reasons where present;
// shares from counters are clamped to [0, 1] (the counters tick on the GPU's clock, the
// window on the host's).
[[nodiscard]] GpuTelemetry summarize_telemetry(const GpuTelemetryRaw& raw);
[[nodiscard]] Telemetry summarize_telemetry(const std::vector<GpuTelemetryRaw>& raw, double period_s);

// The share of `reason` on one GPU, or nullopt when unknown.
[[nodiscard]] const ThrottleShare* find_share(const GpuTelemetry& g, ThrottleReason reason);
// The reason to name (>= min_share): the largest hardware or thermal one if any, else the
// largest; nullptr when none.
[[nodiscard]] const ThrottleShare* main_throttle(const GpuTelemetry& g, double min_share = 0.05);
// The median SM clock over the GPUs of a record (the lowest GPU's for several), in MHz.
[[nodiscard]] std::optional<double> median_sm_clock_mhz(const Telemetry& t);
// The throttled GPU of a record: the one whose main reason has the largest share.
[[nodiscard]] const GpuTelemetry* most_throttled(const Telemetry& t, double min_share = 0.05);
// Compact mark for tables: "1605 MHz · power cap 92 %", "" when nothing worth saying: no reason
// held >= 5 % of the time and the median SM clock is within 5 % of `max_sm_clock_mhz` (nullopt:
// of the highest clock seen during the samples).
[[nodiscard]] std::string telemetry_mark(const Telemetry& t, std::optional<double> max_sm_clock_mhz);

// What one side of a comparison saw: medians over its pooled records' telemetry.
struct TelemetryBrief {
  std::size_t records = 0;               // records that carried telemetry
  std::optional<double> sm_clock_mhz;    // median of the records' median SM clocks
  std::optional<double> power_percent;   // median of the records' median power / limit
  std::optional<ThrottleReason> reason;  // the main reason over the records (>= 5 %)
  double share = 0;                      // its median share over the records
  // Per reason (kThrottleReasons order): the median over the records of the most affected
  // GPU's share; nullopt where no record could tell.
  std::array<std::optional<double>, kThrottleReasons.size()> shares;
};
[[nodiscard]] TelemetryBrief brief_of(const std::vector<const Telemetry*>& telemetry);
// How NEW's conditions differ from BASE's, for a row judged slower or faster: the median SM
// clocks, the power when it differs by 5 points of the limit or more, and each reason whose
// share differs by 5 points or more: "NEW: SM 1500 MHz vs 1980, power cap 88 % of the time vs
// 0 %"; "" when a side has no telemetry.
[[nodiscard]] std::string explain_change(const TelemetryBrief& base, const TelemetryBrief& newer);

}  // namespace gx
