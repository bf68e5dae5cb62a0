#include "core/record_json.hpp"

#include <fmt/format.h>

#include <limits>
#include <string>

#include "core/error.hpp"
#include "core/sweep.hpp"
#include "core/telemetry_json.hpp"

namespace gx {
namespace {

Json endpoint_to_json(int gpu) {
  return gpu == kHost ? Json(nullptr) : Json(gpu);
}

Json summary_to_json(const Summary& s) {
  return Json{{"n", s.n},     {"min", s.min},   {"q1", s.q1},       {"median", s.median}, {"q3", s.q3},
              {"max", s.max}, {"mean", s.mean}, {"stdev", s.stdev}, {"cv", s.cv}};
}

Json optional_number(std::optional<double> v) {
  return v ? Json(*v) : Json(nullptr);
}

Json shape_to_json(const Case& c) {
  const auto shape = shape_for_bytes(c.bytes, c.dtype);
  return shape ? Json(format_shape(*shape)) : Json(nullptr);
}

Json measurement_to_json(const Record& r) {
  return Json{{"timing_mode", to_string(r.timing)},
              {"warmup_ops", r.warmup_ops},
              {"samples", r.sample_seconds.size()},
              {"ops_per_sample", r.ops_per_sample},
              {"min_sample_s", r.min_sample_seconds},
              {"ops_capped", r.ops_capped},
              {"bytes_per_op", r.bytes_per_op},
              {"flops_per_op", r.flops_per_op},
              {"verified", r.verified},
              {"mismatches", r.mismatches}};
}

Json rate_to_json(const Record& r) {
  if (metric_of(r.test.method) == Metric::throughput) {
    const auto median = median_flop_rate(r);
    if (!median) return nullptr;
    return Json{{"unit", "FLOP/s"}, {"median", *median}, {"best", optional_number(best_flop_rate(r))}};
  }
  const auto median = median_rate(r);
  if (!median) return nullptr;
  return Json{{"unit", "B/s"}, {"median", *median}, {"best", optional_number(best_rate(r))}};
}

Json overlap_to_json(const Record& r) {
  if (!r.overlap) return nullptr;
  const OverlapTimes& t = *r.overlap;
  return Json{{"copy_alone_s", t.copy_alone},
              {"compute_alone_s", t.compute_alone},
              {"together_s", t.together},
              {"copy_shared_s", t.copy_shared},
              {"compute_shared_s", t.compute_shared},
              {"efficiency", optional_number(overlap_efficiency(t))},
              {"copy_slowdown", optional_number(copy_slowdown(t))},
              {"compute_slowdown", optional_number(compute_slowdown(t))}};
}

Json latency_to_json(const Record& r) {
  if (metric_of(r.test.method) != Metric::latency || r.status != Status::ok || !r.time) return nullptr;
  return Json{{"median", r.time->median}, {"best", r.time->min}};
}

Json chase_to_json(const ChaseWalk& w) {
  return Json{{"stride_bytes", w.stride_bytes}, {"lines", w.lines},
              {"steps_per_op", w.steps_per_op}, {"loads_before_samples", w.loads_before_samples},
              {"loads_timed", w.loads_timed},   {"distinct_lines_timed", w.distinct_lines_timed()}};
}

Json efficiency_to_json(const Record& r) {
  const auto& theoretical = r.test.theoretical_bytes_per_s;
  Json j;
  j["theoretical_bytes_per_s"] = theoretical.has_value() ? Json(*theoretical) : Json(nullptr);
  j["fraction"] = optional_number(efficiency(r));
  Json unknown = Json::object();
  if (!theoretical.has_value()) unknown["theoretical_bytes_per_s"] = theoretical.reason;
  // Throughput records (schema 1.2): the peak FLOP/s the fraction is of.
  if (metric_of(r.test.method) == Metric::throughput) {
    const auto& peak = r.test.theoretical_flops_per_s;
    j["theoretical_flops_per_s"] = peak.has_value() ? Json(*peak) : Json(nullptr);
    if (!peak.has_value()) unknown["theoretical_flops_per_s"] = peak.reason;
  }
  if (!unknown.empty()) j["unknown"] = std::move(unknown);
  return j;
}

// Reads one JSON object with typed, range-checked getters; every error names the full path.
class Reader {
 public:
  [[nodiscard]] const Json& json() const { return object_; }
  Reader(const Json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) {
      throw InputError(fmt::format("{}: expected an object (got {})", path_, object_.type_name()));
    }
  }
  [[noreturn]] void fail(std::string_view key, std::string_view what) const {
    throw InputError(fmt::format("{}.{}: {}", path_, key, what));
  }
  const Json& at(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end()) fail(key, "missing");
    return *it;
  }
  Reader object(const char* key) const { return Reader(at(key), path_ + "." + key); }
  [[nodiscard]] std::string path_of(const char* key) const { return path_ + "." + key; }

