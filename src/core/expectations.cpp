#include "core/expectations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "core/error.hpp"
#include "core/plan.hpp"
#include "core/report_load.hpp"
#include "core/units.hpp"

namespace gx {

std::string_view to_string(ExpectThreshold threshold) {
  switch (threshold) {
    case ExpectThreshold::min_gbps: return "min_gbps";
    case ExpectThreshold::min_tflops: return "min_tflops";
    case ExpectThreshold::max_us: return "max_us";
  }
  return "min_gbps";
}

std::string_view to_string(RuleLevel level) {
  switch (level) {
    case RuleLevel::suite: return "suite";
    case RuleLevel::method: return "method";
    case RuleLevel::link_class: return "link class";
    case RuleLevel::pair: return "pair";
  }
  return "suite";
}

RuleLevel level_of(const ExpectRule& rule) {
  if (rule.src || rule.dst || rule.gpu) return RuleLevel::pair;
  if (rule.link_class) return RuleLevel::link_class;
  if (rule.method) return RuleLevel::method;
  return RuleLevel::suite;
}

namespace {

std::string number_text(double value) {
  return fmt::format("{}", value);
}

std::string threshold_text(const ExpectRule& rule) {
  switch (rule.threshold) {
    case ExpectThreshold::min_gbps: return ">= " + number_text(rule.value) + " GB/s";
    case ExpectThreshold::min_tflops: return ">= " + number_text(rule.value) + " TFLOP/s";
    case ExpectThreshold::max_us: return "<= " + number_text(rule.value) + " us";
  }
  return "";
}

}  // namespace

std::string describe_rule(const ExpectRule& rule) {
  std::vector<std::string> parts;
  if (rule.src || rule.dst) {
    parts.push_back(
        fmt::format("{}->{}", rule.src ? std::to_string(*rule.src) : "*", rule.dst ? std::to_string(*rule.dst) : "*"));
  }
  if (rule.gpu) parts.push_back(fmt::format("GPU {}", *rule.gpu));
  if (rule.method) {
    parts.emplace_back(to_string(*rule.method));
  } else if (rule.suite) {
    parts.emplace_back(to_string(*rule.suite));
  }
  if (rule.link_class) parts.push_back(*rule.link_class);
  if (rule.bytes) parts.push_back(format_bytes(*rule.bytes));
  parts.push_back(threshold_text(rule));
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : " ") + p;
  return text;
}

namespace {

bool involves(const Case& c, int gpu) {
  if (c.src == gpu || c.dst == gpu) return true;
  return std::find(c.devices.begin(), c.devices.end(), gpu) != c.devices.end();
}

}  // namespace

bool rule_selects(const ExpectRule& rule, const Record& record) {
  const Case& c = record.test;
  const Metric metric = metric_of(c.method);
  switch (rule.threshold) {
    case ExpectThreshold::min_gbps:
      if (metric != Metric::bandwidth) return false;
      break;
    case ExpectThreshold::max_us:
      if (metric != Metric::latency) return false;
      break;
    case ExpectThreshold::min_tflops:
      if (metric != Metric::throughput) return false;
      break;
  }
  if (is_tuning_case(c)) return false;
  if (rule.suite && c.suite != *rule.suite) return false;
  if (rule.method && c.method != *rule.method) return false;
  if (rule.link_class && c.link_class != *rule.link_class) return false;
  if (rule.src && c.src != *rule.src) return false;
  if (rule.dst && c.dst != *rule.dst) return false;
  if (rule.gpu && !involves(c, *rule.gpu)) return false;
  if (rule.bytes) return c.bytes == *rule.bytes;
  return metric == Metric::latency || c.headline;
}

