// The HTML report: escaping, axis ticks, golden SVG structure of small synthetic charts, and the
// page built from synthetic and real results.
//
// Golden files live in tests/data/report/. After an intended change to the SVG output,
// regenerate them and review the diff:
//   GPUXFER_UPDATE_GOLDEN=1 build/ci/tests/gpuxfer_unit_tests --gtest_filter='ReportGolden.*'
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/plan.hpp"
#include "report/html.hpp"
#include "report/html_report.hpp"
#include "report/svg.hpp"

using namespace gx;
using namespace gx::report;

namespace {

const std::string kGoldenDir = std::string(GPUXFER_TEST_DATA_DIR) + "/report/";
const std::string kRuns = std::string(GPUXFER_TEST_DATA_DIR) + "/runs/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Compares against the golden file, or (re)writes it when GPUXFER_UPDATE_GOLDEN is set.
void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = kGoldenDir + name;
  if (std::getenv("GPUXFER_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "wrote " << path;
  }
  const std::string expected = slurp(path);
  ASSERT_FALSE(expected.empty()) << path << " is missing; run with GPUXFER_UPDATE_GOLDEN=1 to create it";
  EXPECT_EQ(actual, expected) << "SVG differs from " << path
                              << "; if intended, regenerate with GPUXFER_UPDATE_GOLDEN=1";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::vector<std::string> labels(const std::vector<Tick>& ticks) {
  std::vector<std::string> out;
  for (const auto& t : ticks) out.push_back(t.label);
  return out;
}

// ---- synthetic results ---------------------------------------------------------------------------

constexpr std::uint64_t kHeadline = 400000000;

Case make_case(Method m, int src, int dst, std::uint64_t bytes, bool headline) {
  Case c;
  c.suite = suite_of(m);
  c.method = m;
  c.src = src;
  c.dst = dst;
  c.bytes = bytes;
  c.headline = headline;
  c.link_class = suite_of(m) == Suite::host ? "PCIe" : "NV18";
  c.theoretical_bytes_per_s = suite_of(m) == Suite::host ? 64e9 : 478e9;
  return c;
}

Record ok(Case c, double gbps) {
  Record r;
  r.test = std::move(c);
  r.status = Status::ok;
  r.verified = true;
  r.bytes_per_op = static_cast<double>(r.test.bytes) * (r.test.method == Method::bidir_ce ? 2 : 1);
  Summary s;
  s.n = 20;
  s.median = r.bytes_per_op / (gbps * 1e9);
  s.min = s.median * 0.99;
  s.q1 = s.median;
  s.q3 = s.median;
  s.max = s.median * 1.01;
  s.mean = s.median;
  s.stdev = s.median * 0.01;
  s.cv = 0.01;
  r.time = s;
  r.sample_seconds.assign(20, s.median);
  return r;
}

LoadedReport synthetic_report(const std::string& hostname, const std::string& gpu_name) {
  LoadedReport rep;
  rep.path = "synthetic.json";
  rep.run.hostname = hostname;
  rep.run.started_utc = "2026-11-26T22:16:32.904Z";
  rep.run.argv = {"gpuxfer", "bench", "--sizes", "<4K>"};
  rep.system.hostname = hostname;
  rep.system.cpu_model = "CPU \"fast\" & cheap";
  rep.system.driver_release = std::string("580.159.04");
  rep.system.cuda_driver_version = 13000;
  rep.system.cuda_runtime_version = 13000;
  for (int i = 0; i < 2; ++i) {
    DeviceInfo d;
    d.index = i;
    d.name = gpu_name;
    d.memory_total_bytes = 150ull << 30;
    rep.system.devices.push_back(d);
  }
  for (int a = 0; a < 2; ++a) {
    PairInfo p;
    p.src = a;
    p.dst = 1 - a;
    p.link.name = "NV18";
    p.peer_enabled = true;
    p.theoretical_bytes_per_s = 478e9;
    rep.system.pairs.push_back(p);
  }
  for (const std::uint64_t bytes : {std::uint64_t{4096}, std::uint64_t{1} << 20, std::uint64_t{kHeadline}}) {
    const bool headline = bytes == kHeadline;
    const double scale = static_cast<double>(bytes) / static_cast<double>(kHeadline);
    rep.records.push_back(
        ok(make_case(Method::ce_write, 0, 1, bytes, headline), 390 * std::min(1.0, 10 * scale + 0.01)));
    rep.records.push_back(
        ok(make_case(Method::sm_pull, 0, 1, bytes, headline), 370 * std::min(1.0, 10 * scale + 0.01)));
    rep.records.push_back(
        ok(make_case(Method::h2d_pinned, kHost, 0, bytes, headline), 55 * std::min(1.0, 10 * scale + 0.05)));
  }
  rep.records.push_back(ok(make_case(Method::ce_write, 1, 0, kHeadline, true), 391));
  Record skipped;
  skipped.test = make_case(Method::sm_pull, 1, 0, kHeadline, true);
  skipped.status = Status::skipped;
  skipped.reason = "peer access <disabled> & \"off\"";
  rep.records.push_back(skipped);
  rep.records.push_back(ok(make_case(Method::h2d_pinned, kHost, 1, kHeadline, true), 54));
  Record latency = ok(make_case(Method::peer_b2b, 0, 1, 4, false), 0.002);
  rep.records.push_back(latency);
  return rep;
}

ReportSource source_of(LoadedReport rep, const std::string& label) {
  ReportSource s;
  s.label = label;
  s.report = std::move(rep);
  return s;
}

}  // namespace

// ---- escaping ------------------------------------------------------------------------------------

TEST(HtmlEscape, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escape("<"), "&lt;");
  EXPECT_EQ(html_escape(">"), "&gt;");
  EXPECT_EQ(html_escape("&"), "&amp;");
  EXPECT_EQ(html_escape("\""), "&quot;");
  EXPECT_EQ(html_escape("'"), "&#39;");
  EXPECT_EQ(html_escape("<script>alert('x & \"y\"')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;");
}

TEST(HtmlEscape, LeavesOtherTextAlone) {
  EXPECT_EQ(html_escape(""), "");
  EXPECT_EQ(html_escape("NVIDIA H200 4\u00d7 \u00b5s \u2192"), "NVIDIA H200 4\u00d7 \u00b5s \u2192");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;") << "escaping is not idempotent by design: text is text";
}

TEST(HtmlTable, EscapesEveryCellTitleAndNote) {
  Table t;
  t.title = "<t>";
  t.header = {"a&b", "n"};
  t.align = {Align::left, Align::right};
  t.rows = {{"<b>bold</b>", "1"}};
  t.notes = {"it's \"noted\""};
  const std::string html = html_table(t, "x");
  EXPECT_NE(html.find("<caption>&lt;t&gt;</caption>"), std::string::npos) << html;
  EXPECT_NE(html.find("<th>a&amp;b</th><th class=\"r\">n</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>&lt;b&gt;bold&lt;/b&gt;</td><td class=\"r\">1</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<li>it&#39;s &quot;noted&quot;</li>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>"), std::string::npos);
}

// ---- axes ----------------------------------------------------------------------------------------

TEST(ReportAxes, ByteLabelsAreReadable) {
  EXPECT_EQ(byte_label(4), "4 B");
  EXPECT_EQ(byte_label(999), "999 B");
  EXPECT_EQ(byte_label(1024), "1 KiB");
  EXPECT_EQ(byte_label(32 * 1024), "32 KiB");
  EXPECT_EQ(byte_label(1 << 20), "1 MiB");
  EXPECT_EQ(byte_label(std::uint64_t{1} << 30), "1 GiB");
  // One notation on the page, that of the text tables: binary units (no "400 MB" beside "1 KiB").
  EXPECT_EQ(byte_label(400000000), "381 MiB");
  EXPECT_EQ(byte_label(1000), "1000 B");
  EXPECT_EQ(byte_label(1536), "1.50 KiB");
  EXPECT_EQ(byte_label(400000000), format_size(400000000));
}

TEST(ReportAxes, Log2TicksOfAFullSweep) {
  EXPECT_EQ(labels(log2_byte_ticks(4, 400e6)),
            (std::vector<std::string>{"4 B", "32 B", "1 KiB", "32 KiB", "1 MiB", "32 MiB", "381 MiB"}));
  EXPECT_EQ(labels(log2_byte_ticks(1024, 1 << 20)),
            (std::vector<std::string>{"1 KiB", "4 KiB", "16 KiB", "64 KiB", "256 KiB", "1 MiB"}));
  EXPECT_EQ(labels(log2_byte_ticks(4096, 4096)), (std::vector<std::string>{"4 KiB"}));
  const auto ticks = log2_byte_ticks(4, 400e6);
  EXPECT_TRUE(
      std::is_sorted(ticks.begin(), ticks.end(), [](const Tick& a, const Tick& b) { return a.value < b.value; }));
}

TEST(ReportAxes, LinearTicksAreNice) {
  EXPECT_EQ(labels(linear_ticks(392)), (std::vector<std::string>{"0", "100", "200", "300", "400"}));
  EXPECT_EQ(labels(linear_ticks(779.7)), (std::vector<std::string>{"0", "200", "400", "600", "800"}));
  EXPECT_EQ(labels(linear_ticks(55.3)), (std::vector<std::string>{"0", "10", "20", "30", "40", "50", "60"}));
  EXPECT_EQ(labels(linear_ticks(0.9)).back(), "1.0");
  EXPECT_EQ(labels(linear_ticks(0)), (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
}

TEST(ReportAxes, LinearTicksBetweenFrameARatio) {
  const auto ticks = linear_ticks_between(0.93, 1.04);
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_LE(ticks.front().value, 0.93);
  EXPECT_GE(ticks.back().value, 1.04);
  EXPECT_EQ(labels(linear_ticks_between(0.93, 1.04)),
            (std::vector<std::string>{"0.92", "0.94", "0.96", "0.98", "1.00", "1.02", "1.04"}));
  EXPECT_EQ(labels(linear_ticks_between(0.5, 2.0, 3)), (std::vector<std::string>{"0.5", "1.0", "1.5", "2.0"}));
  EXPECT_GE(linear_ticks_between(1, 1).size(), 2u) << "a flat series still gets a range";
}

TEST(ReportAxes, Log10TicksAreDecades) {
  // Rates from a 4 B copy to a 400 MB one: decades only, labelled, with unlabelled minor ticks.
  const auto wide = log10_ticks(0.0018, 394);
  std::vector<std::string> majors;
  for (const auto& t : wide) {
    if (!t.label.empty()) majors.push_back(t.label);
  }
  EXPECT_EQ(majors, (std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10", "100", "1000"}));
  EXPECT_EQ(wide.front().value, 0.001);
  EXPECT_EQ(wide.back().value, 1000);
  EXPECT_EQ(wide.size(), 7u + 6u * 8u) << "2x..9x of every decade but the last";
  // Within two decades 2x and 5x are labelled too.
  EXPECT_EQ(labels(log10_ticks(2.1, 95)), (std::vector<std::string>{"1", "2", "5", "10", "20", "50", "100"}));
  EXPECT_EQ(labels(log10_ticks(15000, 20000)), (std::vector<std::string>{"10k", "20k", "50k", "100k"}));
  EXPECT_EQ(labels(log10_ticks(3, 3)), (std::vector<std::string>{"1", "2", "5", "10"})) << "one value: its decade";
}

TEST(ReportColors, ScaleRunsFromDarkToLight) {
  EXPECT_EQ(scale_color(0), "#440154");
  EXPECT_EQ(scale_color(1), "#fde725");
  EXPECT_EQ(scale_color(1.7), "#fde725") << "clamped";
  EXPECT_EQ(scale_color(-1), "#440154");
  EXPECT_FALSE(dark_text_on(0.1));
  EXPECT_TRUE(dark_text_on(0.9));
  EXPECT_NE(palette_color(0), palette_color(1));
  EXPECT_EQ(palette_color(10), palette_color(0));
  EXPECT_EQ(dash_pattern(0), "");
  EXPECT_NE(dash_pattern(1), dash_pattern(2));
}

// ---- golden SVGs ---------------------------------------------------------------------------------

namespace {

std::vector<Series> golden_series() {
  std::vector<Series> series;
  const std::vector<double> sizes{4, 1024, 1 << 20, 400e6};
  const std::vector<double> a{0.1, 20, 300, 390};
  const std::vector<double> b{0.05, 10, 250, 370};
  for (int style = 0; style < 2; ++style) {
    Series s1{"ce_write", 0, style, {}};
    Series s2{"sm_<pull>", 1, style, {}};
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const double k = style == 0 ? 1.0 : 0.5;
      s1.points.push_back({sizes[i], a[i] * k, "ce_write " + byte_label(static_cast<std::uint64_t>(sizes[i])), {}, {}});
      s2.points.push_back({sizes[i], b[i] * k, "", {}, {}});
    }
    series.push_back(s1);
    series.push_back(s2);
  }
  return series;
}

LineChartAxes golden_axes() {
  LineChartAxes axes;
  axes.title = "peer: GPU0 \u2192 GPU1 (NV18) & <more>";
  axes.style_labels = {{0, "a.json \u00b7 vm \u00b7 4\u00d7 H200"}, {1, "b.json \u00b7 'box' \u00b7 2\u00d7 H200"}};
  axes.width = 520;
  axes.plot_height = 220;
  return axes;
}

HeatmapMatrix golden_matrix() {
  HeatmapMatrix m;
  m.title = "peer ce_write, 400 MB, GB/s";
  m.row_labels = {"GPU0", "GPU1", "GPU2"};
  m.col_labels = m.row_labels;
  m.cells.resize(3, std::vector<HeatCell>(3));
  for (int i = 0; i < 3; ++i) m.cells[i][i].diagonal = true;
  m.cells[0][1] = {"391.9", "82%", 0.82, "GPU0 \u2192 GPU1: 391.9 GB/s", false};
  m.cells[0][2] = {"40.2", "8%", 0.084, "", false};
  m.cells[1][0] = {"skip", "", std::nullopt, "peer access <disabled>", false};
  m.cells[1][2] = {"37.8", "no peak", std::nullopt, "", false};
  // [2][0] and [2][1] stay empty: not measured
  return m;
}

}  // namespace

TEST(ReportGolden, LineChart) {
  const std::string svg = svg_line_chart(golden_series(), golden_axes());
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(count(svg, "<polyline"), 4u);
  EXPECT_EQ(count(svg, "<circle"), 8u + 1u) << "style 0: 2 series x 4 points, and its legend swatch";
  EXPECT_NE(svg.find("&lt;more&gt;"), std::string::npos);
  EXPECT_NE(svg.find("sm_&lt;pull&gt;"), std::string::npos);
  EXPECT_NE(svg.find("&#39;box&#39;"), std::string::npos);
  EXPECT_NE(svg.find(">381 MiB</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1 KiB</text>"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray=\"7 4\""), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("id="), std::string::npos) << "no ids: several charts share one page";
  expect_golden("line_chart.svg", svg);
}

// The report's sweep charts: the same series on a log-10 y axis with interquartile bands.
TEST(ReportGolden, LogLineChartWithBands) {
  std::vector<Series> series = golden_series();
  for (auto& s : series) {
    for (auto& p : s.points) {
      p.lo = p.y * 0.9;
      p.hi = p.y * 1.05;
    }
  }
  LineChartAxes axes = golden_axes();
  axes.y_scale = YScale::log;
  axes.y_label = "GB/s (log scale)";
  axes.band_label = "shaded: interquartile range of the samples";
  const std::string svg = svg_line_chart(series, axes);
  EXPECT_EQ(count(svg, "fill-opacity=\"0.18\""), 4u) << "a band per series";
  EXPECT_EQ(svg.find("id="), std::string::npos);
  expect_golden("line_chart_log.svg", svg);
}

TEST(ReportGolden, Heatmap) {
  const std::string svg = svg_heatmap(golden_matrix());
  EXPECT_EQ(count(svg, "<rect"), 9u + 10u + 1u) << "cells, scale steps, scale frame";
  EXPECT_NE(svg.find("fill=\"" + scale_color(0.82) + "\""), std::string::npos);
  EXPECT_NE(svg.find("peer access &lt;disabled&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">391.9</text>"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  expect_golden("heatmap.svg", svg);
}

TEST(ReportGolden, BarChart) {
  BarChartSpec chart;
  chart.title = "host \u2194 GPU, 400 MB";
  chart.series = {"h2d_pinned", "d2h_pinned"};
  chart.groups = {{"GPU0", {Bar{55.0, "55.0", "87%", "t"}, Bar{55.2, "55.2", "88%", ""}}},
                  {"GPU1", {std::nullopt, Bar{12.8, "12.8", "", ""}}}};
  chart.max_width = 600;
  const std::string svg = svg_bar_chart(chart);
  EXPECT_EQ(count(svg, "<rect"), 3u + 2u) << "bars, legend swatches";
  expect_golden("bar_chart.svg", svg);
}

// A log axis keeps the small sizes off the floor: 4 B at 0.002 GB/s and 400 MB at 390 GB/s are
// five decades apart and both readable; the interquartile band is one polygon per series.
TEST(ReportSvg, LogAxisBandsAndReferenceLine) {
  Series s{"ce_write", 0, 0, {}};
  const std::vector<double> sizes{4, 4096, 1 << 20, 400e6};
  const std::vector<double> gbps{0.002, 1.7, 206, 390};
  for (std::size_t i = 0; i < sizes.size(); ++i)
    s.points.push_back({sizes[i], gbps[i], "", gbps[i] * 0.9, gbps[i] * 1.1});
  LineChartAxes axes;
  axes.title = "peer";
  axes.y_scale = YScale::log;
  axes.band_label = "shaded: interquartile range";
  const std::string svg = svg_line_chart({s}, axes);
  EXPECT_EQ(count(svg, "fill-opacity=\"0.18\""), 1u) << "one band";
  EXPECT_NE(svg.find(">0.001</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1000</text>"), std::string::npos);
  EXPECT_NE(svg.find("shaded: interquartile range"), std::string::npos) << "the band is in the legend";
  // The smallest points sit off the plot's floor (y = 36 + 300 = 336): 4 B a decade above the
  // axis' bottom (0.001), 4 KiB at 1.7 GB/s half way up; on a linear axis to 400 both would be on it.
  const auto cy_of = [&](std::size_t nth) {
    std::size_t at = svg.find("<circle");
    for (std::size_t i = 0; i < nth; ++i) at = svg.find("<circle", at + 1);
    const std::string c = svg.substr(at, 60);
    return std::stod(c.substr(c.find("cy=\"") + 4));
  };
  EXPECT_LT(cy_of(0), 336.0 - 10);
  EXPECT_LT(cy_of(1), 336.0 - 140);
  // A point at 0 cannot be drawn on a log axis; it is left out, not put at -infinity.
  s.points.push_back({8e8, 0.0, "", std::nullopt, std::nullopt});
  EXPECT_EQ(count(svg_line_chart({s}, axes), "<circle"), 4u);

  LineChartAxes ratio;
  ratio.y_scale = YScale::linear_range;
  ratio.reference_y = 1.0;
  ratio.reference_label = "1 = as fast";
  Series r{"ce_write", 0, 1, {{4, 0.98, "", {}, {}}, {4096, 1.03, "", {}, {}}}};
  const std::string rsvg = svg_line_chart({r}, ratio);
  EXPECT_NE(rsvg.find("stroke-dasharray=\"5 3\""), std::string::npos) << "the reference line";
  EXPECT_NE(rsvg.find(">1 = as fast</text>"), std::string::npos);
  EXPECT_EQ(rsvg.find(">0</text>"), std::string::npos) << "a ratio axis does not start at 0";
  EXPECT_EQ(count(rsvg, "fill-opacity"), 0u) << "no band without lo/hi";
}

TEST(ReportSvg, EmptyChartsSayNoData) {
  const std::string svg = svg_line_chart({}, LineChartAxes{});
  EXPECT_NE(svg.find("no data"), std::string::npos);
  EXPECT_EQ(svg.find("<polyline"), std::string::npos);
  const std::string bars = svg_bar_chart(BarChartSpec{});
  EXPECT_NE(bars.find("</svg>"), std::string::npos);
}

// ---- the page ------------------------------------------------------------------------------------

TEST(HtmlReport, HostileTextFromJsonIsEscapedEverywhere) {
  LoadedReport rep = synthetic_report("<script>alert('host')</script>", "GPU <img src=x onerror=1> & \"co\"");
  ReportSource s = source_of(std::move(rep), "<evil>.json");
  s.check =
      Json{{"verdict", "FAIL"},
           {"rows", Json::array({Json{{"rule", "<script>x</script>"}, {"status", "FAIL"}, {"measured_gbps", 12.5}},
                                 Json{{"rule", "ok rule"}, {"status", "PASS"}}})}};
  const std::string html = render_html_report({s});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "nothing from JSON becomes markup";
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<evil>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;host&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("GPU &lt;img src=x onerror=1&gt; &amp; &quot;co&quot;"), std::string::npos);
  EXPECT_NE(html.find("peer access &lt;disabled&gt; &amp; &quot;off&quot;"), std::string::npos);
  EXPECT_NE(html.find("&lt;4K&gt;"), std::string::npos) << "argv";
  EXPECT_NE(html.find("CPU &quot;fast&quot; &amp; cheap"), std::string::npos);
  EXPECT_NE(html.find("id=\"check\""), std::string::npos);
  EXPECT_NE(html.find("<td class=\"bad\">FAIL</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"good\">PASS</td>"), std::string::npos);
  EXPECT_EQ(count(html, "http"), count(html, "http://www.w3.org/2000/svg"))
      << "the only URL is the SVG namespace: nothing is fetched";
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("@font-face"), std::string::npos);
}

TEST(HtmlReport, SectionsFollowTheData) {
  ReportSource s = source_of(synthetic_report("vm", "NVIDIA H200"), "r.json");
  const std::string html = render_html_report({s});
  EXPECT_NE(html.find("id=\"system\""), std::string::npos);
  EXPECT_NE(html.find("id=\"sweeps\""), std::string::npos);
  EXPECT_NE(html.find("id=\"heatmaps\""), std::string::npos);
  EXPECT_NE(html.find("id=\"host\""), std::string::npos);
  EXPECT_NE(html.find("id=\"latency\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"compute\""), std::string::npos) << "no compute records: no section";
  EXPECT_EQ(html.find("id=\"check\""), std::string::npos) << "no check object: no section";
  EXPECT_EQ(html.find("id=\"health\""), std::string::npos) << "no health section in the document: none here";
  EXPECT_NE(html.find("2\u00d7 NVIDIA H200"), std::string::npos);
  EXPECT_EQ(render_html_report({s}), html) << "deterministic";
}

// The health section: what the run changed (after - before) and the state after it.
TEST(HtmlReport, HealthSectionShowsWhatTheRunChanged) {
  LoadedReport rep = synthetic_report("vm", "NVIDIA H200");
  HealthSnapshot before;
  before.read_utc = "2026-11-26T21:40:00.000Z";
  before.ecc.volatile_total = EccCounts{std::uint64_t{3}, std::uint64_t{0}};
  before.pcie_replay = std::uint64_t{9};
  HealthSnapshot after = before;
  after.read_utc = "2026-11-26T21:42:00.000Z";
  after.ecc.volatile_total = EccCounts{std::uint64_t{5}, std::uint64_t{0}};
  after.pcie_replay = Count::unknown("NVML: Not Supported");
  GpuHealth g;
  g.index = 1;
  g.uuid = "GPU-1";
  g.pci_bus_id = "0000:19:00.0";
  g.name = "NVIDIA H200";
  g.before = before;
  g.after = after;
  g.xid_events = std::vector<XidEvent>{{79, "2026-11-26T21:41:00.000Z"}};
  rep.system.health = {g};
  const std::string html = render_html_report({source_of(std::move(rep), "r.json")});
  const auto section = html.find("<section id=\"health\">");
  ASSERT_NE(section, std::string::npos);
  const std::string body = html.substr(section, html.find("</section>", section) - section);
  EXPECT_NE(body.find("Health during the run"), std::string::npos);
  EXPECT_NE(body.find(">+2/0</td>"), std::string::npos) << "volatile ECC grew by 2 corrected";
  EXPECT_NE(body.find(">120</td>"), std::string::npos) << "seconds between the snapshots";
  EXPECT_NE(body.find(">79</td>"), std::string::npos) << "the critical XID";
  EXPECT_NE(body.find("NVML: Not Supported"), std::string::npos) << "an unknown counter keeps its reason";
  EXPECT_NE(html.find("href=\"#health\""), std::string::npos) << "listed in the page's navigation";
}

TEST(HtmlReport, PiecesOfASyntheticResult) {
  const LoadedReport rep = synthetic_report("vm", "NVIDIA H200");
  const auto maps = pair_heatmaps(rep);
  ASSERT_EQ(maps.size(), 2u);  // ce_write and sm_pull at 400 MB
  EXPECT_EQ(maps[0].title, "peer ce_write, 381 MiB, GB/s");
  ASSERT_EQ(maps[0].cells.size(), 2u);
  EXPECT_TRUE(maps[0].cells[0][0].diagonal);
  EXPECT_EQ(maps[0].cells[0][1].text, "390.0");
  EXPECT_EQ(maps[0].cells[0][1].sub, "82%");
  EXPECT_EQ(maps[1].cells[1][0].text, "skip");
  EXPECT_FALSE(maps[1].cells[1][0].fraction.has_value());

  const auto bars = host_bar_charts(rep);
  ASSERT_EQ(bars.size(), 1u);
  ASSERT_EQ(bars[0].groups.size(), 2u);
  EXPECT_EQ(bars[0].groups[0].label, "GPU0");
  ASSERT_TRUE(bars[0].groups[0].bars[0].has_value());
  EXPECT_EQ(bars[0].groups[0].bars[0]->text, "55.0");
  EXPECT_EQ(bars[0].groups[0].bars[0]->sub, "86%");

  EXPECT_TRUE(compute_bar_charts(rep).empty());
  const auto lat = latency_tables(rep);
  ASSERT_EQ(lat.size(), 1u);
  EXPECT_EQ(lat[0].rows.size(), 1u);
  EXPECT_EQ(check_html(Json(nullptr)), "");
}

TEST(HtmlReport, OverlayNamesEveryFileOnce) {
  const ReportSource a = source_of(synthetic_report("vm", "NVIDIA H200"), "a.json");
  const ReportSource b = source_of(synthetic_report("box", "NVIDIA H100"), "b.json");
  const auto charts = sweep_charts({a, b});
  ASSERT_EQ(charts.size(), 2u);  // peer (NV18) and host (PCIe)
  EXPECT_EQ(charts[0].axes.title, "peer: GPU0 \u2192 GPU1 (NV18)");
  ASSERT_EQ(charts[0].axes.style_labels.size(), 2u);
  EXPECT_EQ(charts[0].axes.style_labels[0].style, 0);
  EXPECT_EQ(charts[0].axes.style_labels[1].label, "b.json \u00b7 box \u00b7 2\u00d7 NVIDIA H100");
  EXPECT_EQ(charts[0].series.size(), 4u);  // 2 methods x 2 files
  EXPECT_EQ(charts[0].series[2].style, 1);
  EXPECT_EQ(charts[0].series[0].color, charts[0].series[2].color) << "one color per method across files";
  const auto single = sweep_charts({a});
  EXPECT_TRUE(single[0].axes.style_labels.empty()) << "no file legend for one file";
}

// Time per operation (log-log, with the latency suite's copies) and, for several files, the
// second file's speed relative to the first per method and size.
TEST(HtmlReport, TimeAndRatioCharts) {
  LoadedReport base = synthetic_report("vm", "NVIDIA H200");
  base.records.push_back(ok(make_case(Method::peer_b2b, 0, 1, 64, false), 0.03));  // a second latency size
  const ReportSource a = source_of(base, "a.json");
  LoadedReport slower = synthetic_report("box", "NVIDIA H100");
  for (auto& r : slower.records) {
    if (r.test.method == Method::ce_write && r.time) {  // half as fast, the quartiles 10 % apart
      r.time->median *= 2;
      r.time->q1 = r.time->median * 0.95;
      r.time->q3 = r.time->median * 1.05;
    }
  }
  const ReportSource b = source_of(slower, "b.json");

  const auto times = time_charts({a});
  ASSERT_FALSE(times.empty());
  EXPECT_EQ(times[0].axes.y_scale, YScale::log);
  EXPECT_NE(times[0].axes.y_label.find("\u00b5s per operation"), std::string::npos);
  ASSERT_FALSE(times[0].series.empty());
  const double gbps_4k = 390 * (10 * 4096 / 4e8 + 0.01);  // as synthetic_report makes it
  EXPECT_NEAR(times[0].series[0].points[0].y, 4096 / (gbps_4k * 1e9) * 1e6, 1e-9) << "ce_write at 4 KiB, in µs";
  const bool latency = std::any_of(times.begin(), times.end(),
                                   [](const LineChart& c) { return c.axes.title.rfind("latency:", 0) == 0; });
  EXPECT_TRUE(latency) << "the latency suite's copies have a time chart";

  EXPECT_TRUE(ratio_charts({a}).empty()) << "one file: nothing to divide by";
  const auto ratios = ratio_charts({a, b});
  ASSERT_FALSE(ratios.empty());
  const LineChart& peer = ratios[0];
  EXPECT_EQ(peer.axes.title, "peer: GPU0 \u2192 GPU1 (NV18), speed relative to the first file");
  EXPECT_EQ(peer.axes.reference_y, 1.0);
  ASSERT_EQ(peer.axes.style_labels.size(), 1u) << "only file 2 is a series";
  EXPECT_EQ(peer.axes.style_labels[0].style, 1);
  const Series* ce = nullptr;
  const Series* sm = nullptr;
  for (const auto& s : peer.series) (s.label == "ce_write" ? ce : sm) = &s;
  ASSERT_NE(ce, nullptr);
  ASSERT_NE(sm, nullptr);
  ASSERT_EQ(ce->points.size(), 3u);  // 4 KiB, 1 MiB, 400 MB
  EXPECT_NEAR(ce->points[0].y, 0.5, 1e-9);
  ASSERT_TRUE(ce->points[0].lo && ce->points[0].hi);
  EXPECT_NEAR(*ce->points[0].lo, 1 / (2 * 1.05), 1e-9);
  EXPECT_NEAR(*ce->points[0].hi, 1 / (2 * 0.95), 1e-9);
  EXPECT_NEAR(sm->points[0].y, 1.0, 1e-9);
  const std::string html = render_html_report({a, b});
  EXPECT_NE(html.find("id=\"time\""), std::string::npos);
  EXPECT_NE(html.find("id=\"ratios\""), std::string::npos);
  EXPECT_EQ(render_html_report({a}).find("id=\"ratios\""), std::string::npos);
}

TEST(HtmlReport, CheckObjectOfAnyShapeRenders) {
  const Json check = Json{{"passed", 3}, {"failed", 1}, {"rules", Json::array({Json{{"a", 1}}, Json{{"b", "x"}}})}};
  const std::string html = check_html(check);
  EXPECT_NE(html.find("<caption>rules</caption>"), std::string::npos) << html;
  EXPECT_NE(html.find("<th>a</th><th>b</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<th>passed</th>"), std::string::npos) << html;
  EXPECT_NE(check_html(Json("just a <note>")).find("just a &lt;note&gt;"), std::string::npos);
}

TEST(HtmlReport, RealResultsRender) {
  const std::string x4 = kRuns + "h200x4-nvswitch-2026-11-26-26b4d5b7/bench-run1.json";
  const std::string x2 = kRuns + "h200x2-nvswitch-2026-11-26-b1ce9020/bench.json";
  std::vector<ReportSource> sources{load_report_source(x4), load_report_source(x2)};
  EXPECT_EQ(sources[0].label, "bench-run1.json");
  EXPECT_TRUE(sources[0].check.is_null());
  const auto charts = sweep_charts(sources);
  ASSERT_EQ(charts.size(), 4u);  // peer, staged, host, async
  for (const auto& c : charts) EXPECT_EQ(c.axes.style_labels.size(), 2u) << c.axes.title;
  const auto maps = pair_heatmaps(sources[0].report);
  ASSERT_FALSE(maps.empty());
  EXPECT_EQ(maps[0].title, "peer ce_write, 381 MiB, GB/s");
  EXPECT_EQ(maps[0].row_labels.size(), 4u);
  const std::string html = render_html_report(sources);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_GT(count(html, "<svg"), 20u);
}

// The compute section of a real 1.2 report (the schema fixture from 4x H200): elementwise bars in
// GB/s per size, GEMM bars in TFLOP/s per N with % of peak, the all-GPUs case as its own group,
// and the overlap table.
TEST(HtmlReport, ComputeChartsAndOverlapTable) {
  const LoadedReport rep = load_report(std::string(GPUXFER_TEST_DATA_DIR) + "/schema/valid/v1.2-bench.json");
  const auto charts = compute_bar_charts(rep);
  const BarChartSpec* gemm = nullptr;
  const BarChartSpec* scale = nullptr;
  for (const auto& c : charts) {
    if (c.title.rfind("gemm, N = 10000", 0) == 0) gemm = &c;
    if (c.title.rfind("elementwise, 381 MiB", 0) == 0) scale = &c;
  }
  ASSERT_NE(gemm, nullptr);
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(gemm->y_label, "TFLOP/s");
  ASSERT_EQ(gemm->groups.size(), 3u);  // GPU0, all four at once, GPU3 (skipped)
  EXPECT_EQ(gemm->groups[0].label, "GPU0");
  ASSERT_TRUE(gemm->groups[0].bars[0].has_value());
  EXPECT_EQ(gemm->groups[0].bars[0]->text, "739.1");
  EXPECT_EQ(gemm->groups[0].bars[0]->sub, "69%");
  EXPECT_EQ(gemm->groups[1].label, "0,1,2,3 at once");
  EXPECT_FALSE(gemm->groups[2].bars[0].has_value()) << "a skipped case draws no bar";
  EXPECT_EQ(scale->y_label, "GB/s");
  ASSERT_TRUE(scale->groups[0].bars[0].has_value());
  EXPECT_EQ(scale->groups[0].bars[0]->text, "4142.4");
  const std::string html = render_html_report({source_of(rep, "c.json")});
  EXPECT_NE(html.find("id=\"compute\""), std::string::npos);
  EXPECT_NE(html.find("overlap, a copy while GEMMs run"), std::string::npos);
  EXPECT_NE(html.find("0.95"), std::string::npos) << "copy_gemm's overlap efficiency";
}