  std::string string(const char* key) const {
    const Json& v = at(key);
    if (!v.is_string()) fail(key, fmt::format("expected a string (got {})", v.type_name()));
    return v.get<std::string>();
  }
  // A string that may be null (read as empty).
  std::string optional_string(const char* key) const { return at(key).is_null() ? std::string() : string(key); }
  bool boolean(const char* key) const {
    const Json& v = at(key);
    if (!v.is_boolean()) fail(key, fmt::format("expected true or false (got {})", v.type_name()));
    return v.get<bool>();
  }
  double number(const char* key) const {
    const Json& v = at(key);
    if (!v.is_number()) fail(key, fmt::format("expected a number (got {})", v.type_name()));
    return v.get<double>();
  }
  std::uint64_t unsigned_integer(const char* key) const { return unsigned_value(at(key), key); }
  int integer(const char* key, int min) const { return int_value(at(key), key, min); }
  // A GPU ordinal, or null for host memory.
  int endpoint(const char* key) const { return at(key).is_null() ? kHost : integer(key, 0); }

  std::uint64_t unsigned_value(const Json& v, std::string_view key) const {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    // A document built in memory holds non-negative ints as signed; only text parsing makes
    // them unsigned.
    if (v.is_number_integer()) {
      const auto value = v.get<std::int64_t>();
      if (value < 0) fail(key, fmt::format("{} is negative", value));
      return static_cast<std::uint64_t>(value);
    }
    fail(key, fmt::format("expected a non-negative integer (got {})", v.type_name()));
  }
  int int_value(const Json& v, std::string_view key, int min) const {
    if (!v.is_number_integer()) fail(key, fmt::format("expected an integer (got {})", v.type_name()));
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::numeric_limits<int>::max()) {
      fail(key, fmt::format("{} is out of range", v.get<std::uint64_t>()));
    }
    const auto value = v.get<std::int64_t>();
    if (value < min || value > std::numeric_limits<int>::max()) {
      fail(key, fmt::format("{} is out of range (at least {})", value, min));
    }
    return static_cast<int>(value);
  }

  template <class Enum, class Parse>
  Enum enumeration(const char* key, Parse parse, std::string_view allowed) const {
    const std::string text = string(key);
    const std::optional<Enum> value = parse(text);
    if (!value) fail(key, fmt::format("unknown value '{}' (allowed {})", text, allowed));
    return *value;
  }

 private:
  const Json& object_;
  std::string path_;
};

std::string allowed_methods() {
  std::string names;
  for (Suite s : all_suites()) {
    for (Method m : methods_of(s)) names += (names.empty() ? "" : ", ") + std::string(to_string(m));
  }
  return names;
}

std::optional<DType> parse_dtype_name(std::string_view text) {
  for (DType d : {DType::f32, DType::f16, DType::bf16, DType::f64}) {
    if (text == to_string(d)) return d;
  }
  return std::nullopt;
}

