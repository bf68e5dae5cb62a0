#include "core/fleet_output.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "core/check_output.hpp"
#include "core/metrics_output.hpp"
#include "core/table.hpp"
#include "core/units.hpp"

namespace gx {
namespace {

std::string percent(double fraction) {
  return fmt::format("{:+.1f} %", 100.0 * fraction);
}

std::string plural(std::size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// The non-ok figures of a node, worst first.
std::vector<std::size_t> findings_of(const FleetNode& n) {
  std::vector<std::size_t> out;
  for (std::size_t f = 0; f < n.judgements.size(); ++f) {
    if (n.judgements[f].verdict != FleetVerdict::ok) out.push_back(f);
  }
  std::stable_sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = n.judgements[a];
    const auto& y = n.judgements[b];
    if (x.verdict != y.verdict) return static_cast<int>(x.verdict) > static_cast<int>(y.verdict);
    return x.worse > y.worse;
  });
  return out;
}

const FleetMetric* metric_of_group(const FleetGroup& g, const std::string& name) {
  for (const FleetMetric& m : g.metrics) {
    if (m.metric == name) return &m;
  }
  return nullptr;
}

std::string finding_text(const FleetNode& n, std::size_t f) {
  const FleetFigure& fig = n.data.figures[f];
  const FleetJudgement& j = n.judgements[f];
  if (j.verdict == FleetVerdict::failed) {
    return fmt::format("{} {} {}{}", fig.metric, fig.entity, to_string(fig.status),
                       fig.reason.empty() ? "" : " (" + fig.reason + ")");
  }
  std::string text =
      fmt::format("{} {} {} {} (z {:.1f}{})", fig.metric, fig.entity,
                  format_fleet_value(fig.value, fleet_unit(fig.metric)), percent(j.deviation), j.z,
                  j.verdict == FleetVerdict::noisy ? fmt::format(", within its cv {:.1f} %", 100 * fig.cv) : "");
  if (!fig.telemetry.empty()) text += " [telemetry " + fig.telemetry + "]";
  return text;
}

std::string gpu_label_value(const std::string& entity) {
  std::string out;
  for (std::size_t i = 0; i < entity.size(); ++i) {
    if (entity.compare(i, 3, "GPU") == 0) {
      i += 2;
      continue;
    }
    out += entity[i];
  }
  return out;
}

std::string versions_text(const FleetGroup& g) {
  std::string text;
  for (const FleetVersions& v : g.versions) {
    text +=
        fmt::format("{}driver {} (CUDA {}): {}", text.empty() ? "" : "; ", v.driver, v.cuda, plural(v.nodes, "node"));
  }
  return text;
}

Table metrics_table(const FleetResult& r, const FleetGroup& g) {
  Table t = make_table(
      fmt::format("Metrics of {} ({} x{}, {}): fleet median and spread", g.id, g.gpu_model, g.gpu_count, g.topology),
      {"metric", "nodes", "figures", "median", "MAD", "MAD %", "worst node", "worst", "outliers", "failed"}, 1);
  for (const FleetMetric& m : g.metrics) {
    // The node furthest on the worse side.
    std::string worst_host = "-";
    double worst = 0;
    bool any = false;
    for (const std::size_t i : g.nodes) {
      const FleetNode& n = r.nodes[i];
      for (std::size_t f = 0; f < n.data.figures.size(); ++f) {
        if (n.data.figures[f].metric != m.metric || n.data.figures[f].status != Status::ok) continue;
        if (!any || n.judgements[f].worse > worst) {
          worst = n.judgements[f].worse;
          worst_host = n.data.host + " " + n.data.figures[f].entity;
          any = true;
        }
      }
    }
    t.rows.push_back({m.metric + (m.judged ? "" : " (not judged)"), std::to_string(m.nodes), std::to_string(m.values),
                      format_fleet_value(m.median, m.unit), format_fleet_value(m.mad, m.unit),
                      m.median > 0 ? fmt::format("{:.2f}", 100.0 * m.mad / m.median) : "-", worst_host,
                      any ? percent(m.lower_is_better ? worst : -worst) : "-", std::to_string(m.outliers),
                      std::to_string(m.failed)});
  }
  t.notes.push_back(fmt::format(
      "outlier: worse than the median by >= {:.0f} % + {:g} x the record's cv, and beyond {:g} x 1.4826 MAD; "
      "worst: the node and GPU or link furthest on the worse side; metrics with fewer than {} nodes are not judged",
      100 * r.settings.threshold, r.settings.cv_factor, r.settings.mad_k, r.settings.min_nodes));
  return t;
}

Table nodes_table(const FleetResult& r, std::size_t max_nodes, std::size_t& left_out) {
  Table t = make_table("Nodes, worst first", {"host", "group", "verdict", "worst", "findings"}, 3);
  t.align = {Align::left, Align::left, Align::left, Align::right, Align::left};
  left_out = 0;
  for (const std::size_t i : nodes_worst_first(r)) {
    const FleetNode& n = r.nodes[i];
    if (n.verdict == FleetVerdict::ok) continue;
    if (t.rows.size() >= max_nodes) {
      ++left_out;
      continue;
    }
    const auto findings = findings_of(n);
    std::string text = findings.empty() ? "" : finding_text(n, findings.front());
    if (findings.size() > 1) text += fmt::format("; +{} more", findings.size() - 1);
    for (const auto& note : n.data.notes) text += "; " + note;
    if (!n.data.health.empty()) text += "; health " + n.data.health;
    t.rows.push_back({n.data.host, r.groups[n.group].id, std::string(to_string(n.verdict)),
                      n.verdict == FleetVerdict::failed && n.worst == 0 ? "-" : percent(-n.worst), text});
  }
  return t;
}

}  // namespace

