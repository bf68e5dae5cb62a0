#include "core/bench_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/plan.hpp"
#include "core/record_select.hpp"
#include "core/units.hpp"

namespace gx {
namespace {

// How a row's figure is read from a record, and whether larger is better.
enum class Figure { rate, flops, time_us, time_ns, overlap };

bool higher_is_better(Figure f) {
  return f == Figure::rate || f == Figure::flops || f == Figure::overlap;
}

std::string unit_of(Figure f) {
  switch (f) {
    case Figure::rate: return "GB/s";
    case Figure::flops: return "TFLOP/s";
    case Figure::time_us: return "µs";
    case Figure::time_ns: return "ns";
    case Figure::overlap: return "efficiency";
  }
  return "";
}

std::optional<double> figure_of(const Record& r, Figure f) {
  if (r.status != Status::ok) return std::nullopt;
  switch (f) {
    case Figure::rate: {
      const auto v = median_rate(r);
      return v ? std::optional<double>(*v / 1e9) : std::nullopt;
    }
    case Figure::flops: {
      const auto v = median_flop_rate(r);
      return v ? std::optional<double>(*v / 1e12) : std::nullopt;
    }
    case Figure::time_us: return r.time ? std::optional<double>(r.time->median * 1e6) : std::nullopt;
    case Figure::time_ns: return r.time ? std::optional<double>(r.time->median * 1e9) : std::nullopt;
    case Figure::overlap: return r.overlap ? overlap_efficiency(*r.overlap) : std::nullopt;
  }
  return std::nullopt;
}

std::string where(const Case& c) {
  if (!c.devices.empty()) return fmt::format("GPUs {}", fmt::join(c.devices, ","));
  if (c.src == c.dst) return gpu_label(c.src);
  if (c.method == Method::bidir_pinned) return fmt::format("{} <-> host", gpu_label(host_gpu(c)));
  if (is_bidir(c.method)) return fmt::format("{} <-> {}", gpu_label(c.src), gpu_label(c.dst));
  return fmt::format("{} -> {}", gpu_label(c.src), gpu_label(c.dst));
}

// Where a concurrent transfer ran, as the concurrent table says it.
std::string participants(const Case& c) {
  const std::string all = fmt::format("{}", fmt::join(c.devices, ","));
  switch (c.method) {
    case Method::all_h2d: return "host -> " + all;
    case Method::all_d2h: return all + " -> host";
    case Method::split_ce: return fmt::format("{} -> {}, {} streams", gpu_label(c.src), gpu_label(c.dst), c.streams);
    default: return "GPUs " + all;
  }
}

std::string method_name(Method m) {
  return is_gemm(m) ? std::string(to_string(m).substr(5)) : std::string(to_string(m));
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string reason_of(const Record& r) {
  return r.reason.empty() ? r.test.skip_reason : r.reason;
}

// Notes under the table, each once, in first-seen order; throttle details capped.
class TableNotes {
 public:
  void add(std::string note) {
    if (seen_.insert(note).second) notes_.push_back(std::move(note));
  }
  void add_throttle(std::string note) {
    if (!seen_.insert(note).second) return;
    if (throttle_shown_ < kMaxThrottleNotes) {
      notes_.push_back(std::move(note));
      ++throttle_shown_;
    } else {
      ++throttle_more_;
    }
  }
  std::vector<std::string> take() {
    if (throttle_more_ > 0)
      notes_.push_back(fmt::format("† and {} more throttled records (see the tables below)", throttle_more_));
    return std::move(notes_);
  }

 private:
  static constexpr int kMaxThrottleNotes = 4;
  std::set<std::string> seen_;
  std::vector<std::string> notes_;
  int throttle_shown_ = 0;
  int throttle_more_ = 0;
};

class Builder {
 public:
  // One row from `group`, all of one method at one size.
  void row(std::string path, const Records& group, Figure figure, std::string size, std::string over_one = "") {
    if (group.empty()) return;
    SummaryRow row;
    row.path = std::move(path);
    row.method = method_name(group.front()->test.method);
    row.size = std::move(size);
    row.unit = unit_of(figure);
    std::vector<std::pair<double, const Record*>> values;
    std::vector<double> efficiencies;
    for (const Record* r : group) {
      if (r->status == Status::skipped) ++row.skipped;
      if (r->status == Status::failed || r->status == Status::timeout || r->status == Status::error) ++row.failed;
      if (r->status != Status::ok) {
        const std::string word = r->status == Status::skipped  ? "skip"
                                 : r->status == Status::failed ? "FAIL"
                                                               : std::string(to_string(r->status));
        notes_.add(fmt::format("{} {} {}: {}", word, row.method, where(r->test), reason_of(*r)));
        continue;
      }
      const auto v = figure_of(*r, figure);
      if (!v) continue;
      values.emplace_back(*v, r);
      if (const auto e = efficiency(*r)) efficiencies.push_back(*e);
      if (noisy(*r)) ++row.noisy;
      if (r->telemetry) {
        const std::string mark = telemetry_mark(*r->telemetry, std::nullopt);
        if (!mark.empty()) {
          ++row.throttled;
          notes_.add_throttle(fmt::format("† {} {} {}: {}", row.method, where(r->test), row.size, mark));
        }
      }
    }
    row.measured = static_cast<int>(values.size());
    const std::size_t n = group.size();
    const bool pairs = group.front()->test.src != kHost && group.front()->test.dst != kHost &&
                       group.front()->test.src != group.front()->test.dst && group.front()->test.devices.empty();
    row.over = n == 1 ? (over_one.empty() ? where(group.front()->test) : over_one)
                      : plural(n, pairs ? "pair" : "GPU", pairs ? "pairs" : "GPUs");
    if (!values.empty()) {
      std::vector<double> plain;
      for (const auto& [v, r] : values) plain.push_back(v);
      row.median = median_of(plain);
      if (values.size() > 1) {
        const auto [lo, hi] = std::minmax_element(plain.begin(), plain.end());
        row.low = *lo;
        row.high = *hi;
      }
      if (!efficiencies.empty()) row.efficiency = median_of(efficiencies);
      if (values.size() >= 3 && *row.median > 0) {
        // The worst record, when it is well off the others: a slow link or GPU to look at.
        const bool up = higher_is_better(figure);
        const auto worst = std::min_element(values.begin(), values.end(), [&](const auto& a, const auto& b) {
          return up ? a.first < b.first : a.first > b.first;
        });
        const double ratio = up ? worst->first / *row.median : *row.median / worst->first;
        if (ratio < kSlowOutlierFraction) {
          row.notes.push_back(fmt::format("slowest {} {:.2f}x", where(worst->second->test), ratio));
        }
      }
    }
    // "noisy*" for a single record, "3 noisy*" of several.
    const auto count = [n](int k, std::string_view what) {
      return n == 1 ? std::string(what) : fmt::format("{} {}", k, what);
    };
    if (row.noisy > 0) row.notes.push_back(count(row.noisy, "noisy*"));
    if (row.throttled > 0) row.notes.push_back(count(row.throttled, "throttled†"));
    if (row.failed > 0) row.notes.push_back(count(row.failed, "failed"));
    if (row.skipped > 0 && !values.empty()) row.notes.push_back(count(row.skipped, "skipped"));
    rows_.push_back(std::move(row));
  }

  void note_on_last(std::string note) {
    if (!rows_.empty()) rows_.back().notes.push_back(std::move(note));
  }

  void suite_skip(Suite suite, const Records& skips) {
    // One row per reason: "needs at least 2 GPUs" skips whole suites or several methods at once.
    std::vector<std::string> reasons;
    std::map<std::string, Records> by_reason;
    for (const Record* r : skips) {
      const std::string reason = reason_of(*r);
      if (by_reason.find(reason) == by_reason.end()) reasons.push_back(reason);
      by_reason[reason].push_back(r);
    }
    const bool whole = suite == Suite::peer || suite == Suite::staged || suite == Suite::async;
    for (const auto& reason : reasons) {
      const Records& group = by_reason[reason];
      SummaryRow row;
      row.path = std::string(to_string(suite));
      row.method = whole || group.size() == methods_of(suite).size() ? "all"
                   : group.size() == 1                               ? method_name(group.front()->test.method)
                                                                     : plural(group.size(), "method", "methods");
      row.skipped = static_cast<int>(group.size());
      row.notes.push_back("skip: " + reason);
      rows_.push_back(std::move(row));
    }
  }

  BenchSummary finish(std::string title) {
    BenchSummary s;
    s.title = std::move(title);
    s.rows = std::move(rows_);
    s.notes = notes_.take();
    return s;
  }

 private:
  std::vector<SummaryRow> rows_;
  TableNotes notes_;
};

// Records of one method grouped by a key, keys in first-seen order.
template <class Key>
std::vector<std::pair<Key, Records>> group_by(const Records& records, const std::function<Key(const Record&)>& key) {
  std::vector<std::pair<Key, Records>> out;
  for (const Record* r : records) {
    const Key k = key(*r);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.first == k; });
    if (it == out.end()) {
      out.emplace_back(k, Records{});
      it = out.end() - 1;
    }
    it->second.push_back(r);
  }
  return out;
}

std::string path_with_link(Suite suite, const std::string& link) {
  return link.empty() ? std::string(to_string(suite)) : fmt::format("{} {}", to_string(suite), link);
}

// Pair, host and concurrent transfer rows of one suite at the headline size.
void transfer_rows(Builder& b, const std::vector<Record>& records, Suite suite) {
  for (Method m : methods_of(suite)) {
    const Records headline = select(records, [&](const Record& r) {
      const Case& c = r.test;
      return c.method == m && c.headline && !is_suite_skip(c) && !is_tuning_case(c) && !is_concurrent(c);
    });
    const auto groups = group_by<std::pair<std::string, std::uint64_t>>(
        headline, [](const Record& r) { return std::pair(r.test.link_class, r.test.bytes); });
    for (const auto& [key, group] : groups) {
      b.row(path_with_link(suite, key.first), group, Figure::rate, format_size(key.second));
    }
  }
  const Records concurrent = select(records, [&](const Record& r) {
    return r.test.suite == suite && r.test.headline && is_concurrent(r.test) && !is_suite_skip(r.test);
  });
  for (const Record* r : concurrent) {
    b.row(std::string(to_string(suite)), {r}, Figure::rate, format_size(r->test.bytes), participants(r->test));
  }
}

void latency_rows(Builder& b, const std::vector<Record>& records) {
  for (Method m : methods_of(Suite::latency)) {
    const Records of_method =
        select(records, [&](const Record& r) { return r.test.method == m && !is_suite_skip(r.test); });
    if (of_method.empty()) continue;
    // Copies: the smallest size, where the time is the fixed cost of one copy. Chases: their
    // one working set.
    const auto sizes = by_bytes(of_method);
    const auto& [bytes, group] = *sizes.begin();
    b.row("latency", group, is_chase(m) ? Figure::time_ns : Figure::time_us, format_size(bytes));
  }
}

// Per-GPU compute rows at the headline size; a concurrent case of the same method becomes a
// note of that row ("at once 4101 per GPU": whether running together slows each GPU).
void compute_rows(Builder& b, const std::vector<Record>& records, Suite suite) {
  const bool gemm = suite == Suite::gemm;
  const Figure figure = gemm ? Figure::flops : Figure::rate;
  for (Method m : methods_of(suite)) {
    const Records headline = select(
        records, [&](const Record& r) { return r.test.method == m && r.test.headline && !is_suite_skip(r.test); });
    if (headline.empty()) continue;
    Records alone;
    Records together;
    for (const Record* r : headline) (r->test.devices.empty() ? alone : together).push_back(r);
    const Case& first = headline.front()->test;
    const std::string size = gemm ? fmt::format("N={}", first.gemm_n) : format_size(first.bytes);
    if (!alone.empty()) {
      b.row(std::string(to_string(suite)), alone, figure, size);
    } else {
      b.row(std::string(to_string(suite)), {together.front()}, figure, size, participants(together.front()->test));
      together.erase(together.begin());
    }
    for (const Record* r : together) {
      const auto v = figure_of(*r, figure);
      const std::size_t n = std::max<std::size_t>(r->test.devices.size(), 1);
      if (v) {
        b.note_on_last(fmt::format("{} at once {:.1f} per GPU", n, *v / static_cast<double>(n)));
      } else {
        b.note_on_last(fmt::format("{} at once: {}", n, to_string(r->status)));
      }
    }
  }
}

void overlap_rows(Builder& b, const std::vector<Record>& records) {
  for (Method m : methods_of(Suite::overlap)) {
    const Records group =
        select(records, [&](const Record& r) { return r.test.method == m && !is_suite_skip(r.test); });
    if (!group.empty()) b.row("overlap", group, Figure::overlap, format_size(group.front()->test.bytes));
  }
}

std::string fixed(double v, Figure f) {
  switch (f) {
    case Figure::time_us:
    case Figure::overlap: return fmt::format("{:.2f}", v);
    default: return fmt::format("{:.1f}", v);
  }
}

Figure figure_of_unit(const std::string& unit) {
  if (unit == "µs") return Figure::time_us;
  if (unit == "ns") return Figure::time_ns;
  if (unit == "TFLOP/s") return Figure::flops;
  if (unit == "efficiency") return Figure::overlap;
  return Figure::rate;
}

}  // namespace

