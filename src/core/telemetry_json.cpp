#include "core/telemetry_json.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace gx {
namespace {

template <class T>
Json known_to_json(const Known<T>& k, const char* key, Json& unknown) {
  if (k.has_value()) return Json(*k);
  unknown[key] = k.reason;
  return nullptr;
}

Json gpu_to_json(const GpuTelemetry& g) {
  Json unknown = Json::object();
  Json j;
  j["gpu"] = g.gpu;
  j["samples"] = g.samples;
  j["window_s"] = g.window_s;
  if (g.sm_clock_mhz.has_value()) {
    const MinMedianMax& c = *g.sm_clock_mhz;
    j["sm_clock_mhz"] = Json{{"min", c.min}, {"median", c.median}, {"max", c.max}};
  } else {
    j["sm_clock_mhz"] = nullptr;
    unknown["sm_clock_mhz"] = g.sm_clock_mhz.reason;
  }
  j["mem_clock_mhz_median"] = known_to_json(g.mem_clock_mhz_median, "mem_clock_mhz_median", unknown);
  j["power_w_median"] = known_to_json(g.power_w_median, "power_w_median", unknown);
  j["power_w_max"] = known_to_json(g.power_w_max, "power_w_max", unknown);
  j["power_source"] = g.power_source.empty() ? Json(nullptr) : Json(g.power_source);
  j["power_limit_w"] = known_to_json(g.power_limit_w, "power_limit_w", unknown);
  j["power_percent_of_limit"] = known_to_json(g.power_percent_of_limit, "power_percent_of_limit", unknown);
  j["gpu_temp_c_max"] = known_to_json(g.gpu_temp_c_max, "gpu_temp_c_max", unknown);
  j["mem_temp_c_max"] = known_to_json(g.mem_temp_c_max, "mem_temp_c_max", unknown);
  Json throttle = Json::array();
  for (const auto& s : g.throttle) {
    throttle.push_back(Json{{"reason", to_string(s.reason)}, {"share", s.share}, {"source", s.source}});
  }
  j["throttle"] = std::move(throttle);
  if (g.throttle.empty()) unknown["throttle"] = g.throttle_reason;
  j["pcie_gen_min"] = known_to_json(g.pcie_gen_min, "pcie_gen_min", unknown);
  j["pcie_width_min"] = known_to_json(g.pcie_width_min, "pcie_width_min", unknown);
  if (!unknown.empty()) j["unknown"] = std::move(unknown);
  return j;
}

[[noreturn]] void fail(const std::string& path, std::string_view what) {
  throw InputError(fmt::format("{}: {}", path, what));
}

const Json& member(const Json& o, const char* key, const std::string& path) {
  const auto it = o.find(key);
  if (it == o.end()) fail(path + "." + key, "missing");
  return *it;
}

double number(const Json& o, const char* key, const std::string& path) {
  const Json& v = member(o, key, path);
  if (!v.is_number()) fail(path + "." + key, fmt::format("expected a number (got {})", v.type_name()));
  return v.get<double>();
}

std::string reason_of(const Json& o, const char* key) {
  const auto u = o.find("unknown");
  if (u != o.end() && u->is_object()) {
    const auto r = u->find(key);
    if (r != u->end() && r->is_string()) return r->get<std::string>();
  }
  return "unknown";
}

Known<double> known_number(const Json& o, const char* key, const std::string& path) {
  const auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Known<double>::unknown(reason_of(o, key));
  return number(o, key, path);
}

Known<int> known_int(const Json& o, const char* key, const std::string& path) {
  const auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Known<int>::unknown(reason_of(o, key));
  if (!it->is_number_integer()) fail(path + "." + key, "expected an integer");
  return it->get<int>();
}

GpuTelemetry gpu_from_json(const Json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected an object");
  GpuTelemetry g;
  const Json& gpu = member(j, "gpu", path);
  if (!gpu.is_number_integer() || gpu.get<std::int64_t>() < 0) fail(path + ".gpu", "expected a GPU ordinal");
  g.gpu = gpu.get<int>();
  const Json& samples = member(j, "samples", path);
  if (!samples.is_number_integer() || samples.get<std::int64_t>() < 0) {
    fail(path + ".samples", "expected a non-negative integer");
  }
  g.samples = samples.get<int>();
  g.window_s = number(j, "window_s", path);
  const Json& sm = member(j, "sm_clock_mhz", path);
  if (sm.is_null()) {
    g.sm_clock_mhz = Known<MinMedianMax>::unknown(reason_of(j, "sm_clock_mhz"));
  } else {
    if (!sm.is_object()) fail(path + ".sm_clock_mhz", "expected an object or null");
    const std::string p = path + ".sm_clock_mhz";
    g.sm_clock_mhz = MinMedianMax{number(sm, "min", p), number(sm, "median", p), number(sm, "max", p)};
  }
  g.mem_clock_mhz_median = known_number(j, "mem_clock_mhz_median", path);
  g.power_w_median = known_number(j, "power_w_median", path);
  g.power_w_max = known_number(j, "power_w_max", path);
  const auto source = j.find("power_source");
  if (source != j.end() && source->is_string()) g.power_source = source->get<std::string>();
  g.power_limit_w = known_number(j, "power_limit_w", path);
  g.power_percent_of_limit = known_number(j, "power_percent_of_limit", path);
  g.gpu_temp_c_max = known_number(j, "gpu_temp_c_max", path);
  g.mem_temp_c_max = known_number(j, "mem_temp_c_max", path);
  const Json& throttle = member(j, "throttle", path);
  if (!throttle.is_array()) fail(path + ".throttle", "expected an array");
  for (std::size_t i = 0; i < throttle.size(); ++i) {
    const std::string p = fmt::format("{}.throttle[{}]", path, i);
    const Json& s = throttle[i];
    if (!s.is_object()) fail(p, "expected an object");
    const Json& name = member(s, "reason", p);
    const auto reason = name.is_string() ? parse_throttle_reason(name.get<std::string>()) : std::nullopt;
    if (!reason) fail(p + ".reason", "unknown throttle reason");
    const Json& src = member(s, "source", p);
    if (!src.is_string() || (src != "counter" && src != "polled")) {
      fail(p + ".source", "expected \"counter\" or \"polled\"");
    }
    const double share = number(s, "share", p);
    if (!(share >= 0 && share <= 1)) fail(p + ".share", "expected a fraction in [0, 1]");
    g.throttle.push_back(ThrottleShare{*reason, share, src.get<std::string>()});
  }
  if (g.throttle.empty()) g.throttle_reason = reason_of(j, "throttle");
  g.pcie_gen_min = known_int(j, "pcie_gen_min", path);
  g.pcie_width_min = known_int(j, "pcie_width_min", path);
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
  if (!json.is_object()) fail(path, fmt::format("expected an object (got {})", json.type_name()));
  Telemetry t;
  t.period_s = number(json, "period_s", path);
  const Json& gpus = member(json, "gpus", path);
  if (!gpus.is_array()) fail(path + ".gpus", "expected an array");
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    t.gpus.push_back(gpu_from_json(gpus[i], fmt::format("{}.gpus[{}]", path, i)));
  }
  return t;
}

}  // namespace gx
