#include "core/check_compute.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "core/stats.hpp"
#include "core/units.hpp"

namespace gx {

namespace {

bool judged_here(const Record& r) {
  const Method m = r.test.method;
  const bool memory = r.test.suite == Suite::elementwise && (m == Method::copy || m == Method::triad);
  return (memory || r.test.suite == Suite::gemm) && r.test.headline && r.status == Status::ok &&
         r.test.devices.empty() && r.test.src != kHost;
}

bool selected_by_expectation(const Expectations& e, const Record& r) {
  return std::any_of(e.rules.begin(), e.rules.end(), [&](const ExpectRule& rule) { return rule_selects(rule, r); });
}

std::string model_of(const SystemInfo& system, int gpu) {
  for (const auto& d : system.devices) {
    if (d.index == gpu) return d.name;
  }
  return "?";
}

Finding base_finding(const Record& r, const char* rule) {
  Finding f;
  f.rule = rule;
  f.subject = fmt::format("GPU {}", r.test.src);
  f.what = fmt::format("{} {}", to_string(r.test.method), format_bytes(r.test.bytes));
  f.gpu = r.test.src;
  f.suite = to_string(r.test.suite);
  f.method = to_string(r.test.method);
  f.bytes = r.test.bytes;
  return f;
}

double rate_of(const Record& r) {
  const auto rate = r.test.suite == Suite::gemm ? median_flop_rate(r) : median_rate(r);
  return rate ? *rate : 0;
}

std::string rate_text(const Record& r, double v) {
  return r.test.suite == Suite::gemm ? fmt::format("{:.1f} TFLOP/s", v / 1e12) : format_rate(v);
}

}  // namespace

void compute_findings(const SystemInfo& system, const std::vector<Record>& records, const Expectations& e,
                      const ComputeSettings& s, std::vector<Finding>& out) {
  std::map<std::pair<Method, std::string>, std::vector<const Record*>> by_model;
  for (const Record& r : records) {
    if (!judged_here(r)) continue;
    by_model[{r.test.method, model_of(system, r.test.src)}].push_back(&r);
    if (selected_by_expectation(e, r)) continue;
    // A working set within L2 runs from cache: the memory's theoretical rate does not apply (a
    // headline that small is a --shape choice). GPUs are still compared with each other below.
    if (r.test.suite == Suite::elementwise && cache_resident(r.test)) continue;
    const bool gemm = r.test.suite == Suite::gemm;
    const double minimum_fraction = gemm ? s.gemm_min_fraction : s.memory_min_fraction;
    Finding f = base_finding(r, gemm ? "gemm_peak" : "memory_bandwidth");
    const double rate = rate_of(r);
    const auto& theoretical = theoretical_rate(r.test);
    f.measured = rate_text(r, rate);
    f.measured_value = rate;
    f.unit = gemm ? "FLOP/s" : "B/s";
    f.comparison = ">=";
    if (!theoretical.has_value() || *theoretical <= 0) {
      f.verdict = CheckVerdict::warn;
      f.expected = fmt::format(">= {:.0f}% of peak", minimum_fraction * 100);
      f.note = "theoretical rate unknown: " + theoretical.reason;
    } else {
      const double minimum = minimum_fraction * *theoretical;
      f.expected_value = minimum;
      f.expected = ">= " + rate_text(r, minimum);
      f.verdict = rate >= minimum ? CheckVerdict::pass : CheckVerdict::fail;
      f.note = fmt::format("{:.1f}% of {} {}", 100 * rate / *theoretical, rate_text(r, *theoretical),
                           gemm ? "dense peak" : "theoretical memory bandwidth");
    }
    out.push_back(std::move(f));
  }
  for (const auto& [key, group] : by_model) {
    if (group.size() < 2) continue;
    std::vector<double> rates;
    for (const Record* r : group) rates.push_back(rate_of(*r));
    const double median = median_of(rates);
    const double keep = 1 - s.outlier_fraction;
    for (std::size_t i = 0; i < group.size(); ++i) {
      Finding f = base_finding(*group[i], "compute_outlier");
      f.measured = rate_text(*group[i], rates[i]);
      f.measured_value = rates[i];
      f.expected_value = keep * median;
      f.expected = "> " + rate_text(*group[i], keep * median);
      f.unit = group[i]->test.suite == Suite::gemm ? "FLOP/s" : "B/s";
      f.comparison = ">";
      f.verdict = rates[i] > keep * median ? CheckVerdict::pass : CheckVerdict::fail;
      f.note = fmt::format("{:.1f}% of the median of {} {} GPUs", 100 * rates[i] / median, group.size(), key.second);
      out.push_back(std::move(f));
    }
  }
}

}  // namespace gx
