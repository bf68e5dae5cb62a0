#include "core/compare.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <tuple>

#include "core/error.hpp"
#include "core/stats.hpp"
#include "core/sweep.hpp"
#include "core/units.hpp"
#include "core/plan.hpp"
#include "core/record_select.hpp"

namespace gx {

// ---- statistics -------------------------------------------------------------------------------

namespace {

// Type 7 quantile of sorted, non-empty data.
double quantile_sorted(const std::vector<double>& sorted, double p) {
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

// A uniform index below n from a generator whose output the standard fixes (mt19937_64), by
// rejection, so the draws are the same with every standard library (uniform_int_distribution
// is implementation-defined).
std::size_t draw_index(std::mt19937_64& rng, std::size_t n) {
  const auto bound = static_cast<std::uint64_t>(n);
  const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod n
  std::uint64_t x = rng();
  while (x < threshold) x = rng();
  return static_cast<std::size_t>(x % bound);
}

void check_groups(const std::vector<std::vector<double>>& groups, const char* what) {
  if (groups.empty()) throw std::invalid_argument(std::string(what) + ": no groups");
  for (const auto& g : groups) {
    if (g.empty()) throw std::invalid_argument(std::string(what) + ": an empty group");
    for (double x : g) {
      if (!std::isfinite(x) || x <= 0) {
        throw std::invalid_argument(std::string(what) + ": values must be finite and positive");
      }
    }
  }
}

// One bootstrap replicate of median_of_medians.
double resampled_median_of_medians(const std::vector<std::vector<double>>& groups, std::mt19937_64& rng,
                                   std::vector<double>& scratch, std::vector<double>& medians) {
  medians.clear();
  for (const auto& g : groups) {
    scratch.resize(g.size());
    for (auto& x : scratch) x = g[draw_index(rng, g.size())];
    medians.push_back(median_in_place(scratch));
  }
  return median_in_place(medians);
}

}  // namespace

double median_of_medians(const std::vector<std::vector<double>>& groups) {
  if (groups.empty()) throw std::invalid_argument("median_of_medians: no groups");
  std::vector<double> medians;
  medians.reserve(groups.size());
  for (const auto& g : groups) medians.push_back(median_of(g));
  return median_in_place(medians);
}

double normal_upper_tail(double z) {
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

MannWhitney mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty()) throw std::invalid_argument("mann_whitney_u: an empty sample");
  std::vector<std::pair<double, int>> all;  // value, 0 for a / 1 for b
  all.reserve(a.size() + b.size());
  for (double x : a) all.emplace_back(x, 0);
  for (double x : b) all.emplace_back(x, 1);
  std::sort(all.begin(), all.end(), [](const auto& l, const auto& r) { return l.first < r.first; });
  // Mid-ranks for ties; sum of t^3 - t over tie groups for the variance.
  double rank_sum_a = 0;
  double tie_term = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].second == 0) rank_sum_a += mid_rank;
    }
    const auto t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  const auto n1 = static_cast<double>(a.size());
  const auto n2 = static_cast<double>(b.size());
  const double n = n1 + n2;
  MannWhitney r;
  r.u = rank_sum_a - n1 * (n1 + 1) / 2;
  const double mean = n1 * n2 / 2;
  const double variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (!(variance > 0)) return r;  // every value equal: no evidence of a difference
  const double deviation = std::max(0.0, std::fabs(r.u - mean) - 0.5);  // continuity correction
  r.z = std::copysign(deviation / std::sqrt(variance), r.u - mean);
  r.p_value = std::min(1.0, 2 * normal_upper_tail(std::fabs(r.z)));
  return r;
}

Interval bootstrap_ratio_ci(const std::vector<std::vector<double>>& base, const std::vector<std::vector<double>>& newer,
                            bool lower_is_better, const BootstrapOptions& options) {
  check_groups(base, "bootstrap_ratio_ci (base)");
  check_groups(newer, "bootstrap_ratio_ci (new)");
  if (options.resamples < 1 || !(options.confidence > 0 && options.confidence < 1)) {
    throw std::invalid_argument("bootstrap_ratio_ci: resamples >= 1 and 0 < confidence < 1");
  }
  std::mt19937_64 rng(options.seed);
  std::vector<double> ratios;
  ratios.reserve(static_cast<std::size_t>(options.resamples));
  std::vector<double> scratch;
  std::vector<double> medians;
  for (int i = 0; i < options.resamples; ++i) {
    const double b = resampled_median_of_medians(base, rng, scratch, medians);
    const double n = resampled_median_of_medians(newer, rng, scratch, medians);
    ratios.push_back(lower_is_better ? b / n : n / b);
  }
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - options.confidence) / 2;
  return Interval{quantile_sorted(ratios, tail), quantile_sorted(ratios, 1 - tail)};
}

double geometric_mean(const std::vector<double>& values) {
  if (values.empty()) throw std::invalid_argument("geometric_mean: no values");
  double sum_log = 0;
  for (double x : values) {
    if (!std::isfinite(x) || x <= 0) throw std::invalid_argument("geometric_mean: values must be > 0");
    sum_log += std::log(x);
  }
  return std::exp(sum_log / static_cast<double>(values.size()));
}

double parse_tolerance(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return UsageError(
        fmt::format("invalid --tolerance '{}': {}; write a percentage (5%) or a fraction (0.05)", text, why));
  };
  std::string s(text);
  const bool percent = !s.empty() && s.back() == '%';
  if (percent) s.pop_back();
  if (s.empty()) throw bad("empty");
  // Plain decimal numbers only: strtod would also take "inf", "nan", hex and leading spaces.
  if (s.find_first_not_of("0123456789.") != std::string::npos) {
    throw bad(s.front() == '-' ? "negative" : "not a number");
  }
  char* end = nullptr;
  const double value = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(value)) throw bad("not a number");
  const double fraction = percent ? value / 100 : value;
  if (!percent && value >= 1) throw bad("a fraction must be below 1 (did you mean " + s + "%?)");
  if (fraction >= 1) throw bad("must be below 100%");
  return fraction;
}

std::string_view to_string(CompareVerdict verdict) {
  switch (verdict) {
    case CompareVerdict::faster: return "faster";
    case CompareVerdict::slower: return "slower";
    case CompareVerdict::same: return "same";
    case CompareVerdict::noisy: return "noisy";
    case CompareVerdict::not_compared: return "not_compared";
  }
  return "?";
}

