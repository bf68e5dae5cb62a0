// JUnit XML and Prometheus textfile writers of `gpuxfer check`.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "core/check.hpp"
#include "core/check_output.hpp"
#include "core/host.hpp"
#include "core/metrics_output.hpp"
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

  JunitRun run;
  run.timestamp = "2026-11-26T22:16:32Z";
  const std::string xml = junit_xml(r.findings, r.records, s, run);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_EQ(count(xml, "<testcase "), r.findings.size());
  EXPECT_EQ(count(xml, "</testcase>"), r.findings.size());
  EXPECT_EQ(count(xml, "<failure "), static_cast<std::size_t>(c.fail));
  EXPECT_NE(xml.find(fmt::format("<testsuites name=\"gpuxfer check\" tests=\"{}\" failures=\"{}\" errors=\"0\"",
                                 r.findings.size(), c.fail)),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find(fmt::format("skipped=\"{}\"", c.warn)), std::string::npos) << xml;
  EXPECT_NE(xml.find("hostname=\"node&lt;&amp;&gt;\""), std::string::npos);
  EXPECT_NE(xml.find("timestamp=\"2026-11-26T22:16:32Z\""), std::string::npos);
  EXPECT_NE(xml.find("classname=\"gpuxfer.check.node&lt;&amp;&gt;.peer_outlier\" name=\"0-&gt;1 vs NV18 median\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"gpuxfer.check.node&lt;&amp;&gt;.expect_rule_9\" name=\"a&lt;b x &amp; y\""),
            std::string::npos);
  EXPECT_NE(xml.find("message=\"measured &quot;q&quot;, expected &apos;z&apos;: bad\xEF\xBF\xBD\""), std::string::npos)
      << xml;
  // Nothing unescaped slipped through: every '<' opens a known element.
  for (std::size_t pos = xml.find('<'); pos != std::string::npos; pos = xml.find('<', pos + 1)) {
    const std::string tag = xml.substr(pos, 12);
    const bool known =
        tag.rfind("<?xml", 0) == 0 || tag.rfind("<testsuite", 0) == 0 || tag.rfind("</testsuite", 0) == 0 ||
        tag.rfind("<testcase", 0) == 0 || tag.rfind("</testcase", 0) == 0 || tag.rfind("<failure", 0) == 0 ||
        tag.rfind("</failure", 0) == 0 || tag.rfind("<skipped ", 0) == 0 || tag.rfind("<system-out", 0) == 0 ||
        tag.rfind("</system-out", 0) == 0 || tag.rfind("<properties", 0) == 0 || tag.rfind("</properties", 0) == 0 ||
        tag.rfind("<property ", 0) == 0;
    EXPECT_TRUE(known) << tag;
  }
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(CheckPrometheus, LabelEscape) {
  EXPECT_EQ(prometheus_label_escape("plain"), "plain");
  EXPECT_EQ(prometheus_label_escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(CheckJunit, WarnIsSkippedTimesAreMeasuredAndHostsNameTheClass) {
  SystemInfo s = nvlink_system(2);
  s.hostname = "gpu01.cluster.local";
  s.devices[1].hostname = "gpu02.cluster.local";  // as a merged two-host document has it
  s.devices[0].pcie.current_gen = 4;              // downtrained at idle: WARN
  auto records = good_records(s);
  const auto r = run_check(s, records, Expectations{}, CheckSettings{});
  const CheckCounts c = count_findings(r.findings);
  ASSERT_GT(c.warn, 0);
  JunitRun run;
  run.timestamp = "2026-12-03T06:00:00.000Z";
  run.duration_s = 12.5;
  const std::string xml = junit_xml(r.findings, r.records, s, run);
  EXPECT_EQ(count(xml, "<skipped message=\"WARN: "), static_cast<std::size_t>(c.warn)) << xml;
  EXPECT_EQ(count(xml, "type=\"WARN\""), static_cast<std::size_t>(c.warn));
  EXPECT_NE(xml.find("classname=\"gpuxfer.check.gpu01_cluster_local.host_bandwidth\" name=\"GPU 0"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"gpuxfer.check.gpu02_cluster_local.host_bandwidth\" name=\"GPU 1"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("time=\"12.500\" hostname=\"gpu01.cluster.local\" timestamp=\"2026-12-03T06:00:00.000Z\""),
            std::string::npos)
      << xml;
  // A host-bandwidth finding judges the pinned h2d/d2h records of its GPU: their timed seconds.
  const Finding* host_finding = nullptr;
  for (const auto& f : r.findings)
    if (f.rule == "host_bandwidth" && f.gpu == 0 && f.method == "h2d_pinned") host_finding = &f;
  ASSERT_NE(host_finding, nullptr);
  const auto seconds = finding_seconds(*host_finding, r.records);
  ASSERT_TRUE(seconds.has_value());
  EXPECT_NEAR(*seconds, 5 * (400e6 / 55e9), 1e-9);
  EXPECT_NE(xml.find(fmt::format("time=\"{:.3f}\"", *seconds)), std::string::npos);
  EXPECT_EQ(count(xml, "<error "), 0u);
}

TEST(CheckJunit, ARunThatEndedEarlyIsOneErrorTestcase) {
  SystemInfo s;
  s.hostname = "node7";
  JunitRun run;
  run.run_error = "no NVIDIA driver found";
  run.run_error_type = "exit 3";
  const std::string xml = junit_xml({}, {}, s, run);
  EXPECT_NE(xml.find("tests=\"1\" failures=\"0\" errors=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"gpuxfer.check.node7.run\" name=\"bench run\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<error message=\"no NVIDIA driver found\" type=\"exit 3\">"), std::string::npos) << xml;
}

namespace {

// Sample lines (not comments) of a textfile.
std::vector<std::string> samples_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

std::set<std::string> series_of(const std::string& text) {
  std::set<std::string> out;
  for (const auto& line : samples_of(text)) out.insert(line.substr(0, line.rfind(' ')));
  return out;
}

}  // namespace

TEST(CheckPrometheus, EverySeriesIsUniqueAndLabelledByHostGpuAndUuid) {
  SystemInfo s = nvlink_system(2);
  s.devices[0].uuid = "GPU-aaaa";
  s.devices[1].uuid = "GPU-bbbb";
  auto records = good_records(s);
  records.push_back(record(Method::ce_write, 0, 1, 10e9, 1 << 20, "NV18", false));  // not headline: left out
  Record weird = record(Method::sm_push, 0, 1, 360e9, kHeadline, "N\"V\\1\n8");
  records.push_back(weird);
  // Two ranks' all_h2d on their own GPU (a merged document): aggregates, one series per set.
  for (int gpu : {0, 1}) {
    Record all = record(Method::all_h2d, kHost, kHost, 50e9 + gpu, kHeadline, "PCIe");
    all.test.devices = {gpu};
    records.push_back(all);
  }
  Record both = record(Method::all_h2d, kHost, kHost, 100e9, kHeadline, "PCIe");
  both.test.devices = {0, 1};
  records.push_back(both);
  // A re-measured pair appended after the first: the later figure wins, one series.
  records.push_back(record(Method::ce_write, 0, 1, 390e9));
  Record copy = record(Method::copy, 0, 0, 4.1e12);
  records.push_back(copy);
  Record gemm = record(Method::gemm_bf16, 1, 1, 1.0);
  gemm.flops_per_op = 2e15;
  records.push_back(gemm);
  records.push_back(latency_record(Method::peer_b2b, 0, 1, 2.5e-6, 4));
  records.push_back(latency_record(Method::peer_b2b, 0, 1, 3.5e-6, 1024));  // larger: left out
  const auto r = run_check(s, records, Expectations{}, CheckSettings{});
  MetricsRun run;
  run.host = "node";
  run.started_unix_s = 1764741600.5;
  const std::string text = prometheus_text(r.findings, r.records, s, run);

  const auto lines = samples_of(text);
  EXPECT_EQ(series_of(text).size(), lines.size()) << "duplicate series:\n" << text;
  for (const char* metric :
       {"gpuxfer_up", "gpuxfer_exit_code", "gpuxfer_last_run_timestamp_seconds", "gpuxfer_build_info",
        "gpuxfer_peer_bandwidth_bytes_per_second", "gpuxfer_host_bandwidth_bytes_per_second",
        "gpuxfer_host_aggregate_bandwidth_bytes_per_second", "gpuxfer_memory_bandwidth_bytes_per_second",
        "gpuxfer_gemm_flops_per_second", "gpuxfer_latency_seconds", "gpuxfer_check_findings", "gpuxfer_check_passed"}) {
    EXPECT_EQ(count(text, std::string("# HELP ") + metric + " "), 1u) << metric;
    EXPECT_EQ(count(text, std::string("# TYPE ") + metric + " gauge\n"), 1u) << metric;
  }
  EXPECT_NEAR(value_of(text,
                       "gpuxfer_peer_bandwidth_bytes_per_second{host=\"node\",src=\"0\",src_uuid=\"GPU-aaaa\","
                       "dst=\"1\",dst_host=\"node\",dst_uuid=\"GPU-bbbb\",suite=\"peer\",method=\"ce_write\","
                       "link=\"NV18\"} "),
              390e9, 1.0)
      << text;
  EXPECT_EQ(count(text, "gpuxfer_peer_bandwidth_bytes_per_second{"), 5u);  // 2 pairs x 2 methods + sm_push
  EXPECT_NE(text.find("method=\"sm_push\",link=\"N\\\"V\\\\1\\n8\"}"), std::string::npos) << text;
  EXPECT_NEAR(value_of(text,
                       "gpuxfer_host_bandwidth_bytes_per_second{host=\"node\",gpu=\"1\",uuid=\"GPU-bbbb\","
                       "method=\"d2h_pinned\",link=\"PCIe\"} "),
              55e9, 1.0)
      << text;
  EXPECT_EQ(text.find("gpu=\"all\""), std::string::npos) << "aggregates are metrics of their own";
  EXPECT_NEAR(value_of(text,
                       "gpuxfer_host_aggregate_bandwidth_bytes_per_second{host=\"node\",gpus=\"0,1\","
                       "method=\"all_h2d\",link=\"PCIe\"} "),
              100e9, 1.0);
  EXPECT_EQ(count(text, "gpuxfer_host_aggregate_bandwidth_bytes_per_second{"), 3u);
  EXPECT_NEAR(value_of(text,
                       "gpuxfer_memory_bandwidth_bytes_per_second{host=\"node\",gpu=\"0\",uuid=\"GPU-aaaa\","
                       "kernel=\"copy\"} "),
              4.1e12, 1e3);
  EXPECT_NEAR(value_of(text,
                       "gpuxfer_gemm_flops_per_second{host=\"node\",gpu=\"1\",uuid=\"GPU-bbbb\","
                       "precision=\"bf16\"} "),
              2e15 / gemm.time->median, 1e6);
  EXPECT_EQ(count(text, "gpuxfer_latency_seconds{"), 1u);
  EXPECT_NEAR(value_of(text,
                       "gpuxfer_latency_seconds{host=\"node\",src=\"0\",src_uuid=\"GPU-aaaa\",dst=\"1\","
                       "dst_host=\"node\",dst_uuid=\"GPU-bbbb\",method=\"peer_b2b\",bytes=\"4\"} "),
              2.5e-6, 1e-12);
  EXPECT_EQ(value_of(text, "gpuxfer_up{host=\"node\"} "), 1);
  EXPECT_EQ(value_of(text, "gpuxfer_last_run_timestamp_seconds{host=\"node\"} "), 1764741600.5);
  EXPECT_NE(text.find("gpuxfer_build_info{host=\"node\",version=\""), std::string::npos);
  const CheckCounts c = count_findings(r.findings);
  EXPECT_EQ(value_of(text, "gpuxfer_check_findings{host=\"node\",verdict=\"FAIL\"} "), c.fail);
  EXPECT_EQ(value_of(text, "gpuxfer_check_passed{host=\"node\"} "), c.fail == 0 ? 1 : 0);
  EXPECT_EQ(text.back(), '\n');
  for (const auto& line : lines) EXPECT_EQ(line.rfind("gpuxfer_", 0), 0u) << line;
}

TEST(CheckPrometheus, MergedHostsKeepTheirOwnHostLabel) {
  SystemInfo s = nvlink_system(2);
  s.hostname = "a";
  s.devices[1].hostname = "b";
  const auto records = good_records(s);
  const auto r = run_check(s, records, Expectations{}, CheckSettings{});
  MetricsRun run;
  run.host = "a";
  const std::string text = prometheus_text(r.findings, r.records, s, run);
  EXPECT_NE(text.find("gpuxfer_host_bandwidth_bytes_per_second{host=\"b\",gpu=\"1\""), std::string::npos) << text;
  EXPECT_NE(text.find("{host=\"a\",src=\"0\",src_uuid=\"\",dst=\"1\",dst_host=\"b\""), std::string::npos) << text;
  EXPECT_EQ(text.find("gpuxfer_last_run_timestamp_seconds"), std::string::npos) << "unknown start: no sample";
}

TEST(CheckPrometheus, ARunThatCouldNotHappenSaysUpZero) {
  MetricsRun run;
  run.host = "node";
  run.exit_code = 3;
  run.started_unix_s = 1764741600;
  const std::string text = prometheus_down_text(run);
  EXPECT_EQ(value_of(text, "gpuxfer_up{host=\"node\"} "), 0);
  EXPECT_EQ(value_of(text, "gpuxfer_exit_code{host=\"node\"} "), 3);
  EXPECT_EQ(value_of(text, "gpuxfer_last_run_timestamp_seconds{host=\"node\"} "), 1764741600);
  EXPECT_EQ(text.find("bandwidth"), std::string::npos) << "no figures when nothing ran";
  EXPECT_EQ(text.find("gpuxfer_check_findings"), std::string::npos);
}

TEST(HostTime, ParsesTheIso8601ItWrites) {
  EXPECT_EQ(parse_utc_iso8601("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_NEAR(*parse_utc_iso8601("2026-12-03T06:00:00.250Z"), 1796277600.25, 1e-6);
  const auto now = parse_utc_iso8601(utc_now_iso8601());
  ASSERT_TRUE(now.has_value());
  EXPECT_GT(*now, 1.7e9);
  for (const char* bad : {"", "2026-12-03", "2026-12-03T06:00:00", "2026-12-03T06:00:00+01:00", "2026-13-03T06:00:00Z",
                          "2026-12-03T06:00:00.Z", "2026-12-03T06:00:00Zjunk"}) {
    EXPECT_FALSE(parse_utc_iso8601(bad).has_value()) << bad;
  }
}
