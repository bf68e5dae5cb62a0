#include "core/check_telemetry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "core/stats.hpp"
#include "core/units.hpp"

namespace gx {
namespace {

std::string model_of(const SystemInfo& system, int gpu) {
  for (const auto& d : system.devices) {
    if (d.index == gpu) return d.name;
  }
  return "?";
}

std::string record_label(const Record& r) {
  const Case& c = r.test;
  const std::string size = c.gemm_n != 0 ? fmt::format("N={}", c.gemm_n) : format_bytes(c.bytes);
  return fmt::format("{} {}", to_string(c.method), size);
}

// The worst hardware or thermal reason of one GPU over the records, with the record.
struct Worst {
  const Record* record = nullptr;
  const ThrottleShare* share = nullptr;
};

void throttling_findings(const std::vector<Record>& records, const TelemetryCheckSettings& s,
                         std::vector<Finding>& out) {
  std::map<int, Worst> worst;          // GPU -> worst reason seen
  std::map<int, std::string> unknown;  // GPU -> why its reasons could not be read
  std::map<int, int> seen;             // GPU -> records with telemetry
  for (const Record& r : records) {
    if (r.status != Status::ok || !r.telemetry) continue;
    for (const GpuTelemetry& g : r.telemetry->gpus) {
      ++seen[g.gpu];
      if (g.throttle.empty()) {
        if (unknown.find(g.gpu) == unknown.end()) unknown[g.gpu] = g.throttle_reason;
        continue;
      }
      for (const ThrottleShare& t : g.throttle) {
        if (!is_hardware_or_thermal(t.reason) || !(t.share > s.min_share)) continue;
        Worst& w = worst[g.gpu];
        if (w.share == nullptr || t.share > w.share->share) w = Worst{&r, &t};
      }
    }
  }
  for (const auto& [gpu, count] : seen) {
    Finding f;
    f.rule = "throttling";
    f.subject = fmt::format("GPU {}", gpu);
    f.gpu = gpu;
    f.what = "HW slowdown, thermal, power brake";
    f.expected = "none during the samples";
    f.unit = "fraction";
    f.comparison = "<=";
    f.expected_value = s.min_share;
    const auto w = worst.find(gpu);
    if (w != worst.end()) {
      const ThrottleShare& t = *w->second.share;
      f.verdict = CheckVerdict::warn;
      f.measured = fmt::format("{} {:.0f} %", describe(t.reason), 100 * t.share);
      f.measured_value = t.share;
      f.note = fmt::format(
          "worst in {} ({} telemetry, share of the samples' time); check cooling, power "
          "delivery and nvidia-smi -q -d PERFORMANCE",
          record_label(*w->second.record), t.source);
    } else if (unknown.find(gpu) != unknown.end()) {
      f.verdict = CheckVerdict::warn;
      f.measured = "unknown";
      f.note = "clock event reasons unknown: " + unknown[gpu];
    } else {
      f.verdict = CheckVerdict::pass;
      f.measured = "none";
      f.measured_value = 0.0;
      f.note = fmt::format("over {} record{} with telemetry", count, count == 1 ? "" : "s");
    }
    out.push_back(std::move(f));
  }
}

void gemm_clock_findings(const SystemInfo& system, const std::vector<Record>& records, const TelemetryCheckSettings& s,
                         std::vector<Finding>& out) {
  std::map<std::pair<Method, std::string>, std::vector<std::pair<const Record*, double>>> groups;
  for (const Record& r : records) {
    if (!is_gemm(r.test.method) || r.status != Status::ok || !r.test.headline || !r.test.devices.empty() ||
        r.test.src == kHost || !r.telemetry) {
      continue;
    }
    const auto mhz = median_sm_clock_mhz(*r.telemetry);
    if (!mhz) continue;
    groups[{r.test.method, model_of(system, r.test.src)}].emplace_back(&r, *mhz);
  }
  for (const auto& [key, group] : groups) {
    if (group.size() < 2) continue;
    std::vector<double> clocks;
    for (const auto& g : group) clocks.push_back(g.second);
    const double median = median_of(clocks);
    const double keep = 1 - s.clock_outlier_fraction;
    for (const auto& [r, mhz] : group) {
      Finding f;
      f.rule = "gemm_clock";
      f.subject = fmt::format("GPU {}", r->test.src);
      f.gpu = r->test.src;
      f.what = fmt::format("{} N={} median SM clock", to_string(r->test.method), r->test.gemm_n);
      f.suite = to_string(r->test.suite);
      f.method = to_string(r->test.method);
      f.bytes = r->test.bytes;
      f.measured = fmt::format("{:.0f} MHz", mhz);
      f.measured_value = mhz * 1e6;
      f.expected_value = keep * median * 1e6;
      f.expected = fmt::format("> {:.0f} MHz", keep * median);
      f.unit = "Hz";
      f.comparison = ">";
      f.verdict = mhz > keep * median ? CheckVerdict::pass : CheckVerdict::warn;
      f.note = fmt::format("{:.1f}% of the median of {} {} GPUs", 100 * mhz / median, group.size(), key.second);
      if (f.verdict == CheckVerdict::warn) {
        if (const GpuTelemetry* g = most_throttled(*r->telemetry)) {
          const ThrottleShare* t = main_throttle(*g);
          f.note += fmt::format("; {} {:.0f} % of the time", describe(t->reason), 100 * t->share);
        }
      }
      out.push_back(std::move(f));
    }
  }
}

bool is_rate_rule(const std::string& rule) {
  return rule == "gemm_peak" || rule == "memory_bandwidth" || rule == "compute_outlier" || rule == "peer_bandwidth" ||
         rule == "peer_outlier" || rule == "host_bandwidth";
}

}  // namespace

void telemetry_findings(const SystemInfo& system, const std::vector<Record>& records, const TelemetryCheckSettings& s,
                        std::vector<Finding>& out) {
  throttling_findings(records, s, out);
  gemm_clock_findings(system, records, s, out);
}

void explain_with_telemetry(const std::vector<Record>& records, std::vector<Finding>& findings) {
  for (Finding& f : findings) {
    if (f.verdict == CheckVerdict::pass || !is_rate_rule(f.rule) || f.method.empty()) continue;
    for (const Record& r : records) {
      if (!r.telemetry || r.status != Status::ok || to_string(r.test.method) != f.method || !r.test.headline) continue;
      if (f.bytes && *f.bytes != r.test.bytes) continue;
      const bool same_gpu = f.gpu ? (r.test.src == *f.gpu || r.test.dst == *f.gpu) && r.test.devices.empty()
                                  : (f.src && r.test.src == *f.src && (!f.dst || r.test.dst == *f.dst));
      if (!same_gpu) continue;
      const std::string mark = telemetry_mark(*r.telemetry, std::nullopt);
      if (mark.empty()) continue;
      f.note += (f.note.empty() ? "" : "; ") + std::string("ran throttled: ") + mark;
      break;
    }
  }
}

}  // namespace gx