std::string format_fleet_value(double value, const std::string& unit) {
  if (unit == "s") return format_duration(value);
  if (unit == "FLOP/s") return fmt::format("{:.1f} TFLOP/s", value / 1e12);
  return format_rate(value);
}

bool fleet_incomplete(const FleetResult& result) {
  return !result.unreadable.empty();
}

std::string fleet_summary_line(const FleetResult& result) {
  const FleetCounts c = count_nodes(result);
  std::string line = fmt::format("gpuxfer fleet: {} judged from {} in {}: {} ok, {} outlier, {} failed, {} noisy",
                                 plural(result.nodes.size(), "node"), plural(result.files, "file"),
                                 plural(result.groups.size(), "group"), c.ok, c.outlier, c.failed, c.noisy);
  if (!result.duplicates.empty())
    line += fmt::format("; {} dropped", plural(result.duplicates.size(), "duplicate host"));
  if (fleet_incomplete(result)) {
    line += fmt::format("; INCOMPLETE: {} unreadable", plural(result.unreadable.size(), "file"));
  }
  return line;
}

std::string fleet_text(const FleetResult& r, std::size_t max_nodes) {
  std::string out = fleet_summary_line(r) + "\n";
  for (const FleetGroup& g : r.groups) {
    out += fmt::format("group {}: {} x{}, links {}: {}; {}\n", g.id, g.gpu_model, g.gpu_count, g.topology,
                       plural(g.nodes.size(), "node"), versions_text(g));
  }
  out += "\n";
  std::size_t left_out = 0;
  const Table nodes = nodes_table(r, max_nodes, left_out);
  if (nodes.rows.empty()) {
    out += "No outlier or failed node.\n\n";
  } else {
    out += render_text(nodes, false);
    if (left_out > 0) out += fmt::format("... and {} more (see --format json or csv)\n", plural(left_out, "node"));
    out += "\n";
  }
  if (!r.unreadable.empty()) {
    out += "Unreadable files (not judged):\n";
    for (const auto& u : r.unreadable) out += fmt::format("  {}: {}\n", u.path, u.reason);
    out += "\n";
  }
  if (!r.duplicates.empty()) {
    out += "Duplicate hosts (the newest run is judged):\n";
    for (const auto& d : r.duplicates) out += fmt::format("  {}: kept {}, dropped {}\n", d.host, d.kept, d.dropped);
    out += "\n";
  }
  for (const FleetGroup& g : r.groups) out += render_text(metrics_table(r, g), false) + "\n";
  return out;
}

std::string fleet_markdown(const FleetResult& r) {
  std::string out = "# gpuxfer fleet\n\n" + fleet_summary_line(r) + "\n\n";
  for (const FleetGroup& g : r.groups) {
    out += fmt::format("- group {}: {} x{}, links {}: {}; {}\n", g.id, g.gpu_model, g.gpu_count, g.topology,
                       plural(g.nodes.size(), "node"), versions_text(g));
  }
  out += "\n";
  std::size_t left_out = 0;
  const Table nodes = nodes_table(r, r.nodes.size(), left_out);
  out += nodes.rows.empty() ? std::string("No outlier or failed node.\n\n") : render_markdown(nodes) + "\n";
  if (!r.unreadable.empty()) {
    out += "## Unreadable files\n\n";
    for (const auto& u : r.unreadable) out += fmt::format("- `{}`: {}\n", u.path, u.reason);
    out += "\n";
  }
  if (!r.duplicates.empty()) {
    out += "## Duplicate hosts\n\n";
    for (const auto& d : r.duplicates) out += fmt::format("- {}: kept `{}`, dropped `{}`\n", d.host, d.kept, d.dropped);
    out += "\n";
  }
  for (const FleetGroup& g : r.groups) out += render_markdown(metrics_table(r, g)) + "\n";
  return out;
}

