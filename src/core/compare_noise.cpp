#include "core/compare_noise.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace gx {

namespace detail {
extern const char* const kCompareNoiseJson;
}

std::string_view to_string(Regime regime) {
  return regime == Regime::latency_bound ? "latency_bound" : "bandwidth_bound";
}

namespace {

double positive_number(const Json& doc, const char* key, const std::string& origin, bool allow_zero) {
  if (!doc.contains(key) || !doc[key].is_number()) {
    throw InputError(fmt::format("{}: noise model needs a number '{}'", origin, key));
  }
  const double v = doc[key].get<double>();
  if (!std::isfinite(v) || v < 0 || (!allow_zero && v == 0)) {
    throw InputError(
        fmt::format("{}: noise model '{}' must be {}, got {}", origin, key, allow_zero ? ">= 0" : "> 0", v));
  }
  return v;
}

}  // namespace

NoiseModel NoiseModel::from_json(const Json& doc, const std::string& origin) {
  if (!doc.is_object() || doc.value("schema", "") != "gpuxfer.noise") {
    throw InputError(fmt::format("{}: not a noise model (schema \"gpuxfer.noise\" expected)", origin));
  }
  const Json& version = doc.contains("schema_version") ? doc["schema_version"] : Json();
  if (!version.is_object() || !version.contains("major") || !version["major"].is_number_integer() ||
      version["major"].get<int>() != 1) {
    throw InputError(fmt::format("{}: noise model schema_version major 1 expected", origin));
  }
  NoiseModel m;
  m.origin_ = origin;
  m.latency_bound_seconds_ = positive_number(doc, "latency_bound_seconds", origin, false);
  m.default_spread_ = positive_number(doc, "default_spread", origin, true);
  m.min_observations_ = static_cast<std::size_t>(positive_number(doc, "min_observations", origin, false));
  if (doc.contains("cv_multiplier")) m.cv_multiplier_ = positive_number(doc, "cv_multiplier", origin, true);
  if (doc.contains("pairs") && doc["pairs"].is_array()) m.pairs_ = doc["pairs"].size();
  if (!doc.contains("classes") || !doc["classes"].is_object()) {
    throw InputError(fmt::format("{}: noise model needs an object 'classes'", origin));
  }
  for (const auto& [name, entry] : doc["classes"].items()) {
    const std::string where = fmt::format("{} (class {})", origin, name);
    if (!entry.is_object()) throw InputError(where + ": must be an object");
    Entry e;
    e.spread = positive_number(entry, "spread", where, true);
    e.observations = static_cast<std::size_t>(positive_number(entry, "observations", where, true));
    m.classes_.emplace(name, e);
  }
  return m;
}

NoiseModel NoiseModel::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read the noise model", path));
  std::stringstream text;
  text << in.rdbuf();
  Json doc;
  try {
    doc = Json::parse(text.str());
  } catch (const Json::parse_error& e) {
    throw InputError(fmt::format("{}: not valid JSON ({})", path, e.what()));
  }
  return from_json(doc, path);
}

const NoiseModel& NoiseModel::embedded() {
  // Parsed once; a broken embedded file is a build defect that the unit tests catch.
  static const NoiseModel model = from_json(Json::parse(detail::kCompareNoiseJson), "embedded noise model");
  return model;
}

NoiseModel NoiseModel::none() {
  NoiseModel m;
  m.origin_ = "none";
  m.default_spread_ = 0;
  return m;
}

Regime NoiseModel::regime(std::string_view suite, bool latency_metric, double op_seconds) const {
  if (latency_metric || suite == "latency") return Regime::latency_bound;
  return op_seconds < latency_bound_seconds_ ? Regime::latency_bound : Regime::bandwidth_bound;
}

std::string NoiseModel::class_name(std::string_view suite, std::string_view method, Regime regime) {
  return fmt::format("{}/{}/{}", suite, method, to_string(regime));
}

NoiseSpread NoiseModel::spread(std::string_view suite, std::string_view method, Regime regime, double cv_base,
                               double cv_new) const {
  NoiseSpread out{0, default_spread_, 0, 0, "default"};
  for (const std::string& name :
       {class_name(suite, method, regime), class_name(suite, "*", regime), class_name("*", "*", regime)}) {
    const auto it = classes_.find(name);
    if (it != classes_.end() && it->second.observations >= min_observations_) {
      out = NoiseSpread{0, it->second.spread, 0, it->second.observations, name};
      break;
    }
  }
  const auto finite_cv = [](double cv) { return std::isfinite(cv) && cv > 0 ? cv : 0.0; };
  out.cv_term = cv_multiplier_ * std::hypot(finite_cv(cv_base), finite_cv(cv_new));
  out.spread = out.class_spread + out.cv_term;
  return out;
}

RatioInterval widen_interval(double ratio, double ci_low, double ci_high, double spread) {
  const double below = std::log(ratio / ci_low);
  const double above = std::log(ci_high / ratio);
  return RatioInterval{ratio * std::exp(-std::hypot(std::max(0.0, below), spread)),
                       ratio * std::exp(std::hypot(std::max(0.0, above), spread))};
}

}  // namespace gx