void read_identity(const Reader& r, Case& c) {
  c.method = r.enumeration<Method>("method", parse_method, allowed_methods());
  c.suite =
      r.enumeration<Suite>("suite", parse_suite, "peer, staged, host, async, latency, elementwise, gemm, overlap");
  if (c.suite != suite_of(c.method)) {
    r.fail("suite", fmt::format("'{}' does not hold method '{}' (its suite is {})", to_string(c.suite),
                                to_string(c.method), to_string(suite_of(c.method))));
  }
  c.src = r.endpoint("src");
  c.dst = r.endpoint("dst");
  const Json& devices = r.at("devices");
  if (!devices.is_array()) r.fail("devices", "expected an array of GPU ordinals");
  for (std::size_t i = 0; i < devices.size(); ++i) {
    c.devices.push_back(r.int_value(devices[i], fmt::format("devices[{}]", i), 0));
  }
  c.dtype = r.enumeration<DType>("dtype", parse_dtype_name, "f32, f16, bf16, f64");
  c.bytes = r.unsigned_integer("bytes");
  c.streams = r.integer("streams", 1);
  c.chunk_bytes = r.unsigned_integer("chunk_bytes");
  c.ring_depth = r.integer("ring_depth", 0);
  c.link_class = r.string("link_class");
  c.headline = r.boolean("headline");
  // Optional (false when absent), so reports written without it still read.
  const auto tuning = r.json().find("tuning");
  c.tuning = tuning != r.json().end() && tuning->is_boolean() && tuning->get<bool>();
  // Schema 1.2; 0 when absent.
  if (r.json().contains("gemm_n")) c.gemm_n = r.unsigned_integer("gemm_n");
}

double optional_number_in(const Reader& r, const char* key) {
  return r.json().contains(key) && !r.json().at(key).is_null() ? r.number(key) : 0.0;
}

std::string unknown_reason(const Reader& r, const char* key) {
  const Json& whole = r.at("efficiency");
  const auto unknown = whole.find("unknown");
  if (unknown != whole.end() && unknown->is_object()) {
    const auto why = unknown->find(key);
    if (why != unknown->end() && why->is_string()) return why->get<std::string>();
  }
  return "unknown";
}

void read_efficiency(const Reader& r, Case& c) {
  const Reader e = r.object("efficiency");
  if (!e.at("theoretical_bytes_per_s").is_null()) {
    c.theoretical_bytes_per_s = e.number("theoretical_bytes_per_s");
  } else {
    c.theoretical_bytes_per_s = Known<double>::unknown(unknown_reason(r, "theoretical_bytes_per_s"));
  }
  if (e.json().contains("theoretical_flops_per_s")) {
    if (!e.at("theoretical_flops_per_s").is_null()) {
      c.theoretical_flops_per_s = e.number("theoretical_flops_per_s");
    } else {
      c.theoretical_flops_per_s = Known<double>::unknown(unknown_reason(r, "theoretical_flops_per_s"));
    }
  }
}

void read_measurement(const Reader& r, Record& rec) {
  const Reader m = r.object("measurement");
  rec.timing = m.enumeration<TimingMode>("timing_mode", parse_timing_mode, "device, host");
  rec.warmup_ops = m.integer("warmup_ops", 0);
  rec.ops_per_sample = m.unsigned_integer("ops_per_sample");
  // Schema 1.7; 0 and false (not recorded) in older documents.
  rec.min_sample_seconds = optional_number_in(m, "min_sample_s");
  if (m.json().contains("ops_capped")) rec.ops_capped = m.boolean("ops_capped");
  rec.bytes_per_op = m.number("bytes_per_op");
  rec.flops_per_op = optional_number_in(m, "flops_per_op");
  rec.verified = m.boolean("verified");
  rec.mismatches = m.unsigned_integer("mismatches");

  const Json& samples = r.at("samples_s");
  if (!samples.is_array()) r.fail("samples_s", "expected an array of seconds");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!samples[i].is_number()) r.fail(fmt::format("samples_s[{}]", i), "expected a number");
    rec.sample_seconds.push_back(samples[i].get<double>());
  }
  const std::uint64_t count = m.unsigned_integer("samples");
  if (count != rec.sample_seconds.size()) {
    m.fail("samples", fmt::format("says {} but samples_s holds {}", count, rec.sample_seconds.size()));
  }
}

