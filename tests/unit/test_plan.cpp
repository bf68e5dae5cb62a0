#include "core/plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>

#include "core/chase.hpp"
#include "core/error.hpp"
#include "core/sweep.hpp"
#include "../support/synthetic_pairs.hpp"

using namespace gx;

namespace {

constexpr double kNvLink = 26.5625e9;  // per link, per direction (NVLink 4)
constexpr double kPcie = 63.0e9;       // Gen5 x16
constexpr std::uint64_t kHeadline = 400000000;

// n GPUs; `link(a, b)` names the class of each ordered pair ("NV18" = 18 NVLinks, else PCIe).
SystemInfo make_system(int n, const std::function<std::string(int, int)>& link) {
  SystemInfo s;
  s.hostname = "h";
  for (int i = 0; i < n; ++i) {
    DeviceInfo d;
    d.index = i;
    d.name = "NVIDIA H100 80GB HBM3";
    d.memory_total_bytes = 80ull << 30;
    d.memory_free_bytes = 79ull << 30;
    d.l2_bytes = 50ull << 20;
    d.pcie.max_bytes_per_s = kPcie;
    d.nvlink.links_up = 18;
    d.nvlink.per_link_bytes_per_s = kNvLink;
    s.devices.push_back(d);
  }
  test::add_every_pair(s, [&](int a, int b) {
    const std::string name = link(a, b);
    const int nvlinks = name.rfind("NV", 0) == 0 ? std::stoi(name.substr(2)) : 0;
    return test::SyntheticLink{LinkClass{name, nvlinks}, nvlinks > 0 ? nvlinks * kNvLink : kPcie};
  });
  return s;
}

SystemInfo nvlink_system(int n) {
  return make_system(n, [](int, int) { return std::string("NV18"); });
}

// GPUs {0,1} and {2,3} joined by NVLink, everything else over the system bus.
SystemInfo two_islands() {
  return make_system(4, [](int a, int b) { return a / 2 == b / 2 ? std::string("NV4") : std::string("SYS"); });
}

void disable_p2p(SystemInfo& s, int src, int dst, const std::string& error) {
  for (auto& p : s.pairs) {
    if (p.src == src && p.dst == dst) {
      p.peer_enabled = false;
      p.peer_error = error;
    }
  }
}

BenchOptions options(std::vector<Suite> suites = {}) {
  BenchOptions o;
  o.suites = std::move(suites);
  o.sizes = {4096, 1u << 20, kHeadline};
  o.headline_bytes = kHeadline;
  return o;
}

std::vector<Case> only(const std::vector<Case>& cases, Method m) {
  std::vector<Case> out;
  std::copy_if(cases.begin(), cases.end(), std::back_inserter(out), [&](const Case& c) { return c.method == m; });
  return out;
}

const Case* find(const std::vector<Case>& cases, Method m, int src, int dst, std::uint64_t bytes = kHeadline) {
  for (const auto& c : cases) {
    if (c.method == m && c.src == src && c.dst == dst && c.bytes == bytes) return &c;
  }
  return nullptr;
}

// find() for a case the test needs: a missing one fails this test (gtest reports the exception)
// instead of dereferencing null and ending the whole binary.
const Case& case_of(const std::vector<Case>& cases, Method m, int src, int dst, std::uint64_t bytes = kHeadline) {
  const Case* c = find(cases, m, src, dst, bytes);
  if (c == nullptr) {
    throw std::runtime_error(fmt::format("no {} case {}->{} of {} bytes", to_string(m), src, dst, bytes));
  }
  return *c;
}

}  // namespace