CompareVerdict decide_verdict(double ratio, Interval interval, double tolerance) {
  const double upper = 1 + tolerance;
  const double lower = 1 - tolerance;
  if (interval.low >= lower && interval.high <= upper) return CompareVerdict::same;
  if (interval.high < 1 && interval.low < lower && ratio < 1 - tolerance / 2) return CompareVerdict::slower;
  if (interval.low > 1 && interval.high > upper && ratio > 1 + tolerance / 2) return CompareVerdict::faster;
  return CompareVerdict::noisy;
}

// ---- filters ----------------------------------------------------------------------------------

namespace {

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    out.emplace_back(text.substr(start, end - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::vector<Suite> parse_suite_list(std::string_view text) {
  std::vector<Suite> out;
  for (const auto& name : split_commas(text)) {
    const auto suite = parse_suite(name);
    if (!suite) throw UsageError(fmt::format("invalid --suites '{}': unknown suite '{}'", text, name));
    out.push_back(*suite);
  }
  return out;
}

std::vector<Method> parse_method_list(std::string_view text) {
  std::vector<Method> out;
  for (const auto& name : split_commas(text)) {
    const auto method = parse_method(name);
    if (!method) throw UsageError(fmt::format("invalid --methods '{}': unknown method '{}'", text, name));
    out.push_back(*method);
  }
  return out;
}

RecordFilter parse_size_selection(std::string_view text, RecordFilter filter) {
  filter.bytes.clear();
  if (text == "all") {
    filter.sizes = SizeSelection::all;
  } else if (text == "headline") {
    filter.sizes = SizeSelection::headline;
  } else {
    try {
      filter.bytes = parse_sizes(text);
    } catch (const Error& e) {
      throw UsageError(fmt::format("invalid --sizes '{}': {} (or write headline / all)", text, e.what()));
    }
    filter.sizes = SizeSelection::list;
  }
  return filter;
}

LoadedReport filter_report(const LoadedReport& report, const RecordFilter& filter) {
  auto contains = [](const auto& list, auto v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  std::set<Suite> with_headline;
  for (const auto& r : report.records) {
    if (r.test.headline) with_headline.insert(r.test.suite);
  }
  LoadedReport out = report;
  out.records.clear();
  for (const auto& r : report.records) {
    if (!contains(filter.suites, r.test.suite) || !contains(filter.methods, r.test.method)) continue;
    if (filter.sizes == SizeSelection::headline && with_headline.count(r.test.suite) > 0 && !r.test.headline) {
      continue;
    }
    if (filter.sizes == SizeSelection::list &&
        std::find(filter.bytes.begin(), filter.bytes.end(), r.test.bytes) == filter.bytes.end()) {
      continue;
    }
    out.records.push_back(r);
  }
  return out;
}

// ---- matching ---------------------------------------------------------------------------------

std::string_view to_string(Matching matching) {
  return matching == Matching::exact_pair ? "exact_pair" : "link_class";
}

namespace {

std::optional<std::string> known_text(const Known<std::string>& k) {
  return k.has_value() ? std::optional<std::string>(*k) : std::nullopt;
}
std::optional<std::string> known_cuda(const Known<int>& k) {
  return k.has_value() ? std::optional<std::string>(format_cuda_version(*k)) : std::nullopt;
}

}  // namespace

SideSummary summarize_side(const LoadedReport& report) {
  SideSummary s;
  s.path = report.path;
  s.hostname = !report.system.hostname.empty() ? report.system.hostname : report.run.hostname;
  s.started_utc = report.run.started_utc;
  if (report.tool.is_object() && report.tool.contains("version") && report.tool["version"].is_string()) {
    s.tool_version = report.tool["version"].get<std::string>();
  }
  for (const auto& d : report.system.devices) {
    auto it = std::find_if(s.gpus.begin(), s.gpus.end(), [&](const auto& g) { return g.first == d.name; });
    if (it == s.gpus.end()) {
      s.gpus.emplace_back(d.name, 1);
    } else {
      ++it->second;
    }
    s.uuids.push_back(d.uuid);
  }
  s.driver = known_text(report.system.driver_release);
  s.cuda_driver = known_cuda(report.system.cuda_driver_version);
  s.cuda_runtime = known_cuda(report.system.cuda_runtime_version);
  s.records = report.records.size();
  return s;
}

std::string gpu_names(const SideSummary& side) {
  if (side.gpus.empty()) return "none";
  std::vector<std::string> parts;
  for (const auto& [name, count] : side.gpus) parts.push_back(fmt::format("{}x {}", count, name));
  return fmt::format("{}", fmt::join(parts, ", "));
}

Matching choose_matching(const SystemInfo& base, const SystemInfo& newer) {
  auto uuids = [](const SystemInfo& s) {
    std::set<std::string> out;
    for (const auto& d : s.devices) out.insert(d.uuid);
    return out;
  };
  const auto a = uuids(base);
  const auto b = uuids(newer);
  const bool known = !a.empty() && a.count("") == 0;
  return known && a == b ? Matching::exact_pair : Matching::link_class;
}

namespace {

// Both directions at once, bidir_pinned (GPU <-> host) included.
bool both_directions(Method m) {
  return is_bidir(m) || m == Method::bidir_pinned;
}

std::string direction_of(const Case& c) {
  if (!c.devices.empty()) {
    const std::string gpus = fmt::format("{} GPUs", c.devices.size());
    if (c.method == Method::all_h2d) return "host -> " + gpus;
    if (c.method == Method::all_d2h) return gpus + " -> host";
    return gpus;
  }
  auto kind = [](int endpoint) { return endpoint == kHost ? "host" : "gpu"; };
  return fmt::format("{} {} {}", kind(c.src), both_directions(c.method) ? "<->" : "->", kind(c.dst));
}

std::string endpoint_id(const SystemInfo& system, int index) {
  if (index == kHost) return "host";
  for (const auto& d : system.devices) {
    if (d.index == index && !d.uuid.empty()) return d.uuid;
  }
  return fmt::format("#{}", index);
}

MatchKey make_key(const Record& r, bool grid, const SystemInfo& system, Matching matching) {
  const Case& c = r.test;
  MatchKey k;
  k.suite = c.suite;
  k.method = c.method;
  k.metric = metric_of(c.method);
  k.link_class = !c.link_class.empty() ? c.link_class : (c.src == c.dst && c.src != kHost) ? "local" : "-";
  k.direction = direction_of(c);
  k.participants = static_cast<int>(c.devices.size());
  k.dtype = c.dtype;
  k.bytes = c.bytes;
  k.streams = c.streams;
  k.tuned = c.method == Method::pipelined && !grid;
  k.chunk_bytes = k.tuned ? 0 : c.chunk_bytes;
  k.ring_depth = k.tuned ? 0 : c.ring_depth;
  k.exact = matching == Matching::exact_pair;
  k.src = c.src;
  k.dst = c.dst;
  k.devices = c.devices;
  k.id = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", to_string(k.suite), to_string(k.method), k.link_class, k.direction,
                     k.participants, to_string(k.dtype), k.bytes, k.streams,
                     k.tuned ? std::string("tuned") : fmt::format("{}x{}", k.chunk_bytes, k.ring_depth));
  if (k.exact) {
    std::vector<std::string> devices;
    for (int d : c.devices) devices.push_back(endpoint_id(system, d));
    k.id += fmt::format("|{}|{}|{}", endpoint_id(system, c.src), endpoint_id(system, c.dst), fmt::join(devices, ","));
  }
  return k;
}

// Display and row order: suite, method, where, link, dtype, size, variant.
auto order_of(const MatchKey& k) {
  return std::make_tuple(static_cast<int>(k.suite), static_cast<int>(k.method), k.exact ? k.src : 0,
                         k.exact ? k.dst : 0, k.exact ? k.devices : std::vector<int>{}, k.direction, k.link_class,
                         k.participants, static_cast<int>(k.dtype), k.tuned, k.bytes, k.streams, k.chunk_bytes,
                         k.ring_depth);
}
bool key_less(const MatchKey& a, const MatchKey& b) {
  return order_of(a) < order_of(b);
}

struct Bucket {
  MatchKey key;
  std::vector<const Record*> records;
};

std::map<std::string, Bucket> collect(const LoadedReport& report, Matching matching) {
  std::map<std::string, Bucket> buckets;
  for (std::size_t i = 0; i < report.records.size(); ++i) {
    MatchKey key = make_key(report.records[i], is_tuning_case(report.records[i].test), report.system, matching);
    auto [it, inserted] = buckets.try_emplace(key.id);
    if (inserted) it->second.key = std::move(key);
    it->second.records.push_back(&report.records[i]);
  }
  return buckets;
}

std::string status_text(const Record& r) {
  std::string reason = r.reason.empty() ? r.test.skip_reason : r.reason;
  if (reason.empty() && r.status == Status::failed && r.mismatches > 0) {
    reason = fmt::format("{} mismatches", r.mismatches);
  }
  if (r.status == Status::ok) reason = "no samples";
  return reason.empty() ? std::string(to_string(r.status)) : fmt::format("{}: {}", to_string(r.status), reason);
}

// "4 B", "64 KiB", "256 MiB", "400 MB": exact binary or decimal multiples without decimals.
std::string size_label(std::uint64_t bytes) {
  constexpr std::uint64_t kKi = 1024;
  constexpr std::uint64_t kMi = kKi * kKi;
  constexpr std::uint64_t kGi = kMi * kKi;
  if (bytes < kKi) return fmt::format("{} B", bytes);
  if (bytes % kGi == 0) return fmt::format("{} GiB", bytes / kGi);
  if (bytes % kMi == 0) return fmt::format("{} MiB", bytes / kMi);
  if (bytes % 1000000000 == 0) return fmt::format("{} GB", bytes / 1000000000);
  if (bytes % 1000000 == 0) return fmt::format("{} MB", bytes / 1000000);
  if (bytes % kKi == 0) return fmt::format("{} KiB", bytes / kKi);
  if (bytes % 1000 == 0) return fmt::format("{} kB", bytes / 1000);
  return format_bytes(bytes);
}

std::string setting_text(std::uint64_t chunk_bytes, int ring_depth) {
  return fmt::format("{} x{}", size_label(chunk_bytes), ring_depth);
}

SideStats side_stats(const Bucket& bucket) {
  SideStats s;
  std::set<std::string> settings;
  std::vector<double> pooled;
  std::vector<double> op_seconds;
  std::vector<const Telemetry*> telemetry;
  for (const Record* r : bucket.records) {
    // Per sample: B/s (bandwidth), FLOP/s (throughput), else seconds per op (latency; overlap:
    // the time of both operations together).
    const bool bandwidth = bucket.key.metric == Metric::bandwidth;
    const bool throughput = bucket.key.metric == Metric::throughput;
    const bool usable = r->status == Status::ok && !r->sample_seconds.empty() &&
                        std::all_of(r->sample_seconds.begin(), r->sample_seconds.end(),
                                    [](double x) { return std::isfinite(x) && x > 0; }) &&
                        (!bandwidth || r->bytes_per_op > 0) && (!throughput || r->flops_per_op > 0);
    if (!usable) {
      if (s.not_ok == 0 && s.status.empty()) s.status = status_text(*r);
      ++s.not_ok;
      continue;
    }
    std::vector<double> values;
    values.reserve(r->sample_seconds.size());
    for (double seconds : r->sample_seconds)
      values.push_back(bandwidth ? r->bytes_per_op / seconds : throughput ? r->flops_per_op / seconds : seconds);
    pooled.insert(pooled.end(), values.begin(), values.end());
    s.samples_by_record.push_back(std::move(values));
    op_seconds.push_back(median_of(r->sample_seconds));
    if (r->telemetry) telemetry.push_back(&*r->telemetry);
    s.headline = s.headline || r->test.headline;
    if (bucket.key.tuned && r->test.chunk_bytes != 0) {
      settings.insert(setting_text(r->test.chunk_bytes, r->test.ring_depth));
    }
  }
  s.records = s.samples_by_record.size();
  s.samples = pooled.size();
  if (s.records > 0) {
    s.status = "ok";
    s.median = median_of_medians(s.samples_by_record);
    s.cv = summarize(pooled).cv;
    s.op_seconds = median_of(op_seconds);
  }
  s.setting = fmt::format("{}", fmt::join(settings, ", "));
  s.telemetry = brief_of(telemetry);
  return s;
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string side_note(const char* side, const SideStats& s) {
  if (s.not_ok == 0) return "";
  const std::size_t total = s.records + s.not_ok;
  return fmt::format("{}: {} of {} record{} not measured ({})", side, s.not_ok, total, total == 1 ? "" : "s",
                     s.status == "ok" ? "see the report" : s.status);
}

CompareRow compare_row(const MatchKey& key, SideStats base, SideStats newer, const CompareOptions& options) {
  CompareRow row;
  row.key = key;
  row.base = std::move(base);
  row.newer = std::move(newer);
  std::vector<std::string> notes;
  for (const auto& n : {side_note("BASE", row.base), side_note("NEW", row.newer)}) {
    if (!n.empty()) notes.push_back(n);
  }
  row.note = fmt::format("{}", fmt::join(notes, "; "));
  if (row.base.records == 0 || row.newer.records == 0) return row;  // not compared

  const bool lower_is_better = key.metric == Metric::latency || key.metric == Metric::overlap;
  row.compared = true;
  row.ratio = lower_is_better ? row.base.median / row.newer.median : row.newer.median / row.base.median;
  BootstrapOptions bootstrap = options.bootstrap;
  bootstrap.seed ^= fnv1a(key.id);  // per key: a row's interval does not depend on the others
  row.ci = bootstrap_ratio_ci(row.base.samples_by_record, row.newer.samples_by_record, lower_is_better, bootstrap);
  if (row.base.samples >= options.min_test_samples && row.newer.samples >= options.min_test_samples) {
    std::vector<double> a;
    std::vector<double> b;
    for (const auto& g : row.base.samples_by_record) a.insert(a.end(), g.begin(), g.end());
    for (const auto& g : row.newer.samples_by_record) b.insert(b.end(), g.begin(), g.end());
    row.p_value = mann_whitney_u(a, b).p_value;
  }
  const std::string suite(to_string(key.suite));
  const std::string method(to_string(key.method));
  const Regime regime = options.noise.regime(suite, key.metric == Metric::latency, row.base.op_seconds);
  row.noise_class = NoiseModel::class_name(suite, method, regime);
  row.spread = options.noise.spread(suite, method, regime, row.base.cv, row.newer.cv);
  const RatioInterval wide = widen_interval(row.ratio, row.ci.low, row.ci.high, row.spread.spread);
  row.interval = Interval{wide.low, wide.high};
  row.verdict = decide_verdict(row.ratio, row.interval, options.tolerance);
  // Fewer than min_test_samples a side: the bootstrap cannot see the within-run spread, so a
  // change is at most noisy.
  if (!row.p_value && (row.verdict == CompareVerdict::faster || row.verdict == CompareVerdict::slower)) {
    row.verdict = CompareVerdict::noisy;
  }
  if (row.verdict == CompareVerdict::faster || row.verdict == CompareVerdict::slower) {
    row.telemetry_change = explain_change(row.base.telemetry, row.newer.telemetry);
  }
  return row;
}

// The suite's headline rows (every row where none is headline) pooled as a fixed-effect
// meta-analysis in log space: weights 1 / half-width^2 of each row's widened interval, so a
// suite's verdict rests on its steady methods and a noisy one (pageable copies) cannot hide or
// fake a change. The pooled interval is +- 1 / sqrt(sum of weights) around the weighted mean,
// the row intervals being 95 % intervals already.
void judge_headline(const std::vector<CompareRow>& rows, double tolerance, SuiteSummary& s) {
  bool any_headline = false;
  for (const auto& row : rows) any_headline = any_headline || (row.key.suite == s.suite && row.base.headline);
  double weights = 0;
  double weighted = 0;
  for (const auto& row : rows) {
    if (row.key.suite != s.suite || !row.compared || (any_headline && !row.base.headline)) continue;
    const double half = 0.5 * std::log(row.interval.high / row.interval.low);
    const double w = 1 / std::max(half * half, 1e-12);
    weights += w;
    weighted += w * std::log(row.ratio);
    ++s.headline_rows;
  }
  if (s.headline_rows == 0) return;
  const double centre = weighted / weights;
  const double half = 1 / std::sqrt(weights);
  s.headline_ratio = std::exp(centre);
  s.headline_interval = Interval{std::exp(centre - half), std::exp(centre + half)};
  s.headline_verdict = decide_verdict(*s.headline_ratio, s.headline_interval, tolerance);
}

}  // namespace

Comparison compare_reports(const LoadedReport& base, const LoadedReport& newer, const CompareOptions& options) {
  Comparison out;
  out.base = summarize_side(base);
  out.newer = summarize_side(newer);
  out.options = options;
  out.matching = choose_matching(base.system, newer.system);
  const auto base_buckets = collect(base, out.matching);
  const auto new_buckets = collect(newer, out.matching);

  for (const auto& [id, bucket] : base_buckets) {
    const auto match = new_buckets.find(id);
    if (match == new_buckets.end()) {
      out.only_in_base.push_back(OneSided{bucket.key, side_stats(bucket)});
    } else {
      out.rows.push_back(compare_row(bucket.key, side_stats(bucket), side_stats(match->second), options));
    }
  }
  for (const auto& [id, bucket] : new_buckets) {
    if (base_buckets.count(id) == 0) out.only_in_new.push_back(OneSided{bucket.key, side_stats(bucket)});
  }
  std::sort(out.rows.begin(), out.rows.end(), [](const auto& a, const auto& b) { return key_less(a.key, b.key); });
  auto by_key = [](const OneSided& a, const OneSided& b) { return key_less(a.key, b.key); };
  std::sort(out.only_in_base.begin(), out.only_in_base.end(), by_key);
  std::sort(out.only_in_new.begin(), out.only_in_new.end(), by_key);

  for (Suite suite : all_suites()) {
    SuiteSummary s;
    s.suite = suite;
    std::vector<double> ratios;
    for (const auto& row : out.rows) {
      if (row.key.suite != suite) continue;
      switch (row.verdict) {
        case CompareVerdict::faster: ++s.faster; break;
        case CompareVerdict::slower: ++s.slower; break;
        case CompareVerdict::same: ++s.same; break;
        case CompareVerdict::noisy: ++s.noisy; break;
        case CompareVerdict::not_compared: ++s.not_compared; break;
      }
      if (row.compared) ratios.push_back(row.ratio);
    }
    s.compared = ratios.size();
    for (const auto& o : out.only_in_base) s.only_in_base += o.key.suite == suite;
    for (const auto& o : out.only_in_new) s.only_in_new += o.key.suite == suite;
    if (!ratios.empty()) s.geomean = geometric_mean(ratios);
    judge_headline(out.rows, options.tolerance, s);
    if (s.compared + s.not_compared + s.only_in_base + s.only_in_new > 0) out.suites.push_back(s);
  }
  return out;
}

FailOn parse_fail_on(std::string_view text) {
  if (text == "never" || text == "none") return FailOn::never;
  if (text == "slower") return FailOn::slower;
  if (text == "any") return FailOn::any;
  throw UsageError(fmt::format("invalid --fail-on '{}': allowed slower, any, never", text));
}

std::string_view to_string(FailOn fail_on) {
  switch (fail_on) {
    case FailOn::never: return "never";
    case FailOn::slower: return "slower";
    case FailOn::any: return "any";
  }
  return "never";
}

std::size_t count_failures(const Comparison& c, FailOn fail_on) {
  if (fail_on == FailOn::never) return 0;
  std::size_t n = 0;
  for (const auto& row : c.rows) {
    if (row.verdict == CompareVerdict::slower) ++n;
    if (fail_on == FailOn::any && row.base.records > 0 && row.newer.records == 0) ++n;
  }
  if (fail_on == FailOn::any) {
    for (const auto& o : c.only_in_base) n += o.side.records > 0;
  }
  return n;
}

// ---- renderings -------------------------------------------------------------------------------

namespace {

// Where: "GPU0 -> GPU1" on the same machine, "gpu -> gpu" across machines.
std::string path_label(const MatchKey& k) {
  if (!k.exact) return k.direction;
  if (!k.devices.empty()) return fmt::format("GPUs {}", fmt::join(k.devices, ","));
  return fmt::format("{} {} {}", gpu_label(k.src), both_directions(k.method) ? "<->" : "->", gpu_label(k.dst));
}

std::string case_label(const MatchKey& k, const SideStats* base, const SideStats* newer) {
  std::string text = size_label(k.bytes);
  if (k.dtype != DType::f32) text += fmt::format(" {}", to_string(k.dtype));
  if (k.streams > 1) text += fmt::format(", {} streams", k.streams);
  if (k.method == Method::pipelined) {
    if (!k.tuned) {
      text += ", grid " + setting_text(k.chunk_bytes, k.ring_depth);
    } else {
      const std::string a = base != nullptr ? base->setting : "";
      const std::string b = newer != nullptr ? newer->setting : "";
      if (base != nullptr && newer != nullptr && a != b) {
        text += fmt::format(", tuned {} / {}", a.empty() ? "?" : a, b.empty() ? "?" : b);
      } else if (!a.empty() || !b.empty()) {
        text += ", tuned " + (a.empty() ? b : a);
      } else {
        text += ", tuned";
      }
    }
  }
  return text;
}

// Rates keep three significant digits below 1 GB/s too (a 4-byte copy moves ~2 MB/s).
std::string rate_label(double bytes_per_s) {
  if (!std::isfinite(bytes_per_s) || bytes_per_s < 0) return "-";
  if (bytes_per_s >= 1e9) return format_rate(bytes_per_s);
  const char* unit = "B/s";
  double v = bytes_per_s;
  if (v >= 1e6) {
    v /= 1e6;
    unit = "MB/s";
  } else if (v >= 1e3) {
    v /= 1e3;
    unit = "kB/s";
  }
  const int decimals = v >= 100 ? 1 : v >= 10 ? 2 : 3;
  return fmt::format("{:.{}f} {}", v, decimals, unit);
}

std::string value_label(Metric metric, double value) {
  switch (metric) {
    case Metric::latency:
    case Metric::overlap: return format_duration(value);
    case Metric::throughput: return std::isfinite(value) ? fmt::format("{:.1f} TFLOP/s", value / 1e12) : "-";
    case Metric::bandwidth: break;
  }
  return rate_label(value);
}

std::string side_value(const MatchKey& k, const SideStats& s) {
  if (s.records == 0) {
    const auto colon = s.status.find(':');
    return colon == std::string::npos ? s.status : s.status.substr(0, colon);
  }
  return value_label(k.metric, s.median);
}

std::string ratio_label(double ratio) {
  return fmt::format("{:.3f}", ratio);
}
std::string ci_label(Interval ci) {
  return fmt::format("{:.3f}-{:.3f}", ci.low, ci.high);
}
std::string p_label(std::optional<double> p) {
  if (!p) return "-";
  return *p < 0.001 ? "<0.001" : fmt::format("{:.3f}", *p);
}
std::string percent_label(double fraction) {
  return fmt::format("{:g}%", fraction * 100);
}

std::string verdict_cell(const CompareRow& row) {
  if (row.compared) return std::string(to_string(row.verdict));
  return "not compared";
}

std::string matching_note(const Comparison& c) {
  if (c.matching == Matching::exact_pair) {
    return "Matching: same machine (the same GPU UUIDs in both reports): records matched by exact "
           "endpoints (GPUs by UUID), method, size and settings.";
  }
  return "Matching: different machines: records matched by suite, method, direction, link class, "
         "endpoint kinds (gpu/host), dtype, size and settings, never by GPU index; the records of "
         "one key are pooled (value: median of the per-record medians; test: every sample), "
         "'records' says how many each side pooled (BASE / NEW).";
}

std::string verdict_note(const Comparison& c) {
  const auto& o = c.options;
  return fmt::format(
      "Verdict: tolerance +-{}; interval = {:g}% bootstrap CI of the ratio ({} resamples, fixed seed) "
      "widened by the method's run-to-run spread ({}, {} A/A pairs); same: interval within the "
      "tolerance; slower/faster: interval beyond 1 and reaching past the tolerance, ratio past half "
      "of it; noisy: anything else. p: Mann-Whitney U within the runs (shown, not judged).",
      percent_label(o.tolerance), o.bootstrap.confidence * 100, o.bootstrap.resamples, o.noise.origin(),
      o.noise.pairs());
}

std::string new_name(std::size_t index, std::size_t count) {
  return count == 1 ? "NEW" : fmt::format("NEW {}", index + 1);
}

std::string or_unknown(const std::optional<std::string>& v) {
  return v ? *v : "unknown";
}

Table reports_table(const std::vector<Comparison>& comparisons) {
  Table t = make_table("Reports",
                       {"side", "file", "host", "GPUs", "NVIDIA driver", "CUDA driver", "CUDA runtime", "gpuxfer",
                        "started (UTC)", "records"},
                       9);
  t.align.back() = Align::right;
  auto add = [&](const std::string& side, const SideSummary& s) {
    t.rows.push_back({side, s.path, s.hostname.empty() ? "?" : s.hostname, gpu_names(s), or_unknown(s.driver),
                      or_unknown(s.cuda_driver), or_unknown(s.cuda_runtime),
                      s.tool_version.empty() ? "?" : s.tool_version, s.started_utc, std::to_string(s.records)});
  };
  if (!comparisons.empty()) add("BASE", comparisons.front().base);
  for (std::size_t i = 0; i < comparisons.size(); ++i) add(new_name(i, comparisons.size()), comparisons[i].newer);
  t.notes.push_back(ratio_convention());
  return t;
}

Table summary_table(const Comparison& c, const std::string& who) {
  Table t = make_table(fmt::format("Summary by suite ({} vs BASE)", who),
                       {"suite", "matched", "geomean NEW/BASE", "faster", "slower", "same", "noisy", "not compared",
                        "only in BASE", "only in NEW", "headline NEW/BASE", "headline interval", "headline verdict"},
                       1);
  t.align.back() = Align::left;
  std::vector<double> all_ratios;
  for (const auto& row : c.rows) {
    if (row.compared) all_ratios.push_back(row.ratio);
  }
  SuiteSummary total;
  auto add = [&](const std::string& name, const SuiteSummary& s) {
    t.rows.push_back({name, std::to_string(s.compared), s.geomean ? ratio_label(*s.geomean) : "-",
                      std::to_string(s.faster), std::to_string(s.slower), std::to_string(s.same),
                      std::to_string(s.noisy), std::to_string(s.not_compared), std::to_string(s.only_in_base),
                      std::to_string(s.only_in_new), s.headline_ratio ? ratio_label(*s.headline_ratio) : "-",
                      s.headline_ratio ? ci_label(s.headline_interval) : "-",
                      s.headline_ratio ? std::string(to_string(s.headline_verdict)) : "-"});
  };
  for (const auto& s : c.suites) {
    add(std::string(to_string(s.suite)), s);
    total.compared += s.compared;
    total.faster += s.faster;
    total.slower += s.slower;
    total.same += s.same;
    total.noisy += s.noisy;
    total.not_compared += s.not_compared;
    total.only_in_base += s.only_in_base;
    total.only_in_new += s.only_in_new;
  }
  if (!all_ratios.empty()) total.geomean = geometric_mean(all_ratios);
  if (c.suites.size() > 1) add("all", total);
  t.notes.push_back(matching_note(c));
  t.notes.push_back(verdict_note(c));
  return t;
}

Table rows_table(const Comparison& c, Suite suite, const std::string& who, bool several) {
  Table t =
      make_table(several ? fmt::format("{}: {} vs BASE", to_string(suite), who) : fmt::format("{}", to_string(suite)),
                 {"method", c.matching == Matching::exact_pair ? "pair" : "direction", "link", "size", "records",
                  "BASE", "NEW", "NEW/BASE", "interval", "p", "verdict"},
                 4);
  t.align.back() = Align::left;
  std::set<std::string> seen;
  for (const auto& row : c.rows) {
    if (row.key.suite != suite) continue;
    const MatchKey& k = row.key;
    t.rows.push_back({std::string(to_string(k.method)), path_label(k), k.link_class,
                      case_label(k, &row.base, &row.newer), fmt::format("{} / {}", row.base.records, row.newer.records),
                      side_value(k, row.base), side_value(k, row.newer), row.compared ? ratio_label(row.ratio) : "-",
                      row.compared ? ci_label(row.interval) : "-", row.compared ? p_label(row.p_value) : "-",
                      verdict_cell(row)});
    if (!row.note.empty()) {
      const std::string note =
          fmt::format("{} {} {}: {}", to_string(k.method), path_label(k), size_label(k.bytes), row.note);
      if (seen.insert(note).second) t.notes.push_back(note);
    }
    if (!row.telemetry_change.empty()) {
      t.rows.back().back() += " †";
      const std::string note = fmt::format("† {} {} {} {}: {}", to_string(k.method), path_label(k), size_label(k.bytes),
                                           to_string(row.verdict), row.telemetry_change);
      if (seen.insert(note).second) t.notes.push_back(note);
    }
  }
  return t;
}

Table one_sided_table(const std::vector<OneSided>& keys, const std::string& title, Matching matching) {
  Table t = make_table(title,
                       {"suite", "method", matching == Matching::exact_pair ? "pair" : "direction", "link", "size",
                        "records", "median", "status"},
                       5);
  t.align.back() = Align::left;
  for (const auto& o : keys) {
    const MatchKey& k = o.key;
    t.rows.push_back({std::string(to_string(k.suite)), std::string(to_string(k.method)), path_label(k), k.link_class,
                      case_label(k, &o.side, nullptr), std::to_string(o.side.records + o.side.not_ok),
                      o.side.records > 0 ? value_label(k.metric, o.side.median) : "-", o.side.status});
  }
  return t;
}

bool is_rows_table(const Table& t) {
  return !t.header.empty() && t.header.back() == "verdict";
}

// Colors the verdict at the end of each row line of a text table rendered with color.
std::string color_verdicts(const Table& t, std::string text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  const std::size_t first_row = (t.title.empty() ? 0 : 1) + 1;  // title, header; no rule in color
  for (std::size_t i = 0; i < t.rows.size() && first_row + i < lines.size(); ++i) {
    const std::string& verdict = t.rows[i].back();
    std::string& line = lines[first_row + i];
    const bool faster = verdict == "faster";
    const bool slower = verdict == "slower";
    if ((!faster && !slower) || line.size() < verdict.size() ||
        line.compare(line.size() - verdict.size(), verdict.size(), verdict) != 0) {
      continue;
    }
    line.resize(line.size() - verdict.size());
    line += fmt::format(fmt::fg(faster ? fmt::terminal_color::green : fmt::terminal_color::red), "{}", verdict);
  }
  std::string out;
  for (const auto& line : lines) out += line + '\n';
  return out;
}

Json side_json(const SideSummary& s) {
  Json gpus = Json::array();
  for (const auto& [name, count] : s.gpus) gpus.push_back(Json{{"name", name}, {"count", count}});
  auto opt = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
  return Json{{"file", s.path},
              {"hostname", s.hostname},
              {"started_utc", s.started_utc},
              {"tool_version", s.tool_version},
              {"gpus", gpus},
              {"gpu_uuids", s.uuids},
              {"driver", opt(s.driver)},
              {"cuda_driver", opt(s.cuda_driver)},
              {"cuda_runtime", opt(s.cuda_runtime)},
              {"records", s.records}};
}

Json key_json(const MatchKey& k) {
  Json j{{"suite", to_string(k.suite)},
         {"method", to_string(k.method)},
         {"metric", to_string(k.metric)},
         {"direction", k.direction},
         {"link_class", k.link_class},
         {"participants", k.participants},
         {"dtype", to_string(k.dtype)},
         {"bytes", k.bytes},
         {"streams", k.streams},
         {"tuned", k.tuned},
         {"chunk_bytes", k.tuned ? Json(nullptr) : Json(k.chunk_bytes)},
         {"ring_depth", k.tuned ? Json(nullptr) : Json(k.ring_depth)}};
  if (k.exact) {
    auto endpoint = [](int e) { return e == kHost ? Json(nullptr) : Json(e); };
    j["endpoints"] = Json{{"src", endpoint(k.src)}, {"dst", endpoint(k.dst)}, {"devices", k.devices}};
  } else {
    j["endpoints"] = nullptr;
  }
  return j;
}

Json stats_json(const MatchKey& k, const SideStats& s) {
  Json j{{"records", s.records},
         {"samples", s.samples},
         {"not_measured", s.not_ok},
         {"status", s.status},
         {"median", s.records > 0 ? Json(s.median) : Json(nullptr)},
         {"cv", s.records > 0 ? Json(s.cv) : Json(nullptr)}};
  if (k.tuned) j["setting"] = s.setting.empty() ? Json(nullptr) : Json(s.setting);
  // 1.1: what the GPUs were doing (records with telemetry only).
  if (s.telemetry.records > 0) {
    const TelemetryBrief& t = s.telemetry;
    Json tj{{"records", t.records},
            {"sm_clock_mhz", t.sm_clock_mhz ? Json(*t.sm_clock_mhz) : Json(nullptr)},
            {"power_percent_of_limit", t.power_percent ? Json(*t.power_percent) : Json(nullptr)},
            {"throttle_reason", t.reason ? Json(to_string(*t.reason)) : Json(nullptr)},
            {"throttle_share", t.reason ? Json(t.share) : Json(nullptr)}};
    j["telemetry"] = std::move(tj);
  }
  return j;
}

const char* unit_of(const MatchKey& k) {
  switch (k.metric) {
    case Metric::latency:
    case Metric::overlap: return "s";
    case Metric::throughput: return "FLOP/s";
    case Metric::bandwidth: break;
  }
  return "B/s";
}

Json suite_json(const SuiteSummary& s) {
  return Json{
      {"suite", to_string(s.suite)},
      {"matched", s.compared},
      {"geomean_ratio", s.geomean ? Json(*s.geomean) : Json(nullptr)},
      {"faster", s.faster},
      {"slower", s.slower},
      {"same", s.same},
      {"noisy", s.noisy},
      {"not_compared", s.not_compared},
      {"only_in_base", s.only_in_base},
      {"only_in_new", s.only_in_new},
      {"headline", s.headline_ratio
                       ? Json{{"rows", s.headline_rows},
                              {"ratio", *s.headline_ratio},
                              {"interval", Json{{"low", s.headline_interval.low}, {"high", s.headline_interval.high}}},
                              {"verdict", to_string(s.headline_verdict)}}
                       : Json(nullptr)}};
}

std::string csv_number(double v) {
  return std::isfinite(v) ? fmt::format("{}", v) : "";
}

}  // namespace

std::string ratio_convention() {
  return "NEW/BASE > 1 means NEW is faster: bandwidth and GEMM records compare median rates (NEW / BASE), "
         "latency and overlap records median times inverted (BASE / NEW; overlap: both operations together).";
}

std::vector<Table> compare_tables(const std::vector<Comparison>& comparisons) {
  std::vector<Table> tables;
  tables.push_back(reports_table(comparisons));
  const bool several = comparisons.size() > 1;
  for (std::size_t i = 0; i < comparisons.size(); ++i) {
    const Comparison& c = comparisons[i];
    const std::string who = new_name(i, comparisons.size());
    tables.push_back(summary_table(c, who));
    for (const auto& s : c.suites) {
      if (s.compared + s.not_compared == 0) continue;
      tables.push_back(rows_table(c, s.suite, who, several));
    }
    if (!c.only_in_base.empty()) {
      tables.push_back(one_sided_table(c.only_in_base, fmt::format("Only in BASE (not in {})", who), c.matching));
    }
    if (!c.only_in_new.empty()) {
      tables.push_back(one_sided_table(c.only_in_new, fmt::format("Only in {}", who), c.matching));
    }
  }
  return tables;
}

std::string render_comparisons(const std::vector<Comparison>& comparisons, OutputFormat format, bool color) {
  if (format == OutputFormat::csv) return render_csv(compare_flat_table(comparisons));
  const auto tables = compare_tables(comparisons);
  std::string out;
  if (format == OutputFormat::markdown) out += "## gpuxfer compare\n\n";
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) out += '\n';
    if (format == OutputFormat::markdown) {
      out += render_markdown(tables[i]);
    } else {
      std::string text = render_text(tables[i], color);
      out += color && is_rows_table(tables[i]) ? color_verdicts(tables[i], std::move(text)) : text;
    }
  }
  return out;
}

Table compare_flat_table(const std::vector<Comparison>& comparisons) {
  Table t;
  t.header = {"base_file",   "new_file",     "matching",    "suite",   "method",       "metric",        "direction",
              "link_class",  "participants", "src",         "dst",     "devices",      "dtype",         "bytes",
              "streams",     "chunk_bytes",  "ring_depth",  "tuned",   "base_setting", "new_setting",   "base_records",
              "new_records", "base_samples", "new_samples", "unit",    "base_median",  "new_median",    "base_cv",
              "new_cv",      "ratio",        "ci_low",      "ci_high", "interval_low", "interval_high", "noise_class",
              "spread",      "p_value",      "verdict",     "note"};
  for (const auto& c : comparisons) {
    auto add = [&](const MatchKey& k, const SideStats* base, const SideStats* newer, const CompareRow* row,
                   const std::string& verdict) {
      auto endpoint = [&](int e) { return !k.exact ? std::string() : e == kHost ? "host" : std::to_string(e); };
      auto num = [](const SideStats* s, double v) { return s != nullptr && s->records > 0 ? csv_number(v) : ""; };
      auto count = [](const SideStats* s, std::size_t v) { return s != nullptr ? std::to_string(v) : "0"; };
      const bool compared = row != nullptr && row->compared;
      t.rows.push_back({c.base.path,
                        c.newer.path,
                        std::string(to_string(c.matching)),
                        std::string(to_string(k.suite)),
                        std::string(to_string(k.method)),
                        std::string(to_string(k.metric)),
                        k.direction,
                        k.link_class,
                        std::to_string(k.participants),
                        endpoint(k.src),
                        endpoint(k.dst),
                        k.exact ? fmt::format("{}", fmt::join(k.devices, " ")) : "",
                        std::string(to_string(k.dtype)),
                        std::to_string(k.bytes),
                        std::to_string(k.streams),
                        k.tuned ? "" : std::to_string(k.chunk_bytes),
                        k.tuned ? "" : std::to_string(k.ring_depth),
                        k.tuned ? "true" : "false",
                        base != nullptr ? base->setting : "",
                        newer != nullptr ? newer->setting : "",
                        count(base, base != nullptr ? base->records : 0),
                        count(newer, newer != nullptr ? newer->records : 0),
                        count(base, base != nullptr ? base->samples : 0),
                        count(newer, newer != nullptr ? newer->samples : 0),
                        unit_of(k),
                        num(base, base != nullptr ? base->median : 0),
                        num(newer, newer != nullptr ? newer->median : 0),
                        num(base, base != nullptr ? base->cv : 0),
                        num(newer, newer != nullptr ? newer->cv : 0),
                        compared ? csv_number(row->ratio) : "",
                        compared ? csv_number(row->ci.low) : "",
                        compared ? csv_number(row->ci.high) : "",
                        compared ? csv_number(row->interval.low) : "",
                        compared ? csv_number(row->interval.high) : "",
                        compared ? row->noise_class : "",
                        compared ? csv_number(row->spread.spread) : "",
                        compared && row->p_value ? csv_number(*row->p_value) : "",
                        verdict,
                        row != nullptr ? row->note : ""});
    };
    for (const auto& row : c.rows) add(row.key, &row.base, &row.newer, &row, std::string(to_string(row.verdict)));
    for (const auto& o : c.only_in_base) add(o.key, &o.side, nullptr, nullptr, "only_in_base");
    for (const auto& o : c.only_in_new) add(o.key, nullptr, &o.side, nullptr, "only_in_new");
  }
  return t;
}

Json compare_to_json(const std::vector<Comparison>& comparisons, FailOn fail_on) {
  Json doc;
  doc["schema"] = kCompareSchema;
  doc["schema_version"] = Json{{"major", kCompareSchemaMajor}, {"minor", kCompareSchemaMinor}};
  doc["tool"] = tool_to_json();
  doc["convention"] = ratio_convention();
  const CompareOptions opts = comparisons.empty() ? CompareOptions{} : comparisons.front().options;
  doc["settings"] = Json{{"tolerance", opts.tolerance},
                         {"noise_model", opts.noise.origin()},
                         {"noise_pairs", opts.noise.pairs()},
                         {"min_test_samples", opts.min_test_samples},
                         {"confidence", opts.bootstrap.confidence},
                         {"resamples", opts.bootstrap.resamples},
                         {"seed", opts.bootstrap.seed},
                         {"fail_on", to_string(fail_on)}};
  doc["base"] = comparisons.empty() ? Json(nullptr) : side_json(comparisons.front().base);
  Json list = Json::array();
  for (const auto& c : comparisons) {
    Json j;
    j["new"] = side_json(c.newer);
    j["matching"] = to_string(c.matching);
    Json suites = Json::array();
    for (const auto& s : c.suites) suites.push_back(suite_json(s));
    j["suites"] = std::move(suites);
    std::vector<double> ratios;
    for (const auto& row : c.rows) {
      if (row.compared) ratios.push_back(row.ratio);
    }
    j["geomean_ratio"] = ratios.empty() ? Json(nullptr) : Json(geometric_mean(ratios));
    Json rows = Json::array();
    for (const auto& row : c.rows) {
      Json r = key_json(row.key);
      r["unit"] = unit_of(row.key);
      r["base"] = stats_json(row.key, row.base);
      r["new"] = stats_json(row.key, row.newer);
      r["ratio"] = row.compared ? Json(row.ratio) : Json(nullptr);
      r["ci"] = row.compared ? Json{{"low", row.ci.low}, {"high", row.ci.high}} : Json(nullptr);
      r["interval"] = row.compared ? Json{{"low", row.interval.low}, {"high", row.interval.high}} : Json(nullptr);
      r["noise"] = row.compared ? Json{{"class", row.noise_class},
                                       {"spread", row.spread.spread},
                                       {"class_spread", row.spread.class_spread},
                                       {"cv_term", row.spread.cv_term},
                                       {"source", row.spread.source},
                                       {"observations", row.spread.observations}}
                                : Json(nullptr);
      r["headline"] = row.base.headline;
      r["p_value"] = row.compared && row.p_value ? Json(*row.p_value) : Json(nullptr);
      r["verdict"] = to_string(row.verdict);
      r["note"] = row.note.empty() ? Json(nullptr) : Json(row.note);
      if (!row.telemetry_change.empty()) r["telemetry_change"] = row.telemetry_change;
      rows.push_back(std::move(r));
    }
    j["rows"] = std::move(rows);
    auto one_sided = [](const std::vector<OneSided>& keys) {
      Json a = Json::array();
      for (const auto& o : keys) {
        Json r = key_json(o.key);
        r["unit"] = unit_of(o.key);
        r["stats"] = stats_json(o.key, o.side);
        a.push_back(std::move(r));
      }
      return a;
    };
    j["only_in_base"] = one_sided(c.only_in_base);
    j["only_in_new"] = one_sided(c.only_in_new);
    j["failures"] = count_failures(c, fail_on);
    list.push_back(std::move(j));
  }
  doc["comparisons"] = std::move(list);
  return doc;
}

}  // namespace gx