void read_time(const Reader& r, Record& rec) {
  if (r.at("time_s").is_null()) return;
  const Reader t = r.object("time_s");
  Summary s;
  s.n = static_cast<std::size_t>(t.unsigned_integer("n"));
  s.min = t.number("min");
  s.q1 = t.number("q1");
  s.median = t.number("median");
  s.q3 = t.number("q3");
  s.max = t.number("max");
  s.mean = t.number("mean");
  s.stdev = t.number("stdev");
  s.cv = t.number("cv");
  rec.time = s;
}

void read_directions(const Reader& r, Record& rec) {
  const Json& list = r.at("directions");
  if (!list.is_array()) r.fail("directions", "expected an array");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Reader d(list[i], fmt::format("{}[{}]", r.path_of("directions"), i));
    rec.directions.push_back(DirectionRate{d.string("name"), d.number("bytes_per_op"), d.number("median_bytes_per_s"),
                                           optional_number_in(d, "flops_per_op"),
                                           optional_number_in(d, "median_flops_per_s")});
  }
}

void read_accuracy(const Reader& r, Record& rec) {
  if (!r.json().contains("accuracy") || r.at("accuracy").is_null()) return;
  const Reader a = r.object("accuracy");
  rec.accuracy = Accuracy{a.number("max_normalized_error"), a.number("bound"), a.integer("samples", 0)};
}

void read_chase(const Reader& r, Record& rec) {
  if (!r.json().contains("chase") || r.at("chase").is_null()) return;
  const Reader c = r.object("chase");
  ChaseWalk w;
  w.stride_bytes = c.unsigned_integer("stride_bytes");
  w.lines = c.unsigned_integer("lines");
  w.steps_per_op = c.unsigned_integer("steps_per_op");
  w.loads_before_samples = c.unsigned_integer("loads_before_samples");
  w.loads_timed = c.unsigned_integer("loads_timed");
  rec.chase = w;
}

void read_overlap(const Reader& r, Record& rec) {
  if (!r.json().contains("overlap") || r.at("overlap").is_null()) return;
  const Reader o = r.object("overlap");
  rec.overlap = OverlapTimes{o.number("copy_alone_s"), o.number("compute_alone_s"), o.number("together_s"),
                             o.number("copy_shared_s"), o.number("compute_shared_s")};
}

Record read_record(const Json& json, std::string path) {
  const Reader r(json, std::move(path));
  Record rec;
  read_identity(r, rec.test);
  rec.status = r.enumeration<Status>("status", parse_status, "ok, failed, skipped, timeout, error");
  rec.reason = r.optional_string("reason");
  read_measurement(r, rec);
  read_time(r, rec);
  read_directions(r, rec);
  read_overlap(r, rec);
  read_chase(r, rec);
  // Schema 1.7: the L2 the working set was judged against (cache_resident is derived from it);
  // absent in older documents, where the report reader takes it from system.gpus.
  if (r.json().contains("l2_bytes")) rec.test.l2_bytes = r.unsigned_integer("l2_bytes");
  if (r.json().contains("implementation") && !r.at("implementation").is_null()) {
    rec.implementation = r.string("implementation");
  }
  read_accuracy(r, rec);
  read_efficiency(r, rec.test);
  // Per-rank documents of a multi-rank run only (the merge resolves and drops them).
  if (r.json().contains("src_rank") && !r.at("src_rank").is_null()) rec.src_rank = r.integer("src_rank", 0);
  if (r.json().contains("dst_rank") && !r.at("dst_rank").is_null()) rec.dst_rank = r.integer("dst_rank", 0);
  // Schema 1.6; absent (or null) when the run had --telemetry off or the record was not measured.
  if (r.json().contains("telemetry") && !r.at("telemetry").is_null()) {
    rec.telemetry = telemetry_from_json(r.at("telemetry"), r.path_of("telemetry"));
  }
  return rec;
}

}  // namespace