TEST(ParseSuites, ListAllAndErrors) {
  EXPECT_EQ(parse_suites("peer,host"), (std::vector<Suite>{Suite::peer, Suite::host}));
  EXPECT_EQ(parse_suites(" latency , staged"), (std::vector<Suite>{Suite::latency, Suite::staged}));
  EXPECT_EQ(parse_suites("all"), all_suites());
  try {
    (void)parse_suites("peer,nvlink");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'nvlink'"), std::string::npos) << what;
    EXPECT_NE(what.find("peer, staged, host, async, latency, elementwise, gemm, overlap, all"), std::string::npos)
        << what;
  }
  EXPECT_THROW((void)parse_suites("peer,peer"), UsageError);
  EXPECT_THROW((void)parse_suites(""), UsageError);
  EXPECT_THROW((void)parse_suites("peer,"), UsageError);
  EXPECT_THROW((void)parse_suites("all,peer"), UsageError);
  EXPECT_THROW((void)parse_suites("PEER"), UsageError);
}

TEST(Plan, OneGpuSkipsPairSuitesExplicitlyAndRunsHost) {
  const auto cases = plan(options(), nvlink_system(1));
  for (Suite suite : {Suite::peer, Suite::staged, Suite::async}) {
    std::vector<Case> in_suite;
    std::copy_if(cases.begin(), cases.end(), std::back_inserter(in_suite),
                 [&](const Case& c) { return c.suite == suite; });
    ASSERT_EQ(in_suite.size(), 1u) << to_string(suite);
    EXPECT_EQ(in_suite[0].skip_reason, "needs at least 2 GPUs, have 1");
    EXPECT_EQ(in_suite[0].src, kHost);
    EXPECT_EQ(in_suite[0].dst, kHost);
  }
  const auto h2d = only(cases, Method::h2d_pinned);
  ASSERT_EQ(h2d.size(), 3u);  // the sweep (4 KiB, 1 MiB) and the headline on GPU 0
  for (const auto& c : h2d) {
    EXPECT_TRUE(c.skip_reason.empty());
    EXPECT_EQ(c.src, kHost);
    EXPECT_EQ(c.dst, 0);
    EXPECT_EQ(c.link_class, "PCIe");
  }
  // The latency suite runs its host and local parts; the peer parts are explicit skips.
  const auto b2b = only(cases, Method::peer_b2b);
  ASSERT_EQ(b2b.size(), 1u);
  EXPECT_EQ(b2b[0].skip_reason, "needs at least 2 GPUs, have 1");
  EXPECT_EQ(only(cases, Method::h2d_b2b).size(), kDefaultLatencySizes.size());
  ASSERT_EQ(only(cases, Method::chase_local).size(), 1u);
  EXPECT_TRUE(only(cases, Method::chase_local)[0].skip_reason.empty());
}

TEST(Plan, TwoGpusHeadlineEveryPairSweepOnRepresentative) {
  const auto cases = plan(options({Suite::peer}), nvlink_system(2));
  const auto write = only(cases, Method::ce_write);
  // (0,1) is the NV18 representative: 4 KiB, 1 MiB, 400 MB (the sweep's 400 MB is the headline,
  // not a duplicate); (1,0) only the headline.
  ASSERT_EQ(write.size(), 4u);
  EXPECT_EQ(write[0].bytes, 4096u);
  EXPECT_EQ(write[1].bytes, 1u << 20);
  EXPECT_EQ(write[2].bytes, kHeadline);
  EXPECT_TRUE(write[2].headline);
  EXPECT_FALSE(write[0].headline);
  EXPECT_EQ(write[3].src, 1);
  EXPECT_EQ(write[3].dst, 0);
  EXPECT_TRUE(write[3].headline);
  EXPECT_EQ(write[0].link_class, "NV18");
  EXPECT_DOUBLE_EQ(*write[0].theoretical_bytes_per_s, 18 * kNvLink);
  // Order: by method, then pair, then size.
  std::vector<Method> seen;
  for (const auto& c : cases) {
    if (seen.empty() || seen.back() != c.method) seen.push_back(c.method);
  }
  // Every peer method but those only a multi-rank run measures (nccl_send: dist/transfers).
  std::vector<Method> single_process;
  for (Method m : methods_of(Suite::peer)) {
    if (!is_cross_rank_only(m)) single_process.push_back(m);
  }
  EXPECT_EQ(seen, single_process);
}

TEST(Plan, CrossRankMethodsAreNeverPlannedInOneProcess) {
  const auto cases = plan(options({Suite::peer, Suite::async}), nvlink_system(4));
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) EXPECT_FALSE(is_cross_rank_only(c.method)) << to_string(c.method);
}

