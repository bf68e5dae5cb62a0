#include "report/fleet_heatmap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "core/error.hpp"
#include "report/html.hpp"

namespace gx::report {
namespace {

// Cell colour from the deviation on the worse side: white at the median, deepening to red at
// twice the outlier threshold; better-than-median cells stay white (a fast node is not news).
std::string cell_style(const Json& cell, double threshold) {
  const std::string verdict = cell.value("verdict", std::string("ok"));
  if (verdict == "failed") return "background:#444;color:#fff";
  const Json& dev = cell["deviation"];
  if (!dev.is_number()) return "";
  const double worse = std::max(0.0, cell.value("lower_is_better", false) ? dev.get<double>() : -dev.get<double>());
  const double t = std::min(1.0, worse / std::max(1e-9, 2 * threshold));
  const int g = static_cast<int>(std::lround(255 - 175 * t));
  std::string style = fmt::format("background:rgb(255,{},{})", g, g);
  if (verdict == "outlier") style += ";font-weight:bold;outline:2px solid #b00";
  if (verdict == "noisy") style += ";font-style:italic";
  return style;
}

std::string percent(const Json& dev) {
  return dev.is_number() ? fmt::format("{:+.1f} %", 100 * dev.get<double>()) : "n/a";
}

}  // namespace

bool is_fleet_document(const Json& doc) {
  return doc.is_object() && doc.contains("schema") && doc["schema"] == "gpuxfer.fleet";
}

std::string render_fleet_heatmap(const Json& doc, const std::string& path, const std::string& title) {
  try {
    if (doc.at("schema_version").at("major").get<int>() != 1) {
      throw InputError(
          fmt::format("{}: gpuxfer.fleet major version {} is not 1", path, doc["schema_version"]["major"].dump()));
    }
    const double threshold = doc.at("settings").at("threshold").get<double>();
    const Json& summary = doc.at("summary");
    std::map<std::string, bool> lower_is_better;
    std::string html = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title>\n<style>"
        "body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;font-size:12px}}"
        "td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right;white-space:nowrap}}"
        "th.m{{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left}}td.h{{text-align:left}}"
        "</style></head><body>\n<h1>{0}</h1>\n<p>{1}</p>\n",
        html_escape(title.empty() ? path : title), html_escape(summary.at("line").get<std::string>()));
    html += fmt::format(
        "<p>Each cell: the node's worst GPU or link on that metric, as its deviation from the group's "
        "median. White is at or better than the median; red deepens to {:.0f} % worse (twice the "
        "outlier threshold). Bold with a red frame: outlier; italic: noisy (beyond the spread but "
        "inside its own cv); dark: failed.</p>\n",
        200 * threshold);
    for (const Json& group : doc.at("groups")) {
      const std::string id = group.at("id").get<std::string>();
      std::vector<std::string> metrics;
      for (const Json& m : group.at("metrics")) {
        metrics.push_back(m.at("metric").get<std::string>());
        lower_is_better[metrics.back()] = m.at("lower_is_better").get<bool>();
      }
      html += fmt::format("<h2>Group {}: {} \u00d7{}, links {}</h2>\n<table><tr><th>node</th><th>verdict</th>",
                          html_escape(id), html_escape(group.at("gpu_model").get<std::string>()),
                          group.at("gpu_count").get<int>(), html_escape(group.at("topology").get<std::string>()));
      for (const auto& m : metrics) html += fmt::format("<th class=\"m\">{}</th>", html_escape(m));
      html += "</tr>\n";
      for (const Json& node : doc.at("nodes")) {
        if (node.at("group") != id) continue;
        std::map<std::string, Json> cells;
        for (Json cell : node.at("metrics")) {
          const std::string m = cell.at("metric").get<std::string>();
          cell["lower_is_better"] = lower_is_better[m];
          cells[m] = std::move(cell);
        }
        html += fmt::format("<tr><td class=\"h\">{}</td><td>{}</td>", html_escape(node.at("host").get<std::string>()),
                            html_escape(node.at("verdict").get<std::string>()));
        for (const auto& m : metrics) {
          const auto it = cells.find(m);
          if (it == cells.end()) {
            html += "<td>\u2013</td>";
            continue;
          }
          const Json& c = it->second;
          html += fmt::format(
              "<td style=\"{}\" title=\"{} {}\">{}</td>", cell_style(c, threshold),
              html_escape(c.at("entity").get<std::string>()), html_escape(c.at("verdict").get<std::string>()),
              html_escape(c.at("verdict") == "failed" ? std::string("failed") : percent(c["deviation"])));
        }
        html += "</tr>\n";
      }
      html += "</table>\n";
    }
    std::string findings;
    for (const Json& node : doc.at("nodes")) {
      for (const Json& f : node.at("findings")) {
        findings += fmt::format(
            "<tr><td class=\"h\">{}</td><td class=\"h\">{}</td><td class=\"h\">{}</td><td>{}</td>"
            "<td class=\"h\">{}</td><td class=\"h\">{}</td></tr>\n",
            html_escape(node.at("host").get<std::string>()), html_escape(f.at("metric").get<std::string>()),
            html_escape(f.at("entity").get<std::string>()), html_escape(percent(f["deviation"])),
            html_escape(f.at("verdict").get<std::string>()),
            html_escape(f["telemetry"].is_string() ? f["telemetry"].get<std::string>() : ""));
      }
    }
    if (!findings.empty()) {
      html +=
          "<h2>Findings</h2>\n<table><tr><th>node</th><th>metric</th><th>GPU or link</th><th>vs median</th>"
          "<th>verdict</th><th>telemetry</th></tr>\n" +
          findings + "</table>\n";
    }
    if (!doc.at("unreadable").empty()) {
      html += "<h2>Unreadable files (the fleet is incomplete)</h2>\n<ul>\n";
      for (const Json& u : doc.at("unreadable")) {
        html += fmt::format("<li>{}: {}</li>\n", html_escape(u.at("path").get<std::string>()),
                            html_escape(u.at("reason").get<std::string>()));
      }
      html += "</ul>\n";
    }
    return html + "</body></html>\n";
  } catch (const Json::exception& e) {
    throw InputError(fmt::format("{}: not a gpuxfer.fleet 1.x document: {}", path, e.what()));
  }
}

}  // namespace gx::report