std::string fleet_csv(const FleetResult& r) {
  Table t;
  t.header = {"host",  "group", "node_verdict", "metric",    "entity", "uuid", "status",
              "value", "unit",  "median",       "deviation", "z",      "cv",   "verdict"};
  for (const FleetNode& n : r.nodes) {
    const FleetGroup& g = r.groups[n.group];
    for (std::size_t f = 0; f < n.data.figures.size(); ++f) {
      const FleetFigure& fig = n.data.figures[f];
      const FleetJudgement& j = n.judgements[f];
      const FleetMetric* m = metric_of_group(g, fig.metric);
      const bool ok = fig.status == Status::ok;
      t.rows.push_back({n.data.host, g.id, std::string(to_string(n.verdict)), fig.metric, fig.entity, fig.uuid,
                        std::string(to_string(fig.status)), ok ? fmt::format("{:.6g}", fig.value) : "",
                        fleet_unit(fig.metric), m ? fmt::format("{:.6g}", m->median) : "",
                        ok ? fmt::format("{:.5f}", j.deviation) : "", ok ? fmt::format("{:.3f}", j.z) : "",
                        fmt::format("{:.5f}", fig.cv), std::string(to_string(j.verdict))});
    }
  }
  return render_csv(t);
}

Json fleet_json(const FleetResult& r) {
  const FleetCounts c = count_nodes(r);
  Json doc = Json::object();
  doc["schema"] = kFleetSchema;
  doc["schema_version"] = {{"major", kFleetSchemaMajor}, {"minor", kFleetSchemaMinor}};
  doc["tool"] = tool_to_json();
  doc["settings"] = {{"threshold", r.settings.threshold},
                     {"mad_k", r.settings.mad_k},
                     {"cv_factor", r.settings.cv_factor},
                     {"min_nodes", r.settings.min_nodes},
                     {"mix_groups", r.settings.mix_groups}};
  doc["summary"] = {{"files", r.files},
                    {"nodes", r.nodes.size()},
                    {"groups", r.groups.size()},
                    {"ok", c.ok},
                    {"noisy", c.noisy},
                    {"outlier", c.outlier},
                    {"failed", c.failed},
                    {"unreadable", r.unreadable.size()},
                    {"duplicates", r.duplicates.size()},
                    {"complete", !fleet_incomplete(r)},
                    {"line", fleet_summary_line(r)}};
  Json groups = Json::array();
  for (const FleetGroup& g : r.groups) {
    Json versions = Json::array();
    for (const auto& v : g.versions) versions.push_back({{"driver", v.driver}, {"cuda", v.cuda}, {"nodes", v.nodes}});
    Json metrics = Json::array();
    for (const FleetMetric& m : g.metrics) {
      metrics.push_back({{"metric", m.metric},
                         {"unit", m.unit},
                         {"lower_is_better", m.lower_is_better},
                         {"nodes", m.nodes},
                         {"values", m.values},
                         {"median", m.values > 0 ? Json(m.median) : Json(nullptr)},
                         {"mad", m.values > 0 ? Json(m.mad) : Json(nullptr)},
                         {"judged", m.judged},
                         {"outliers", m.outliers},
                         {"failed", m.failed}});
    }
    Json hosts = Json::array();
    for (const std::size_t i : g.nodes) hosts.push_back(r.nodes[i].data.host);
    groups.push_back({{"id", g.id},
                      {"gpu_model", g.gpu_model},
                      {"gpu_count", g.gpu_count},
                      {"topology", g.topology},
                      {"hosts", hosts},
                      {"versions", versions},
                      {"metrics", metrics}});
  }
  doc["groups"] = groups;
  Json nodes = Json::array();
  for (const std::size_t i : nodes_worst_first(r)) {
    const FleetNode& n = r.nodes[i];
    // Per metric the node's worst GPU or link: the heatmap's cell.
    Json cells = Json::array();
    std::vector<std::string> order;
    std::map<std::string, std::size_t> worst;
    for (std::size_t f = 0; f < n.data.figures.size(); ++f) {
      const std::string& m = n.data.figures[f].metric;
      const auto it = worst.find(m);
      if (it == worst.end()) {
        order.push_back(m);
        worst[m] = f;
        continue;
      }
      const auto& a = n.judgements[f];
      const auto& b = n.judgements[it->second];
      if (static_cast<int>(a.verdict) > static_cast<int>(b.verdict) || (a.verdict == b.verdict && a.worse > b.worse)) {
        it->second = f;
      }
    }
    for (const std::string& m : order) {
      const std::size_t f = worst[m];
      const FleetFigure& fig = n.data.figures[f];
      const FleetJudgement& j = n.judgements[f];
      const bool ok = fig.status == Status::ok;
      cells.push_back({{"metric", m},
                       {"entity", fig.entity},
                       {"value", ok ? Json(fig.value) : Json(nullptr)},
                       {"deviation", ok ? Json(j.deviation) : Json(nullptr)},
                       {"verdict", to_string(j.verdict)}});
    }
    Json findings = Json::array();
    for (const std::size_t f : findings_of(n)) {
      const FleetFigure& fig = n.data.figures[f];
      const FleetJudgement& j = n.judgements[f];
      const bool ok = fig.status == Status::ok;
      Json item = {{"metric", fig.metric},
                   {"entity", fig.entity},
                   {"gpu", fig.gpu},
                   {"uuid", fig.uuid.empty() ? Json(nullptr) : Json(fig.uuid)},
                   {"status", to_string(fig.status)},
                   {"reason", fig.reason.empty() ? Json(nullptr) : Json(fig.reason)},
                   {"value", ok ? Json(fig.value) : Json(nullptr)},
                   {"deviation", ok ? Json(j.deviation) : Json(nullptr)},
                   {"z", ok ? Json(j.z) : Json(nullptr)},
                   {"cv", fig.cv},
                   {"noisy", fig.noisy},
                   {"verdict", to_string(j.verdict)},
                   {"telemetry", fig.telemetry.empty() ? Json(nullptr) : Json(fig.telemetry)}};
      findings.push_back(std::move(item));
    }
    nodes.push_back({{"host", n.data.host},
                     {"path", n.data.path},
                     {"started_utc", n.data.started_utc},
                     {"group", r.groups[n.group].id},
                     {"verdict", to_string(n.verdict)},
                     {"worst_deviation", n.worst > 0 ? Json(-n.worst) : Json(nullptr)},
                     {"driver", n.data.driver},
                     {"cuda", n.data.cuda},
                     {"notes", n.data.notes},
                     {"health", n.data.health.empty() ? Json(nullptr) : Json(n.data.health)},
                     {"findings", findings},
                     {"metrics", cells}});
  }
  doc["nodes"] = nodes;
  Json unreadable = Json::array();
  for (const auto& u : r.unreadable) unreadable.push_back({{"path", u.path}, {"reason", u.reason}});
  doc["unreadable"] = unreadable;
  Json duplicates = Json::array();
  for (const auto& d : r.duplicates) duplicates.push_back({{"host", d.host}, {"kept", d.kept}, {"dropped", d.dropped}});
  doc["duplicates"] = duplicates;
  return doc;
}