TEST(Plan, SinglePeerCopiesAreTheFourP2pMethodsOfOnePair) {
  // These get at least two copies per sample (suites/transfer.cpp); nothing else does.
  std::vector<Method> single;
  for (Suite suite : all_suites()) {
    for (Method m : methods_of(suite)) {
      if (is_single_peer_copy(m)) single.push_back(m);
    }
  }
  EXPECT_EQ(single, (std::vector<Method>{Method::ce_write, Method::ce_read, Method::sm_push, Method::sm_pull}));
}

TEST(Plan, SuitesRunInFixedOrderWhateverTheListOrder) {
  const auto cases = plan(options({Suite::latency, Suite::host, Suite::peer}), nvlink_system(2));
  ASSERT_FALSE(cases.empty());
  std::vector<Suite> order;
  for (const auto& c : cases) {
    if (order.empty() || order.back() != c.suite) order.push_back(c.suite);
  }
  EXPECT_EQ(order, (std::vector<Suite>{Suite::peer, Suite::host, Suite::latency}));
}

TEST(Plan, PairWithoutP2pSkipsPeerMethodsWithTheReason) {
  SystemInfo s = nvlink_system(2);
  disable_p2p(s, 1, 0, "cudaErrorPeerAccessUnsupported");
  const auto cases = plan(options(), s);

  const Case* write = find(cases, Method::ce_write, 1, 0);
  ASSERT_NE(write, nullptr);
  EXPECT_EQ(write->skip_reason, "P2P not enabled for GPU 1 -> GPU 0: cudaErrorPeerAccessUnsupported");
  ASSERT_NE(find(cases, Method::sm_pull, 1, 0), nullptr);
  EXPECT_FALSE(case_of(cases, Method::sm_pull, 1, 0).skip_reason.empty());
  EXPECT_TRUE(case_of(cases, Method::ce_write, 0, 1).skip_reason.empty());
  // The driver fallback and staging do not need P2P; being host-bound they run on the
  // representative pair (0 -> 1) only.
  for (Method m : {Method::ce_no_p2p, Method::naive, Method::pageable}) {
    ASSERT_NE(find(cases, m, 0, 1), nullptr) << to_string(m);
    EXPECT_TRUE(case_of(cases, m, 0, 1).skip_reason.empty());
    EXPECT_EQ(find(cases, m, 1, 0), nullptr);
  }
  EXPECT_TRUE(case_of(cases, Method::pipelined, 1, 0).skip_reason.empty());
  // A bidirectional case needs both directions.
  const Case* bidir = find(cases, Method::bidir_ce, 0, 1);
  ASSERT_NE(bidir, nullptr);
  EXPECT_NE(bidir->skip_reason.find("GPU 1 -> GPU 0"), std::string::npos);
  EXPECT_EQ(find(cases, Method::bidir_ce, 1, 0), nullptr);  // planned once per unordered pair
  // Concurrent cases involving 1 -> 0 are skipped; scatter from hub 0 is not.
  for (Method m : {Method::all_pairs_ce, Method::all_pairs_sm, Method::all_pairs_shift_ce}) {
    EXPECT_NE(only(cases, m).at(0).skip_reason.find("GPU 1 -> GPU 0"), std::string::npos) << to_string(m);
  }
  EXPECT_FALSE(only(cases, Method::gather_ce).at(0).skip_reason.empty());
  EXPECT_TRUE(only(cases, Method::scatter_ce).at(0).skip_reason.empty());
}