namespace {

const char* const kTopKeys[] = {"schema", "schema_version", "comment", "source", "rules"};
const char* const kRuleKeys[] = {"comment", "suite", "method",   "link_class", "src",   "dst",
                                 "gpu",     "bytes", "min_gbps", "min_tflops", "max_us"};

template <std::size_t N>
bool known_key(const std::string& key, const char* const (&keys)[N]) {
  return std::any_of(std::begin(keys), std::end(keys), [&](const char* k) { return key == k; });
}

template <std::size_t N>
std::string key_list(const char* const (&keys)[N]) {
  std::string text;
  for (const char* k : keys) text += (text.empty() ? "" : ", ") + std::string(k);
  return text;
}

std::string short_json(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

class RuleReader {
 public:
  RuleReader(const std::string& name, int number, const Json& json) : name_(name), number_(number), json_(json) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(fmt::format("{}: rule {}: {}", name_, number_, problem));
  }

  std::optional<std::string> text(const char* key) const {
    const auto it = json_.find(key);
    if (it == json_.end()) return std::nullopt;
    if (!it->is_string() || it->get<std::string>().empty()) {
      fail(fmt::format("{} must be a non-empty string, got {}", key, short_json(*it)));
    }
    return it->get<std::string>();
  }

  std::optional<int> gpu_index(const char* key) const {
    const auto it = json_.find(key);
    if (it == json_.end()) return std::nullopt;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 4095) {
      fail(fmt::format("{} must be a GPU index from 0 to 4095, got {}", key, short_json(*it)));
    }
    return static_cast<int>(it->get<std::int64_t>());
  }

  std::optional<std::uint64_t> size(const char* key) const {
    const auto it = json_.find(key);
    if (it == json_.end()) return std::nullopt;
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > 0) return it->get<std::uint64_t>();
    if (it->is_string()) {
      try {
        return parse_size(it->get<std::string>());
      } catch (const Error& e) {
        fail(fmt::format("{}: {}", key, e.what()));
      }
    }
    fail(fmt::format("{} must be a positive integer or a size such as \"400MB\", got {}", key, short_json(*it)));
  }

  std::optional<double> positive(const char* key) const {
    const auto it = json_.find(key);
    if (it == json_.end()) return std::nullopt;
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() <= 0) {
      fail(fmt::format("{} must be a positive number, got {}", key, short_json(*it)));
    }
    return it->get<double>();
  }

 private:
  const std::string& name_;
  int number_;
  const Json& json_;
};

std::string all_names_of_suites() {
  std::string text;
  for (Suite s : all_suites()) text += (text.empty() ? "" : ", ") + std::string(to_string(s));
  return text;
}

ExpectRule parse_rule(const Json& json, const std::string& name, int number, bool strict_keys) {
  RuleReader r(name, number, json);
  if (!json.is_object()) r.fail(fmt::format("must be an object, got {}", short_json(json)));
  if (strict_keys) {
    for (const auto& item : json.items()) {
      if (!known_key(item.key(), kRuleKeys)) {
        r.fail(fmt::format("unknown key '{}' (allowed: {})", item.key(), key_list(kRuleKeys)));
      }
    }
  }
  ExpectRule rule;
  rule.number = number;
  if (const auto comment = json.find("comment"); comment != json.end()) {
    if (!comment->is_string()) r.fail("comment must be a string");
    rule.comment = comment->get<std::string>();
  }
  if (const auto suite = r.text("suite")) {
    rule.suite = parse_suite(*suite);
    if (!rule.suite) r.fail(fmt::format("unknown suite '{}' (allowed: {})", *suite, all_names_of_suites()));
  }
  if (const auto method = r.text("method")) {
    rule.method = parse_method(*method);
    if (!rule.method) r.fail(fmt::format("unknown method '{}'", *method));
    const Suite owner = suite_of(*rule.method);
    if (rule.suite && *rule.suite != owner) {
      r.fail(fmt::format("method {} belongs to suite {}, not {}", *method, to_string(owner), to_string(*rule.suite)));
    }
    rule.suite = owner;
  }
  rule.link_class = r.text("link_class");
  rule.src = r.gpu_index("src");
  rule.dst = r.gpu_index("dst");
  rule.gpu = r.gpu_index("gpu");
  if (rule.src && rule.dst && *rule.src == *rule.dst) r.fail("src and dst must differ");
  rule.bytes = r.size("bytes");

  int thresholds = 0;
  for (ExpectThreshold t : {ExpectThreshold::min_gbps, ExpectThreshold::min_tflops, ExpectThreshold::max_us}) {
    if (const auto value = r.positive(std::string(to_string(t)).c_str())) {
      ++thresholds;
      rule.threshold = t;
      rule.value = *value;
    }
  }
  if (thresholds != 1) r.fail("needs exactly one of min_gbps, min_tflops, max_us");
  if (!rule.suite && !rule.link_class && !rule.src && !rule.dst && !rule.gpu) {
    r.fail("selects by nothing: give suite, method, link_class, src/dst or gpu");
  }
  if (rule.method && rule.threshold == ExpectThreshold::min_gbps && metric_of(*rule.method) != Metric::bandwidth) {
    r.fail(fmt::format("method {} does not measure bandwidth: use {}", to_string(*rule.method),
                       metric_of(*rule.method) == Metric::throughput ? "min_tflops" : "max_us"));
  }
  if (rule.method && rule.threshold == ExpectThreshold::max_us && metric_of(*rule.method) != Metric::latency) {
    r.fail(fmt::format("method {} does not measure latency: use {}", to_string(*rule.method),
                       metric_of(*rule.method) == Metric::throughput ? "min_tflops" : "min_gbps"));
  }
  if (rule.method && rule.threshold == ExpectThreshold::min_tflops && metric_of(*rule.method) != Metric::throughput) {
    r.fail(
        fmt::format("method {} does not measure FLOP/s: min_tflops applies to gemm methods", to_string(*rule.method)));
  }
  return rule;
}

}  // namespace

