#include "core/bench_view.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/plan.hpp"

using namespace gx;

namespace {

constexpr std::uint64_t kHeadline = 400000000;

SystemInfo gpus(int n) {
  SystemInfo s;
  for (int i = 0; i < n; ++i) {
    DeviceInfo d;
    d.index = i;
    s.devices.push_back(d);
  }
  return s;
}

Case make_case(Method m, int src, int dst, std::uint64_t bytes, bool headline = true) {
  Case c;
  c.suite = suite_of(m);
  c.method = m;
  c.src = src;
  c.dst = dst;
  c.bytes = bytes;
  c.headline = headline;
  c.link_class = "NV18";
  c.theoretical_bytes_per_s = 500e9;
  return c;
}

// A measured record whose median rate is `gbps` (GB/s) with the given spread.
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

Record with_status(Case c, Status status, std::string reason) {
  Record r;
  r.test = std::move(c);
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

const Table* find(const std::vector<Table>& tables, const std::string& prefix) {
  for (const auto& t : tables) {
    if (t.title.rfind(prefix, 0) == 0) return &t;
  }
  return nullptr;
}

bool has_note(const Table& t, const std::string& text) {
  return std::any_of(t.notes.begin(), t.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

}  // namespace

TEST(BenchView, MatrixCellsPercentNoisyFailAndSkip) {
  const std::string p2p = "P2P not enabled for GPU 2 -> GPU 0: cudaErrorPeerAccessUnsupported";
  std::vector<Record> records{
      ok(make_case(Method::ce_write, 0, 1, kHeadline), 400.0),
      ok(make_case(Method::ce_write, 0, 2, kHeadline), 394.5, 0.2),
      ok(make_case(Method::ce_write, 1, 0, kHeadline), 412.34),
      with_status(make_case(Method::ce_write, 1, 2, kHeadline), Status::failed, "3 mismatches"),
      with_status(make_case(Method::ce_write, 2, 0, kHeadline), Status::skipped, p2p),
      with_status(make_case(Method::ce_write, 2, 1, kHeadline), Status::skipped, p2p),
  };
  Case unknown = make_case(Method::ce_no_p2p, 0, 1, kHeadline);
  unknown.theoretical_bytes_per_s = Known<double>::unknown("the driver's staging path has no single link rate");
  records.push_back(ok(unknown, 20.0));

  const auto tables = bench_tables(records, gpus(3));
  const Table* m = find(tables, "peer ce_write, 381 MiB, GB/s (% of theoretical)");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->rows.size(), 3u);
  EXPECT_EQ(m->header, (std::vector<std::string>{"src\\dst", "GPU0", "GPU1", "GPU2"}));
  EXPECT_EQ(m->rows[0], (std::vector<std::string>{"GPU0", "X", "400.0 (80%)", "394.5 (79%)*"}));
  EXPECT_EQ(m->rows[1][1], "412.3 (82%)");
  EXPECT_EQ(m->rows[1][3], "FAIL");
  EXPECT_EQ(m->rows[2][1], "skip");
  EXPECT_EQ(m->rows[2][2], "skip");
  EXPECT_EQ(m->rows[2][3], "X");
  EXPECT_EQ(std::count(m->notes.begin(), m->notes.end(), "skip: " + p2p), 1);  // deduplicated
  EXPECT_TRUE(has_note(*m, "FAIL ce_write GPU1 -> GPU2: 3 mismatches"));
  EXPECT_TRUE(has_note(*m, "noisy"));

  const Table* n = find(tables, "peer ce_no_p2p");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->rows[0][2], "20.0");
  EXPECT_TRUE(has_note(*n, "no %: the driver's staging path has no single link rate"));
  EXPECT_EQ(n->rows[1][0], "GPU1");
  EXPECT_EQ(n->rows[1][1], "-");  // not measured
}

TEST(BenchView, BidirFillsBothCells) {
  const auto tables = bench_tables({ok(make_case(Method::bidir_ce, 0, 1, kHeadline), 700.0)}, gpus(2));
  const Table* m = find(tables, "async bidir_ce");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->rows[0][2], "700.0 (140%)");
  EXPECT_EQ(m->rows[1][1], "700.0 (140%)");
}

