// The one-screen summary of bench/show: which records make a row, the median over pairs or GPUs,
// the slowest-fastest range, % of theoretical, marks and notes; on synthetic records and on
// committed results.
#include "core/bench_summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/bench_view.hpp"
#include "core/plan.hpp"
#include "core/report_load.hpp"

using namespace gx;

namespace {

constexpr std::uint64_t kHeadline = 400000000;
const std::string kRuns = std::string(GPUXFER_TEST_DATA_DIR) + "/runs/";

Case make_case(Method m, int src, int dst, std::uint64_t bytes, bool headline = true) {
  Case c;
  c.suite = suite_of(m);
  c.method = m;
  c.src = src;
  c.dst = dst;
  c.bytes = bytes;
  c.headline = headline;
  c.link_class = c.suite == Suite::host ? "PCIe" : "NV18";
  c.theoretical_bytes_per_s = c.suite == Suite::host ? 64e9 : 500e9;
  return c;
}

Record ok(Case c, double gbps, double cv = 0.01) {
  Record r;
  r.test = std::move(c);
  r.status = Status::ok;
  r.verified = true;
  r.bytes_per_op = static_cast<double>(r.test.bytes);
  const double seconds = r.bytes_per_op / (gbps * 1e9);
  Summary t;
  t.n = 20;
  t.min = t.q1 = t.median = t.q3 = t.max = t.mean = seconds;
  t.cv = cv;
  r.time = t;
  r.sample_seconds.assign(20, seconds);
  return r;
}

Record timed(Case c, double seconds) {
  Record r = ok(std::move(c), 1.0);
  r.time->median = r.time->min = r.time->q1 = r.time->q3 = r.time->max = seconds;
  return r;
}

Record with_status(Case c, Status status, std::string reason) {
  Record r;
  r.test = std::move(c);
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

SystemInfo gpus(int n) {
  SystemInfo s;
  s.hostname = "node17";
  for (int i = 0; i < n; ++i) {
    DeviceInfo d;
    d.index = i;
    d.name = "NVIDIA H200";
    s.devices.push_back(d);
  }
  return s;
}

const SummaryRow* row_of(const BenchSummary& s, const std::string& path, const std::string& method) {
  for (const auto& r : s.rows) {
    if (r.path == path && r.method == method) return &r;
  }
  return nullptr;
}

bool has(const std::vector<std::string>& notes, const std::string& text) {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

}  // namespace

TEST(BenchSummary, PairRowsAreTheMedianOverPairsWithTheirRangeAndASlowOutlier) {
  std::vector<Record> records{
      ok(make_case(Method::ce_write, 0, 1, kHeadline), 400.0),
      ok(make_case(Method::ce_write, 1, 0, kHeadline), 420.0),
      ok(make_case(Method::ce_write, 0, 2, kHeadline), 405.0, 0.2),  // noisy
      ok(make_case(Method::ce_write, 2, 0, kHeadline), 200.0),       // a slow link
      ok(make_case(Method::ce_write, 0, 1, 4096, false), 1.5),       // sweep sizes are not in the summary
      with_status(make_case(Method::ce_write, 1, 2, kHeadline), Status::failed, "3 mismatches"),
  };
  const BenchSummary s = summarize_bench(records, gpus(3));
  EXPECT_EQ(s.title.rfind("summary: 3\u00d7 NVIDIA H200 on node17", 0), 0u) << s.title;
  ASSERT_EQ(s.rows.size(), 1u);
  const SummaryRow& r = s.rows[0];
  EXPECT_EQ(r.path, "peer NV18");
  EXPECT_EQ(r.method, "ce_write");
  EXPECT_EQ(r.size, "381 MiB");
  EXPECT_EQ(r.over, "5 pairs");
  EXPECT_EQ(r.unit, "GB/s");
  EXPECT_EQ(r.measured, 4);
  ASSERT_TRUE(r.median && r.low && r.high);
  EXPECT_DOUBLE_EQ(*r.median, 402.5);
  EXPECT_DOUBLE_EQ(*r.low, 200.0);
  EXPECT_DOUBLE_EQ(*r.high, 420.0);
  ASSERT_TRUE(r.efficiency);
  EXPECT_NEAR(*r.efficiency, 402.5 / 500, 1e-12);
  EXPECT_EQ(r.noisy, 1);
  EXPECT_EQ(r.failed, 1);
  EXPECT_TRUE(has(r.notes, "slowest GPU2 -> GPU0 0.50x")) << r.notes.front();
  EXPECT_TRUE(has(r.notes, "1 noisy*"));
  EXPECT_TRUE(has(r.notes, "1 failed"));
  EXPECT_TRUE(has(s.notes, "FAIL ce_write GPU1 -> GPU2: 3 mismatches"));

  const Table t = summary_table(s);
  EXPECT_EQ(t.header, (std::vector<std::string>{"path", "method", "size", "over", "median", "min-max", "unit",
                                                "% theor.", "notes"}));
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"peer NV18", "ce_write", "381 MiB", "5 pairs", "402.5", "200.0-420.0",
                                                 "GB/s", "80%", "slowest GPU2 -> GPU0 0.50x, 1 noisy*, 1 failed"}));
  EXPECT_TRUE(has(t.notes, "* noisy"));
  EXPECT_TRUE(has(t.notes, "slowest: the one record below 90 %"));
}

