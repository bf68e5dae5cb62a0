#include "report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "core/bench_view.hpp"
#include "core/build_info.hpp"
#include "core/health_view.hpp"
#include "core/plan.hpp"
#include "core/units.hpp"
#include "core/record_select.hpp"
#include "report/html.hpp"

namespace gx::report {
namespace {

// ---- record classification (as the text view groups them) -----------------------------------

// Suites drawn as per-GPU bar charts in the Compute section (overlap is a table there).
bool is_compute_suite(Suite s) {
  return s == Suite::elementwise || s == Suite::gemm;
}

// Where a compute record ran: one GPU, or every listed GPU at once.
std::string compute_label(const Case& c) {
  return c.devices.empty() ? gpu_label(c.src) : fmt::format("{} at once", fmt::join(c.devices, ","));
}

std::vector<int> gpu_axis(const LoadedReport& report) {
  std::set<int> gpus;
  for (const auto& d : report.system.devices) gpus.insert(d.index);
  for (const auto& r : report.records) {
    if (r.test.src != kHost) gpus.insert(r.test.src);
    if (r.test.dst != kHost) gpus.insert(r.test.dst);
  }
  return {gpus.begin(), gpus.end()};
}

// ---- text ------------------------------------------------------------------------------------------

std::string where(const Case& c) {
  if (!c.devices.empty()) return fmt::format("GPUs {}", fmt::join(c.devices, ","));
  if (is_bidir(c.method)) return fmt::format("{} \u2194 {}", gpu_label(c.src), gpu_label(c.dst));
  return fmt::format("{} \u2192 {}", gpu_label(c.src), gpu_label(c.dst));
}

std::string percent(double fraction) {
  return fmt::format("{:.0f}%", fraction * 100);
}

std::string reason_of(const Record& r) {
  return r.reason.empty() ? r.test.skip_reason : r.reason;
}

// "skip", "FAIL", "timeout", "error" for a record that has no value.
std::string status_word(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::skipped: return "skip";
    case Status::failed: return "FAIL";
    case Status::timeout: return "timeout";
    case Status::error: return "error";
  }
  return "?";
}

template <class T>
std::string known_text(const Known<T>& k, const std::function<std::string(const T&)>& show) {
  return k.has_value() ? show(*k) : "unknown (" + k.reason + ")";
}

std::string known_string(const Known<std::string>& k) {
  return known_text<std::string>(k, [](const std::string& v) { return v; });
}

std::string json_text(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// ", SM 1755 MHz" (+ " · power cap 92 %" when throttled) from the record's telemetry; "" without.
std::string clock_note(const Record& r) {
  if (!r.telemetry) return "";
  const auto mhz = median_sm_clock_mhz(*r.telemetry);
  if (!mhz) return "";
  std::string note = fmt::format(", SM {:.0f} MHz", *mhz);
  if (const GpuTelemetry* g = most_throttled(*r.telemetry)) {
    const ThrottleShare* s = main_throttle(*g);
    note += fmt::format(" · {} {:.0f} %", describe(s->reason), 100 * s->share);
  }
  return note;
}

// Rate of a record as drawn: median B/s of a measured bandwidth record.
std::optional<double> rate_of(const Record& r) {
  return r.status == Status::ok ? median_rate(r) : std::nullopt;
}

std::string rate_tooltip(const std::string& prefix, const Record& r) {
  std::string tip =
      fmt::format("{}{} {}, {}", prefix, to_string(r.test.method), where(r.test), byte_label(r.test.bytes));
  if (r.status != Status::ok) return tip + ": " + std::string(to_string(r.status)) + " (" + reason_of(r) + ")";
  if (const auto rate = median_rate(r)) tip += ": " + format_rate(*rate);
  if (const auto e = efficiency(r)) {
    tip += fmt::format(" = {} of {}", percent(*e), format_rate(*r.test.theoretical_bytes_per_s));
  }
  if (r.time) {
    tip += fmt::format(", {} per op", format_duration(r.time->median));
    if (r.bytes_per_op > 0 && r.time->q1 > 0 && r.time->q3 > 0) {
      tip += fmt::format(" (IQR {:.3g}\u2013{:.3g} GB/s)", r.bytes_per_op / r.time->q3 / 1e9,
                         r.bytes_per_op / r.time->q1 / 1e9);
    }
    tip += fmt::format(", cv {:.1f}%", r.time->cv * 100);
  }
  if (noisy(r)) tip += " (noisy)";
  tip += clock_note(r);
  return tip;
}

// What a size chart draws of a record: its median rate (GB/s) or its median time per operation
// (µs), each with its interquartile range from the samples' q1 and q3.
enum class SizeFigure { rate, time };

std::optional<Point> size_point(const Record& r, SizeFigure figure, const std::string& tooltip) {
  if (r.status != Status::ok || !r.time) return std::nullopt;
  const Summary& t = *r.time;
  Point p;
  p.x = static_cast<double>(r.test.bytes);
  p.tooltip = tooltip;
  if (figure == SizeFigure::time) {
    if (!(t.median > 0)) return std::nullopt;
    p.y = t.median * 1e6;
    p.lo = t.q1 * 1e6;
    p.hi = t.q3 * 1e6;
    return p;
  }
  const auto rate = rate_of(r);
  if (!rate) return std::nullopt;
  p.y = *rate / 1e9;
  if (r.bytes_per_op > 0 && t.q1 > 0 && t.q3 > 0) {  // the slower quartile of time is the lower rate
    p.lo = r.bytes_per_op / t.q3 / 1e9;
    p.hi = r.bytes_per_op / t.q1 / 1e9;
  }
  return p;
}

// ---- sweeps --------------------------------------------------------------------------------------

struct SweepGroup {
  std::string key;   // "GPU0 → GPU1", "GPU0" for host
  std::string link;  // "NV18", "PCIe", ""
  Records records;
};

// Size sweeps of one suite, one group per pair (per GPU for host and elementwise). With
// `with_latency`, the latency suite's small copies too (they have a time, not a rate).
std::vector<SweepGroup> sweep_groups(const std::vector<Record>& records, Suite suite, bool with_latency = false) {
  const Records candidates = select(records, [&](const Record& r) {
    const Case& c = r.test;
    const bool timed =
        metric_of(c.method) == Metric::bandwidth || (with_latency && c.suite == Suite::latency && !is_chase(c.method));
    return c.suite == suite && timed && !is_suite_skip(c) && !is_concurrent(c) && !is_tuning_case(c);
  });
  std::vector<SweepGroup> groups;
  for (const Record* r : candidates) {
    const std::string key = suite == Suite::host          ? gpu_label(host_gpu(r->test))
                            : suite == Suite::elementwise ? compute_label(r->test)
                                                          : where(r->test);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const SweepGroup& g) { return g.key == key; });
    if (it == groups.end()) {
      groups.push_back({key, r->test.link_class, {}});
      it = groups.end() - 1;
    }
    it->records.push_back(r);
  }
  // Only real sweeps: a headline-only pair is in the heatmap already.
  groups.erase(
      std::remove_if(groups.begin(), groups.end(), [](const SweepGroup& g) { return by_bytes(g.records).size() < 2; }),
      groups.end());
  return groups;
}

