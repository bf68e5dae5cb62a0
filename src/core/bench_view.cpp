#include "core/bench_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "core/bench_summary.hpp"
#include "core/error.hpp"
#include "core/plan.hpp"
#include "core/sweep.hpp"
#include "core/units.hpp"
#include "core/record_select.hpp"

namespace gx {
namespace {

constexpr const char* kNoisyNote = "* noisy: coefficient of variation above 5 %";
constexpr const char* kCacheNote =
    "L2: cache-resident: the working set (the tensors an op reads and writes, or the chase's chain) fits in the "
    "GPU's L2, so the figure is the cache's, not memory's: no % of memory bandwidth, not judged against it";

// Footnotes of one table, in first-seen order, each once (a P2P skip would otherwise repeat
// for every size and direction).
class Notes {
 public:
  void add(std::string note) {
    if (seen_.insert(note).second) notes_.push_back(std::move(note));
  }
  void move_to(Table& table) {
    table.notes.insert(table.notes.end(), notes_.begin(), notes_.end());
    notes_.clear();
    seen_.clear();
  }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> notes_;
};

// ---- record classification ------------------------------------------------------------------

// ---- cells --------------------------------------------------------------------------------

std::string where(const Case& c) {
  if (!c.devices.empty()) return fmt::format("GPUs {}", fmt::join(c.devices, ","));
  if (is_bidir(c.method)) return fmt::format("{} <-> {}", gpu_label(c.src), gpu_label(c.dst));
  return fmt::format("{} -> {}", gpu_label(c.src), gpu_label(c.dst));
}

std::string number(double v) {
  return fmt::format("{}", v);
}

// "skip", "FAIL", "timeout", "error" with the reason as a note; "" for an ok record.
std::string status_cell(const Record& r, Notes& notes) {
  const std::string reason = r.reason.empty() ? r.test.skip_reason : r.reason;
  switch (r.status) {
    case Status::ok: return "";
    case Status::skipped: notes.add("skip: " + reason); return "skip";
    case Status::failed:
      notes.add(fmt::format("FAIL {} {}: {}", to_string(r.test.method), where(r.test), reason));
      return "FAIL";
    case Status::timeout:
    case Status::error:
      notes.add(fmt::format("{} {} {}: {}", to_string(r.status), to_string(r.test.method), where(r.test), reason));
      return std::string(to_string(r.status));
  }
  return "?";
}

// "*" for a noisy record; "†" where the GPUs ran throttled or their clocks dropped during the
// samples, with what telemetry saw as a note ("1605 MHz · power cap 92 %").
std::string mark_noisy(const Record& r, std::string cell, Notes& notes) {
  if (noisy(r)) {
    notes.add(kNoisyNote);
    cell += "*";
  }
  if (r.telemetry) {
    const std::string mark = telemetry_mark(*r.telemetry, std::nullopt);
    if (!mark.empty()) {
      const Case& c = r.test;
      const std::string size = is_gemm(c.method) ? fmt::format("N={}", c.gemm_n) : format_size(c.bytes);
      const std::string at = c.devices.empty() && c.src == c.dst ? gpu_label(c.src) : where(c);
      notes.add(fmt::format("† {} {} {}: {}", to_string(c.method), at, size, mark));
      cell += "†";
    }
  }
  return cell;
}

// The GPUs' median SM clock during the samples, in MHz ("-" without telemetry).
std::string clock_cell(const Record& r) {
  if (!r.telemetry) return "-";
  const auto mhz = median_sm_clock_mhz(*r.telemetry);
  return mhz ? fmt::format("{:.0f}", *mhz) : "-";
}

// Median GB/s, optionally with "(83%)" of the theoretical rate.
std::string rate_cell(const Record& r, bool percent, Notes& notes) {
  if (r.status != Status::ok) return status_cell(r, notes);
  const auto rate = median_rate(r);
  if (!rate) return "-";
  std::string cell = format_gbps(*rate);
  if (percent) {
    if (const auto e = efficiency(r)) {
      cell += fmt::format(" ({:.0f}%)", *e * 100);
    } else {
      notes.add("no %: " + r.test.theoretical_bytes_per_s.reason);
    }
  }
  return mark_noisy(r, std::move(cell), notes);
}

// Median time per operation in `scale` units (1e6: µs, 1e9: ns).
std::string time_cell(const Record& r, double scale, int decimals, Notes& notes) {
  if (r.status != Status::ok) return status_cell(r, notes);
  if (!r.time) return "-";
  return mark_noisy(r, fmt::format("{:.{}f}", r.time->median * scale, decimals), notes);
}

// A sweep cell: time per operation (µs) in the latency regime, GB/s above it.
bool latency_regime(std::uint64_t bytes) {
  return bytes < kLatencyRegimeBytes;
}
std::string regime_cell(const Record& r, Notes& notes) {
  return latency_regime(r.test.bytes) ? time_cell(r, 1e6, 2, notes) : rate_cell(r, false, notes);
}
std::string regime_unit(std::uint64_t bytes) {
  return latency_regime(bytes) ? "µs" : "GB/s";
}
constexpr const char* kRegimeNote = "µs: median time per operation, for sizes below 64 KiB (latency-bound); GB/s above";

std::string shape_label(std::uint64_t bytes, DType dtype) {
  const auto shape = shape_for_bytes(bytes, dtype);
  return shape ? format_shape(*shape) : "-";
}

// ---- table scaffolding ------------------------------------------------------------------------

// GPU axis of the matrices: the inventory's GPUs plus any a record names.
std::vector<int> gpu_axis(const std::vector<Record>& records, const SystemInfo& system) {
  std::set<int> gpus;
  for (const auto& d : system.devices) gpus.insert(d.index);
  for (const auto& r : records) {
    if (r.test.src != kHost) gpus.insert(r.test.src);
    if (r.test.dst != kHost) gpus.insert(r.test.dst);
  }
  return {gpus.begin(), gpus.end()};
}

// ---- (a) GPU x GPU matrices ---------------------------------------------------------------------

Table pair_matrix(const Records& records, const std::vector<int>& gpus, std::string title) {
  std::map<std::pair<int, int>, const Record*> cells;
  for (const Record* r : records) cells[{r->test.src, r->test.dst}] = r;
  for (const Record* r : records) {  // one bidirectional case fills both cells
    if (is_bidir(r->test.method)) cells.emplace(std::pair(r->test.dst, r->test.src), r);
  }
  std::vector<std::string> header{"src\\dst"};
  for (int g : gpus) header.push_back(gpu_label(g));
  Table t = make_table(std::move(title), std::move(header), 1);
  Notes notes;
  for (int a : gpus) {
    std::vector<std::string> row{gpu_label(a)};
    for (int b : gpus) {
      const auto it = cells.find({a, b});
      row.push_back(a == b ? "X" : it == cells.end() ? "-" : rate_cell(*it->second, true, notes));
    }
    t.rows.push_back(std::move(row));
  }
  notes.move_to(t);
  return t;
}

void add_matrices(const std::vector<Record>& records, Suite suite, const std::vector<int>& gpus,
                  std::vector<Table>& out) {
  const auto best = best_pipeline_tuning(records);
  for (Method m : methods_of(suite)) {
    if (!is_pair_method(m)) continue;
    const Records headline = select(records, [&](const Record& r) {
      return r.test.method == m && r.test.headline && !is_suite_skip(r.test) && !is_tuning_case(r.test) &&
             r.test.src != kHost && r.test.dst != kHost;
    });
    for (const auto& [bytes, group] : by_bytes(headline)) {
      Table t = pair_matrix(
          group, gpus,
          fmt::format("{} {}, {}, GB/s (% of theoretical)", to_string(suite), to_string(m), format_size(bytes)));
      if (m == Method::pipelined && best) {
        t.notes.push_back(fmt::format("pipelined: {} chunks, ring depth {} (the best of the tuning grid)",
                                      format_size(best->chunk_bytes), best->ring_depth));
      }
      out.push_back(std::move(t));
    }
  }
}

// ---- (b) per-GPU host table ----------------------------------------------------------------------

void add_host_table(const std::vector<Record>& records, std::vector<Table>& out) {
  const Records headline = select(records, [](const Record& r) {
    return is_host_gpu_method(r.test.method) && r.test.headline && !is_suite_skip(r.test);
  });
  for (const auto& [bytes, group] : by_bytes(headline)) {
    const auto methods = methods_in(group);
    std::vector<std::string> header{"GPU"};
    for (Method m : methods) header.emplace_back(to_string(m));
    Table t =
        make_table(fmt::format("host, {}, GB/s (% of theoretical PCIe)", format_size(bytes)), std::move(header), 1);
    std::map<int, std::map<Method, const Record*>> cells;
    for (const Record* r : group) cells[host_gpu(r->test)][r->test.method] = r;
    Notes notes;
    for (const auto& [gpu, row_cells] : cells) {
      std::vector<std::string> row{gpu_label(gpu)};
      for (Method m : methods) {
        const auto it = row_cells.find(m);
        row.push_back(it == row_cells.end() ? "-" : rate_cell(*it->second, true, notes));
      }
      t.rows.push_back(std::move(row));
    }
    notes.move_to(t);
    out.push_back(std::move(t));
  }
}

// ---- (c) size sweeps -----------------------------------------------------------------------------

// Rows: sizes (and, for transfers, the tensor shape of that many elements, and the row's unit:
// µs in the latency regime, GB/s above); columns: methods. `cell` renders one record.
Table size_table(std::string title, const Records& group, bool with_shape,
                 const std::function<std::string(const Record&, Notes&)>& cell, bool with_unit = false) {
  const auto methods = methods_in(group);
  std::vector<std::string> header{"size"};
  if (with_shape) header.emplace_back("shape");
  if (with_unit) header.emplace_back("unit");
  for (Method m : methods) header.emplace_back(to_string(m));
  Table t = make_table(std::move(title), std::move(header), 0);
  if (with_unit) t.align[with_shape ? 2 : 1] = Align::left;
  std::map<std::uint64_t, std::map<Method, const Record*>> cells;
  for (const Record* r : group) cells[r->test.bytes][r->test.method] = r;
  Notes notes;
  for (const auto& [bytes, row_cells] : cells) {
    std::vector<std::string> row{format_size(bytes)};
    if (with_shape) row.push_back(shape_label(bytes, row_cells.begin()->second->test.dtype));
    if (with_unit) row.push_back(regime_unit(bytes));
    for (Method m : methods) {
      const auto it = row_cells.find(m);
      row.push_back(it == row_cells.end() ? "-" : cell(*it->second, notes));
    }
    t.rows.push_back(std::move(row));
  }
  notes.move_to(t);
  return t;
}

std::string sweep_key(const Case& c) {
  return c.suite == Suite::host ? gpu_label(host_gpu(c)) : where(c);
}

// One row per method, one column per size of compact_sweep_sizes; a column in the latency
// regime is marked "µs" and holds time per operation.
Table compact_size_table(std::string title, const Records& group) {
  const auto methods = methods_in(group);
  std::vector<std::uint64_t> all;
  for (const auto& [bytes, unused] : by_bytes(group)) all.push_back(bytes);
  const std::vector<std::uint64_t> sizes = compact_sweep_sizes(all);
  std::vector<std::string> header{"method"};
  for (std::uint64_t b : sizes) header.push_back(format_size(b) + (latency_regime(b) ? " µs" : ""));
  Table t = make_table(std::move(title), std::move(header), 1);
  std::map<Method, std::map<std::uint64_t, const Record*>> cells;
  for (const Record* r : group) cells[r->test.method][r->test.bytes] = r;
  Notes notes;
  for (Method m : methods) {
    std::vector<std::string> row{std::string(to_string(m))};
    for (std::uint64_t b : sizes) {
      const auto it = cells[m].find(b);
      row.push_back(it == cells[m].end() ? "-" : regime_cell(*it->second, notes));
    }
    t.rows.push_back(std::move(row));
  }
  if (sizes.size() < all.size()) {
    notes.add(fmt::format("{} of {} sizes; every size with --detail full", sizes.size(), all.size()));
  }
  if (latency_regime(sizes.front())) notes.add(kRegimeNote);
  notes.move_to(t);
  return t;
}

void add_sweeps(const std::vector<Record>& records, Suite suite, BenchDetail detail, std::vector<Table>& out) {
  const Records candidates = select(records, [&](const Record& r) {
    const Case& c = r.test;
    return c.suite == suite && metric_of(c.method) == Metric::bandwidth && !is_suite_skip(c) && !is_concurrent(c) &&
           !is_tuning_case(c);
  });
  std::vector<std::string> order;
  std::map<std::string, Records> groups;
  for (const Record* r : candidates) {
    const std::string key = sweep_key(r->test);
    if (groups.find(key) == groups.end()) order.push_back(key);
    groups[key].push_back(r);
  }
  for (const auto& key : order) {
    const Records& group = groups[key];
    if (by_bytes(group).size() < 2) continue;  // headline only: the matrix already shows it
    const std::string link = group.front()->test.link_class;
    const bool small = latency_regime(by_bytes(group).begin()->first);
    const std::string title =
        fmt::format("{} sweep, {}{}, {}", to_string(suite), key, link.empty() ? "" : " (" + link + ")",
                    small ? "GB/s; µs per op below 64 KiB" : "GB/s");
    if (detail == BenchDetail::full) {
      Table t = size_table(title, group, true, regime_cell, small);
      if (small) t.notes.push_back(kRegimeNote);
      out.push_back(std::move(t));
    } else {
      out.push_back(compact_size_table(title, group));
    }
  }
}

// ---- (d) concurrent cases --------------------------------------------------------------------------

std::string participants(const Case& c) {
  const std::string all = fmt::format("{}", fmt::join(c.devices, ","));
  const auto rest = [&] {
    return fmt::format("{}", fmt::join(c.devices.begin() + (c.devices.empty() ? 0 : 1), c.devices.end(), ","));
  };
  switch (c.method) {
    case Method::all_h2d: return "host -> " + all;
    case Method::all_d2h: return all + " -> host";
    case Method::scatter_ce: return c.devices.empty() ? "" : fmt::format("{} -> {}", c.devices.front(), rest());
    case Method::gather_ce: return c.devices.empty() ? "" : fmt::format("{} -> {}", rest(), c.devices.front());
    case Method::split_ce: return fmt::format("{} -> {}, {} streams", c.src, c.dst, c.streams);
    default: return all;
  }
}

std::string direction_cell(const Record& r) {
  if (r.status != Status::ok) return "";
  std::vector<std::string> parts;
  for (const auto& d : r.directions) parts.push_back(fmt::format("{} {}", d.name, format_gbps(d.median_bytes_per_s)));
  return fmt::format("{}", fmt::join(parts, ", "));
}

void add_concurrent(const std::vector<Record>& records, Suite suite, std::vector<Table>& out) {
  const Records group = select(records, [&](const Record& r) {
    return r.test.suite == suite && is_concurrent(r.test) && !is_suite_skip(r.test);
  });
  if (group.empty()) return;
  Table t = make_table(fmt::format("{} concurrent transfers, aggregate GB/s (% of theoretical)", to_string(suite)),
                       {"method", "GPUs", "size", "GB/s", "per direction GB/s"}, 2);
  t.align.back() = Align::left;
  Notes notes;
  for (const Record* r : group) {
    t.rows.push_back({std::string(to_string(r->test.method)), participants(r->test), format_size(r->test.bytes),
                      rate_cell(*r, true, notes), direction_cell(*r)});
  }
  notes.move_to(t);
  out.push_back(std::move(t));
}

// ---- (e) pipelined tuning ---------------------------------------------------------------------------

void add_tuning(const std::vector<Record>& records, std::vector<Table>& out) {
  const Records tuning = select(records, [](const Record& r) { return is_tuning_case(r.test); });
  if (tuning.empty()) return;
  const auto best = best_pipeline_tuning(records);
  std::set<int> depths;
  std::map<std::uint64_t, std::map<int, const Record*>> cells;
  for (const Record* r : tuning) {
    depths.insert(r->test.ring_depth);
    cells[r->test.chunk_bytes][r->test.ring_depth] = r;
  }
  std::vector<std::string> header{"chunk"};
  for (int d : depths) header.push_back(fmt::format("depth {}", d));
  const Case& first = tuning.front()->test;
  Table t = make_table(fmt::format("staged pipelined tuning, {}, {}, GB/s by chunk size and ring depth", where(first),
                                   format_size(first.bytes)),
                       std::move(header), 1);
  Notes notes;
  for (const auto& [chunk, row_cells] : cells) {
    std::vector<std::string> row{format_size(chunk)};
    for (int d : depths) {
      const auto it = row_cells.find(d);
      if (it == row_cells.end()) {
        row.emplace_back("-");
        continue;
      }
      std::string cell = rate_cell(*it->second, false, notes);
      if (best && best->chunk_bytes == chunk && best->ring_depth == d) cell += " (best)";
      row.push_back(std::move(cell));
    }
    t.rows.push_back(std::move(row));
  }
  notes.add("(best) = the combination every other pipelined case uses");
  notes.move_to(t);
  out.push_back(std::move(t));
}

// ---- (f) latency --------------------------------------------------------------------------------------

void add_latency(const std::vector<Record>& records, std::vector<Table>& out) {
  const Records copies = select(records, [](const Record& r) {
    return r.test.suite == Suite::latency && !is_chase(r.test.method) && !is_suite_skip(r.test);
  });
  if (!copies.empty()) {
    // Copies of a few bytes are not tensors: no shape column here.
    Table t = size_table("latency, µs per copy (median)", copies, false,
                         [](const Record& r, Notes& notes) { return time_cell(r, 1e6, 2, notes); });
    std::map<Method, std::string> endpoints;
    for (const Record* r : copies) endpoints.emplace(r->test.method, where(r->test));
    for (const auto& [m, w] : endpoints) t.notes.push_back(fmt::format("{}: {}", to_string(m), w));
    out.push_back(std::move(t));
  }
  const Records chases =
      select(records, [](const Record& r) { return is_chase(r.test.method) && !is_suite_skip(r.test); });
  if (chases.empty()) return;
  Table t = make_table("pointer chase, ns per dependent load (median)",
                       {"method", "GPU -> memory", "working set", "ns per load", "best ns", "timed loads"}, 2);
  Notes notes;
  for (const Record* r : chases) {
    const bool ok = r->status == Status::ok && r->time;
    std::string set = format_size(r->test.bytes);
    if (cache_resident(r->test)) {
      set += " L2";
      notes.add(kCacheNote);
    }
    std::string walked;
    if (ok && r->chase) {
      walked = fmt::format("{} ({:.2f} cycles)", r->chase->loads_timed, r->chase->passes_timed());
      notes.add(
          "timed loads: dependent loads in the samples, and how often they went round the working set's "
          "one random cycle (every load before a full cycle touches a new line)");
    }
    t.rows.push_back({std::string(to_string(r->test.method)), where(r->test), std::move(set),
                      time_cell(*r, 1e9, 1, notes), ok ? fmt::format("{:.1f}", r->time->min * 1e9) : "",
                      std::move(walked)});
  }
  notes.move_to(t);
  out.push_back(std::move(t));
}

// ---- (g) compute: elementwise, gemm, overlap ----------------------------------------------------

std::string yes_no_mark(const Record& r) {
  if (r.status != Status::ok) return "";
  return r.verified ? "yes" : "no";
}

std::string percent(std::optional<double> fraction) {
  return fraction ? fmt::format("{:.0f}%", *fraction * 100) : "-";
}

std::string compute_where(const Case& c) {
  return c.devices.empty() ? gpu_label(c.src) : fmt::format("{} at once", fmt::join(c.devices, ","));
}

// The per-device figures of a concurrent compute case: "0: 3950, 1: 3948".
std::string per_device_cell(const Record& r, bool flops) {
  if (r.status != Status::ok || r.directions.empty()) return "";
  std::vector<std::string> parts;
  for (const auto& d : r.directions) {
    parts.push_back(flops ? fmt::format("{} {:.1f}", d.name, d.median_flops_per_s / 1e12)
                          : fmt::format("{} {}", d.name, format_gbps(d.median_bytes_per_s)));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

// One row per device x kernel at each size: GB/s, % of the device's theoretical memory
// bandwidth, % of the same device's measured local copy at that size, verified.
// The same device's local copy at the same size, for "% of copy".
using CopyIndex = std::map<std::pair<std::string, std::uint64_t>, const Record*>;
CopyIndex local_copies(const Records& group) {
  CopyIndex copies;
  for (const Record* r : group) {
    if (r->test.method == Method::copy && r->status == Status::ok) copies[{compute_where(r->test), r->test.bytes}] = r;
  }
  return copies;
}

std::string of_copy_cell(const Record& r, const CopyIndex& copies) {
  if (r.status != Status::ok) return "";
  const auto copy = copies.find({compute_where(r.test), r.test.bytes});
  if (copy == copies.end()) return "-";
  const auto mine = median_rate(r);
  const auto base = median_rate(*copy->second);
  return mine && base && *base > 0 ? fmt::format("{:.0f}%", *mine / *base * 100) : "-";
}

// One row per device x kernel at each size: GB/s (µs per op in the latency regime), % of the
// device's theoretical memory bandwidth, % of the same device's measured local copy at that
// size, verified.
void add_elementwise_full(const Records& group, std::vector<Table>& out) {
  const CopyIndex copies = local_copies(group);
  Table t = make_table(
      "elementwise, GB/s (bytes read + written; % of theoretical memory bandwidth, of the "
      "measured local copy); µs per op below 64 KiB",
      {"GPU", "kernel", "size", "shape", "median", "unit", "% of memory", "% of copy", "verified", "per GPU GB/s"}, 4);
  t.align[5] = Align::left;
  t.align.back() = Align::left;
  Notes notes;
  bool small = false;
  for (const Record* r : group) {
    const Case& c = r->test;
    const bool ok = r->status == Status::ok;
    const bool in_cache = cache_resident(c);
    small = small || latency_regime(c.bytes);
    if (ok && in_cache) notes.add(kCacheNote);
    if (ok && !in_cache && !efficiency(*r)) notes.add("no %: " + c.theoretical_bytes_per_s.reason);
    std::string of_memory = !ok || latency_regime(c.bytes) ? "" : in_cache ? "L2" : percent(efficiency(*r));
    t.rows.push_back({compute_where(c), std::string(to_string(c.method)), format_size(c.bytes),
                      shape_label(c.bytes, c.dtype) + " " + std::string(to_string(c.dtype)), regime_cell(*r, notes),
                      ok ? regime_unit(c.bytes) : "", std::move(of_memory), of_copy_cell(*r, copies), yes_no_mark(*r),
                      per_device_cell(*r, false)});
  }
  if (small) notes.add(kRegimeNote);
  notes.move_to(t);
  out.push_back(std::move(t));
}

// One row per swept device x kernel, its rates at the sizes of compact_sweep_sizes, then % of
// memory and of the local copy at the largest size. Devices measured at the headline size only
// (the other GPUs, all GPUs at once) are in the summary's row of the kernel, not repeated here.
void add_elementwise_compact(const Records& group, std::vector<Table>& out) {
  const CopyIndex copies = local_copies(group);
  std::vector<std::uint64_t> all;
  for (const auto& [bytes, unused] : by_bytes(group)) all.push_back(bytes);
  const std::vector<std::uint64_t> sizes = compact_sweep_sizes(all);
  std::vector<std::string> header{"GPU", "kernel"};
  for (std::uint64_t b : sizes) header.push_back(format_size(b) + (latency_regime(b) ? " µs" : ""));
  header.insert(header.end(), {"% of memory", "% of copy", "verified"});
  Table t = make_table(fmt::format("elementwise sweep, GB/s (bytes read + written); % of theoretical memory "
                                   "bandwidth and of the measured local copy at {}",
                                   format_size(all.back())),
                       std::move(header), 2);
  std::vector<std::pair<std::string, Method>> order;
  std::map<std::pair<std::string, Method>, std::map<std::uint64_t, const Record*>> cells;
  for (const Record* r : group) {
    const std::pair<std::string, Method> key{compute_where(r->test), r->test.method};
    if (cells.find(key) == cells.end()) order.push_back(key);
    cells[key][r->test.bytes] = r;
  }
  Notes notes;
  std::vector<std::string> headline_only;
  for (const auto& key : order) {
    const auto& row_cells = cells[key];
    if (row_cells.size() < 2) {
      if (std::find(headline_only.begin(), headline_only.end(), key.first) == headline_only.end()) {
        headline_only.push_back(key.first);
      }
      continue;
    }
    std::vector<std::string> row{key.first, std::string(to_string(key.second))};
    for (std::uint64_t b : sizes) {
      const auto it = row_cells.find(b);
      if (it == row_cells.end()) {
        row.emplace_back("-");
        continue;
      }
      std::string cell = regime_cell(*it->second, notes);
      if (it->second->status == Status::ok && cache_resident(it->second->test)) {
        cell += " L2";
        notes.add(kCacheNote);
      }
      row.push_back(std::move(cell));
    }
    const Record& last = *row_cells.rbegin()->second;
    const bool ok = last.status == Status::ok;
    const bool last_in_cache = cache_resident(last.test);
    if (ok && !last_in_cache && !efficiency(last)) notes.add("no %: " + last.test.theoretical_bytes_per_s.reason);
    const bool all_verified = std::all_of(row_cells.begin(), row_cells.end(), [](const auto& c) {
      return c.second->status != Status::ok || c.second->verified;
    });
    row.insert(row.end(), {ok ? (last_in_cache ? "L2" : percent(efficiency(last))) : "", of_copy_cell(last, copies),
                           ok ? (all_verified ? "yes" : "no") : ""});
    t.rows.push_back(std::move(row));
  }
  if (sizes.size() < all.size()) {
    notes.add(fmt::format("{} of {} sizes; every size with --detail full", sizes.size(), all.size()));
  }
  if (t.rows.empty()) {  // every device at one size of its own: the full table is as short
    add_elementwise_full(group, out);
    return;
  }
  if (!headline_only.empty()) {
    notes.add(fmt::format("{}: {} only, in the summary; every row with --detail full", fmt::join(headline_only, "; "),
                          format_size(all.back())));
  }
  if (latency_regime(sizes.front())) notes.add(kRegimeNote);
  notes.move_to(t);
  out.push_back(std::move(t));
}

void add_elementwise(const std::vector<Record>& records, BenchDetail detail, std::vector<Table>& out) {
  const Records group =
      select(records, [](const Record& r) { return is_elementwise(r.test.method) && !is_suite_skip(r.test); });
  if (group.empty()) return;
  if (detail == BenchDetail::full || by_bytes(group).size() < 2) {
    add_elementwise_full(group, out);
  } else {
    add_elementwise_compact(group, out);
  }
}

std::string flops_cell(const Record& r, Notes& notes) {
  if (r.status != Status::ok) return status_cell(r, notes);
  const auto rate = median_flop_rate(r);
  if (!rate) return "-";
  return mark_noisy(r, fmt::format("{:.1f}", *rate / 1e12), notes);
}

std::string per_ghz(const Record& r) {
  const auto v = flop_rate_per_sm_ghz(r);
  return v ? fmt::format("{:.1f}", *v / 1e12) : "-";
}

void add_gemm(const std::vector<Record>& records, std::vector<Table>& out) {
  const Records group =
      select(records, [](const Record& r) { return is_gemm(r.test.method) && !is_suite_skip(r.test); });
  if (group.empty()) return;
  Table t = make_table("gemm, TFLOP/s (2·N³ per GEMM; % of the precision's peak)",
                       {"GPU", "precision", "N", "TFLOP/s", "% of peak", "SM MHz", "TFLOP/s per GHz",
                        "max error (bound)", "verified", "per GPU TFLOP/s"},
                       3);
  t.align.back() = Align::left;
  Notes notes;
  for (const Record* r : group) {
    const Case& c = r->test;
    const bool ok = r->status == Status::ok;
    if (ok && !efficiency(*r)) notes.add("no % of peak: " + c.theoretical_flops_per_s.reason);
    const std::string error =
        r->accuracy ? fmt::format("{:.1e} ({:.0e})", r->accuracy->max_error, r->accuracy->bound) : "-";
    t.rows.push_back({compute_where(c), std::string(to_string(c.method).substr(5)), std::to_string(c.gemm_n),
                      flops_cell(*r, notes), ok ? percent(efficiency(*r)) : "", ok ? clock_cell(*r) : "", per_ghz(*r),
                      error, yes_no_mark(*r), per_device_cell(*r, true)});
  }
  notes.add("error: largest |C - float64 reference| / sum |A·B| over sampled entries of C");
  notes.add(
      "SM MHz: median SM clock during the samples (the slowest GPU's); TFLOP/s per GHz: TFLOP/s / the "
      "GPUs' mean median SM clock, which takes clock changes out of the rate");
  notes.move_to(t);
  out.push_back(std::move(t));
}

void add_overlap(const std::vector<Record>& records, std::vector<Table>& out) {
  const Records group =
      select(records, [](const Record& r) { return is_overlap(r.test.method) && !is_suite_skip(r.test); });
  if (group.empty()) return;
  Table t = make_table(
      "overlap, a copy while GEMMs run: ms per operation alone and together",
      {"method", "copy", "N", "copy alone", "GEMM alone", "together", "efficiency", "copy slowdown", "GEMM slowdown"},
      3);
  Notes notes;
  for (const Record* r : group) {
    const Case& c = r->test;
    std::vector<std::string> row{std::string(to_string(c.method)), fmt::format("{} {}", where(c), format_size(c.bytes)),
                                 std::to_string(c.gemm_n)};
    if (r->status != Status::ok || !r->overlap) {
      row.push_back(status_cell(*r, notes));
      row.resize(9);
    } else {
      const OverlapTimes& o = *r->overlap;
      auto ms = [](double s) { return fmt::format("{:.2f}", s * 1e3); };
      auto ratio = [](std::optional<double> v) { return v ? fmt::format("{:.2f}x", *v) : "-"; };
      const auto e = overlap_efficiency(o);
      row.insert(row.end(), {ms(o.copy_alone), ms(o.compute_alone), ms(o.together), e ? fmt::format("{:.2f}", *e) : "-",
                             ratio(copy_slowdown(o)), ratio(compute_slowdown(o))});
      if (noisy(*r)) {
        notes.add(kNoisyNote);
        row[5] += "*";
      }
    }
    t.rows.push_back(std::move(row));
  }
  notes.add(
      "efficiency = (copy alone + GEMM alone - together) / min(copy alone, GEMM alone): 1 = the "
      "shorter one fully hidden, 0 = no overlap");
  notes.add("slowdown = the operation's own time while sharing / alone");
  notes.move_to(t);
  out.push_back(std::move(t));
}

// Suites or methods plan() skipped as a whole (too few GPUs): listed so the skip is visible.
void add_not_run(const std::vector<Record>& records, std::vector<Table>& out) {
  const Records skipped = select(records, [](const Record& r) { return is_suite_skip(r.test); });
  if (skipped.empty()) return;
  Table t = make_table("not run", {"suite", "method", "reason"}, 3);
  for (const Record* r : skipped) {
    // Pair suites are skipped whole (one record stands for them); others name each method.
    const Suite suite = r->test.suite;
    const bool whole_suite = suite == Suite::peer || suite == Suite::staged || suite == Suite::async;
    t.rows.push_back({std::string(to_string(r->test.suite)),
                      whole_suite ? "all" : std::string(to_string(r->test.method)),
                      r->reason.empty() ? r->test.skip_reason : r->reason});
  }
  out.push_back(std::move(t));
}

}  // namespace

std::string_view to_string(BenchDetail detail) {
  switch (detail) {
    case BenchDetail::summary: return "summary";
    case BenchDetail::compact: return "compact";
    case BenchDetail::full: return "full";
  }
  return "compact";
}

BenchDetail parse_bench_detail(std::string_view text) {
  for (BenchDetail d : {BenchDetail::summary, BenchDetail::compact, BenchDetail::full}) {
    if (text == to_string(d)) return d;
  }
  throw UsageError(fmt::format("invalid --detail '{}': allowed summary, compact, full", text));
}

std::vector<std::uint64_t> compact_sweep_sizes(const std::vector<std::uint64_t>& sizes, std::size_t columns) {
  if (sizes.size() <= columns || columns < 2) return sizes;
  // Targets evenly spaced in log2 from the smallest to the largest; each takes the nearest size
  // not taken yet (ties to the smaller), so the ends are always shown.
  const double lo = std::log2(static_cast<double>(std::max<std::uint64_t>(sizes.front(), 1)));
  const double hi = std::log2(static_cast<double>(std::max<std::uint64_t>(sizes.back(), 1)));
  std::set<std::size_t> chosen;
  for (std::size_t k = 0; k < columns; ++k) {
    const double target = lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(columns - 1);
    std::size_t best = sizes.size();
    double best_distance = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (chosen.count(i) != 0) continue;
      const double d = std::abs(std::log2(static_cast<double>(std::max<std::uint64_t>(sizes[i], 1))) - target);
      if (best == sizes.size() || d < best_distance - 1e-9) {
        best = i;
        best_distance = d;
      }
    }
    if (best < sizes.size()) chosen.insert(best);
  }
  std::vector<std::uint64_t> out;
  for (std::size_t i : chosen) out.push_back(sizes[i]);
  return out;
}

std::vector<Table> bench_tables(const std::vector<Record>& records, const SystemInfo& system, BenchDetail detail) {
  const auto gpus = gpu_axis(records, system);
  std::vector<Table> out;
  if (!records.empty()) out.push_back(summary_table(summarize_bench(records, system)));
  if (detail == BenchDetail::summary) return out;
  for (Suite suite : all_suites()) {
    add_matrices(records, suite, gpus, out);
    if (suite == Suite::host) add_host_table(records, out);
    if (suite == Suite::staged) add_tuning(records, out);
    if (suite == Suite::elementwise) add_elementwise(records, detail, out);
    if (suite == Suite::gemm) add_gemm(records, out);
    if (suite == Suite::overlap) add_overlap(records, out);
    if (suite == Suite::elementwise || suite == Suite::gemm || suite == Suite::overlap) continue;
    add_sweeps(records, suite, detail, out);
    add_concurrent(records, suite, out);
    if (suite == Suite::latency) add_latency(records, out);
  }
  add_not_run(records, out);
  return out;
}

std::vector<Table> compute_tables(const std::vector<Record>& records, BenchDetail detail) {
  std::vector<Table> out;
  add_elementwise(records, detail, out);
  add_gemm(records, out);
  add_overlap(records, out);
  return out;
}

// The flat table's throttle column: the main reason of the most throttled GPU and its share
// ("sw_power_cap 0.92"); "" when none held 5 % of the time.
static std::string throttle_text(const Telemetry& t) {
  const GpuTelemetry* g = most_throttled(t);
  if (g == nullptr) return "";
  const ThrottleShare* s = main_throttle(*g);
  return fmt::format("{} {:.2f}", to_string(s->reason), s->share);
}

Table bench_flat_table(const std::vector<Record>& records) {
  Table t;
  t.header = {"suite",
              "method",
              "metric",
              "src",
              "dst",
              "devices",
              "dtype",
              "bytes",
              "shape",
              "streams",
              "chunk_bytes",
              "ring_depth",
              "link_class",
              "headline",
              "status",
              "reason",
              "timing_mode",
              "samples",
              "ops_per_sample",
              "time_median_s",
              "time_min_s",
              "time_q1_s",
              "time_q3_s",
              "time_max_s",
              "time_cv",
              "median_gbps",
              "best_gbps",
              "theoretical_gbps",
              "efficiency",
              "verified",
              "mismatches",
              "noisy",
              "gemm_n",
              "median_tflops",
              "best_tflops",
              "peak_tflops",
              "max_error",
              "overlap_efficiency",
              "sm_clock_mhz_median",
              "tflops_per_sm_ghz",
              "throttle",
              "min_sample_s",
              "ops_capped",
              "working_set_bytes",
              "l2_bytes",
              "cache_resident"};
  auto endpoint = [](int g) { return g == kHost ? std::string("host") : std::to_string(g); };
  auto opt = [](std::optional<double> v, double scale) { return v ? number(*v / scale) : std::string(); };
  auto stat = [](const Record& r, double Summary::*field) { return r.time ? number((*r.time).*field) : std::string(); };
  auto yes_no = [](bool v) { return std::string(v ? "yes" : "no"); };
  for (const auto& r : records) {
    const Case& c = r.test;
    const auto& theoretical = c.theoretical_bytes_per_s;
    const auto shape = shape_for_bytes(c.bytes, c.dtype);
    t.rows.push_back({std::string(to_string(c.suite)),
                      std::string(to_string(c.method)),
                      std::string(to_string(metric_of(c.method))),
                      endpoint(c.src),
                      endpoint(c.dst),
                      fmt::format("{}", fmt::join(c.devices, ";")),
                      std::string(to_string(c.dtype)),
                      std::to_string(c.bytes),
                      shape ? format_shape(*shape) : "",
                      std::to_string(c.streams),
                      std::to_string(c.chunk_bytes),
                      std::to_string(c.ring_depth),
                      c.link_class,
                      yes_no(c.headline),
                      std::string(to_string(r.status)),
                      r.reason,
                      std::string(to_string(r.timing)),
                      std::to_string(r.sample_seconds.size()),
                      std::to_string(r.ops_per_sample),
                      stat(r, &Summary::median),
                      stat(r, &Summary::min),
                      stat(r, &Summary::q1),
                      stat(r, &Summary::q3),
                      stat(r, &Summary::max),
                      stat(r, &Summary::cv),
                      opt(median_rate(r), 1e9),
                      opt(best_rate(r), 1e9),
                      theoretical.has_value() ? number(*theoretical / 1e9) : "",
                      opt(efficiency(r), 1),
                      yes_no(r.verified),
                      std::to_string(r.mismatches),
                      yes_no(noisy(r)),
                      c.gemm_n != 0 ? std::to_string(c.gemm_n) : "",
                      opt(median_flop_rate(r), 1e12),
                      opt(best_flop_rate(r), 1e12),
                      c.theoretical_flops_per_s.has_value() ? number(*c.theoretical_flops_per_s / 1e12) : "",
                      r.accuracy ? number(r.accuracy->max_error) : "",
                      r.overlap ? opt(overlap_efficiency(*r.overlap), 1) : "",
                      r.telemetry ? opt(median_sm_clock_mhz(*r.telemetry), 1) : "",
                      opt(flop_rate_per_sm_ghz(r), 1e12),
                      r.telemetry ? throttle_text(*r.telemetry) : "",
                      r.min_sample_seconds > 0 ? number(r.min_sample_seconds) : "",
                      yes_no(r.ops_capped),
                      working_set_bytes(c) > 0 ? std::to_string(working_set_bytes(c)) : "",
                      c.l2_bytes > 0 ? std::to_string(c.l2_bytes) : "",
                      working_set_bytes(c) > 0 && c.l2_bytes > 0 ? yes_no(cache_resident(c)) : ""});
  }
  return t;
}

}  // namespace gx