Expectations parse_expectations(std::string_view text, const std::string& name) {
  const Json doc = parse_json_capped(text, name, kMaxExpectDepth);
  if (!doc.is_object())
    throw InputError(fmt::format("{}: not a gpuxfer expectations file (top level is not an object)", name));
  const auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string() || *schema != kExpectSchema) {
    throw InputError(fmt::format("{}: not a gpuxfer expectations file (schema is not \"{}\")", name, kExpectSchema));
  }
  Expectations e;
  e.path = name;
  const auto version = doc.find("schema_version");
  if (version == doc.end() || !version->is_object() || !version->contains("major") || !version->contains("minor") ||
      !(*version)["major"].is_number_integer() || !(*version)["minor"].is_number_integer()) {
    throw InputError(fmt::format("{}: schema_version must be {{\"major\": int, \"minor\": int}}", name));
  }
  const auto major = (*version)["major"].get<std::int64_t>();
  const auto minor = (*version)["minor"].get<std::int64_t>();
  if (major > kExpectSchemaMajor) {
    throw InputError(
        fmt::format("{}: expectations schema version {}.{} is newer than this gpuxfer reads ({}.x); update gpuxfer",
                    name, major, minor, kExpectSchemaMajor));
  }
  if (major < kExpectSchemaMajor || minor < 0) {
    throw InputError(fmt::format("{}: expectations schema version {}.{} is not one this gpuxfer reads ({}.x)", name,
                                 major, minor, kExpectSchemaMajor));
  }
  e.schema_major = static_cast<int>(major);
  e.schema_minor = static_cast<int>(std::min<std::int64_t>(minor, 1 << 30));
  const bool strict_keys = minor <= kExpectSchemaMinor;
  if (strict_keys) {
    for (const auto& item : doc.items()) {
      if (!known_key(item.key(), kTopKeys)) {
        throw InputError(fmt::format("{}: unknown key '{}' (allowed: {})", name, item.key(), key_list(kTopKeys)));
      }
    }
  }
  const auto rules = doc.find("rules");
  if (rules == doc.end() || !rules->is_array()) throw InputError(fmt::format("{}: \"rules\" must be an array", name));
  int number = 0;
  for (const auto& rule : *rules) e.rules.push_back(parse_rule(rule, name, ++number, strict_keys));
  return e;
}

Expectations load_expectations(const std::string& path) {
  return parse_expectations(read_file_capped(path, kMaxExpectBytes), path);
}

double parse_margin(std::string_view text) {
  const auto bad = [&] {
    return UsageError(fmt::format("invalid --margin '{}': a percentage from 0% to below 100%, such as 10%", text));
  };
  if (text.size() < 2 || text.back() != '%') throw bad();
  const std::string number(text.substr(0, text.size() - 1));
  if (number.find_first_not_of("0123456789.") != std::string::npos) throw bad();
  double value = 0;
  try {
    std::size_t used = 0;
    value = std::stod(number, &used);
    if (used != number.size()) throw bad();
  } catch (const std::logic_error&) {
    throw bad();
  }
  if (!std::isfinite(value) || value < 0 || value >= 100) throw bad();
  return value / 100.0;
}