std::string fleet_junit(const FleetResult& r) {
  const FleetCounts c = count_nodes(r);
  const std::size_t tests = r.nodes.size() + r.unreadable.size();
  std::string body;
  for (const std::size_t i : nodes_worst_first(r)) {
    const FleetNode& n = r.nodes[i];
    std::string host = n.data.host;
    for (char& ch : host) {
      if (ch == '.') ch = '_';
    }
    body += fmt::format("    <testcase classname=\"gpuxfer.fleet.{}\" name=\"{}\" time=\"0\"", xml_escape(host),
                        xml_escape(n.data.host));
    if (n.verdict != FleetVerdict::outlier && n.verdict != FleetVerdict::failed) {
      body += "/>\n";
      continue;
    }
    std::string detail;
    for (const std::size_t f : findings_of(n)) detail += finding_text(n, f) + "\n";
    for (const auto& note : n.data.notes) detail += note + "\n";
    if (!n.data.health.empty()) detail += "health " + n.data.health + "\n";
    const auto findings = findings_of(n);
    body += fmt::format(">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                        to_string(n.verdict), xml_escape(findings.empty() ? "" : finding_text(n, findings.front())),
                        xml_escape(detail));
  }
  for (const auto& u : r.unreadable) {
    body += fmt::format(
        "    <testcase classname=\"gpuxfer.fleet.unreadable\" name=\"{}\" time=\"0\">\n"
        "      <error type=\"unreadable\" message=\"{}\"/>\n    </testcase>\n",
        xml_escape(u.path), xml_escape(u.reason));
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gpuxfer fleet\" tests=\"{0}\" failures=\"{1}\" "
      "errors=\"{2}\">\n  <testsuite name=\"gpuxfer fleet\" tests=\"{0}\" failures=\"{1}\" errors=\"{2}\" "
      "skipped=\"0\" time=\"0\">\n{3}  </testsuite>\n</testsuites>\n",
      tests, c.outlier + c.failed, r.unreadable.size(), body);
}

