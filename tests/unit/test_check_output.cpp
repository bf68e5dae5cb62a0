// JUnit XML and Prometheus textfile writers of `gpuxfer check`.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/check.hpp"
#include "core/check_output.hpp"
#include "test_check_fixtures.hpp"

using namespace gx;
using namespace gx::test;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

// The sample value after `prefix` (a metric name with its labels and the space), or -1.
double value_of(const std::string& text, const std::string& prefix) {
  const auto pos = text.find(prefix);
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + prefix.size(), text.find('\n', pos) - pos - prefix.size()));
}

}  // namespace

TEST(CheckJunit, XmlEscape) {
  EXPECT_EQ(xml_escape(R"(a<b>&"c'd)"), "a&lt;b&gt;&amp;&quot;c&apos;d");
  EXPECT_EQ(xml_escape("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
  EXPECT_EQ(xml_escape(std::string("bell\x07") + '\0' + "end"),
            "bell\xEF\xBF\xBD\xEF\xBF\xBD"
            "end");
  EXPECT_EQ(xml_escape("µs ✓"), "µs ✓");
}

TEST(CheckJunit, OneTestcasePerFindingFailuresAsFailure) {
  SystemInfo s = nvlink_system(2);
  s.hostname = "node<&>";
  auto records = good_records(s);
  scale_rate(find_record(records, Method::ce_write, 0, 1), 0.5);
  auto r = run_check(s, records, Expectations{}, CheckSettings{});
  // A finding whose text needs escaping.
  Finding odd;
  odd.verdict = CheckVerdict::fail;
  odd.rule = "expect rule 9";
  odd.subject = "a<b";
  odd.what = "x & y";
  odd.measured = "\"q\"";
  odd.expected = "'z'";
  odd.note = "bad\x01";
  r.findings.push_back(odd);
  const CheckCounts c = count_findings(r.findings);

  const std::string xml = junit_xml(r.findings, s, "2026-11-26T22:16:32Z");
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_EQ(count(xml, "<testcase "), r.findings.size());
  EXPECT_EQ(count(xml, "</testcase>"), r.findings.size());
  EXPECT_EQ(count(xml, "<failure "), static_cast<std::size_t>(c.fail));
  EXPECT_NE(xml.find(fmt::format("<testsuites name=\"gpuxfer check\" tests=\"{}\" failures=\"{}\"", r.findings.size(),
                                 c.fail)),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("hostname=\"node&lt;&amp;&gt;\""), std::string::npos);
  EXPECT_NE(xml.find("timestamp=\"2026-11-26T22:16:32Z\""), std::string::npos);
  EXPECT_NE(xml.find("classname=\"gpuxfer.check.peer_outlier\" name=\"0-&gt;1 vs NV18 median\""), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"gpuxfer.check.expect_rule_9\" name=\"a&lt;b x &amp; y\""), std::string::npos);
  EXPECT_NE(xml.find("message=\"measured &quot;q&quot;, expected &apos;z&apos;: bad\xEF\xBF\xBD\""), std::string::npos)
      << xml;
  // Nothing unescaped slipped through: every '<' opens a known element.
  for (std::size_t pos = xml.find('<'); pos != std::string::npos; pos = xml.find('<', pos + 1)) {
    const std::string tag = xml.substr(pos, 12);
    const bool known =
        tag.rfind("<?xml", 0) == 0 || tag.rfind("<testsuite", 0) == 0 || tag.rfind("</testsuite", 0) == 0 ||
        tag.rfind("<testcase", 0) == 0 || tag.rfind("</testcase", 0) == 0 || tag.rfind("<failure", 0) == 0 ||
        tag.rfind("</failure", 0) == 0 || tag.rfind("<system-out", 0) == 0 || tag.rfind("</system-out", 0) == 0 ||
        tag.rfind("<properties", 0) == 0 || tag.rfind("</properties", 0) == 0 || tag.rfind("<property ", 0) == 0;
    EXPECT_TRUE(known) << tag;
  }
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(CheckPrometheus, LabelEscape) {
  EXPECT_EQ(prometheus_label_escape("plain"), "plain");
  EXPECT_EQ(prometheus_label_escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(CheckPrometheus, TextfileHasHelpTypeAndOneSamplePerHeadlineRecord) {
  const SystemInfo s = nvlink_system(2);
  auto records = good_records(s);
  records.push_back(record(Method::ce_write, 0, 1, 10e9, 1 << 20, "NV18", false));  // not headline: left out
  Record weird = record(Method::sm_push, 0, 1, 360e9, kHeadline, "N\"V\\1\n8");
  records.push_back(weird);
  Record all = record(Method::all_h2d, kHost, kHost, 160e9, kHeadline, "PCIe");
  all.test.devices = {0, 1};
  records.push_back(all);
  const auto r = run_check(s, records, Expectations{}, CheckSettings{});
  const std::string text = prometheus_text(r.findings, r.records);

  for (const char* metric : {"gpuxfer_peer_bandwidth_bytes_per_second", "gpuxfer_host_bandwidth_bytes_per_second",
                             "gpuxfer_check_findings", "gpuxfer_check_passed"}) {
    EXPECT_EQ(count(text, std::string("# HELP ") + metric + " "), 1u) << metric;
    EXPECT_EQ(count(text, std::string("# TYPE ") + metric + " gauge\n"), 1u) << metric;
  }
  EXPECT_NEAR(
      value_of(text, "gpuxfer_peer_bandwidth_bytes_per_second{src=\"0\",dst=\"1\",method=\"ce_write\",link=\"NV18\"} "),
      392e9, 1.0)
      << text;
  EXPECT_EQ(count(text, "gpuxfer_peer_bandwidth_bytes_per_second{"), 5u);  // 2 pairs x 2 methods + sm_push
  EXPECT_NE(text.find("method=\"sm_push\",link=\"N\\\"V\\\\1\\n8\"}"), std::string::npos) << text;
  EXPECT_NEAR(value_of(text, "gpuxfer_host_bandwidth_bytes_per_second{gpu=\"1\",method=\"d2h_pinned\",link=\"PCIe\"} "),
              55e9, 1.0)
      << text;
  EXPECT_NEAR(value_of(text, "gpuxfer_host_bandwidth_bytes_per_second{gpu=\"all\",method=\"all_h2d\",link=\"PCIe\"} "),
              160e9, 1.0);
  const CheckCounts c = count_findings(r.findings);
  EXPECT_NE(text.find(fmt::format("gpuxfer_check_findings{{verdict=\"FAIL\"}} {}\n", c.fail)), std::string::npos);
  EXPECT_NE(text.find(fmt::format("gpuxfer_check_findings{{verdict=\"WARN\"}} {}\n", c.warn)), std::string::npos);
  EXPECT_NE(text.find(fmt::format("gpuxfer_check_findings{{verdict=\"PASS\"}} {}\n", c.pass)), std::string::npos);
  EXPECT_NE(text.find(fmt::format("gpuxfer_check_passed {}\n", c.fail == 0 ? 1 : 0)), std::string::npos);
  // Every non-comment line is `name{labels} value` or `name value`, ending in a newline.
  EXPECT_EQ(text.back(), '\n');
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_EQ(line.rfind("gpuxfer_", 0), 0u) << line;
    EXPECT_NE(line.find(' '), std::string::npos) << line;
  }
}
