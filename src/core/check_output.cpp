#include "core/check_output.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/plan.hpp"

namespace gx {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no way to carry these
        } else {
          out += c;
        }
    }
  }
  return out;
}

namespace {

std::string class_name(const std::string& rule) {
  std::string name = "gpuxfer.check.";
  for (char c : rule) name += c == ' ' ? '_' : c;
  return name;
}

std::string finding_text(const Finding& f) {
  std::string text = fmt::format("{}: {} {}: measured {}, expected {}", to_string(f.verdict), f.subject, f.what,
                                 f.measured, f.expected);
  if (!f.note.empty()) text += "; " + f.note;
  return text;
}

}  // namespace

std::string junit_xml(const std::vector<Finding>& findings, const SystemInfo& system, std::string_view timestamp) {
  const CheckCounts c = count_findings(findings);
  const std::string counts =
      fmt::format("tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\"", findings.size(), c.fail);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"gpuxfer check\" {}>\n", counts);
  out += fmt::format("  <testsuite name=\"gpuxfer check\" {} hostname=\"{}\"", counts, xml_escape(system.hostname));
  if (!timestamp.empty()) out += fmt::format(" timestamp=\"{}\"", xml_escape(timestamp));
  out += ">\n";
  out += "    <properties>\n";
  out += fmt::format("      <property name=\"system\" value=\"{}\"/>\n", xml_escape(system_brief(system)));
  out += fmt::format("      <property name=\"warnings\" value=\"{}\"/>\n", c.warn);
  out += fmt::format("      <property name=\"summary\" value=\"{}\"/>\n",
                     xml_escape(check_summary_line(findings, system)));
  out += "    </properties>\n";
  for (const auto& f : findings) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"0\"", xml_escape(class_name(f.rule)),
                       xml_escape(f.subject + " " + f.what));
    const std::string text = xml_escape(finding_text(f));
    if (f.verdict == CheckVerdict::fail) {
      std::string message = fmt::format("measured {}, expected {}", f.measured, f.expected);
      if (!f.note.empty()) message += ": " + f.note;
      out += fmt::format(">\n      <failure message=\"{}\" type=\"FAIL\">{}</failure>\n    </testcase>\n",
                         xml_escape(message), text);
    } else {
      out += fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n", text);
    }
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string prometheus_label_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

void header(std::string& out, const char* name, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

std::string labels(const std::vector<std::pair<const char*, std::string>>& pairs) {
  std::string text = "{";
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) text += ',';
    text += fmt::format("{}=\"{}\"", pairs[i].first, prometheus_label_escape(pairs[i].second));
  }
  return text + "}";
}

}  // namespace

std::string prometheus_text(const std::vector<Finding>& findings, const std::vector<Record>& records) {
  std::string out;
  const auto headline_ok = [](const Record& r) {
    return r.test.headline && r.status == Status::ok && !is_tuning_case(r.test) && median_rate(r).has_value();
  };

  header(out, "gpuxfer_peer_bandwidth_bytes_per_second",
         "Median GPU-to-GPU copy rate at the headline size, per ordered pair and method (1 GB/s = 1e9).");
  for (const auto& r : records) {
    if (r.test.suite != Suite::peer || !headline_ok(r) || !r.test.devices.empty()) continue;
    out += "gpuxfer_peer_bandwidth_bytes_per_second" +
           labels({{"src", std::to_string(r.test.src)},
                   {"dst", std::to_string(r.test.dst)},
                   {"method", std::string(to_string(r.test.method))},
                   {"link", r.test.link_class}}) +
           " " + number(*median_rate(r)) + "\n";
  }

  header(out, "gpuxfer_host_bandwidth_bytes_per_second",
         "Median host<->GPU copy rate at the headline size, per GPU and method (gpu=\"all\": every GPU at once).");
  for (const auto& r : records) {
    if (r.test.suite != Suite::host || !headline_ok(r)) continue;
    std::string gpu = "all";
    if (r.test.devices.empty()) gpu = std::to_string(r.test.src != kHost ? r.test.src : r.test.dst);
    out += "gpuxfer_host_bandwidth_bytes_per_second" +
           labels({{"gpu", gpu}, {"method", std::string(to_string(r.test.method))}, {"link", r.test.link_class}}) +
           " " + number(*median_rate(r)) + "\n";
  }

  const CheckCounts c = count_findings(findings);
  header(out, "gpuxfer_check_findings", "Findings of the last gpuxfer check, by verdict.");
  out += "gpuxfer_check_findings{verdict=\"FAIL\"} " + std::to_string(c.fail) + "\n";
  out += "gpuxfer_check_findings{verdict=\"WARN\"} " + std::to_string(c.warn) + "\n";
  out += "gpuxfer_check_findings{verdict=\"PASS\"} " + std::to_string(c.pass) + "\n";
  header(out, "gpuxfer_check_passed", "1 when the last gpuxfer check had no FAIL finding, else 0.");
  out += fmt::format("gpuxfer_check_passed {}\n", c.fail == 0 ? 1 : 0);
  return out;
}

}  // namespace gx