TEST(BenchSummary, OneRowPerPathClassInSuiteOrder) {
  std::vector<Record> records;
  records.push_back(ok(make_case(Method::h2d_pinned, kHost, 0, kHeadline), 55.0));
  records.push_back(ok(make_case(Method::h2d_pinned, kHost, 1, kHeadline), 54.0));
  records.push_back(ok(make_case(Method::ce_write, 0, 1, kHeadline), 390.0));
  Case pcie = make_case(Method::ce_write, 0, 2, kHeadline);
  pcie.link_class = "SYS";
  records.push_back(ok(pcie, 40.0));
  Case all = make_case(Method::all_h2d, kHost, kHost, kHeadline);
  all.devices = {0, 1};
  records.push_back(ok(all, 100.0));
  // Latency: the smallest size, in µs; the chase in ns.
  records.push_back(timed(make_case(Method::peer_b2b, 0, 1, 4, false), 2.3e-6));
  records.push_back(timed(make_case(Method::peer_b2b, 0, 1, 65536, false), 2.8e-6));
  records.push_back(timed(make_case(Method::chase_local, 0, 0, 64ull << 20, false), 147e-9));
  // A suite plan() skipped whole.
  records.push_back(
      with_status(make_case(Method::naive, kHost, kHost, kHeadline), Status::skipped, "needs at least 2 GPUs, have 1"));
  const BenchSummary s = summarize_bench(records, gpus(3));
  std::vector<std::string> order;
  for (const auto& r : s.rows) order.push_back(r.path + " " + r.method);
  EXPECT_EQ(order,
            (std::vector<std::string>{"peer NV18 ce_write", "peer SYS ce_write", "staged all", "host PCIe h2d_pinned",
                                      "host all_h2d", "latency peer_b2b", "latency chase_local"}));
  const SummaryRow* host = row_of(s, "host PCIe", "h2d_pinned");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->over, "2 GPUs");
  const SummaryRow* together = row_of(s, "host", "all_h2d");
  ASSERT_NE(together, nullptr);
  EXPECT_EQ(together->over, "host -> 0,1");
  const SummaryRow* lat = row_of(s, "latency", "peer_b2b");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->size, "4 B");
  EXPECT_EQ(lat->unit, "µs");
  EXPECT_NEAR(*lat->median, 2.3, 1e-9);
  EXPECT_EQ(lat->over, "GPU0 -> GPU1");
  const SummaryRow* chase = row_of(s, "latency", "chase_local");
  ASSERT_NE(chase, nullptr);
  EXPECT_EQ(chase->unit, "ns");
  EXPECT_EQ(chase->size, "64 MiB");
  EXPECT_EQ(chase->over, "GPU0");
  const SummaryRow* skip = row_of(s, "staged", "all");
  ASSERT_NE(skip, nullptr);
  EXPECT_FALSE(skip->median);
  EXPECT_TRUE(has(skip->notes, "skip: needs at least 2 GPUs, have 1"));
  const Table t = summary_table(s);
  EXPECT_EQ(t.rows[2][4], "skip");
  EXPECT_EQ(t.rows[5][4], "2.30");
  EXPECT_EQ(t.rows[6][4], "147.0");
}

