// Nothing assumes at most 4 GPUs: planning, tables and the schedule on synthetic 8- and 16-GPU
// NVSwitch machines (HGX-like: every pair NV18), and text tables split to a terminal's width.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/bench_view.hpp"
#include "core/plan.hpp"
#include "core/schedule.hpp"
#include "core/table.hpp"
#include "../support/synthetic_pairs.hpp"

using namespace gx;

namespace {

constexpr std::uint64_t kHeadline = 400000000;

SystemInfo nvswitch_system(int n) {
  SystemInfo s;
  s.hostname = "hgx";
  for (int i = 0; i < n; ++i) {
    DeviceInfo d;
    d.index = i;
    d.name = "NVIDIA H100 80GB HBM3";
    d.cc_major = 9;
    d.sm_count = 132;
    d.max_sm_clock_hz = 1.98e9;
    d.memory_total_bytes = 80ull << 30;
    d.memory_free_bytes = 79ull << 30;
    d.l2_bytes = 50ull << 20;
    d.memory_bandwidth_bytes_per_s = 3.35e12;
    d.pcie.max_bytes_per_s = 63e9;
    d.nvlink.links_up = 18;
    d.nvlink.per_link_bytes_per_s = 26.5625e9;
    s.devices.push_back(d);
  }
  test::add_every_pair(s, [](int, int) { return test::SyntheticLink{LinkClass{"NV18", 18}, 18 * 26.5625e9}; });
  return s;
}

BenchOptions default_like() {
  BenchOptions o;
  o.sizes = {4096, 1u << 20, kHeadline};
  o.headline_bytes = kHeadline;
  return o;
}

std::size_t count(const std::vector<Case>& cases, Method m, bool headline_only = true) {
  return static_cast<std::size_t>(std::count_if(
      cases.begin(), cases.end(), [&](const Case& c) { return c.method == m && (!headline_only || c.headline); }));
}

// A measured record of `bytes` at `gbps`.
Record measured(Case c, double gbps) {
  Record r;
  r.test = std::move(c);
  r.status = Status::ok;
  r.verified = true;
  r.bytes_per_op = static_cast<double>(r.test.bytes);
  Summary t;
  t.n = 20;
  t.min = t.q1 = t.median = t.q3 = t.max = t.mean = r.bytes_per_op / (gbps * 1e9);
  r.time = t;
  r.sample_seconds.assign(20, t.median);
  return r;
}

}  // namespace

TEST(ManyGpus, PlanScalesWithTheGpuCount) {
  for (const int n : {8, 16}) {
    SCOPED_TRACE(n);
    const auto cases = plan(default_like(), nvswitch_system(n));
    const std::size_t ordered = static_cast<std::size_t>(n * (n - 1));
    EXPECT_EQ(count(cases, Method::ce_write), ordered) << "every ordered pair at the headline size";
    EXPECT_EQ(count(cases, Method::sm_pull), ordered);
    EXPECT_EQ(count(cases, Method::bidir_ce), ordered / 2) << "bidirectional: once per unordered pair";
    // The size sweep only on the one representative pair of the single link class.
    EXPECT_EQ(count(cases, Method::ce_write, false), ordered + 2);
    EXPECT_EQ(count(cases, Method::h2d_pinned), static_cast<std::size_t>(n));
    // Concurrent cases span every GPU; their theoretical rate sums every GPU's NVLinks.
    for (const auto& c : cases) {
      if (c.method == Method::all_pairs_ce) {
        EXPECT_EQ(c.devices.size(), static_cast<std::size_t>(n));
        EXPECT_DOUBLE_EQ(*c.theoretical_bytes_per_s, n * 18 * 26.5625e9);
      }
      if (c.method == Method::gemm_bf16 && !c.devices.empty()) {
        EXPECT_EQ(c.devices.size(), static_cast<std::size_t>(n));
      }
      EXPECT_EQ(c.skip_reason, "") << to_string(c.method) << " " << c.src << "->" << c.dst;
    }
    // all_pairs_ce on 16 GPUs: 15 send and 15 receive buffers of 400 MB on every GPU = 12 GB.
    for (const auto& c : cases) {
      if (c.method != Method::all_pairs_ce) continue;
      for (const auto& [gpu, bytes] : device_bytes_needed(c)) EXPECT_LE(bytes, 79ull << 30) << gpu;
    }
  }
}