TEST(Plan, OneRepresentativePerLinkClass) {
  const auto cases = plan(options({Suite::peer}), two_islands());
  std::vector<std::pair<int, int>> swept;
  for (const auto& c : only(cases, Method::ce_write)) {
    if (!c.headline) swept.emplace_back(c.src, c.dst);
  }
  swept.erase(std::unique(swept.begin(), swept.end()), swept.end());
  EXPECT_EQ(swept, (std::vector<std::pair<int, int>>{{0, 1}, {0, 2}}));
  // Every ordered pair still has its headline case.
  std::size_t headline = 0;
  for (const auto& c : only(cases, Method::ce_write)) headline += c.headline ? 1 : 0;
  EXPECT_EQ(headline, 12u);
  EXPECT_EQ(case_of(cases, Method::ce_write, 0, 2).link_class, "SYS");
  EXPECT_DOUBLE_EQ(*case_of(cases, Method::ce_write, 0, 2).theoretical_bytes_per_s, kPcie);
  EXPECT_DOUBLE_EQ(*case_of(cases, Method::ce_write, 2, 3).theoretical_bytes_per_s, 4 * kNvLink);
}

TEST(Plan, RepresentativePrefersAPairWithP2p) {
  SystemInfo s = nvlink_system(3);
  disable_p2p(s, 0, 1, "cudaErrorTooManyPeers");
  const auto cases = plan(options({Suite::peer}), s);
  EXPECT_NE(find(cases, Method::ce_write, 0, 2, 4096), nullptr);
  EXPECT_EQ(find(cases, Method::ce_write, 0, 1, 4096), nullptr);
}

TEST(Plan, AllPairsSweepsEveryPair) {
  BenchOptions o = options({Suite::peer});
  o.all_pairs = true;
  const auto cases = plan(o, two_islands());
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      if (a == b) continue;
      EXPECT_NE(find(cases, Method::sm_push, a, b, 4096), nullptr) << a << "->" << b;
    }
  }
}

TEST(Plan, CaseThatDoesNotFitIsKeptAsSkip) {
  SystemInfo s = nvlink_system(2);
  s.devices[1].memory_free_bytes = 512000000;
  const auto cases = plan(options(), s);
  const Case* bidir = find(cases, Method::bidir_ce, 0, 1);
  ASSERT_NE(bidir, nullptr);
  EXPECT_EQ(bidir->skip_reason.rfind("400 MB needs 800 MB on GPU 1, 512 MB free", 0), 0u) << bidir->skip_reason;
  const Case* write = find(cases, Method::ce_write, 0, 1);
  EXPECT_EQ(write->skip_reason.rfind("400 MB needs 400 MB on GPU 1, 512 MB free", 0), 0u) << write->skip_reason;
  EXPECT_TRUE(case_of(cases, Method::ce_write, 0, 1, 4096).skip_reason.empty());
  // Host copies on GPU 0 have room.
  EXPECT_TRUE(case_of(cases, Method::h2d_pinned, kHost, 0).skip_reason.empty());
  EXPECT_FALSE(case_of(cases, Method::h2d_pinned, kHost, 1).skip_reason.empty());
}

TEST(Plan, DeviceBytesNeeded) {
  using Need = std::vector<std::pair<int, std::uint64_t>>;
  const std::uint64_t guarded = 1000 + 2 * kGuardBytes;
  Case c;
  c.bytes = 1000;
  c.method = Method::ce_write;
  c.src = 2;
  c.dst = 0;
  EXPECT_EQ(device_bytes_needed(c), (Need{{0, guarded}, {2, guarded}}));
  c.method = Method::bidir_sm;
  EXPECT_EQ(device_bytes_needed(c), (Need{{0, 2 * guarded}, {2, 2 * guarded}}));
  c.method = Method::h2d_pinned;
  c.src = kHost;
  EXPECT_EQ(device_bytes_needed(c), (Need{{0, guarded}}));
  c.src = c.dst = kHost;
  c.devices = {0, 1, 2};
  for (Method m : {Method::all_pairs_ce, Method::all_pairs_sm, Method::all_pairs_shift_ce}) {
    c.method = m;  // counted as 2(n-1) buffers per GPU (one send buffer is shared: an upper bound)
    EXPECT_EQ(device_bytes_needed(c), (Need{{0, 4 * guarded}, {1, 4 * guarded}, {2, 4 * guarded}})) << to_string(m);
  }
  c.method = Method::scatter_ce;
  c.devices = {1, 0, 2};
  EXPECT_EQ(device_bytes_needed(c), (Need{{0, guarded}, {1, 2 * guarded}, {2, guarded}}));
  c.method = Method::peer_b2b;
  c.devices.clear();
  c.src = 0;
  c.dst = 1;
  c.bytes = 4;
  EXPECT_EQ(device_bytes_needed(c), (Need{{0, 128 * 1024}, {1, 128 * 1024}}));
  // Pointer chases: the chain in the memory read (whole slots, guarded), the cursor on the runner.
  const std::uint64_t cursor = kChaseCursorBytes + 2 * kGuardBytes;
  c.method = Method::chase_peer;
  c.bytes = 64 * kMiB;
  EXPECT_EQ(device_bytes_needed(c), (Need{{0, cursor}, {1, 64 * kMiB + 2 * kGuardBytes}}));
  c.method = Method::chase_local;
  c.dst = 0;
  c.bytes = 64 * kMiB + 100;  // not a whole number of 256-byte slots: the remainder is not used
  EXPECT_EQ(device_bytes_needed(c), (Need{{0, cursor + 64 * kMiB + 2 * kGuardBytes}}));
  c.method = Method::chase_host;
  c.dst = kHost;
  EXPECT_EQ(device_bytes_needed(c), (Need{{0, cursor}}));
}