TEST(BenchSummary, ComputeRowsFoldTheAllAtOnceCase) {
  std::vector<Record> records;
  for (int gpu : {0, 1}) {
    Case c = make_case(Method::gemm_bf16, gpu, gpu, 0);
    c.gemm_n = 10000;
    c.theoretical_flops_per_s = 1000e12;
    Record r = ok(c, 1.0);
    r.flops_per_op = 2e12;
    r.time->median = 2e12 / (gpu == 0 ? 700e12 : 720e12);
    records.push_back(r);
  }
  Case both = make_case(Method::gemm_bf16, kHost, kHost, 0);
  both.devices = {0, 1};
  both.gemm_n = 10000;
  both.theoretical_flops_per_s = 2000e12;
  Record r = ok(both, 1.0);
  r.flops_per_op = 4e12;
  r.time->median = 4e12 / 1380e12;
  records.push_back(r);
  const BenchSummary s = summarize_bench(records, gpus(2));
  ASSERT_EQ(s.rows.size(), 1u);
  const SummaryRow& g = s.rows[0];
  EXPECT_EQ(g.path, "gemm");
  EXPECT_EQ(g.method, "bf16");
  EXPECT_EQ(g.size, "N=10000");
  EXPECT_EQ(g.unit, "TFLOP/s");
  EXPECT_EQ(g.over, "2 GPUs");
  EXPECT_NEAR(*g.median, 710.0, 1e-6);
  EXPECT_NEAR(*g.efficiency, 0.71, 1e-9);
  EXPECT_TRUE(has(g.notes, "2 at once 690.0 per GPU")) << g.notes.front();
}

// The committed 4-GPU default run: one screen, every path class, in the order of the suites.
TEST(BenchSummary, RealFourGpuRunFitsOneScreen) {
  const LoadedReport rep = load_report(kRuns + "h200x4-nvswitch-2026-11-27-7d1b33bb/bench.json");
  const BenchSummary s = summarize_bench(rep.records, rep.system);
  EXPECT_EQ(s.title.rfind("summary: 4\u00d7 NVIDIA H200", 0), 0u);
  const std::string text = render_text(summary_table(s), false);
  EXPECT_LE(std::count(text.begin(), text.end(), '\n'), 50) << text;
  const SummaryRow* ce = row_of(s, "peer NV18", "ce_write");
  ASSERT_NE(ce, nullptr);
  EXPECT_EQ(ce->over, "12 pairs");
  EXPECT_EQ(ce->measured, 12);
  EXPECT_GT(*ce->efficiency, 0.7);
  for (const char* path : {"staged NV18", "host PCIe", "async NV18", "latency", "elementwise", "gemm", "overlap"}) {
    EXPECT_TRUE(std::any_of(s.rows.begin(), s.rows.end(), [&](const SummaryRow& r) { return r.path == path; })) << path;
  }
  const SummaryRow* copy = row_of(s, "elementwise", "copy");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->over, "4 GPUs");
  EXPECT_TRUE(has(copy->notes, "4 at once")) << "the all-GPUs case is a note of the per-GPU row";
}

// The committed 1-GPU run with telemetry: throttled GEMMs are marked and explained under the
// table; the suites that need two GPUs are rows saying so.
TEST(BenchSummary, RealOneGpuRunMarksThrottlingAndSkips) {
  const LoadedReport rep = load_report(kRuns + "h200x1-2026-12-03-468faad9/bench.json");
  const BenchSummary s = summarize_bench(rep.records, rep.system);
  const SummaryRow* tf32 = row_of(s, "gemm", "tf32");
  ASSERT_NE(tf32, nullptr);
  EXPECT_EQ(tf32->throttled, 1);
  EXPECT_TRUE(has(tf32->notes, "throttled\u2020"));
  EXPECT_TRUE(has(s.notes, "\u2020 tf32 GPU0 N=10000: 1590 MHz"));
  const SummaryRow* peer = row_of(s, "peer", "all");
  ASSERT_NE(peer, nullptr);
  EXPECT_TRUE(has(peer->notes, "skip: needs at least 2 GPUs"));
  EXPECT_EQ(peer->over, "");
}