std::string gpu_count_summary(const SystemInfo& system) {
  if (system.devices.empty()) return "no GPU";
  std::vector<std::pair<std::string, int>> names;
  for (const auto& d : system.devices) {
    const std::string name = d.name.empty() ? "GPU" : d.name;
    auto it = std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == name; });
    if (it == names.end()) {
      names.emplace_back(name, 1);
    } else {
      ++it->second;
    }
  }
  std::vector<std::string> parts;
  for (const auto& [name, n] : names) parts.push_back(fmt::format("{}\u00d7 {}", n, name));
  return fmt::format("{}", fmt::join(parts, ", "));
}

BenchSummary summarize_bench(const std::vector<Record>& records, const SystemInfo& system) {
  Builder b;
  for (Suite suite : all_suites()) {
    switch (suite) {
      case Suite::latency: latency_rows(b, records); break;
      case Suite::elementwise:
      case Suite::gemm: compute_rows(b, records, suite); break;
      case Suite::overlap: overlap_rows(b, records); break;
      default: transfer_rows(b, records, suite); break;
    }
    const Records skips =
        select(records, [&](const Record& r) { return r.test.suite == suite && is_suite_skip(r.test); });
    if (!skips.empty()) b.suite_skip(suite, skips);
  }
  std::string title = "summary: " + gpu_count_summary(system);
  if (!system.hostname.empty()) title += " on " + system.hostname;
  title += "; median over the pairs or GPUs measured, min-max = slowest-fastest of them";
  return b.finish(std::move(title));
}