TEST(Plan, PipelinedTuningComesFirstAtTheHeadlineOnTheRepresentative) {
  const auto cases = plan(options({Suite::staged}), two_islands());
  const auto pipelined = only(cases, Method::pipelined);
  const std::size_t grid = kDefaultChunkSizes.size() * kDefaultRingDepths.size();
  ASSERT_GT(pipelined.size(), grid);
  for (std::size_t i = 0; i < pipelined.size(); ++i) {
    const Case& c = pipelined[i];
    EXPECT_EQ(is_tuning_case(c), i < grid) << i;
    if (i < grid) {
      EXPECT_EQ(c.bytes, kHeadline);
      EXPECT_EQ(c.src, 0);
      EXPECT_EQ(c.dst, 1);
      EXPECT_EQ(c.chunk_bytes, kDefaultChunkSizes[i / kDefaultRingDepths.size()]);
      EXPECT_EQ(c.ring_depth, kDefaultRingDepths[i % kDefaultRingDepths.size()]);
      EXPECT_FALSE(c.headline);
    } else {
      EXPECT_EQ(c.chunk_bytes, 0u);
      EXPECT_EQ(c.ring_depth, 0);
    }
  }
  // Staged copies cross both GPUs' PCIe links: the slower bounds them.
  SystemInfo s = two_islands();
  s.devices[1].pcie.max_bytes_per_s = 31.5e9;
  const auto slow = plan(options({Suite::staged}), s);
  EXPECT_DOUBLE_EQ(*case_of(slow, Method::naive, 0, 1).theoretical_bytes_per_s, 31.5e9);
  EXPECT_DOUBLE_EQ(*case_of(slow, Method::pipelined, 2, 3).theoretical_bytes_per_s, kPcie);
}

TEST(Plan, BestPipelineTuningPicksTheFastestOkRecord) {
  auto record = [](std::uint64_t chunk, int depth, double seconds, Status status) {
    Record r;
    r.test.method = Method::pipelined;
    r.test.suite = Suite::staged;
    r.test.chunk_bytes = chunk;
    r.test.ring_depth = depth;
    r.test.tuning = chunk != 0;
    r.status = status;
    r.bytes_per_op = 1e9;
    Summary t;
    t.n = 1;
    t.min = t.median = seconds;
    r.time = t;
    return r;
  };
  EXPECT_FALSE(best_pipeline_tuning({}).has_value());
  const auto best = best_pipeline_tuning({record(2 * kMiB, 2, 0.1, Status::ok), record(8 * kMiB, 3, 0.05, Status::ok),
                                          record(4 * kMiB, 4, 0.01, Status::failed),
                                          record(0, 0, 0.001, Status::ok)});  // not a tuning case
  // A pipelined case that ran with this run's best setting carries its chunk but is no tuning case.
  Record resolved = record(16 * kMiB, 2, 0.0001, Status::ok);
  resolved.test.tuning = false;
  EXPECT_EQ(best_pipeline_tuning({record(8 * kMiB, 3, 0.05, Status::ok), resolved}).value().chunk_bytes, 8 * kMiB);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->chunk_bytes, 8 * kMiB);
  EXPECT_EQ(best->ring_depth, 3);
  EXPECT_DOUBLE_EQ(best->median_bytes_per_s, 2e10);
}