// --detail full: every size a row, in binary units; below 64 KiB the row is time per op in µs
// (a 4 B copy at 1 GB/s is 0.004 µs... here 4 ns), said by the unit column, not "0.0" GB/s.
TEST(BenchView, SweepRowsShowBytesShapesAndTheirUnit) {
  std::vector<Record> records;
  for (std::uint64_t bytes : {std::uint64_t{4}, std::uint64_t{4096}, std::uint64_t{4} << 20, kHeadline}) {
    records.push_back(
        ok(make_case(Method::ce_write, 0, 1, bytes, bytes == kHeadline), 1.0 + static_cast<double>(bytes) / 1e9));
    records.push_back(ok(make_case(Method::sm_push, 0, 1, bytes, bytes == kHeadline), 2.0));
  }
  records.push_back(ok(make_case(Method::ce_write, 1, 0, kHeadline), 3.0));  // headline only: no sweep table
  const auto tables = bench_tables(records, gpus(2), BenchDetail::full);
  const Table* s = find(tables, "peer sweep, GPU0 -> GPU1 (NV18), GB/s; µs per op below 64 KiB");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->header, (std::vector<std::string>{"size", "shape", "unit", "ce_write", "sm_push"}));
  ASSERT_EQ(s->rows.size(), 4u);
  // 4 B at 1.0 GB/s = 0.004 µs; at 2.0 GB/s = 0.002 µs.
  EXPECT_EQ(s->rows[0], (std::vector<std::string>{"4 B", "1", "µs", "0.00", "0.00"}));
  EXPECT_EQ(s->rows[1][0], "4 KiB");
  EXPECT_EQ(s->rows[1][1], "32x32");
  EXPECT_EQ(s->rows[1][2], "µs");
  EXPECT_EQ(s->rows[1][4], "2.05");  // 4096 B at 2 GB/s
  EXPECT_EQ(s->rows[2][1], "1024x1024");
  EXPECT_EQ(s->rows[2][2], "GB/s");
  EXPECT_EQ(s->rows[2][4], "2.0");
  EXPECT_EQ(s->rows[3][0], "381 MiB");
  EXPECT_EQ(s->rows[3][1], "10000x10000");
  EXPECT_TRUE(has_note(*s, "µs: median time per operation"));
  EXPECT_EQ(find(tables, "peer sweep, GPU1 -> GPU0"), nullptr);
}

// The default (compact) sweep: one row per method, a column per chosen size, µs columns marked.
TEST(BenchView, CompactSweepIsOneRowPerMethod) {
  std::vector<Record> records;
  std::vector<std::uint64_t> sweep;
  for (std::uint64_t b = 4; b <= (std::uint64_t{1} << 28); b *= 4) sweep.push_back(b);  // 4 B .. 256 MiB: 14
  sweep.push_back(kHeadline);
  for (std::uint64_t bytes : sweep) {
    records.push_back(ok(make_case(Method::ce_write, 0, 1, bytes, bytes == kHeadline), 300.0));
    records.push_back(ok(make_case(Method::sm_push, 0, 1, bytes, bytes == kHeadline), 200.0));
  }
  const auto tables = bench_tables(records, gpus(2), BenchDetail::compact);
  const Table* s = find(tables, "peer sweep, GPU0 -> GPU1 (NV18)");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->header, (std::vector<std::string>{"method", "4 B µs", "64 B µs", "1 KiB µs", "16 KiB µs", "256 KiB",
                                                 "1 MiB", "16 MiB", "381 MiB"}));
  ASSERT_EQ(s->rows.size(), 2u);
  EXPECT_EQ(s->rows[0][0], "ce_write");
  EXPECT_EQ(s->rows[0][4], "0.05");  // 16 KiB at 300 GB/s: 0.055 µs
  EXPECT_EQ(s->rows[0][8], "300.0");
  EXPECT_TRUE(has_note(*s, "8 of 15 sizes; every size with --detail full"));
  EXPECT_EQ(bench_tables(records, gpus(2), BenchDetail::full).size(), tables.size()) << "the same tables, longer";
}