// ---- heatmap cells ---------------------------------------------------------------------------------

HeatCell rate_cell(const Record& r, const std::string& tooltip_prefix) {
  HeatCell cell;
  cell.tooltip = rate_tooltip(tooltip_prefix, r);
  if (r.status != Status::ok) {
    cell.text = status_word(r.status);
    return cell;
  }
  const auto rate = median_rate(r);
  if (!rate) {
    cell.text = "?";
    return cell;
  }
  cell.text = format_gbps(*rate) + (noisy(r) ? "*" : "");
  if (const auto e = efficiency(r)) {
    cell.sub = percent(*e);
    cell.fraction = *e;
  } else {
    cell.sub = "no peak";
  }
  return cell;
}

// ---- CSS -----------------------------------------------------------------------------------------

constexpr const char* kCss = R"(
body{font-family:"DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif;margin:20px 24px;color:#222;background:#fff;font-size:14px;line-height:1.35}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;border-bottom:2px solid #4e79a7;padding-bottom:4px;margin:30px 0 10px}
h3{font-size:15px;margin:14px 0 8px;color:#333}
p.sub,p.hint{color:#555;margin:4px 0 10px}
nav{margin:8px 0 0;font-size:13px}
nav a{margin-right:14px;color:#4e79a7;text-decoration:none}
.charts{display:flex;flex-wrap:wrap;gap:14px 16px;align-items:flex-start}
figure{margin:0;border:1px solid #e2e2e2;border-radius:6px;padding:6px;background:#fff}
.cards{display:flex;flex-direction:column;gap:14px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px}
.card h3{margin-top:4px}
.row{display:flex;flex-wrap:wrap;gap:4px 40px;align-items:flex-start}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top;white-space:nowrap}
thead th{background:#f1f4f7}
td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:bold;padding:4px 0;caption-side:top;white-space:nowrap}
table.kv{max-width:760px}
table.kv th{background:none;border:none;color:#555;font-weight:normal;padding:2px 12px 2px 0}
table.kv td{border:none;padding:2px 0;white-space:normal}
table.wrap-last td:last-child{white-space:normal;min-width:260px}
code{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:12px;overflow-wrap:anywhere}
ul.notes{color:#555;font-size:12px;margin:0 0 12px;padding-left:18px}
.tables{display:flex;flex-wrap:wrap;gap:0 28px;align-items:flex-start}
.bad{color:#b00020;font-weight:bold}
.good{color:#1b7f3b;font-weight:bold}
footer{margin-top:36px;color:#777;font-size:12px}
)";

std::string figure(const std::string& svg) {
  return "<figure>\n" + svg + "</figure>\n";
}

std::string subheading(const std::vector<ReportSource>& sources, const ReportSource& s) {
  return sources.size() > 1 ? "<h3>" + html_escape(source_caption(s)) + "</h3>\n" : "";
}

// ---- system section ------------------------------------------------------------------------------

std::string gib(std::uint64_t bytes) {
  return fmt::format("{:.0f} GiB", static_cast<double>(bytes) / (1ull << 30));
}

std::string pcie_text(const PcieLink& p) {
  if (!p.current_gen.has_value()) return "unknown";
  std::string t =
      fmt::format("Gen{} x{}", *p.current_gen, p.current_width.has_value() ? std::to_string(*p.current_width) : "?");
  if (p.max_gen.has_value() && p.max_width.has_value() &&
      (*p.max_gen != *p.current_gen || !p.current_width.has_value() || *p.max_width != *p.current_width)) {
    t += fmt::format(" (max Gen{} x{})", *p.max_gen, *p.max_width);
  }
  if (p.max_bytes_per_s.has_value()) t += ", " + format_rate(*p.max_bytes_per_s);
  return t;
}

std::string nvlink_text(const NvlinkState& n) {
  if (!n.links_up.has_value()) return "unknown";
  if (*n.links_up == 0) return "none";
  std::string t = fmt::format("{} up", *n.links_up);
  if (n.version.has_value()) t += fmt::format(", v{}.{}", *n.version / 10, *n.version % 10);
  if (n.per_link_bytes_per_s.has_value()) t += ", " + format_rate(*n.per_link_bytes_per_s) + " each";
  return t;
}

std::string link_classes_text(const SystemInfo& system) {
  if (system.pairs.empty()) return "no GPU pairs";
  std::map<std::string, int> count;
  std::map<std::string, int> enabled;
  for (const auto& p : system.pairs) {
    ++count[p.link.name];
    if (p.peer_enabled) ++enabled[p.link.name];
  }
  std::vector<std::string> parts;
  for (const auto& [name, n] : count) {
    parts.push_back(fmt::format("{}: {} ordered pair{}, P2P enabled on {}", name, n, n == 1 ? "" : "s", enabled[name]));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

std::string records_text(const std::vector<Record>& records) {
  std::map<Status, int> count;
  for (const auto& r : records) ++count[r.status];
  std::vector<std::string> parts;
  for (const auto& [status, n] : count) parts.push_back(fmt::format("{} {}", n, to_string(status)));
  return fmt::format("{} ({})", records.size(), fmt::join(parts, ", "));
}

std::string kv_row(std::string_view key, const std::string& escaped_value) {
  return fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", html_escape(key), escaped_value);
}

std::string system_card(const ReportSource& source) {
  const LoadedReport& rep = source.report;
  const SystemInfo& sys = rep.system;
  std::string out =
      "<div class=\"card\">\n<h3>" + html_escape(source.label) + "</h3>\n<div class=\"row\">\n<table class=\"kv\">\n";
  out += kv_row("host", html_escape(sys.hostname.empty() ? rep.run.hostname : sys.hostname) +
                            (sys.cpu_model.empty() ? "" : " \u00b7 " + html_escape(sys.cpu_model)));
  out += kv_row("GPUs", html_escape(gpu_summary(sys)));
  out += kv_row(
      "driver",
      html_escape(fmt::format(
          "NVIDIA {} \u00b7 CUDA driver {} \u00b7 CUDA runtime {} \u00b7 NVML {}", known_string(sys.driver_release),
          known_text<int>(sys.cuda_driver_version, [](const int& v) { return format_cuda_version(v); }),
          known_text<int>(sys.cuda_runtime_version, [](const int& v) { return format_cuda_version(v); }),
          known_string(sys.nvml_version))));
  out += kv_row("link classes", html_escape(link_classes_text(sys)));
  const std::string version = json_text(rep.tool, "version");
  if (!version.empty()) {
    out += kv_row("tool", html_escape(fmt::format("gpuxfer {} (git {}, {}, built with CUDA {})", version,
                                                  json_text(rep.tool, "git_sha"), json_text(rep.tool, "build_type"),
                                                  json_text(rep.tool, "cuda_build_version"))));
  }
  std::string run = rep.run.started_utc;
  if (!rep.run.finished_utc.empty()) run += " \u2192 " + rep.run.finished_utc;
  out += kv_row("run", html_escape(run));
  if (!rep.run.argv.empty()) {
    out += kv_row("command", "<code>" + html_escape(fmt::format("{}", fmt::join(rep.run.argv, " "))) + "</code>");
  }
  out += kv_row("records", html_escape(records_text(rep.records)));
  out += "</table>\n";

  if (sys.devices.size() > 1) {
    Table links;
    links.title = "link class (theoretical GB/s, one direction)";
    links.header = {"src \\ dst"};
    for (const auto& d : sys.devices) links.header.push_back(gpu_label(d.index));
    links.align.assign(links.header.size(), Align::right);
    links.align[0] = Align::left;
    for (const auto& a : sys.devices) {
      std::vector<std::string> row{gpu_label(a.index)};
      for (const auto& b : sys.devices) {
        const PairInfo* p = a.index == b.index ? nullptr : find_pair(sys, a.index, b.index);
        if (a.index == b.index) {
          row.emplace_back("X");
        } else if (p == nullptr) {
          row.emplace_back("-");
        } else {
          std::string cell = p->link.name;
          if (p->theoretical_bytes_per_s.has_value()) cell += " (" + format_gbps(*p->theoretical_bytes_per_s) + ")";
          if (!p->peer_enabled) cell += ", no P2P";
          row.push_back(std::move(cell));
        }
      }
      links.rows.push_back(std::move(row));
    }
    out += html_table(links);
  }
  out += "</div>\n";  // row
  if (!sys.devices.empty()) {
    Table gpus;
    gpus.header = {"GPU", "name", "memory", "SMs", "memory BW", "PCIe", "NVLink", "NUMA", "PCI bus"};
    gpus.align = {Align::left, Align::left, Align::right, Align::right, Align::right,
                  Align::left, Align::left, Align::right, Align::left};
    for (const auto& d : sys.devices) {
      gpus.rows.push_back(
          {gpu_label(d.index), d.name, gib(d.memory_total_bytes), std::to_string(d.sm_count),
           d.memory_bandwidth_bytes_per_s.has_value() ? format_rate(*d.memory_bandwidth_bytes_per_s) : "?",
           pcie_text(d.pcie), nvlink_text(d.nvlink), d.numa_node.has_value() ? std::to_string(*d.numa_node) : "?",
           d.pci_bus_id});
    }
    out += html_table(gpus);
  }
  out += "</div>\n";
  return out;
}

// ---- the other sections ----------------------------------------------------------------------------

std::string not_measured_table(const LoadedReport& report) {
  Table t;
  t.title = "cases without a value";
  t.header = {"status", "suite", "method", "where", "sizes", "reason"};
  t.align = {Align::left, Align::left, Align::left, Align::left, Align::right, Align::left};
  // One row per (status, method, where, reason): a skip repeats for every size otherwise.
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  std::map<std::string, std::size_t> index;
  std::map<std::string, int> sizes;
  for (const auto& r : report.records) {
    if (r.status == Status::ok) continue;
    const std::string w = is_suite_skip(r.test) ? "-" : where(r.test);
    const std::string key = fmt::format("{}|{}|{}|{}", to_string(r.status), to_string(r.test.method), w, reason_of(r));
    if (index.emplace(key, rows.size()).second) {
      rows.push_back({key,
                      {status_word(r.status), std::string(to_string(r.test.suite)),
                       is_suite_skip(r.test) ? "all" : std::string(to_string(r.test.method)), w, "", reason_of(r)}});
    }
    ++sizes[key];
  }
  if (rows.empty()) return "";
  constexpr std::size_t kMaxRows = 60;
  for (std::size_t i = 0; i < rows.size() && i < kMaxRows; ++i) {
    rows[i].second[4] = std::to_string(sizes[rows[i].first]);
    t.rows.push_back(rows[i].second);
  }
  if (rows.size() > kMaxRows) t.notes.push_back(fmt::format("and {} more", rows.size() - kMaxRows));
  return html_table(t, "wrap-last");
}

struct MetricScale {
  double divisor;
  std::string unit;
};

// Units of a compute record's rate: GB/s for elementwise, TFLOP/s for GEMMs.
MetricScale metric_scale(Metric m) {
  return m == Metric::throughput ? MetricScale{1e12, "TFLOP/s"} : MetricScale{1e9, "GB/s"};
}

// B/s of a bandwidth record, FLOP/s of a GEMM (core/bench_model defines both once).
std::optional<double> work_rate(const Record& r) {
  return metric_of(r.test.method) == Metric::throughput ? median_flop_rate(r) : median_rate(r);
}

bool check_is_bad(const std::string& v) {
  std::string lower;
  for (const char c : v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "fail" || lower == "failed" || lower == "error" || lower == "regression";
}
bool check_is_good(const std::string& v) {
  std::string lower;
  for (const char c : v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "pass" || lower == "passed" || lower == "ok";
}

std::string json_cell(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_primitive(); })) {
    std::vector<std::string> parts;
    for (const auto& e : v) parts.push_back(json_cell(e));
    return fmt::format("{}", fmt::join(parts, ", "));
  }
  return v.dump();
}

std::string check_cell(const Json& v, std::string_view tag) {
  const std::string t = json_cell(v);
  const char* cls = check_is_bad(t)    ? " class=\"bad\""
                    : check_is_good(t) ? " class=\"good\""
                    : v.is_number()    ? " class=\"r\""
                                       : "";
  return fmt::format("<{0}{1}>{2}</{0}>", tag, cls, html_escape(t));
}

std::string check_array_table(const std::string& name, const Json& rows) {
  std::vector<std::string> columns;
  for (const auto& row : rows) {
    for (const auto& [k, v] : row.items()) {
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
    }
  }
  std::string out = "<table>\n";
  if (!name.empty()) out += "<caption>" + html_escape(name) + "</caption>\n";
  out += "<thead><tr>";
  for (const auto& c : columns) out += "<th>" + html_escape(c) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& c : columns) out += row.contains(c) ? check_cell(row.at(c), "td") : "<td></td>";
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  return out;
}

bool array_of_objects(const Json& v) {
  return v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_object(); });
}

}  // namespace

// ---- sources -------------------------------------------------------------------------------------

ReportSource parse_report_source(std::string_view text, const std::string& path) {
  ReportSource source;
  source.report = parse_report(text, path);
  const Json doc = parse_json_capped(text, path);
  const auto it = doc.find("check");
  source.check = it != doc.end() ? *it : Json(nullptr);
  source.label = base_name(path);
  return source;
}

ReportSource load_report_source(const std::string& path) {
  return parse_report_source(read_file_capped(path), path);
}

void disambiguate_labels(std::vector<ReportSource>& sources) {
  std::map<std::string, int> count;
  for (const auto& s : sources) ++count[s.label];
  for (auto& s : sources) {
    if (count[s.label] > 1) s.label = s.report.path;
  }
}

std::string gpu_summary(const SystemInfo& system) {
  if (system.devices.empty()) return "no GPU";
  std::vector<std::pair<std::string, int>> names;
  for (const auto& d : system.devices) {
    auto it = std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == d.name; });
    if (it == names.end()) {
      names.emplace_back(d.name, 1);
    } else {
      ++it->second;
    }
  }
  std::vector<std::string> parts;
  for (const auto& [name, n] : names) parts.push_back(fmt::format("{}\u00d7 {}", n, name));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string source_caption(const ReportSource& source) {
  const SystemInfo& sys = source.report.system;
  const std::string host = sys.hostname.empty() ? source.report.run.hostname : sys.hostname;
  return fmt::format("{} \u00b7 {} \u00b7 {}", source.label, host.empty() ? "unknown host" : host, gpu_summary(sys));
}

// ---- charts --------------------------------------------------------------------------------------

namespace {

// The size sweeps of every file for one suite and link class: each file's first (representative)
// group of that link class.
struct LinkSweeps {
  Suite suite = Suite::peer;
  std::string link;
  std::vector<std::pair<std::size_t, const SweepGroup*>> files;  // (file index, its group)
};

struct AllSweeps {
  std::vector<std::vector<std::vector<SweepGroup>>> groups;  // [suite][file]
  std::vector<LinkSweeps> links;
};

AllSweeps all_sweeps(const std::vector<ReportSource>& sources, bool with_latency) {
  AllSweeps all;
  all.groups.resize(all_suites().size());
  for (const Suite suite : all_suites()) {
    auto& per_source = all.groups[static_cast<std::size_t>(suite)];
    std::vector<std::string> links;  // in first-seen order over the files
    for (const auto& s : sources) {
      per_source.push_back(sweep_groups(s.report.records, suite, with_latency));
      for (const auto& g : per_source.back()) {
        if (std::find(links.begin(), links.end(), g.link) == links.end()) links.push_back(g.link);
      }
    }
    for (const auto& link : links) {
      LinkSweeps ls;
      ls.suite = suite;
      ls.link = link;
      for (std::size_t i = 0; i < sources.size(); ++i) {
        const auto& groups = per_source[i];
        const auto g = std::find_if(groups.begin(), groups.end(), [&](const SweepGroup& x) { return x.link == link; });
        if (g != groups.end()) ls.files.emplace_back(i, &*g);
      }
      all.links.push_back(std::move(ls));
    }
  }
  return all;
}

int method_color(Suite suite, Method m) {
  const auto& methods = methods_of(suite);
  return static_cast<int>(std::find(methods.begin(), methods.end(), m) - methods.begin());
}

Records of_method_by_size(const SweepGroup& g, Method m) {
  Records points;
  for (const Record* r : g.records) {
    if (r->test.method == m) points.push_back(r);
  }
  std::stable_sort(points.begin(), points.end(),
                   [](const Record* a, const Record* b) { return a->test.bytes < b->test.bytes; });
  return points;
}

// Title and legend of a chart over several files' groups `keys` (file, representative pair).
void name_chart(LineChart& chart, const std::vector<ReportSource>& sources, const LinkSweeps& ls,
                const std::vector<std::pair<std::size_t, std::string>>& keys, std::string_view what) {
  const bool same_key =
      std::all_of(keys.begin(), keys.end(), [&](const auto& k) { return k.second == keys.front().second; });
  if (sources.size() > 1) {
    for (const auto& [i, key] : keys) {
      chart.axes.style_labels.push_back(
          {static_cast<int>(i), source_caption(sources[i]) + (same_key ? "" : " \u00b7 " + key)});
    }
  }
  const std::string link_text = ls.link.empty() ? "" : " (" + ls.link + ")";
  chart.axes.title = fmt::format("{}: {}{}{}", to_string(ls.suite),
                                 same_key ? keys.front().second : "representative pair", link_text, what);
  chart.axes.width = 640;
}

std::vector<LineChart> size_charts(const std::vector<ReportSource>& sources, SizeFigure figure) {
  std::vector<LineChart> charts;
  const AllSweeps all = all_sweeps(sources, figure == SizeFigure::time);
  for (const LinkSweeps& ls : all.links) {
    LineChart chart;
    std::vector<std::pair<std::size_t, std::string>> keys;  // (file, its representative pair)
    for (const auto& [i, g] : ls.files) {
      const std::size_t before = chart.series.size();
      const std::string prefix = sources.size() > 1 ? sources[i].label + ": " : "";
      for (const Method m : methods_in(g->records)) {
        Series series;
        series.label = std::string(to_string(m));
        series.color = method_color(ls.suite, m);
        series.style = static_cast<int>(i);
        for (const Record* r : of_method_by_size(*g, m)) {
          if (auto p = size_point(*r, figure, rate_tooltip(prefix, *r))) series.points.push_back(std::move(*p));
        }
        if (!series.points.empty()) chart.series.push_back(std::move(series));
      }
      if (chart.series.size() > before) keys.emplace_back(i, g->key);
    }
    if (chart.series.empty()) continue;
    name_chart(chart, sources, ls, keys, figure == SizeFigure::time ? ", time per operation" : "");
    chart.axes.y_scale = YScale::log;
    chart.axes.band_label = "shaded: interquartile range of the samples";
    if (figure == SizeFigure::time) {
      chart.axes.y_label = "\u00b5s per operation (log scale)";
    } else {
      chart.axes.y_label = ls.suite == Suite::async ? "GB/s, both directions (log scale)" : "GB/s (log scale)";
    }
    charts.push_back(std::move(chart));
  }
  return charts;
}

}  // namespace

std::vector<LineChart> sweep_charts(const std::vector<ReportSource>& sources) {
  return size_charts(sources, SizeFigure::rate);
}

std::vector<LineChart> time_charts(const std::vector<ReportSource>& sources) {
  return size_charts(sources, SizeFigure::time);
}

std::vector<LineChart> ratio_charts(const std::vector<ReportSource>& sources) {
  std::vector<LineChart> charts;
  if (sources.size() < 2) return charts;
  const AllSweeps all = all_sweeps(sources, true);
  for (const LinkSweeps& ls : all.links) {
    if (ls.files.empty() || ls.files.front().first != 0) continue;  // nothing of file 1 to divide by
    const SweepGroup& base = *ls.files.front().second;
    LineChart chart;
    std::vector<std::pair<std::size_t, std::string>> keys{{0, base.key}};
    for (std::size_t f = 1; f < ls.files.size(); ++f) {
      const auto& [i, g] = ls.files[f];
      const std::size_t before = chart.series.size();
      for (const Method m : methods_in(g->records)) {
        std::map<std::uint64_t, const Record*> base_at;
        for (const Record* r : of_method_by_size(base, m)) base_at[r->test.bytes] = r;
        Series series;
        series.label = std::string(to_string(m));
        series.color = method_color(ls.suite, m);
        series.style = static_cast<int>(i);
        for (const Record* r : of_method_by_size(*g, m)) {
          const auto b = base_at.find(r->test.bytes);
          if (b == base_at.end()) continue;
          const Record& r0 = *b->second;
          if (r->status != Status::ok || r0.status != Status::ok || !r->time || !r0.time) continue;
          const Summary& t0 = *r0.time;
          const Summary& tk = *r->time;
          if (!(t0.median > 0) || !(tk.median > 0)) continue;
          // Speed ratio, as compare's: file 1's time / file k's time (> 1: file k is faster). The
          // band pairs the quartiles the other way round: how far apart the two spreads reach.
          Point p;
          p.x = static_cast<double>(r->test.bytes);
          p.y = t0.median / tk.median;
          if (t0.q1 > 0 && tk.q1 > 0 && tk.q3 > 0) {
            p.lo = t0.q1 / tk.q3;
            p.hi = t0.q3 / tk.q1;
          }
          p.tooltip = fmt::format("{} {}, {}: {} / {} = {:.3f}", to_string(m), g->key, byte_label(r->test.bytes),
                                  sources[i].label, sources[0].label, p.y);
          series.points.push_back(std::move(p));
        }
        if (!series.points.empty()) chart.series.push_back(std::move(series));
      }
      if (chart.series.size() > before) keys.emplace_back(i, g->key);
    }
    if (chart.series.empty()) continue;
    name_chart(chart, sources, ls, keys, ", speed relative to the first file");
    chart.axes.style_labels.erase(chart.axes.style_labels.begin());  // file 1 is the reference line, not a series
    chart.axes.y_scale = YScale::linear_range;
    chart.axes.y_label = "speed / first file's";
    chart.axes.reference_y = 1.0;
    chart.axes.reference_label = "1 = as fast as the first file";
    chart.axes.band_label = "shaded: quartile range of the ratio";
    charts.push_back(std::move(chart));
  }
  return charts;
}

std::vector<HeatmapMatrix> pair_heatmaps(const LoadedReport& report) {
  std::vector<HeatmapMatrix> out;
  const auto gpus = gpu_axis(report);
  for (const Suite suite : all_suites()) {
    for (const Method m : methods_of(suite)) {
      if (!is_pair_method(m)) continue;
      const Records headline = select(report.records, [&](const Record& r) {
        return r.test.method == m && r.test.headline && !is_suite_skip(r.test) && !is_tuning_case(r.test) &&
               r.test.src != kHost && r.test.dst != kHost;
      });
      for (const auto& [bytes, group] : by_bytes(headline)) {
        std::map<std::pair<int, int>, const Record*> cells;
        for (const Record* r : group) cells[{r->test.src, r->test.dst}] = r;
        for (const Record* r : group) {  // one bidirectional case fills both cells
          if (is_bidir(r->test.method)) cells.emplace(std::pair(r->test.dst, r->test.src), r);
        }
        HeatmapMatrix h;
        h.title = fmt::format("{} {}, {}, GB/s", to_string(suite), to_string(m), byte_label(bytes));
        if (is_bidir(m)) h.title += " (both ways)";
        h.show_scale = false;
        for (const int g : gpus) {
          h.row_labels.push_back(gpu_label(g));
          h.col_labels.push_back(gpu_label(g));
        }
        for (const int a : gpus) {
          std::vector<HeatCell> row;
          for (const int b : gpus) {
            if (a == b) {
              HeatCell diagonal;
              diagonal.diagonal = true;
              row.push_back(diagonal);
              continue;
            }
            const auto it = cells.find({a, b});
            row.push_back(it == cells.end() ? HeatCell{} : rate_cell(*it->second, ""));
          }
          h.cells.push_back(std::move(row));
        }
        out.push_back(std::move(h));
      }
    }
  }
  return out;
}

std::vector<BarChartSpec> host_bar_charts(const LoadedReport& report) {
  std::vector<BarChartSpec> out;
  const Records headline = select(report.records, [](const Record& r) {
    return is_host_gpu_method(r.test.method) && r.test.headline && !is_suite_skip(r.test);
  });
  for (const auto& [bytes, group] : by_bytes(headline)) {
    const auto methods = methods_in(group);
    BarChartSpec chart;
    chart.title = fmt::format("host \u2194 GPU, {}: GB/s (% of theoretical PCIe)", byte_label(bytes));
    for (const Method m : methods) chart.series.emplace_back(to_string(m));
    std::map<int, std::map<Method, const Record*>> cells;
    for (const Record* r : group) cells[host_gpu(r->test)][r->test.method] = r;
    for (const auto& [gpu, row] : cells) {
      BarGroup g;
      g.label = gpu_label(gpu);
      for (const Method m : methods) {
        const auto it = row.find(m);
        const auto rate = it == row.end() ? std::nullopt : rate_of(*it->second);
        if (!rate) {
          g.bars.emplace_back(std::nullopt);
          continue;
        }
        const auto e = efficiency(*it->second);
        g.bars.emplace_back(Bar{*rate / 1e9, format_gbps(*rate) + (noisy(*it->second) ? "*" : ""), e ? percent(*e) : "",
                                rate_tooltip("", *it->second)});
      }
      chart.groups.push_back(std::move(g));
    }
    out.push_back(std::move(chart));
  }
  return out;
}

std::vector<BarChartSpec> compute_bar_charts(const LoadedReport& report) {
  std::vector<BarChartSpec> out;
  for (const Suite suite : all_suites()) {
    if (!is_compute_suite(suite)) continue;
    Records records = select(report.records, [&](const Record& r) {
      return r.test.suite == suite && !is_suite_skip(r.test) && r.test.headline;
    });
    if (records.empty()) {
      records =
          select(report.records, [&](const Record& r) { return r.test.suite == suite && !is_suite_skip(r.test); });
    }
    // GEMMs of one N share a chart (their operand bytes differ by precision); elementwise one per size.
    std::map<std::uint64_t, Records> groups;
    for (const Record* r : records) groups[suite == Suite::gemm ? r->test.gemm_n : r->test.bytes].push_back(r);
    for (const auto& [size, group] : groups) {
      const auto methods = methods_in(group);
      const MetricScale scale = metric_scale(metric_of(methods.front()));
      BarChartSpec chart;
      chart.title = suite == Suite::gemm ? fmt::format("gemm, N = {}: {} (% of peak)", size, scale.unit)
                                         : fmt::format("{}, {}: {} (% of theoretical memory bandwidth)",
                                                       to_string(suite), byte_label(size), scale.unit);
      chart.y_label = scale.unit;
      for (const Method m : methods) chart.series.emplace_back(to_string(m));
      std::vector<std::string> order;
      std::map<std::string, std::map<Method, const Record*>> cells;
      for (const Record* r : group) {
        const std::string where = compute_label(r->test);
        if (cells.find(where) == cells.end()) order.push_back(where);
        cells[where][r->test.method] = r;
      }
      for (const auto& where : order) {
        const auto& row = cells[where];
        BarGroup g;
        g.label = where;
        for (const Method m : methods) {
          const auto it = row.find(m);
          const auto rate = it == row.end() ? std::nullopt : work_rate(*it->second);
          if (!rate) {
            g.bars.emplace_back(std::nullopt);
            continue;
          }
          const auto fraction = efficiency(*it->second);
          const bool in_cache = cache_resident(it->second->test);
          std::string sub = in_cache ? "L2" : fraction ? percent(*fraction) : "";
          const double value = *rate / scale.divisor;
          std::string tip = fmt::format("{} {}: {:.2f} {}{}", to_string(m), g.label, value, scale.unit,
                                        in_cache      ? fmt::format(", cache-resident: the {} working set fits in "
                                                                         "the {} L2, not a memory-bandwidth figure",
                                                                    byte_label(working_set_bytes(it->second->test)),
                                                                    byte_label(it->second->test.l2_bytes))
                                        : sub.empty() ? ""
                                                      : ", " + sub + " of peak");
          // The median SM clock beside the rate: a rate is only comparable at a known clock.
          if (it->second->telemetry) {
            if (const auto mhz = median_sm_clock_mhz(*it->second->telemetry)) {
              sub += fmt::format("{}{:.0f} MHz", sub.empty() ? "" : " · ", *mhz);
            }
            tip += clock_note(*it->second);
            if (const auto per_ghz = flop_rate_per_sm_ghz(*it->second)) {
              tip += fmt::format(", {:.1f} TFLOP/s per GHz", *per_ghz / 1e12);
            }
          }
          g.bars.emplace_back(Bar{value, fmt::format("{:.1f}", value), sub, tip});
        }
        chart.groups.push_back(std::move(g));
      }
      out.push_back(std::move(chart));
    }
  }
  return out;
}

std::vector<Table> latency_tables(const LoadedReport& report) {
  std::vector<Table> out;
  const Records copies = select(report.records, [](const Record& r) {
    return r.test.suite == Suite::latency && !is_chase(r.test.method) && !is_suite_skip(r.test);
  });
  if (!copies.empty()) {
    const auto methods = methods_in(copies);
    Table t;
    t.title = "latency, \u00b5s per copy (median)";
    t.header = {"size"};
    for (const Method m : methods) t.header.emplace_back(to_string(m));
    t.align.assign(t.header.size(), Align::right);
    std::map<std::uint64_t, std::map<Method, const Record*>> cells;
    for (const Record* r : copies) cells[r->test.bytes][r->test.method] = r;
    for (const auto& [bytes, row] : cells) {
      std::vector<std::string> cols{byte_label(bytes)};
      for (const Method m : methods) {
        const auto it = row.find(m);
        if (it == row.end()) {
          cols.emplace_back("-");
        } else if (it->second->status != Status::ok || !it->second->time) {
          cols.push_back(status_word(it->second->status));
        } else {
          cols.push_back(fmt::format("{:.2f}{}", it->second->time->median * 1e6, noisy(*it->second) ? "*" : ""));
        }
      }
      t.rows.push_back(std::move(cols));
    }
    std::map<Method, std::string> endpoints;
    for (const Record* r : copies) endpoints.emplace(r->test.method, where(r->test));
    for (const auto& [m, w] : endpoints) t.notes.push_back(fmt::format("{}: {}", to_string(m), w));
    out.push_back(std::move(t));
  }
  const Records chases =
      select(report.records, [](const Record& r) { return is_chase(r.test.method) && !is_suite_skip(r.test); });
  if (!chases.empty()) {
    Table t;
    t.title = "pointer chase, ns per dependent load (median)";
    t.header = {"method", "GPU \u2192 memory", "working set", "ns per load", "best ns", "timed loads"};
    t.align = {Align::left, Align::left, Align::right, Align::right, Align::right, Align::right};
    bool any_in_cache = false;
    for (const Record* r : chases) {
      const bool ok = r->status == Status::ok && r->time.has_value();
      const bool in_cache = cache_resident(r->test);
      any_in_cache = any_in_cache || in_cache;
      t.rows.push_back(
          {std::string(to_string(r->test.method)), where(r->test), byte_label(r->test.bytes) + (in_cache ? " L2" : ""),
           ok ? fmt::format("{:.1f}", r->time->median * 1e9) : status_word(r->status),
           ok ? fmt::format("{:.1f}", r->time->min * 1e9) : "",
           ok && r->chase ? fmt::format("{} ({:.2f} cycles)", r->chase->loads_timed, r->chase->passes_timed()) : ""});
    }
    if (any_in_cache) {
      t.notes.push_back("L2: the working set fits in the L2 of the GPU holding it: cache latency, not memory latency");
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Table> concurrent_tables(const LoadedReport& report) {
  const Records group = select(report.records, [](const Record& r) {
    return is_concurrent(r.test) && !is_suite_skip(r.test) && !is_compute_suite(r.test.suite);
  });
  if (group.empty()) return {};
  Table t;
  t.title = "concurrent transfers, aggregate GB/s";
  t.header = {"suite", "method", "GPUs", "size", "GB/s", "% of theoretical", "per direction GB/s"};
  t.align = {Align::left, Align::left, Align::left, Align::right, Align::right, Align::right, Align::left};
  for (const Record* r : group) {
    const auto rate = rate_of(*r);
    const auto e = efficiency(*r);
    std::vector<std::string> dirs;
    if (r->status == Status::ok) {
      for (const auto& d : r->directions)
        dirs.push_back(fmt::format("{} {}", d.name, format_gbps(d.median_bytes_per_s)));
    }
    std::string gpus = r->test.method == Method::split_ce
                           ? fmt::format("{} \u2192 {}, {} streams", r->test.src, r->test.dst, r->test.streams)
                           : fmt::format("{}", fmt::join(r->test.devices, ","));
    t.rows.push_back({std::string(to_string(r->test.suite)), std::string(to_string(r->test.method)), std::move(gpus),
                      byte_label(r->test.bytes),
                      rate ? format_gbps(*rate) + (noisy(*r) ? "*" : "") : status_word(r->status), e ? percent(*e) : "",
                      fmt::format("{}", fmt::join(dirs, ", "))});
  }
  return {t};
}

std::string check_html(const Json& check) {
  if (check.is_null()) return "";
  if (array_of_objects(check)) return check_array_table("", check);
  if (!check.is_object()) return "<p>" + html_escape(json_cell(check)) + "</p>\n";
  std::string summary;
  std::string tables;
  for (const auto& [key, value] : check.items()) {
    if (array_of_objects(value)) {
      tables += check_array_table(key, value);
    } else {
      summary += "<tr><th>" + html_escape(key) + "</th>" + check_cell(value, "td") + "</tr>\n";
    }
  }
  std::string out;
  if (!summary.empty()) out += "<table class=\"kv\">\n" + summary + "</table>\n";
  return out + tables;
}

// ---- the page ------------------------------------------------------------------------------------

std::string render_html_report(const std::vector<ReportSource>& sources, const HtmlReportOptions& options) {
  std::vector<std::string> labels;
  for (const auto& s : sources) labels.push_back(s.label);
  const std::string title =
      options.title.empty() ? fmt::format("gpuxfer report: {}", fmt::join(labels, " vs ")) : options.title;

  struct Section {
    std::string id;
    std::string heading;
    std::string body;
  };
  std::vector<Section> sections;

  {
    std::string body = "<div class=\"cards\">\n";
    for (const auto& s : sources) body += system_card(s);
    sections.push_back({"system", "System", body + "</div>\n"});
  }
  {
    std::string body;
    for (const auto& chart : sweep_charts(sources)) body += figure(svg_line_chart(chart.series, chart.axes));
    if (!body.empty()) {
      std::string hint =
          "Median GB/s (1 GB = 10<sup>9</sup> B) of each method on the representative pair of each link "
          "class, on log axes so the small sizes are readable; the shaded band is the interquartile "
          "range of the samples";
      hint += sources.size() > 1 ? "; one dash style and marker shape per file, named in each legend." : ".";
      hint += " Hover a marker for the exact value.";
      sections.push_back({"sweeps", "Bandwidth vs transfer size",
                          "<p class=\"hint\">" + hint + "</p>\n<div class=\"charts\">\n" + body + "</div>\n"});
    }
  }
  {
    std::string body;
    for (const auto& chart : ratio_charts(sources)) body += figure(svg_line_chart(chart.series, chart.axes));
    if (!body.empty()) {
      const std::string hint = fmt::format(
          "Speed of each other file relative to {} per method and size: its median time per operation divided into "
          "the first file's (above 1 = faster). The band reaches from the slower quartile of one file to the faster "
          "of the other; where it straddles 1 the difference is within the samples' spread. gpuxfer compare gives "
          "verdicts with confidence intervals.",
          html_escape(sources.front().label));
      sections.push_back({"ratios", "Relative to the first file",
                          "<p class=\"hint\">" + hint + "</p>\n<div class=\"charts\">\n" + body + "</div>\n"});
    }
  }
  {
    std::string body;
    for (const auto& chart : time_charts(sources)) body += figure(svg_line_chart(chart.series, chart.axes));
    if (!body.empty()) {
      const std::string hint =
          "Median time per operation of the same sweeps and of the latency suite's small copies (log-log): flat "
          "where a fixed cost per operation dominates, rising with size where bandwidth does.";
      sections.push_back({"time", "Time per operation vs transfer size",
                          "<p class=\"hint\">" + hint + "</p>\n<div class=\"charts\">\n" + body + "</div>\n"});
    }
  }
  {
    std::string body;
    for (const auto& s : sources) {
      std::string maps;
      for (const auto& h : pair_heatmaps(s.report)) maps += figure(svg_heatmap(h));
      if (!maps.empty()) body += subheading(sources, s) + "<div class=\"charts\">\n" + maps + "</div>\n";
    }
    if (!body.empty()) {
      sections.push_back(
          {"heatmaps", "GPU \u00d7 GPU at the headline size",
           "<p class=\"hint\">Median GB/s and % of the link's theoretical rate; rows send, columns receive; "
           "* marks a noisy cell (cv &gt; 5 %), gray cells have no theoretical rate or no value.</p>\n"
           "<div class=\"charts\">\n" +
               figure(svg_color_scale("color = % of theoretical")) + "</div>\n" + body});
    }
  }
  {
    std::string body;
    for (const auto& s : sources) {
      std::string charts;
      for (const auto& c : host_bar_charts(s.report)) charts += figure(svg_bar_chart(c));
      if (!charts.empty()) body += subheading(sources, s) + "<div class=\"charts\">\n" + charts + "</div>\n";
    }
    if (!body.empty()) sections.push_back({"host", "Host \u2194 GPU", body});
  }
  {
    std::string body;
    for (const auto& s : sources) {
      std::string tables;
      for (const auto& t : concurrent_tables(s.report)) tables += html_table(t, "wrap-last");
      if (!tables.empty()) body += subheading(sources, s) + tables;
    }
    if (!body.empty()) sections.push_back({"concurrent", "Concurrent transfers", body});
  }
  {
    std::string body;
    for (const auto& s : sources) {
      std::string tables;
      for (const auto& t : latency_tables(s.report)) tables += "<div>\n" + html_table(t) + "</div>\n";
      if (!tables.empty()) body += subheading(sources, s) + "<div class=\"tables\">\n" + tables + "</div>\n";
    }
    if (!body.empty()) sections.push_back({"latency", "Latency", body});
  }
  {
    std::string body;
    for (const auto& s : sources) {
      std::string charts;
      for (const auto& c : compute_bar_charts(s.report)) charts += figure(svg_bar_chart(c));
      std::string tables;
      for (const auto& t : compute_tables(s.report.records, BenchDetail::compact)) {
        tables += "<div>\n" + html_table(t) + "</div>\n";
      }
      if (!charts.empty() || !tables.empty()) {
        body += subheading(sources, s) + "<div class=\"charts\">\n" + charts + "</div>\n<div class=\"tables\">\n" +
                tables + "</div>\n";
      }
    }
    if (!body.empty()) sections.push_back({"compute", "Compute", body});
  }
  {
    // NVML's health of each GPU: what the run changed first (check's findings judge it), then
    // the state after the run.
    std::string body;
    for (const auto& s : sources) {
      const auto& health = s.report.system.health;
      if (health.empty()) continue;
      std::string tables;
      const Table change = health_change_table(health);
      if (!change.rows.empty()) tables += "<div>\n" + html_table(change, "wrap-last") + "</div>\n";
      tables += "<div>\n" + html_table(health_table(health)) + "</div>\n";
      body += subheading(sources, s) + "<div class=\"tables\">\n" + tables + "</div>\n";
    }
    if (!body.empty()) sections.push_back({"health", "GPU health", body});
  }
  {
    std::string body;
    for (const auto& s : sources) {
      const std::string html = check_html(s.check);
      if (!html.empty()) body += subheading(sources, s) + html;
    }
    if (!body.empty()) sections.push_back({"check", "Check findings", body});
  }
  {
    std::string body;
    for (const auto& s : sources) {
      const std::string html = not_measured_table(s.report);
      if (!html.empty()) body += subheading(sources, s) + html;
    }
    if (!body.empty()) sections.push_back({"skipped", "Skipped and failed cases", body});
  }

  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + html_escape(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n";
  out += "<header>\n<h1>" + html_escape(title) + "</h1>\n<p class=\"sub\">";
  std::vector<std::string> captions;
  for (const auto& s : sources) captions.push_back(html_escape(source_caption(s)));
  out += fmt::format("{} file{}: {}", sources.size(), sources.size() == 1 ? "" : "s", fmt::join(captions, "; "));
  out += "</p>\n<nav>";
  for (const auto& s : sections) out += fmt::format("<a href=\"#{}\">{}</a>", s.id, html_escape(s.heading));
  out += "</nav>\n</header>\n";
  for (const auto& s : sections) {
    out += fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", s.id, html_escape(s.heading), s.body);
  }
  const auto& b = build_info();
  out += "<footer>Made by " +
         html_escape(
             fmt::format("gpuxfer {} (git {}{}). GB/s = 1e9 bytes per second; sizes in KiB/MiB/GiB = 1024-based units.",
                         b.version, b.git_sha, b.git_dirty.value_or(false) ? ", uncommitted changes" : "")) +
         "</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace gx::report