TEST(Plan, TheoreticalRates) {
  const auto cases = plan(options(), nvlink_system(4));
  const double pair = 18 * kNvLink;
  EXPECT_DOUBLE_EQ(*case_of(cases, Method::bidir_sm, 0, 1).theoretical_bytes_per_s, 2 * pair);
  EXPECT_DOUBLE_EQ(*case_of(cases, Method::split_ce, 0, 1).theoretical_bytes_per_s, pair);
  EXPECT_EQ(case_of(cases, Method::split_ce, 0, 1).streams, 4);
  EXPECT_DOUBLE_EQ(*case_of(cases, Method::d2h_pinned, 3, kHost).theoretical_bytes_per_s, kPcie);
  EXPECT_DOUBLE_EQ(*case_of(cases, Method::bidir_pinned, 3, kHost).theoretical_bytes_per_s, 2 * kPcie);
  const Case all_h2d = only(cases, Method::all_h2d).at(0);
  EXPECT_EQ(all_h2d.devices, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_DOUBLE_EQ(*all_h2d.theoretical_bytes_per_s, 4 * kPcie);
  for (Method m : {Method::all_pairs_ce, Method::all_pairs_sm, Method::all_pairs_shift_ce}) {
    const Case all = only(cases, m).at(0);
    EXPECT_EQ(all.devices, (std::vector<int>{0, 1, 2, 3})) << to_string(m);
    EXPECT_DOUBLE_EQ(*all.theoretical_bytes_per_s, 4 * 18 * kNvLink) << to_string(m);
    EXPECT_TRUE(all.headline);
  }
  const Case scatter = only(cases, Method::scatter_ce).at(0);
  EXPECT_EQ(scatter.devices.front(), 0);
  EXPECT_DOUBLE_EQ(*scatter.theoretical_bytes_per_s, 18 * kNvLink);
  const Case* no_p2p = find(cases, Method::ce_no_p2p, 0, 1);
  EXPECT_FALSE(no_p2p->theoretical_bytes_per_s.has_value());
  EXPECT_EQ(no_p2p->theoretical_bytes_per_s.reason, "the driver's staging path has no single link rate");
  EXPECT_FALSE(only(cases, Method::peer_b2b).at(0).theoretical_bytes_per_s.has_value());

  // Without NVLink everywhere, the aggregate has no single rate and says why.
  const auto islands = plan(options({Suite::async}), two_islands());
  const Case all_pairs = only(islands, Method::all_pairs_ce).at(0);
  EXPECT_FALSE(all_pairs.theoretical_bytes_per_s.has_value());
  EXPECT_NE(all_pairs.theoretical_bytes_per_s.reason.find("NVLink"), std::string::npos);
  EXPECT_EQ(all_pairs.link_class, "mixed");
}

TEST(Plan, LatencyCases) {
  const auto cases = plan(options({Suite::latency}), two_islands());
  const auto b2b = only(cases, Method::peer_b2b);
  ASSERT_EQ(b2b.size(), kDefaultLatencySizes.size());
  for (std::size_t i = 0; i < b2b.size(); ++i) {
    EXPECT_EQ(b2b[i].bytes, kDefaultLatencySizes[i]);
    EXPECT_EQ(b2b[i].src, 0);
    EXPECT_EQ(b2b[i].dst, 1);
  }
  const Case chase = only(cases, Method::chase_peer).at(0);
  EXPECT_EQ(chase.bytes, 256 * kMiB) << "64 MiB doubled to 4 x the 50 MiB L2";
  EXPECT_EQ(chase.src, 0);
  EXPECT_EQ(chase.dst, 1);
  const Case host = only(cases, Method::chase_host).at(0);
  EXPECT_EQ(host.src, 0);
  EXPECT_EQ(host.dst, kHost);
  const Case local = only(cases, Method::chase_local).at(0);
  EXPECT_EQ(local.src, 0);
  EXPECT_EQ(local.dst, 0);
  EXPECT_EQ(only(cases, Method::d2h_b2b).at(0).src, 0);
  EXPECT_EQ(only(cases, Method::d2h_b2b).at(0).dst, kHost);

  // The largest L2 of the selection sets it; an unknown L2 (0) leaves the 64 MiB.
  SystemInfo big = two_islands();
  big.devices[3].l2_bytes = 64 * kMiB;
  EXPECT_EQ(only(plan(options({Suite::latency}), big), Method::chase_local).at(0).bytes, 256 * kMiB);
  big.devices[3].l2_bytes = 65 * kMiB;
  EXPECT_EQ(only(plan(options({Suite::latency}), big), Method::chase_local).at(0).bytes, 512 * kMiB);
  SystemInfo unknown = two_islands();
  for (auto& d : unknown.devices) d.l2_bytes = 0;
  EXPECT_EQ(only(plan(options({Suite::latency}), unknown), Method::chase_local).at(0).bytes, kChaseWorkingSetBytes);
}

TEST(Plan, DefaultsAndValidation) {
  BenchOptions o;
  o.suites = {Suite::peer};
  o.dtype = DType::f16;
  const auto cases = plan(o, nvlink_system(2));
  // Headline on both pairs, except ce_no_p2p (host-bound): the representative pair only.
  // nccl_send is planned by multi-rank runs only.
  ASSERT_EQ(cases.size(), (methods_of(Suite::peer).size() - 1) * 2 - 1);
  EXPECT_EQ(cases[0].bytes, headline_bytes(DType::f16));
  EXPECT_EQ(cases[0].dtype, DType::f16);

  BenchOptions bad = options();
  bad.split_streams = 0;
  EXPECT_THROW((void)plan(bad, nvlink_system(2)), UsageError);
  bad = options();
  bad.ring_depths = {0, 2};
  EXPECT_THROW((void)plan(bad, nvlink_system(2)), UsageError);
  bad = options();
  bad.chunk_sizes = {0};
  EXPECT_THROW((void)plan(bad, nvlink_system(2)), UsageError);
}

TEST(Plan, HostBoundPathsOnlyOnRepresentativePairs) {
  BenchOptions o;
  o.suites = {Suite::peer, Suite::staged};
  o.sizes = {4096};
  const auto cases = plan(o, nvlink_system(4));
  for (Method m : {Method::ce_no_p2p, Method::naive, Method::pageable}) {
    const auto picked = only(cases, m);
    ASSERT_EQ(picked.size(), 2u) << to_string(m);  // one link class: headline + 4096 on GPU0->GPU1
    for (const auto& c : picked) {
      EXPECT_EQ(c.src, 0);
      EXPECT_EQ(c.dst, 1);
    }
  }
  EXPECT_EQ(only(cases, Method::ce_write).size(), 12u + 1u);  // every pair + the sweep size
  o.all_pairs = true;
  EXPECT_EQ(only(plan(o, nvlink_system(4)), Method::naive).size(), 24u);
}

TEST(Plan, HostMemoryFitIsCheckedUpFront) {
  BenchOptions o = options({Suite::host, Suite::staged});
  o.host_available_bytes = 1ull << 30;  // 1 GiB: 80 % of it is 859 MB
  const auto cases = plan(o, nvlink_system(2));
  for (const auto& c : cases) {
    if (c.method == Method::bidir_pinned && c.bytes == kHeadline) {
      // Two 400 MB pinned buffers: 800 MB fits under 859 MB.
      EXPECT_EQ(c.skip_reason, "");
    }
    if (c.method == Method::all_h2d) {
      // One 400 MB buffer per GPU x 2 GPUs: 800 MB fits; with 3 it would not.
      EXPECT_EQ(c.skip_reason, "");
    }
  }
  o.host_available_bytes = 450ull << 20;  // 472 MB: 80 % is 377 MB, under one 400 MB buffer
  const auto small = plan(o, nvlink_system(2));
  bool skipped = false;
  for (const auto& c : small) {
    if (c.method == Method::h2d_pinned && c.bytes == kHeadline) {
      EXPECT_NE(c.skip_reason.find("of host memory"), std::string::npos) << c.skip_reason;
      EXPECT_NE(c.skip_reason.find("472 MB available"), std::string::npos) << c.skip_reason;
      skipped = true;
    }
    if (c.method == Method::h2d_pinned && c.bytes == 4096) {
      EXPECT_EQ(c.skip_reason, "");
    }
  }
  EXPECT_TRUE(skipped);
  // Unknown host memory (0): no host check at all.
  o.host_available_bytes = 0;
  for (const auto& c : plan(o, nvlink_system(2))) EXPECT_EQ(c.skip_reason.find("host memory"), std::string::npos);
}

TEST(Plan, HostBytesNeeded) {
  Case c;
  c.method = Method::bidir_pinned;
  c.bytes = 1000;
  EXPECT_EQ(host_bytes_needed(c), 2 * (1000 + 2 * kGuardBytes));
  c.method = Method::pipelined;
  c.chunk_bytes = 8 << 20;
  c.ring_depth = 3;
  EXPECT_EQ(host_bytes_needed(c), 3ull * (8 << 20) + 2 * kGuardBytes);
  c.method = Method::all_d2h;
  c.devices = {0, 1, 2, 3};
  EXPECT_EQ(host_bytes_needed(c), 4 * (1000 + 2 * kGuardBytes));
  c.method = Method::ce_write;
  EXPECT_EQ(host_bytes_needed(c), 0u);
  // Pointer chases: the successor table (8 bytes per 256-byte slot) and the chain image built on
  // the host; chase_host's image is the pinned chain (guarded).
  c.method = Method::chase_host;
  c.bytes = 64 << 20;
  const std::uint64_t table = (64u << 20) / kChaseStrideBytes * 8;
  EXPECT_EQ(host_bytes_needed(c), (64u << 20) + 2 * kGuardBytes + table);
  c.method = Method::chase_local;
  EXPECT_EQ(host_bytes_needed(c), (64u << 20) + table);
}

TEST(Plan, ChaseSizesFromTheOptionsAndEachCaseCarriesItsGpusL2) {
  BenchOptions o = options({Suite::latency});
  o.chase_sizes = {2ull << 30, 4 * kMiB, 64 * kMiB, 4 * kMiB};
  const auto cases = plan(o, two_islands());
  for (Method m : {Method::chase_local, Method::chase_host, Method::chase_peer}) {
    const auto chases = only(cases, m);
    ASSERT_EQ(chases.size(), 3u) << to_string(m);  // sorted, each once; sets within L2 are kept
    EXPECT_EQ(chases[0].bytes, 4 * kMiB);
    EXPECT_EQ(chases[1].bytes, 64 * kMiB);
    EXPECT_EQ(chases[2].bytes, 2ull << 30);
  }
  // The chain's GPU's L2: local and peer chases are judged against it, the host chase not at all.
  const auto local = only(cases, Method::chase_local);
  EXPECT_EQ(local[0].l2_bytes, 50ull << 20);
  EXPECT_TRUE(cache_resident(local[0]));
  EXPECT_FALSE(cache_resident(local[1]));
  EXPECT_TRUE(cache_resident(only(cases, Method::chase_peer)[0]));
  EXPECT_EQ(only(cases, Method::chase_host)[0].l2_bytes, 0u);
  EXPECT_FALSE(cache_resident(only(cases, Method::chase_host)[0]));
  // Small copies keep their own sizes and have no working set to judge.
  EXPECT_EQ(only(cases, Method::peer_b2b).size(), kDefaultLatencySizes.size());
  EXPECT_EQ(only(cases, Method::peer_b2b)[0].l2_bytes, 0u);

  o.chase_sizes = {256};
  EXPECT_THROW((void)plan(o, two_islands()), UsageError);  // fewer than two slots
}