TEST(BenchView, CompactSweepSizesKeepTheEndsAndSpreadOnALogScale) {
  std::vector<std::uint64_t> sweep;
  for (std::uint64_t b = 4; b <= (std::uint64_t{1} << 28); b *= 4) sweep.push_back(b);
  sweep.push_back(kHeadline);
  EXPECT_EQ(compact_sweep_sizes(sweep),
            (std::vector<std::uint64_t>{4, 64, 1024, 16384, 262144, 1048576, 16777216, kHeadline}));
  EXPECT_EQ(compact_sweep_sizes({1, 2, 3}), (std::vector<std::uint64_t>{1, 2, 3})) << "few sizes: all";
  const auto three = compact_sweep_sizes(sweep, 3);
  EXPECT_EQ(three.front(), 4u);
  EXPECT_EQ(three.back(), kHeadline);
  EXPECT_EQ(three.size(), 3u);
}

TEST(BenchView, DetailLevelsAndTheSummaryFirst) {
  EXPECT_EQ(parse_bench_detail("summary"), BenchDetail::summary);
  EXPECT_EQ(parse_bench_detail("full"), BenchDetail::full);
  EXPECT_EQ(to_string(BenchDetail::compact), "compact");
  try {
    (void)parse_bench_detail("all");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "invalid --detail 'all': allowed summary, compact, full");
  }
  const std::vector<Record> records{ok(make_case(Method::ce_write, 0, 1, kHeadline), 400.0),
                                    ok(make_case(Method::ce_write, 1, 0, kHeadline), 390.0)};
  const auto all = bench_tables(records, gpus(2));
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all.front().title.rfind("summary: ", 0), 0u) << all.front().title;
  const auto summary = bench_tables(records, gpus(2), BenchDetail::summary);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary.front().title, all.front().title);
  EXPECT_TRUE(bench_tables({}, gpus(2), BenchDetail::summary).empty()) << "no records: no summary";
}