Json record_to_json(const Record& r) {
  const Case& c = r.test;
  Json j;
  j["suite"] = to_string(c.suite);
  j["method"] = to_string(c.method);
  j["metric"] = to_string(metric_of(c.method));
  j["src"] = endpoint_to_json(c.src);
  j["dst"] = endpoint_to_json(c.dst);
  j["devices"] = c.devices;
  j["dtype"] = to_string(c.dtype);
  j["bytes"] = c.bytes;
  j["shape"] = shape_to_json(c);
  j["streams"] = c.streams;
  j["chunk_bytes"] = c.chunk_bytes;
  j["ring_depth"] = c.ring_depth;
  j["link_class"] = c.link_class;
  j["headline"] = c.headline;
  j["tuning"] = c.tuning;
  j["gemm_n"] = c.gemm_n;
  j["status"] = to_string(r.status);
  j["reason"] = r.reason.empty() ? Json(nullptr) : Json(r.reason);
  j["measurement"] = measurement_to_json(r);
  j["time_s"] = r.time ? summary_to_json(*r.time) : Json(nullptr);
  j["samples_s"] = r.sample_seconds;
  j["rate"] = rate_to_json(r);
  j["latency_s"] = latency_to_json(r);
  if (r.chase) j["chase"] = chase_to_json(*r.chase);
  j["overlap"] = overlap_to_json(r);
  j["implementation"] = r.implementation.empty() ? Json(nullptr) : Json(r.implementation);
  if (r.src_rank) j["src_rank"] = *r.src_rank;
  if (r.dst_rank) j["dst_rank"] = *r.dst_rank;
  j["accuracy"] = r.accuracy ? Json{{"max_normalized_error", r.accuracy->max_error},
                                    {"bound", r.accuracy->bound},
                                    {"samples", r.accuracy->samples}}
                             : Json(nullptr);
  Json directions = Json::array();
  for (const auto& d : r.directions) {
    Json dir{{"name", d.name}, {"bytes_per_op", d.bytes_per_op}, {"median_bytes_per_s", d.median_bytes_per_s}};
    if (d.flops_per_op > 0) {
      dir["flops_per_op"] = d.flops_per_op;
      dir["median_flops_per_s"] = d.median_flops_per_s;
    }
    directions.push_back(std::move(dir));
  }
  j["directions"] = std::move(directions);
  j["efficiency"] = efficiency_to_json(r);
  j["noisy"] = noisy(r);
  // 1.7: records with a working set in one GPU's memory whose L2 is known.
  if (working_set_bytes(c) > 0 && c.l2_bytes > 0) {
    j["working_set_bytes"] = working_set_bytes(c);
    j["l2_bytes"] = c.l2_bytes;
    j["cache_resident"] = cache_resident(c);
  }
  if (r.telemetry) j["telemetry"] = telemetry_to_json(*r.telemetry, flop_rate_per_sm_ghz(r));
  return j;
}

Record record_from_json(const Json& json) {
  return read_record(json, "record");
}

Json records_to_json(const std::vector<Record>& records) {
  Json j = Json::array();
  for (const auto& r : records) j.push_back(record_to_json(r));
  return j;
}

std::vector<Record> records_from_json(const Json& json) {
  if (!json.is_array()) {
    throw InputError(fmt::format("records: expected an array (got {})", json.type_name()));
  }
  std::vector<Record> records;
  records.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    records.push_back(read_record(json[i], fmt::format("records[{}]", i)));
  }
  return records;
}

}  // namespace gx