std::string fleet_prometheus(const FleetResult& r) {
  const FleetCounts c = count_nodes(r);
  const auto esc = [](const std::string& s) { return prometheus_label_escape(s); };
  std::string out;
  out += "# HELP gpuxfer_fleet_nodes Nodes judged by gpuxfer fleet, by verdict.\n# TYPE gpuxfer_fleet_nodes gauge\n";
  out += fmt::format("gpuxfer_fleet_nodes{{verdict=\"ok\"}} {}\n", c.ok);
  out += fmt::format("gpuxfer_fleet_nodes{{verdict=\"noisy\"}} {}\n", c.noisy);
  out += fmt::format("gpuxfer_fleet_nodes{{verdict=\"outlier\"}} {}\n", c.outlier);
  out += fmt::format("gpuxfer_fleet_nodes{{verdict=\"failed\"}} {}\n", c.failed);
  out +=
      "# HELP gpuxfer_fleet_files Result files given to gpuxfer fleet, by state.\n# TYPE gpuxfer_fleet_files gauge\n";
  out += fmt::format("gpuxfer_fleet_files{{state=\"read\"}} {}\n", r.files - r.unreadable.size());
  out += fmt::format("gpuxfer_fleet_files{{state=\"unreadable\"}} {}\n", r.unreadable.size());
  out +=
      "# HELP gpuxfer_fleet_complete 1 when every file could be read and judged.\n"
      "# TYPE gpuxfer_fleet_complete gauge\n";
  out += fmt::format("gpuxfer_fleet_complete {}\n", fleet_incomplete(r) ? 0 : 1);
  out +=
      "# HELP gpuxfer_fleet_duplicate_hosts Hosts given more than once (the newest run is judged).\n"
      "# TYPE gpuxfer_fleet_duplicate_hosts gauge\n";
  out += fmt::format("gpuxfer_fleet_duplicate_hosts {}\n", r.duplicates.size());
  out +=
      "# HELP gpuxfer_fleet_node_bad 1 when the node is an outlier or failed, else 0.\n"
      "# TYPE gpuxfer_fleet_node_bad gauge\n";
  for (const FleetNode& n : r.nodes) {
    out +=
        fmt::format("gpuxfer_fleet_node_bad{{host=\"{}\",verdict=\"{}\"}} {}\n", esc(n.data.host), to_string(n.verdict),
                    n.verdict == FleetVerdict::outlier || n.verdict == FleetVerdict::failed ? 1 : 0);
  }
  // One series per (host, GPU or link, metric) that is not ok: unique by construction.
  std::string outlier_lines, deviation_lines;
  std::set<std::string> seen;
  for (const FleetNode& n : r.nodes) {
    for (std::size_t f = 0; f < n.data.figures.size(); ++f) {
      const FleetJudgement& j = n.judgements[f];
      if (j.verdict != FleetVerdict::outlier && j.verdict != FleetVerdict::failed) continue;
      const FleetFigure& fig = n.data.figures[f];
      const std::string labels = fmt::format("host=\"{}\",gpu=\"{}\",metric=\"{}\"", esc(n.data.host),
                                             esc(gpu_label_value(fig.entity)), esc(fig.metric));
      if (!seen.insert(labels).second) continue;
      outlier_lines += fmt::format("gpuxfer_fleet_outlier{{{},verdict=\"{}\"}} 1\n", labels, to_string(j.verdict));
      if (fig.status == Status::ok)
        deviation_lines += fmt::format("gpuxfer_fleet_deviation_ratio{{{}}} {:.6g}\n", labels, j.deviation);
    }
  }
  out +=
      "# HELP gpuxfer_fleet_outlier A GPU or link judged outlier or failed against the fleet.\n"
      "# TYPE gpuxfer_fleet_outlier gauge\n" +
      outlier_lines;
  out +=
      "# HELP gpuxfer_fleet_deviation_ratio (value - fleet median) / fleet median of an outlier figure.\n"
      "# TYPE gpuxfer_fleet_deviation_ratio gauge\n" +
      deviation_lines;
  return out;
}

}  // namespace gx