TEST(ManyGpus, MatrixTablesHaveEveryGpuAndSplitToTheTerminal) {
  const int n = 16;
  const SystemInfo system = nvswitch_system(n);
  std::vector<Record> records;
  for (const auto& c : plan(default_like(), system)) {
    if (c.method == Method::ce_write && c.headline) records.push_back(measured(c, 391.0 + c.src * 0.1));
  }
  const auto tables = bench_tables(records, system);
  const auto matrix =
      std::find_if(tables.begin(), tables.end(), [](const Table& t) { return t.title.find("peer ce_write") == 0; });
  ASSERT_NE(matrix, tables.end());
  ASSERT_EQ(matrix->header.size(), static_cast<std::size_t>(n + 1));
  ASSERT_EQ(matrix->rows.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(matrix->rows[15][0], "GPU15");
  EXPECT_EQ(matrix->rows[15][15 + 1], "X");
  EXPECT_EQ(matrix->rows[15][1], "392.5 (82%)");

  // Whole, the 16-GPU matrix is ~230 columns; at 100 it splits, each part within 100 columns,
  // every part keeps the row labels, and every cell appears exactly once.
  const std::string whole = render_text(*matrix, false);
  const std::size_t header_start = whole.find('\n') + 1;
  EXPECT_GT(whole.find('\n', header_start) - header_start, 200u) << "the header line is that wide";
  const auto parts = split_columns(*matrix, 100);
  ASSERT_GE(parts.size(), 2u);
  std::size_t cells = 0;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    SCOPED_TRACE(parts[p].title);
    const std::string text = render_text(parts[p], false);
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = text.find('\n', start);
      const std::string line = text.substr(start, end - start);
      if (line.rfind(parts[p].title, 0) != 0 && line.find("noisy") == std::string::npos) {
        EXPECT_LE(display_width(line), 100u) << line;
      }
      start = end + 1;
    }
    EXPECT_EQ(parts[p].header[0], "src\\dst");
    EXPECT_EQ(parts[p].rows[3][0], "GPU3");
    EXPECT_NE(parts[p].title.find(std::to_string(p + 1) + " of " + std::to_string(parts.size())), std::string::npos);
    cells += parts[p].header.size() - 1;
  }
  EXPECT_EQ(cells, static_cast<std::size_t>(n));
  EXPECT_EQ(parts.back().notes, matrix->notes);
  // A table that fits is left alone; machine formats never split.
  EXPECT_EQ(split_columns(*matrix, 1000).size(), 1u);
  EXPECT_EQ(render_tables({*matrix}, OutputFormat::markdown, false, 100), render_markdown(*matrix));
  EXPECT_NE(render_tables({*matrix}, OutputFormat::table, false, 100), whole);
  EXPECT_EQ(render_tables({*matrix}, OutputFormat::table, false, 0), whole);
}

TEST(ManyGpus, RoundsCoverEveryPairOfEightAndSixteenGpus) {
  for (const int n : {8, 16}) {
    SCOPED_TRACE(n);
    const auto rounds = round_robin_rounds(n);
    EXPECT_EQ(rounds.size(), static_cast<std::size_t>(n - 1)) << "O(n) rounds instead of n(n-1)/2";
    EXPECT_FALSE(schedule_problem(n, rounds).has_value());
    const auto transfers = round_robin_transfer_rounds(n);
    EXPECT_FALSE(schedule_problem(n, transfers).has_value());
    std::size_t total = 0;
    for (const auto& r : transfers) total += r.size();
    EXPECT_EQ(total, static_cast<std::size_t>(n * (n - 1)));
  }
}