TEST(BenchView, HostTuningConcurrentLatencyAndNotRun) {
  std::vector<Record> records;
  Case h2d = make_case(Method::h2d_pinned, kHost, 1, kHeadline);
  h2d.link_class = "PCIe";
  h2d.theoretical_bytes_per_s = 50e9;
  records.push_back(ok(h2d, 40.0));
  Case d2h = make_case(Method::d2h_pinned, 1, kHost, kHeadline);
  d2h.theoretical_bytes_per_s = 50e9;
  records.push_back(ok(d2h, 45.0));
  for (int depth : {2, 3}) {
    Case t = make_case(Method::pipelined, 0, 1, kHeadline, false);
    t.chunk_bytes = 8 * kMiB;
    t.tuning = true;
    t.ring_depth = depth;
    records.push_back(ok(t, depth == 3 ? 30.0 : 25.0));
  }
  Case scatter = make_case(Method::scatter_ce, kHost, kHost, kHeadline);
  scatter.devices = {0, 1, 2};
  Record s = ok(scatter, 600.0);
  s.directions = {{"to 1", 4e8, 300e9}, {"to 2", 4e8, 301e9}};
  records.push_back(s);
  Case lat = make_case(Method::peer_b2b, 0, 1, 64, false);
  lat.theoretical_bytes_per_s = Known<double>::unknown("latency");
  Record l = ok(lat, 1.0);
  l.time->median = 2.5e-6;
  records.push_back(l);
  Case chase = make_case(Method::chase_local, 0, 0, 64 * kMiB, false);
  Record c = ok(chase, 1.0);
  c.time->median = 612e-9;
  c.time->min = 600e-9;
  records.push_back(c);
  Case none = make_case(Method::ce_write, kHost, kHost, kHeadline);
  records.push_back(with_status(none, Status::skipped, "needs at least 2 GPUs, have 1"));

  const auto tables = bench_tables(records, gpus(3));
  const Table* host = find(tables, "host, 381 MiB");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->header, (std::vector<std::string>{"GPU", "h2d_pinned", "d2h_pinned"}));
  EXPECT_EQ(host->rows.at(0), (std::vector<std::string>{"GPU1", "40.0 (80%)", "45.0 (90%)"}));

  const Table* tuning = find(tables, "staged pipelined tuning, GPU0 -> GPU1, 381 MiB");
  ASSERT_NE(tuning, nullptr);
  EXPECT_EQ(tuning->header, (std::vector<std::string>{"chunk", "depth 2", "depth 3"}));
  EXPECT_EQ(tuning->rows.at(0), (std::vector<std::string>{"8 MiB", "25.0", "30.0 (best)"}));

  const Table* conc = find(tables, "async concurrent transfers");
  ASSERT_NE(conc, nullptr);
  EXPECT_EQ(conc->rows.at(0),
            (std::vector<std::string>{"scatter_ce", "0 -> 1,2", "381 MiB", "600.0 (120%)", "to 1 300.0, to 2 301.0"}));

  const Table* latency = find(tables, "latency, µs per copy");
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->rows.at(0), (std::vector<std::string>{"64 B", "2.50"}));
  const Table* chases = find(tables, "pointer chase");
  ASSERT_NE(chases, nullptr);
  EXPECT_EQ(chases->rows.at(0),
            (std::vector<std::string>{"chase_local", "GPU0 -> GPU0", "64 MiB", "612.0", "600.0", ""}));

  const Table* not_run = find(tables, "not run");
  ASSERT_NE(not_run, nullptr);
  EXPECT_EQ(not_run->rows.at(0), (std::vector<std::string>{"peer", "all", "needs at least 2 GPUs, have 1"}));
  // The placeholder does not leak into a matrix.
  EXPECT_EQ(find(tables, "peer ce_write"), nullptr);
}

TEST(BenchView, FlatTableHasOneRowPerRecordAndFixedColumns) {
  Case skipped = make_case(Method::sm_pull, 1, 0, kHeadline);
  skipped.theoretical_bytes_per_s = Known<double>::unknown("link class unknown");
  const std::vector<Record> records{ok(make_case(Method::ce_write, 0, 1, kHeadline), 400.0),
                                    with_status(skipped, Status::skipped, "no, with, commas"),
                                    ok(make_case(Method::h2d_pinned, kHost, 0, 4), 0.001)};
  const Table t = bench_flat_table(records);
  // ... sm_clock_mhz_median, tflops_per_sm_ghz, throttle; then min_sample_s, ops_capped,
  // working_set_bytes, l2_bytes, cache_resident
  ASSERT_EQ(t.header.size(), 46u);
  ASSERT_EQ(t.rows.size(), records.size());
  for (const auto& row : t.rows) EXPECT_EQ(row.size(), t.header.size());
  auto cell = [&](std::size_t row, const std::string& column) {
    const auto it = std::find(t.header.begin(), t.header.end(), column);
    return t.rows[row][static_cast<std::size_t>(it - t.header.begin())];
  };
  EXPECT_DOUBLE_EQ(std::stod(cell(0, "median_gbps")), 400.0);
  EXPECT_DOUBLE_EQ(std::stod(cell(0, "efficiency")), 0.8);
  EXPECT_EQ(cell(0, "shape"), "10000x10000");
  EXPECT_EQ(cell(1, "status"), "skipped");
  EXPECT_EQ(cell(1, "median_gbps"), "");
  EXPECT_EQ(cell(1, "theoretical_gbps"), "");
  EXPECT_EQ(cell(2, "src"), "host");
  EXPECT_EQ(cell(0, "sm_clock_mhz_median"), "") << "no telemetry: empty";
  EXPECT_EQ(cell(0, "throttle"), "");
  const std::string csv = render_csv(t);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
  EXPECT_NE(csv.find("\"no, with, commas\""), std::string::npos);
}