Table summary_table(const BenchSummary& s) {
  Table t =
      make_table(s.title, {"path", "method", "size", "over", "median", "min-max", "unit", "% theor.", "notes"}, 4);
  t.align.back() = Align::left;
  t.align[6] = Align::left;
  for (const SummaryRow& r : s.rows) {
    const Figure f = figure_of_unit(r.unit);
    std::string median;
    if (r.median) {
      median = fixed(*r.median, f);
    } else if (r.failed > 0) {
      median = "FAIL";
    } else if (r.skipped > 0) {
      median = "skip";
    } else {
      median = "-";
    }
    const std::string range = r.low && r.high ? fmt::format("{}-{}", fixed(*r.low, f), fixed(*r.high, f)) : "";
    const std::string percent = r.efficiency ? fmt::format("{:.0f}%", *r.efficiency * 100) : "";
    t.rows.push_back({r.path, r.method, r.size, r.over, median, range, r.median ? r.unit : "", percent,
                      fmt::format("{}", fmt::join(r.notes, ", "))});
  }
  t.notes = s.notes;
  const bool any_noisy = std::any_of(s.rows.begin(), s.rows.end(), [](const SummaryRow& r) { return r.noisy > 0; });
  if (any_noisy) t.notes.push_back("* noisy: coefficient of variation above 5 %");
  const bool any_slow = std::any_of(s.rows.begin(), s.rows.end(), [](const SummaryRow& r) {
    return std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) { return n.rfind("slowest", 0) == 0; });
  });
  if (any_slow) {
    t.notes.push_back(
        fmt::format("slowest: the one record below {:.0f} % of its row's median (time: above), as a "
                    "fraction of it",
                    kSlowOutlierFraction * 100));
  }
  return t;
}

}  // namespace gx
