#include "core/check_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/plan.hpp"

namespace gx {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
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

// Jenkins splits a classname at its dots into package and class, so the host's own dots
// (node1.cluster.local) become underscores: one package level per host.
std::string class_part(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == ' ' || c == '.') ? '_' : c;
  return out.empty() ? "unknown" : out;
}

std::string finding_text(const Finding& f) {
  std::string text = fmt::format("{}: {} {}: measured {}, expected {}", to_string(f.verdict), f.subject, f.what,
                                 f.measured, f.expected);
  if (!f.note.empty()) text += "; " + f.note;
  return text;
}

std::string host_of(const DeviceInfo* d, const SystemInfo& system) {
  return d != nullptr && !d->hostname.empty() ? d->hostname : system.hostname;
}

const DeviceInfo* device_of(const SystemInfo& system, std::optional<int> gpu) {
  if (!gpu) return nullptr;
  for (const auto& d : system.devices) {
    if (d.index == *gpu) return &d;
  }
  return nullptr;
}

bool method_matches(const std::string& methods, Method m) {
  const std::string name(to_string(m));
  std::size_t start = 0;
  while (start <= methods.size()) {
    const std::size_t end = std::min(methods.find('/', start), methods.size());
    if (methods.compare(start, end - start, name) == 0) return true;
    start = end + 1;
  }
  return false;
}

bool involves_gpu(const Case& c, int gpu) {
  return c.src == gpu || c.dst == gpu || std::find(c.devices.begin(), c.devices.end(), gpu) != c.devices.end();
}

// Milliseconds: the JUnit schemas allow at most three decimals.
std::string fmt_seconds(double seconds) {
  return fmt::format("{:.3f}", seconds);
}

}  // namespace

double measured_seconds(const Record& r) {
  double total = 0;
  for (double s : r.sample_seconds) total += s;
  return total * static_cast<double>(std::max<std::uint64_t>(r.ops_per_sample, 1));
}

std::optional<double> finding_seconds(const Finding& f, const std::vector<Record>& records) {
  // A finding about the system (NVLinks up, P2P enabled) or a rule: no measurement of its own.
  if (f.suite.empty() && !f.src && !f.dst && !f.gpu) return std::nullopt;
  double total = 0;
  bool any = false;
  for (const Record& r : records) {
    const Case& t = r.test;
    if (r.sample_seconds.empty()) continue;
    if (!f.suite.empty() && to_string(t.suite) != f.suite) continue;
    if (!f.method.empty() && !method_matches(f.method, t.method)) continue;
    if (f.src && t.src != *f.src) continue;
    if (f.dst && t.dst != *f.dst) continue;
    if (f.gpu && !involves_gpu(t, *f.gpu)) continue;
    if (f.bytes && t.bytes != *f.bytes) continue;
    if (!f.link_class.empty() && t.link_class != f.link_class) continue;
    total += measured_seconds(r);
    any = true;
  }
  return any ? std::optional<double>(total) : std::nullopt;
}

std::string junit_xml(const std::vector<Finding>& findings, const std::vector<Record>& records,
                      const SystemInfo& system, const JunitRun& run) {
  const CheckCounts c = count_findings(findings);
  const int errors = run.run_error.empty() ? 0 : 1;
  const std::size_t tests = findings.size() + static_cast<std::size_t>(errors);
  std::vector<std::optional<double>> seconds;
  double total_seconds = 0;
  for (const auto& f : findings) {
    seconds.push_back(finding_seconds(f, records));
    if (seconds.back()) total_seconds += *seconds.back();
  }
  const double suite_seconds = run.duration_s.value_or(total_seconds);
  const std::string counts = fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\"", tests, c.fail, errors);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"gpuxfer check\" {} time=\"{}\">\n", counts, fmt_seconds(suite_seconds));
  out +=
      fmt::format("  <testsuite name=\"gpuxfer check {}\" {} skipped=\"{}\" time=\"{}\" hostname=\"{}\"",
                  xml_escape(system.hostname), counts, c.warn, fmt_seconds(suite_seconds), xml_escape(system.hostname));
  if (!run.timestamp.empty()) out += fmt::format(" timestamp=\"{}\"", xml_escape(run.timestamp));
  out += ">\n";
  out += "    <properties>\n";
  out += fmt::format("      <property name=\"system\" value=\"{}\"/>\n", xml_escape(system_brief(system)));
  out += fmt::format("      <property name=\"warnings\" value=\"{}\"/>\n", c.warn);
  out += "      <property name=\"warn_convention\" value=\"WARN findings are skipped testcases with type WARN\"/>\n";
  out += fmt::format("      <property name=\"summary\" value=\"{}\"/>\n",
                     xml_escape(check_summary_line(findings, system)));
  out += "    </properties>\n";
  if (errors > 0) {
    out += fmt::format(
        "    <testcase classname=\"gpuxfer.check.{}.run\" name=\"bench run\">\n"
        "      <error message=\"{}\" type=\"{}\">{}</error>\n    </testcase>\n",
        xml_escape(class_part(system.hostname)), xml_escape(run.run_error), xml_escape(run.run_error_type),
        xml_escape(run.run_error));
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    const DeviceInfo* d = device_of(system, f.gpu ? f.gpu : f.src);
    std::string rule;
    for (char ch : f.rule) rule += ch == ' ' ? '_' : ch;
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"",
                       xml_escape("gpuxfer.check." + class_part(host_of(d, system)) + "." + rule),
                       xml_escape(f.subject + " " + f.what));
    if (seconds[i]) out += fmt::format(" time=\"{}\"", fmt_seconds(*seconds[i]));
    out += ">\n";
    const std::string text = xml_escape(finding_text(f));
    std::string message = fmt::format("measured {}, expected {}", f.measured, f.expected);
    if (!f.note.empty()) message += ": " + f.note;
    if (f.verdict == CheckVerdict::fail) {
      out += fmt::format("      <failure message=\"{}\" type=\"FAIL\">{}</failure>\n", xml_escape(message), text);
    } else if (f.verdict == CheckVerdict::warn) {
      // Jenkins and GitLab show a skipped testcase apart from passes (yellow / "skipped"); the
      // build is not failed by it, as a WARN must not fail one.
      out += fmt::format("      <skipped message=\"WARN: {}\" type=\"WARN\"/>\n", xml_escape(message));
      out += fmt::format("      <system-out>{}</system-out>\n", text);
    } else {
      out += fmt::format("      <system-out>{}</system-out>\n", text);
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace gx