namespace {

// Rounded down to 0.001 GB/s, never above what was measured x (1 - margin).
double floor_gbps(double bytes_per_s) {
  double gbps = std::floor(bytes_per_s / 1e9 * 1000.0) / 1000.0;
  while (gbps > 0 && gbps * 1e9 > bytes_per_s) gbps -= 0.001;
  return gbps;
}

// Rounded up to 0.001 µs, never below what was measured x (1 + margin).
double ceil_us(double seconds) {
  double us = std::ceil(seconds * 1e6 * 1000.0) / 1000.0;
  while (us * 1e-6 < seconds) us += 0.001;
  return us;
}

}  // namespace

Json emit_expectations(const std::vector<Record>& records, std::optional<double> margin, Json source,
                       const NoiseModel& noise) {
  // A record a rule may be drawn from: measured, and judged by a threshold kind.
  struct Member {
    const Record* record = nullptr;
    Metric metric = Metric::bandwidth;
    double value = 0;   // median rate (bandwidth: B/s, throughput: FLOP/s) or median time (latency)
    double spread = 0;  // the noise model's run-to-run spread of the record's class
  };
  std::vector<Member> members;
  for (const Record& r : records) {
    if (r.status != Status::ok || !r.time || is_tuning_case(r.test)) continue;
    const Metric metric = metric_of(r.test.method);
    if (metric == Metric::overlap) continue;  // no threshold kind judges an overlap
    double value = 0;
    if (metric == Metric::bandwidth || metric == Metric::throughput) {
      if (!r.test.headline) continue;
      const auto rate =
          metric == Metric::throughput
              ? (r.time->median > 0 ? std::optional<double>(r.flops_per_op / r.time->median) : std::nullopt)
              : median_rate(r);
      if (!rate || *rate <= 0) continue;
      value = *rate;
    } else {
      if (!(r.time->median > 0)) continue;
      value = r.time->median;
    }
    // The next run's cv is unknown: assume it scatters as this one did.
    const double spread = noise
                              .spread(to_string(r.test.suite), to_string(r.test.method),
                                      noise.regime(to_string(r.test.suite), metric == Metric::latency, r.time->median),
                                      r.time->cv, r.time->cv)
                              .spread;
    members.push_back(Member{&r, metric, value, spread});
  }
  const auto threshold_of = [](Metric m) {
    return m == Metric::throughput ? ExpectThreshold::min_tflops
           : m == Metric::latency  ? ExpectThreshold::max_us
                                   : ExpectThreshold::min_gbps;
  };
  std::set<const Record*> measured;
  for (const Member& m : members) measured.insert(m.record);
  const auto is_member = [&](const Record* r) { return measured.count(r) > 0; };
  // A rule is emitted only when every record it selects in this run was measured: a rule that
  // also selects a record this run skipped would fail the run it was drawn from.
  const auto selects_only_members = [&](const ExpectRule& rule) {
    for (const Record& r : records) {
      if (rule_selects(rule, r) && !is_member(&r)) return false;
    }
    return true;
  };

  Json rules = Json::array();
  std::size_t left_out = 0;
  const auto emit = [&](const ExpectRule& rule, const std::vector<const Member*>& group) {
    double low = group.front()->value, high = group.front()->value, cv = 0, spread = 0;
    for (const Member* m : group) {
      low = std::min(low, m->value);
      high = std::max(high, m->value);
      cv = std::max(cv, m->record->time->cv);
      spread = std::max(spread, m->spread);
    }
    // Auto margin: what the next run on this machine may lose without a fault: the noise
    // model's run-to-run spread for the class and this run's within-run cv (compare's row spread),
    // plus the cv once more, as a median of few noisy samples moves.
    const double mg = margin ? *margin : std::min(0.9, spread + cv);
    Json j;
    if (rule.suite) j["suite"] = to_string(*rule.suite);
    if (rule.method) j["method"] = to_string(*rule.method);
    if (rule.link_class) j["link_class"] = *rule.link_class;
    if (rule.src) j["src"] = *rule.src;
    if (rule.dst) j["dst"] = *rule.dst;
    if (rule.gpu) j["gpu"] = *rule.gpu;
    const Metric metric = group.front()->metric;
    if (metric == Metric::bandwidth) {
      const double gbps = floor_gbps(low * (1.0 - mg));
      if (gbps <= 0) return;
      j["min_gbps"] = gbps;
      j["comment"] = fmt::format("{} record(s) at the headline size, lowest {}, margin {:.1f}%", group.size(),
                                 format_rate(low), mg * 100);
    } else if (metric == Metric::throughput) {
      // floor_gbps rounds to 1e-3 of its unit: FLOP/s / 1e3 in GFLOP/s units gives TFLOP/s steps.
      const double tflops = floor_gbps(low * (1.0 - mg) / 1e3);
      if (tflops <= 0) return;
      j["min_tflops"] = tflops;
      j["comment"] = fmt::format("{} record(s) at the headline size, lowest {:.1f} TFLOP/s, margin {:.1f}%",
                                 group.size(), low / 1e12, mg * 100);
    } else {
      j["bytes"] = *rule.bytes;
      j["max_us"] = ceil_us(high * (1.0 + mg));
      j["comment"] =
          fmt::format("{} record(s), highest {}, margin {:.1f}%", group.size(), format_duration(high), mg * 100);
    }
    rules.push_back(std::move(j));
  };

  // Groups by suite, method, link class (and size for latency), in first-seen (run) order.
  using Key = std::tuple<Suite, Method, std::string, std::uint64_t>;
  std::vector<Key> order;
  std::map<Key, std::vector<const Member*>> groups;
  for (const Member& m : members) {
    const Case& c = m.record->test;
    const Key key{c.suite, c.method, c.link_class, m.metric == Metric::latency ? c.bytes : 0};
    auto [it, added] = groups.try_emplace(key);
    if (added) order.push_back(key);
    it->second.push_back(&m);
  }
  for (const Key& key : order) {
    const auto& group = groups[key];
    const auto& [suite, method, link_class, bytes] = key;
    ExpectRule rule;
    rule.suite = suite;
    rule.method = method;
    if (!link_class.empty()) rule.link_class = link_class;
    rule.threshold = threshold_of(group.front()->metric);
    if (rule.threshold == ExpectThreshold::max_us) rule.bytes = bytes;
    if (selects_only_members(rule)) {
      emit(rule, group);
      continue;
    }
    // Some record of the class was not measured in this run: one rule per measured record,
    // narrowed to its endpoints, and only where that selects nothing unmeasured.
    for (const Member* m : group) {
      const Case& c = m->record->test;
      ExpectRule narrow = rule;
      if (c.devices.empty() && c.src != kHost && c.dst != kHost && c.src != c.dst) {
        narrow.src = c.src;
        narrow.dst = c.dst;
      } else if (c.devices.empty()) {
        narrow.gpu = host_gpu(c);
      } else {
        ++left_out;
        continue;
      }
      std::vector<const Member*> selected;
      for (const Member& other : members) {
        if (rule_selects(narrow, *other.record)) selected.push_back(&other);
      }
      if (selected.empty() || !selects_only_members(narrow) || selected.front() != m) {
        // Not expressible without selecting an unmeasured record, or already emitted for an
        // earlier record of the same endpoints.
        if (selected.empty() || !selects_only_members(narrow)) ++left_out;
        continue;
      }
      emit(narrow, selected);
    }
  }
  source["records_without_rule"] = left_out;
  source["margin"] = margin ? Json(*margin) : Json("auto");
  Json doc;
  doc["schema"] = kExpectSchema;
  doc["schema_version"] = Json{{"major", kExpectSchemaMajor}, {"minor", kExpectSchemaMinor}};
  doc["comment"] =
      "Written by gpuxfer check --emit-expect from a known-good run: minimums (GB/s, TFLOP/s) are the lowest "
      "measured rate x (1 - margin) per suite, method and link class at the headline size; latency "
      "maximums the highest measured time x (1 + margin) per method, link class and size. Auto margin: "
      "the method's run-to-run spread (compare noise model) + the run's within-run cv.";
  doc["source"] = std::move(source);
  doc["rules"] = std::move(rules);
  return doc;
}

}  // namespace gx
