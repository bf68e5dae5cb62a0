#include "core/telemetry_json.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/known_json.hpp"

namespace gx {
namespace {

Json gpu_to_json(const GpuTelemetry& g) {
  Json j;
  {
    KnownWriter w(j);
    j["gpu"] = g.gpu;
    j["samples"] = g.samples;
    j["window_s"] = g.window_s;
    if (g.sm_clock_mhz.has_value()) {
      const MinMedianMax& c = *g.sm_clock_mhz;
      j["sm_clock_mhz"] = Json{{"min", c.min}, {"median", c.median}, {"max", c.max}};
    } else {
      j["sm_clock_mhz"] = nullptr;
      w.reason("sm_clock_mhz", g.sm_clock_mhz.reason);
    }
    w.known("mem_clock_mhz_median", g.mem_clock_mhz_median);
    w.known("power_w_median", g.power_w_median);
    w.known("power_w_max", g.power_w_max);
    j["power_source"] = g.power_source.empty() ? Json(nullptr) : Json(g.power_source);
    j["sm_clock_source"] = g.sm_clock_source.empty() ? Json(nullptr) : Json(g.sm_clock_source);
    w.known("power_limit_w", g.power_limit_w);
    w.known("power_percent_of_limit", g.power_percent_of_limit);
    w.known("gpu_temp_c_max", g.gpu_temp_c_max);
    w.known("mem_temp_c_max", g.mem_temp_c_max);
    Json throttle = Json::array();
    for (const auto& s : g.throttle) {
      throttle.push_back(Json{{"reason", to_string(s.reason)}, {"share", s.share}, {"source", s.source}});
    }
    j["throttle"] = std::move(throttle);
    if (g.throttle.empty()) w.reason("throttle", g.throttle_reason);
    w.known("pcie_gen_min", g.pcie_gen_min);
    w.known("pcie_width_min", g.pcie_width_min);
  }
  return j;
}

GpuTelemetry gpu_from_json(const Json& j, const std::string& path) {
  const KnownReader r(j, "", path);
  GpuTelemetry g;
  g.gpu = r.get<int>("gpu");
  if (g.gpu < 0) r.fail("gpu", "expected a GPU ordinal");
  g.samples = r.get<int>("samples");
  if (g.samples < 0) r.fail("samples", "expected a non-negative integer");
  g.window_s = r.get<double>("window_s");
  const Json& sm = r.at("sm_clock_mhz");
  if (sm.is_null()) {
    g.sm_clock_mhz = Known<MinMedianMax>::unknown(r.reason("sm_clock_mhz"));
  } else {
    if (!sm.is_object()) r.fail("sm_clock_mhz", "expected an object or null");
    const KnownReader c = r.nested(sm, path + ".sm_clock_mhz");
    g.sm_clock_mhz = MinMedianMax{c.get<double>("min"), c.get<double>("median"), c.get<double>("max")};
  }
  g.mem_clock_mhz_median = r.known<double>("mem_clock_mhz_median");
  g.power_w_median = r.known<double>("power_w_median");
  g.power_w_max = r.known<double>("power_w_max");
  if (const Json* source = r.find("power_source"); source != nullptr && source->is_string()) {
    g.power_source = source->get<std::string>();
  }
  // 1.7+; absent before: the clock was polled.
  if (const Json* source = r.find("sm_clock_source"); source != nullptr && source->is_string()) {
    g.sm_clock_source = source->get<std::string>();
  } else if (source == nullptr && g.sm_clock_mhz.has_value()) {
    g.sm_clock_source = "polled";
  }
  g.power_limit_w = r.known<double>("power_limit_w");
  g.power_percent_of_limit = r.known<double>("power_percent_of_limit");
  g.gpu_temp_c_max = r.known<double>("gpu_temp_c_max");
  g.mem_temp_c_max = r.known<double>("mem_temp_c_max");
  const Json& throttle = r.at("throttle");
  if (!throttle.is_array()) r.fail("throttle", "expected an array");
  for (std::size_t i = 0; i < throttle.size(); ++i) {
    const KnownReader s = r.nested(throttle[i], fmt::format("{}.throttle[{}]", path, i));
    const std::string name = s.get<std::string>("reason");
    const auto reason = parse_throttle_reason(name);
    if (!reason) s.fail("reason", "unknown throttle reason");
    const std::string source = s.get<std::string>("source");
    if (source != "counter" && source != "polled") s.fail("source", "expected \"counter\" or \"polled\"");
    const double share = s.get<double>("share");
    if (!(share >= 0 && share <= 1)) s.fail("share", "expected a fraction in [0, 1]");
    g.throttle.push_back(ThrottleShare{*reason, share, source});
  }
  if (g.throttle.empty()) g.throttle_reason = r.reason("throttle");
  g.pcie_gen_min = r.known<int>("pcie_gen_min");
  g.pcie_width_min = r.known<int>("pcie_width_min");
  return g;
}

}  // namespace

Json telemetry_to_json(const Telemetry& t, std::optional<double> flop_rate_per_sm_ghz) {
  Json j;
  j["period_s"] = t.period_s;
  if (flop_rate_per_sm_ghz) j["flop_rate_per_sm_ghz"] = *flop_rate_per_sm_ghz;
  Json gpus = Json::array();
  for (const auto& g : t.gpus) gpus.push_back(gpu_to_json(g));
  j["gpus"] = std::move(gpus);
  return j;
}

Telemetry telemetry_from_json(const Json& json, const std::string& path) {
  const KnownReader r(json, "", path);
  Telemetry t;
  t.period_s = r.get<double>("period_s");
  const Json& gpus = r.at("gpus");
  if (!gpus.is_array()) r.fail("gpus", "expected an array");
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    t.gpus.push_back(gpu_from_json(gpus[i], fmt::format("{}.gpus[{}]", path, i)));
  }
  return t;
}

}  // namespace gx
