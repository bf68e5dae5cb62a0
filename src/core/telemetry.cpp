#include "core/telemetry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/stats.hpp"

namespace gx {

std::string_view to_string(ThrottleReason r) {
  switch (r) {
    case ThrottleReason::sw_power_cap: return "sw_power_cap";
    case ThrottleReason::hw_slowdown: return "hw_slowdown";
    case ThrottleReason::sync_boost: return "sync_boost";
    case ThrottleReason::sw_thermal_slowdown: return "sw_thermal_slowdown";
    case ThrottleReason::hw_thermal_slowdown: return "hw_thermal_slowdown";
    case ThrottleReason::hw_power_brake_slowdown: return "hw_power_brake_slowdown";
  }
  return "sw_power_cap";
}

std::optional<ThrottleReason> parse_throttle_reason(std::string_view text) {
  for (ThrottleReason r : kThrottleReasons) {
    if (text == to_string(r)) return r;
  }
  return std::nullopt;
}

std::string_view describe(ThrottleReason r) {
  switch (r) {
    case ThrottleReason::sw_power_cap: return "power cap";
    case ThrottleReason::hw_slowdown: return "HW slowdown";
    case ThrottleReason::sync_boost: return "sync boost";
    case ThrottleReason::sw_thermal_slowdown: return "SW thermal";
    case ThrottleReason::hw_thermal_slowdown: return "HW thermal";
    case ThrottleReason::hw_power_brake_slowdown: return "power brake";
  }
  return "";
}

std::uint64_t nvml_reason_bit(ThrottleReason r) {
  switch (r) {
    case ThrottleReason::sw_power_cap: return 0x04;
    case ThrottleReason::hw_slowdown: return 0x08;
    case ThrottleReason::sync_boost: return 0x10;
    case ThrottleReason::sw_thermal_slowdown: return 0x20;
    case ThrottleReason::hw_thermal_slowdown: return 0x40;
    case ThrottleReason::hw_power_brake_slowdown: return 0x80;
  }
  return 0;
}

bool is_hardware_or_thermal(ThrottleReason r) {
  return r == ThrottleReason::hw_slowdown || r == ThrottleReason::sw_thermal_slowdown ||
         r == ThrottleReason::hw_thermal_slowdown || r == ThrottleReason::hw_power_brake_slowdown;
}

namespace {

// The valid readings of one field over the polls (failed readings are negative).
template <class Get>
std::vector<double> valid(const std::vector<TelemetryPoll>& polls, Get get) {
  std::vector<double> out;
  out.reserve(polls.size());
  for (const auto& p : polls) {
    const double v = get(p);
    if (v >= 0 && std::isfinite(v)) out.push_back(v);
  }
  return out;
}

// NVML's reason where a reading failed; else why there is no reading at all.
std::string why(const std::string& field_reason, bool any_polls) {
  if (!field_reason.empty()) return field_reason;
  return any_polls ? "no valid reading" : "no telemetry sample fell inside the timed samples";
}

}  // namespace

GpuTelemetry summarize_telemetry(const GpuTelemetryRaw& raw) {
  GpuTelemetry g;
  g.gpu = raw.gpu;
  g.samples = static_cast<int>(raw.polls.size());
  g.window_s = raw.window_seconds;
  const bool any = !raw.polls.empty();
  const auto& u = raw.unknown;

  // The SM clock moves within milliseconds under a power cap: the driver's own clock samples
  // where they are at least as many as the polls (a time base at least as fine), polls otherwise.
  std::vector<double> sm = valid(raw.polls, [](const TelemetryPoll& p) { return p.sm_clock_mhz; });
  g.sm_clock_source = "polled";
  if (!raw.sm_clock_samples_mhz.empty() && raw.sm_clock_samples_mhz.size() >= sm.size()) {
    sm = raw.sm_clock_samples_mhz;
    g.sm_clock_source = "samples";
  }
  if (!sm.empty()) {
    const Summary s = summarize(sm);
    g.sm_clock_mhz = MinMedianMax{s.min, s.median, s.max};
  } else {
    g.sm_clock_source.clear();
    g.sm_clock_mhz = Known<MinMedianMax>::unknown(why(u.sm_clock, any));
  }
  const auto mem = valid(raw.polls, [](const TelemetryPoll& p) { return p.mem_clock_mhz; });
  g.mem_clock_mhz_median =
      !mem.empty() ? Known<double>(summarize(mem).median) : Known<double>::unknown(why(u.mem_clock, any));

  // The driver's own power samples are finer than any poll period; polls otherwise.
  std::vector<double> power = valid(raw.polls, [](const TelemetryPoll& p) { return p.power_w; });
  g.power_source = "polled";
  if (!raw.power_samples_w.empty()) {
    power = raw.power_samples_w;
    g.power_source = "samples";
  }
  if (!power.empty()) {
    const Summary s = summarize(power);
    g.power_w_median = s.median;
    g.power_w_max = s.max;
  } else {
    g.power_source.clear();
    g.power_w_median = g.power_w_max = Known<double>::unknown(why(u.power, any));
  }
  g.power_limit_w = raw.power_limit_w;
  if (g.power_w_median.has_value() && raw.power_limit_w.has_value() && *raw.power_limit_w > 0) {
    g.power_percent_of_limit = 100.0 * *g.power_w_median / *raw.power_limit_w;
  } else {
    g.power_percent_of_limit = Known<double>::unknown(
        !g.power_w_median.has_value()
            ? g.power_w_median.reason
            : (raw.power_limit_w.has_value() ? "enforced power limit is 0" : raw.power_limit_w.reason));
  }

  const auto temp = valid(raw.polls, [](const TelemetryPoll& p) { return p.gpu_temp_c; });
  g.gpu_temp_c_max = !temp.empty() ? Known<double>(*std::max_element(temp.begin(), temp.end()))
                                   : Known<double>::unknown(why(u.gpu_temp, any));
  const auto mtemp = valid(raw.polls, [](const TelemetryPoll& p) { return p.mem_temp_c; });
  g.mem_temp_c_max = !mtemp.empty() ? Known<double>(*std::max_element(mtemp.begin(), mtemp.end()))
                                    : Known<double>::unknown(why(u.mem_temp, any));

  int with_reasons = 0;
  for (const auto& p : raw.polls) with_reasons += p.reasons_known ? 1 : 0;
  for (std::size_t i = 0; i < kThrottleReasons.size(); ++i) {
    const ThrottleReason reason = kThrottleReasons[i];
    const Known<double>& counter = raw.counter_ns[i];
    if (counter.has_value() && raw.window_seconds > 0) {
      const double share = std::clamp(*counter * 1e-9 / raw.window_seconds, 0.0, 1.0);
      g.throttle.push_back(ThrottleShare{reason, share, "counter"});
    } else if (with_reasons > 0) {
      int under = 0;
      for (const auto& p : raw.polls) under += p.reasons_known && (p.reasons & nvml_reason_bit(reason)) ? 1 : 0;
      g.throttle.push_back(ThrottleShare{reason, static_cast<double>(under) / with_reasons, "polled"});
    }
  }
  if (g.throttle.empty()) g.throttle_reason = why(u.reasons, any);

  int gen = -1;
  int width = -1;
  for (const auto& p : raw.polls) {
    if (p.pcie_gen > 0) gen = gen < 0 ? p.pcie_gen : std::min(gen, p.pcie_gen);
    if (p.pcie_width > 0) width = width < 0 ? p.pcie_width : std::min(width, p.pcie_width);
  }
  g.pcie_gen_min = gen > 0 ? Known<int>(gen) : Known<int>::unknown(why(u.pcie, any));
  g.pcie_width_min = width > 0 ? Known<int>(width) : Known<int>::unknown(why(u.pcie, any));
  return g;
}

Telemetry summarize_telemetry(const std::vector<GpuTelemetryRaw>& raw, double period_s) {
  Telemetry t;
  t.period_s = period_s;
  for (const auto& r : raw) t.gpus.push_back(summarize_telemetry(r));
  return t;
}

const ThrottleShare* find_share(const GpuTelemetry& g, ThrottleReason reason) {
  for (const auto& s : g.throttle) {
    if (s.reason == reason) return &s;
  }
  return nullptr;
}

const ThrottleShare* main_throttle(const GpuTelemetry& g, double min_share) {
  // A hardware or thermal reason cuts clocks far deeper than the power cap, so it is the one
  // named whenever one held min_share of the time; the largest share otherwise.
  const ThrottleShare* best = nullptr;
  const ThrottleShare* best_hw = nullptr;
  for (const auto& s : g.throttle) {
    if (!(s.share >= min_share)) continue;
    if (best == nullptr || s.share > best->share) best = &s;
    if (is_hardware_or_thermal(s.reason) && (best_hw == nullptr || s.share > best_hw->share)) best_hw = &s;
  }
  return best_hw != nullptr ? best_hw : best;
}

std::optional<double> median_sm_clock_mhz(const Telemetry& t) {
  std::optional<double> lowest;
  for (const auto& g : t.gpus) {
    if (!g.sm_clock_mhz.has_value()) continue;
    const double m = g.sm_clock_mhz.value->median;
    lowest = lowest ? std::min(*lowest, m) : m;
  }
  return lowest;
}

const GpuTelemetry* most_throttled(const Telemetry& t, double min_share) {
  const GpuTelemetry* worst = nullptr;
  double worst_share = -1;
  for (const auto& g : t.gpus) {
    const ThrottleShare* s = main_throttle(g, min_share);
    if (s != nullptr && s->share > worst_share) {
      worst = &g;
      worst_share = s->share;
    }
  }
  return worst;
}

std::string telemetry_mark(const Telemetry& t, std::optional<double> max_sm_clock_mhz) {
  const auto clock = median_sm_clock_mhz(t);
  const GpuTelemetry* throttled = most_throttled(t);
  // Without the GPU's maximum, the highest clock seen in the windows is the reference.
  std::optional<double> reference = max_sm_clock_mhz;
  if (!reference) {
    for (const auto& g : t.gpus) {
      if (g.sm_clock_mhz.has_value()) reference = std::max(reference.value_or(0.0), g.sm_clock_mhz.value->max);
    }
  }
  const bool clock_dropped = clock && reference && *reference > 0 && *clock < 0.95 * *reference;
  if (throttled == nullptr && !clock_dropped) return "";
  std::string mark = clock ? fmt::format("{:.0f} MHz", *clock) : std::string("clock ?");
  if (throttled != nullptr) {
    const ThrottleShare* s = main_throttle(*throttled);
    mark += fmt::format(" · {} {:.0f} %", describe(s->reason), 100.0 * s->share);
  }
  return mark;
}

namespace {}  // namespace

TelemetryBrief brief_of(const std::vector<const Telemetry*>& telemetry) {
  TelemetryBrief b;
  std::vector<double> clocks;
  std::vector<double> power;
  std::array<std::vector<double>, kThrottleReasons.size()> shares;
  for (const Telemetry* t : telemetry) {
    if (t == nullptr || t->gpus.empty()) continue;
    ++b.records;
    if (const auto c = median_sm_clock_mhz(*t)) clocks.push_back(*c);
    double worst_power = -1;
    for (const auto& g : t->gpus) {
      if (g.power_percent_of_limit.has_value()) worst_power = std::max(worst_power, *g.power_percent_of_limit);
    }
    if (worst_power >= 0) power.push_back(worst_power);
    // Per reason, the record's most affected GPU.
    for (std::size_t i = 0; i < kThrottleReasons.size(); ++i) {
      double worst = -1;
      for (const auto& g : t->gpus) {
        if (const ThrottleShare* s = find_share(g, kThrottleReasons[i])) worst = std::max(worst, s->share);
      }
      if (worst >= 0) shares[i].push_back(worst);
    }
  }
  if (!clocks.empty()) b.sm_clock_mhz = median_of(clocks);
  if (!power.empty()) b.power_percent = median_of(power);
  for (std::size_t i = 0; i < kThrottleReasons.size(); ++i) {
    if (shares[i].empty()) continue;
    const double m = median_of(shares[i]);
    b.shares[i] = m;
    if (m >= 0.05 && m > b.share) {
      b.reason = kThrottleReasons[i];
      b.share = m;
    }
  }
  return b;
}

std::string explain_change(const TelemetryBrief& base, const TelemetryBrief& newer) {
  if (base.records == 0 || newer.records == 0) return "";
  std::vector<std::string> parts;
  if (newer.sm_clock_mhz && base.sm_clock_mhz) {
    parts.push_back(fmt::format("SM {:.0f} MHz vs {:.0f}", *newer.sm_clock_mhz, *base.sm_clock_mhz));
  }
  if (newer.power_percent && base.power_percent && std::abs(*newer.power_percent - *base.power_percent) >= 5) {
    parts.push_back(fmt::format("power {:.0f} % of limit vs {:.0f} %", *newer.power_percent, *base.power_percent));
  }
  for (std::size_t i = 0; i < kThrottleReasons.size(); ++i) {
    const auto& n = newer.shares[i];
    const auto& b = base.shares[i];
    if (!n && !b) continue;
    const double nv = n.value_or(0);
    const double bv = b.value_or(0);
    if (std::abs(nv - bv) < 0.05) continue;
    parts.push_back(fmt::format("{} {} of the time vs {}", describe(kThrottleReasons[i]),
                                n ? fmt::format("{:.0f} %", 100 * nv) : std::string("unknown"),
                                b ? fmt::format("{:.0f} %", 100 * bv) : std::string("unknown")));
  }
  if (parts.empty()) return "";
  std::string text = "NEW: " + parts.front();
  for (std::size_t i = 1; i < parts.size(); ++i) text += ", " + parts[i];
  return text;
}

}  // namespace gx
