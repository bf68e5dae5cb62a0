// The cross-rank plan (core/cross_plan): which transfers between the ranks of a multi-rank run
// are measured, grouped into rounds, with same-node-only IPC methods and per-case seeds.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/bench_model.hpp"
#include "core/cross_plan.hpp"
#include "core/error.hpp"
#include "core/schedule.hpp"

namespace gx {
namespace {

// n ranks, rank i on node node_of(i), device = its index on that node.
std::vector<RankEndpoint> one_node(int n) {
  std::vector<RankEndpoint> ranks;
  for (int i = 0; i < n; ++i) ranks.push_back(RankEndpoint{i, 0, i});
  return ranks;
}

// `nodes` nodes of `per_node` ranks each, rank-major: ranks 0..per_node-1 on node 0, and so on.
std::vector<RankEndpoint> nodes_of(int nodes, int per_node) {
  std::vector<RankEndpoint> ranks;
  for (int node = 0; node < nodes; ++node) {
    for (int d = 0; d < per_node; ++d) ranks.push_back(RankEndpoint{node * per_node + d, node, d});
  }
  return ranks;
}

CrossPlanOptions with_schedule(ScheduleKind kind) {
  CrossPlanOptions o;
  o.schedule = kind;
  return o;
}

std::vector<CrossRound> rounds_of(const std::vector<CrossRound>& plan, Method method) {
  std::vector<CrossRound> out;
  for (const CrossRound& r : plan) {
    if (r.method == method) out.push_back(r);
  }
  return out;
}

std::set<Method> methods_in(const std::vector<CrossRound>& plan) {
  std::set<Method> out;
  for (const CrossRound& r : plan) out.insert(r.method);
  return out;
}

// (src, dst) of every case of the rounds, counted.
std::map<std::pair<int, int>, int> directed_count(const std::vector<CrossRound>& rounds) {
  std::map<std::pair<int, int>, int> out;
  for (const CrossRound& r : rounds) {
    for (const CrossCase& c : r.cases) ++out[{c.src_rank, c.dst_rank}];
  }
  return out;
}

std::size_t case_count(const std::vector<CrossRound>& rounds) {
  std::size_t n = 0;
  for (const CrossRound& r : rounds) n += r.cases.size();
  return n;
}

// Checks what every method's rounds must satisfy: rounds not empty, the method and transport of
// every case, no rank twice in a round, index 0..of-1 in order and `of` the method's count.
void expect_well_formed(const std::vector<CrossRound>& plan) {
  std::map<Method, int> count;
  for (const CrossRound& r : plan) ++count[r.method];
  std::map<Method, int> next_index;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const CrossRound& r = plan[i];
    SCOPED_TRACE(::testing::Message() << "round " << i << " " << to_string(r.method) << " " << r.index);
    EXPECT_FALSE(r.cases.empty());
    EXPECT_EQ(r.index, next_index[r.method]++);
    EXPECT_EQ(r.of, count[r.method]);
    std::set<int> busy;
    for (const CrossCase& c : r.cases) {
      EXPECT_EQ(c.method, r.method);
      const bool ipc = r.method == Method::ce_write || r.method == Method::sm_push;
      EXPECT_EQ(c.transport, ipc ? CrossTransport::ipc : CrossTransport::nccl);
      if (ipc) {
        EXPECT_TRUE(c.same_node);
      }
      EXPECT_NE(c.src_rank, c.dst_rank);
      if (r.method == Method::nccl_bidir) {
        EXPECT_LT(c.src_rank, c.dst_rank);
      }
      EXPECT_TRUE(busy.insert(c.src_rank).second) << "rank " << c.src_rank << " twice";
      EXPECT_TRUE(busy.insert(c.dst_rank).second) << "rank " << c.dst_rank << " twice";
    }
  }
}

TEST(CrossPlan, FewerThanTwoRanksPlanNothing) {
  EXPECT_TRUE(plan_cross_rank({}, CrossPlanOptions{}).empty());
  EXPECT_TRUE(plan_cross_rank(one_node(1), CrossPlanOptions{}).empty());
  EXPECT_TRUE(plan_cross_rank(one_node(1), with_schedule(ScheduleKind::serial)).empty());
}

TEST(CrossPlan, RefusesBadRanks) {
  // Not numbered 0..n-1 in order.
  EXPECT_THROW((void)plan_cross_rank({{1, 0, 0}, {0, 0, 1}}, CrossPlanOptions{}), UsageError);
  EXPECT_THROW((void)plan_cross_rank({{0, 0, 0}, {2, 0, 1}}, CrossPlanOptions{}), UsageError);
  EXPECT_THROW((void)plan_cross_rank({{0, 0, 0}, {0, 0, 1}}, CrossPlanOptions{}), UsageError);
  EXPECT_THROW((void)plan_cross_rank({{1, 0, 0}}, CrossPlanOptions{}), UsageError);  // even alone
  // Negative node or device.
  EXPECT_THROW((void)plan_cross_rank({{0, 0, 0}, {1, -1, 0}}, CrossPlanOptions{}), UsageError);
  EXPECT_THROW((void)plan_cross_rank({{0, 0, -1}, {1, 0, 1}}, CrossPlanOptions{}), UsageError);
  try {
    (void)plan_cross_rank({{0, 0, 0}, {3, 0, 1}}, CrossPlanOptions{});
    ADD_FAILURE() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 3"), std::string::npos) << e.what();
  }
}

TEST(CrossPlan, FourRanksOneNodeRounds) {
  const auto plan = plan_cross_rank(one_node(4), with_schedule(ScheduleKind::rounds));
  expect_well_formed(plan);

  // Methods in blocks, in this order.
  std::vector<Method> order;
  for (const CrossRound& r : plan) {
    if (order.empty() || order.back() != r.method) order.push_back(r.method);
  }
  EXPECT_EQ(order, (std::vector<Method>{Method::ce_write, Method::sm_push, Method::nccl_send, Method::nccl_bidir}));

  for (Method m : {Method::ce_write, Method::sm_push, Method::nccl_send}) {
    SCOPED_TRACE(to_string(m));
    const auto rounds = rounds_of(plan, m);
    ASSERT_EQ(rounds.size(), 6u);  // 2(n-1)
    for (const CrossRound& r : rounds) {
      EXPECT_EQ(r.cases.size(), 2u);
      EXPECT_EQ(r.of, 6);
      for (const CrossCase& c : r.cases) EXPECT_TRUE(c.same_node);
    }
    const auto pairs = directed_count(rounds);
    EXPECT_EQ(pairs.size(), 12u);
    for (const auto& [pair, n] : pairs) EXPECT_EQ(n, 1) << pair.first << "->" << pair.second;
    EXPECT_EQ(case_count(rounds), 12u);
  }
  for (const CrossRound& r : rounds_of(plan, Method::ce_write)) {
    for (const CrossCase& c : r.cases) EXPECT_EQ(c.transport, CrossTransport::ipc);
  }
  for (const CrossRound& r : rounds_of(plan, Method::sm_push)) {
    for (const CrossCase& c : r.cases) EXPECT_EQ(c.transport, CrossTransport::ipc);
  }
  for (const CrossRound& r : rounds_of(plan, Method::nccl_send)) {
    for (const CrossCase& c : r.cases) EXPECT_EQ(c.transport, CrossTransport::nccl);
  }

  const auto bidir = rounds_of(plan, Method::nccl_bidir);
  ASSERT_EQ(bidir.size(), 3u);  // n-1
  std::set<std::pair<int, int>> unordered;
  for (const CrossRound& r : bidir) {
    EXPECT_EQ(r.cases.size(), 2u);
    EXPECT_EQ(r.of, 3);
    for (const CrossCase& c : r.cases) {
      EXPECT_EQ(c.transport, CrossTransport::nccl);
      EXPECT_TRUE(c.same_node);
      EXPECT_TRUE(unordered.emplace(c.src_rank, c.dst_rank).second) << c.src_rank << "-" << c.dst_rank;
    }
  }
  EXPECT_EQ(unordered.size(), 6u);
  EXPECT_EQ(plan.size(), 6u + 6u + 6u + 3u);
}

TEST(CrossPlan, RoundsFollowTheSchedule) {
  // The directed methods' rounds are transfer_schedule's, the pairs pair_schedule's (one node).
  for (ScheduleKind kind : {ScheduleKind::rounds, ScheduleKind::serial}) {
    SCOPED_TRACE(to_string(kind));
    const auto plan = plan_cross_rank(one_node(4), with_schedule(kind));
    const auto transfers = transfer_schedule(4, kind);
    const auto send = rounds_of(plan, Method::nccl_send);
    ASSERT_EQ(send.size(), transfers.size());
    for (std::size_t i = 0; i < send.size(); ++i) {
      ASSERT_EQ(send[i].cases.size(), transfers[i].size());
      for (std::size_t k = 0; k < transfers[i].size(); ++k) {
        EXPECT_EQ(send[i].cases[k].src_rank, transfers[i][k].src);
        EXPECT_EQ(send[i].cases[k].dst_rank, transfers[i][k].dst);
      }
    }
    const auto pairs = pair_schedule(4, kind);
    const auto bidir = rounds_of(plan, Method::nccl_bidir);
    ASSERT_EQ(bidir.size(), pairs.size());
    for (std::size_t i = 0; i < bidir.size(); ++i) {
      ASSERT_EQ(bidir[i].cases.size(), pairs[i].size());
      for (std::size_t k = 0; k < pairs[i].size(); ++k) {
        EXPECT_EQ(bidir[i].cases[k].src_rank, pairs[i][k].a);
        EXPECT_EQ(bidir[i].cases[k].dst_rank, pairs[i][k].b);
      }
    }
  }
}

TEST(CrossPlan, SerialIsOneCasePerRound) {
  for (int n : {2, 3, 4, 5}) {
    SCOPED_TRACE(n);
    const auto plan = plan_cross_rank(one_node(n), with_schedule(ScheduleKind::serial));
    expect_well_formed(plan);
    for (const CrossRound& r : plan) EXPECT_EQ(r.cases.size(), 1u);
    const auto directed = static_cast<std::size_t>(n * (n - 1));
    for (Method m : {Method::ce_write, Method::sm_push, Method::nccl_send}) {
      SCOPED_TRACE(to_string(m));
      const auto rounds = rounds_of(plan, m);
      EXPECT_EQ(rounds.size(), directed);
      EXPECT_EQ(directed_count(rounds).size(), directed);
      for (const CrossRound& r : rounds) EXPECT_EQ(r.of, static_cast<int>(directed));
    }
    const auto bidir = rounds_of(plan, Method::nccl_bidir);
    EXPECT_EQ(bidir.size(), directed / 2);
    EXPECT_EQ(directed_count(bidir).size(), directed / 2);
  }
}

TEST(CrossPlan, TwoNodesIpcOnlyWithinANode) {
  // Ranks 0, 1 on node 0; 2, 3 on node 1.
  for (ScheduleKind kind : {ScheduleKind::rounds, ScheduleKind::serial}) {
    SCOPED_TRACE(to_string(kind));
    const auto plan = plan_cross_rank(nodes_of(2, 2), with_schedule(kind));
    expect_well_formed(plan);  // no empty rounds, index/of renumbered consecutively

    const std::map<std::pair<int, int>, int> local = {{{0, 1}, 1}, {{1, 0}, 1}, {{2, 3}, 1}, {{3, 2}, 1}};
    for (Method m : {Method::ce_write, Method::sm_push}) {
      SCOPED_TRACE(to_string(m));
      const auto rounds = rounds_of(plan, m);
      ASSERT_FALSE(rounds.empty());
      EXPECT_EQ(directed_count(rounds), local);
      for (std::size_t i = 0; i < rounds.size(); ++i) {
        EXPECT_EQ(rounds[i].index, static_cast<int>(i));
        EXPECT_EQ(rounds[i].of, static_cast<int>(rounds.size()));
        EXPECT_FALSE(rounds[i].cases.empty());
        for (const CrossCase& c : rounds[i].cases) {
          EXPECT_TRUE(c.same_node);
          EXPECT_EQ(c.transport, CrossTransport::ipc);
        }
      }
      // Rounds: 0->1 and 2->3 run together, then 1->0 and 3->2. Serial: one each.
      EXPECT_EQ(rounds.size(), kind == ScheduleKind::rounds ? 2u : 4u);
    }

    const auto send = rounds_of(plan, Method::nccl_send);
    EXPECT_EQ(send.size(), transfer_schedule(4, kind).size());  // nothing dropped
    const auto all = directed_count(send);
    EXPECT_EQ(all.size(), 12u);
    for (const auto& [pair, n] : all) EXPECT_EQ(n, 1);
    for (const CrossRound& r : send) {
      for (const CrossCase& c : r.cases) {
        EXPECT_EQ(c.same_node, c.src_rank / 2 == c.dst_rank / 2) << c.src_rank << "->" << c.dst_rank;
        EXPECT_EQ(c.transport, CrossTransport::nccl);
      }
    }
    std::size_t bidir_pairs = 0;
    for (const CrossRound& r : rounds_of(plan, Method::nccl_bidir)) {
      for (const CrossCase& c : r.cases) {
        EXPECT_EQ(c.same_node, c.src_rank / 2 == c.dst_rank / 2) << c.src_rank << "-" << c.dst_rank;
        ++bidir_pairs;
      }
    }
    EXPECT_EQ(bidir_pairs, 6u);
  }
}

TEST(CrossPlan, EveryRankOnItsOwnNodeHasNoIpcRounds) {
  const auto plan = plan_cross_rank(nodes_of(3, 1), CrossPlanOptions{});
  expect_well_formed(plan);
  EXPECT_TRUE(rounds_of(plan, Method::ce_write).empty());
  EXPECT_TRUE(rounds_of(plan, Method::sm_push).empty());
  EXPECT_EQ(case_count(rounds_of(plan, Method::nccl_send)), 6u);
  for (const CrossRound& r : plan) {
    for (const CrossCase& c : r.cases) EXPECT_FALSE(c.same_node);
  }
}

TEST(CrossPlan, OptionsSelectTheMethods) {
  const auto ranks = one_node(4);
  CrossPlanOptions no_peer;
  no_peer.peer = false;
  EXPECT_EQ(methods_in(plan_cross_rank(ranks, no_peer)), (std::set<Method>{Method::nccl_bidir}));

  CrossPlanOptions no_async;
  no_async.async = false;
  EXPECT_EQ(methods_in(plan_cross_rank(ranks, no_async)),
            (std::set<Method>{Method::ce_write, Method::sm_push, Method::nccl_send}));

  CrossPlanOptions no_nccl;
  no_nccl.with_nccl = false;
  const auto ipc_only = plan_cross_rank(ranks, no_nccl);
  EXPECT_EQ(methods_in(ipc_only), (std::set<Method>{Method::ce_write, Method::sm_push}));
  for (const CrossRound& r : ipc_only) {
    for (const CrossCase& c : r.cases) EXPECT_EQ(c.transport, CrossTransport::ipc);
  }

  CrossPlanOptions nothing;
  nothing.peer = false;
  nothing.async = false;
  EXPECT_TRUE(plan_cross_rank(ranks, nothing).empty());

  CrossPlanOptions peer_only_without_nccl;
  peer_only_without_nccl.async = false;
  peer_only_without_nccl.with_nccl = false;
  EXPECT_EQ(methods_in(plan_cross_rank(ranks, peer_only_without_nccl)),
            (std::set<Method>{Method::ce_write, Method::sm_push}));

  CrossPlanOptions async_without_nccl;
  async_without_nccl.peer = false;
  async_without_nccl.with_nccl = false;
  EXPECT_TRUE(plan_cross_rank(ranks, async_without_nccl).empty());
}

TEST(CrossPlan, OddRankCount) {
  for (int n : {3, 5}) {
    for (ScheduleKind kind : {ScheduleKind::rounds, ScheduleKind::serial}) {
      SCOPED_TRACE(::testing::Message() << n << " ranks, " << to_string(kind));
      const auto plan = plan_cross_rank(one_node(n), with_schedule(kind));
      expect_well_formed(plan);
      for (Method m : {Method::ce_write, Method::sm_push, Method::nccl_send}) {
        SCOPED_TRACE(to_string(m));
        const auto pairs = directed_count(rounds_of(plan, m));
        EXPECT_EQ(pairs.size(), static_cast<std::size_t>(n * (n - 1)));
        for (const auto& [pair, count] : pairs) EXPECT_EQ(count, 1) << pair.first << "->" << pair.second;
      }
      std::set<std::pair<int, int>> unordered;
      for (const CrossRound& r : rounds_of(plan, Method::nccl_bidir)) {
        for (const CrossCase& c : r.cases) EXPECT_TRUE(unordered.emplace(c.src_rank, c.dst_rank).second);
      }
      EXPECT_EQ(unordered.size(), static_cast<std::size_t>(n * (n - 1) / 2));
    }
  }
  // Three ranks in rounds: one transfer (or pair) at a time, one rank sitting out each round.
  const auto three = plan_cross_rank(one_node(3), with_schedule(ScheduleKind::rounds));
  EXPECT_EQ(rounds_of(three, Method::nccl_send).size(), 6u);
  EXPECT_EQ(rounds_of(three, Method::nccl_bidir).size(), 3u);
  for (const CrossRound& r : three) EXPECT_EQ(r.cases.size(), 1u);
}

TEST(CrossPlan, SeedsAreNonZeroAndDistinct) {
  for (ScheduleKind kind : {ScheduleKind::rounds, ScheduleKind::serial}) {
    SCOPED_TRACE(to_string(kind));
    const auto plan = plan_cross_rank(one_node(8), with_schedule(kind));
    std::set<std::uint32_t> seeds;
    std::size_t cases = 0;
    for (const CrossRound& r : plan) {
      for (const CrossCase& c : r.cases) {
        EXPECT_NE(c.seed, 0u);
        EXPECT_TRUE(seeds.insert(c.seed).second)
            << to_string(r.method) << " round " << r.index << ": seed " << c.seed << " repeats";
        ++cases;
      }
    }
    EXPECT_EQ(cases, 3u * 56u + 28u);
    EXPECT_EQ(seeds.size(), cases);
  }
  // Another base seed gives other seeds.
  CrossPlanOptions other;
  other.seed = 12345;
  const auto a = plan_cross_rank(one_node(4), CrossPlanOptions{});
  const auto b = plan_cross_rank(one_node(4), other);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  EXPECT_NE(a[0].cases[0].seed, b[0].cases[0].seed);
}

TEST(CrossPlan, Deterministic) {
  // Every rank computes the plan itself: the same inputs must give the same plan.
  for (const auto& ranks : {one_node(8), nodes_of(2, 4), nodes_of(4, 2), one_node(5)}) {
    for (ScheduleKind kind : {ScheduleKind::rounds, ScheduleKind::serial}) {
      const auto a = plan_cross_rank(ranks, with_schedule(kind));
      const auto b = plan_cross_rank(ranks, with_schedule(kind));
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].method, b[i].method);
        EXPECT_EQ(a[i].index, b[i].index);
        EXPECT_EQ(a[i].of, b[i].of);
        ASSERT_EQ(a[i].cases.size(), b[i].cases.size());
        for (std::size_t k = 0; k < a[i].cases.size(); ++k) {
          const CrossCase& x = a[i].cases[k];
          const CrossCase& y = b[i].cases[k];
          EXPECT_EQ(std::tie(x.src_rank, x.dst_rank, x.seed, x.same_node),
                    std::tie(y.src_rank, y.dst_rank, y.seed, y.same_node));
          EXPECT_EQ(x.method, y.method);
          EXPECT_EQ(x.transport, y.transport);
        }
      }
    }
  }
}

TEST(CrossPlan, CaseOfRank) {
  // Three ranks in rounds: one case per round, so exactly one rank sits each round out.
  const auto plan = plan_cross_rank(one_node(3), with_schedule(ScheduleKind::rounds));
  ASSERT_FALSE(plan.empty());
  for (const CrossRound& r : plan) {
    ASSERT_EQ(r.cases.size(), 1u);
    const CrossCase& c = r.cases[0];
    int idle = 0;
    for (int rank = 0; rank < 3; ++rank) {
      if (rank == c.src_rank || rank == c.dst_rank) {
        EXPECT_EQ(case_of_rank(r, rank), 0);
      } else {
        EXPECT_EQ(case_of_rank(r, rank), -1);
        ++idle;
      }
    }
    EXPECT_EQ(idle, 1);
    EXPECT_EQ(case_of_rank(r, 7), -1);  // not a rank of the run
  }

  // Four ranks: every rank takes part in every round, in the case that names it.
  for (const CrossRound& r : plan_cross_rank(one_node(4), with_schedule(ScheduleKind::rounds))) {
    for (int rank = 0; rank < 4; ++rank) {
      const int k = case_of_rank(r, rank);
      ASSERT_GE(k, 0);
      ASSERT_LT(k, static_cast<int>(r.cases.size()));
      const CrossCase& c = r.cases[static_cast<std::size_t>(k)];
      EXPECT_TRUE(c.src_rank == rank || c.dst_rank == rank);
    }
  }
  EXPECT_EQ(case_of_rank(CrossRound{}, 0), -1);
}

TEST(CrossPlan, DescribeRounds) {
  const auto plan = plan_cross_rank(one_node(4), with_schedule(ScheduleKind::rounds));
  EXPECT_EQ(describe_rounds(plan, Method::nccl_send), "nccl_send: 12 cases in 6 rounds of up to 2 at once");
  EXPECT_EQ(describe_rounds(plan, Method::ce_write), "ce_write: 12 cases in 6 rounds of up to 2 at once");
  EXPECT_EQ(describe_rounds(plan, Method::nccl_bidir), "nccl_bidir: 6 cases in 3 rounds of up to 2 at once");
  // A method the plan does not have.
  EXPECT_EQ(describe_rounds(plan, Method::sm_pull), "sm_pull: 0 cases in 0 rounds of up to 0 at once");

  const auto serial = plan_cross_rank(one_node(4), with_schedule(ScheduleKind::serial));
  EXPECT_EQ(describe_rounds(serial, Method::nccl_send), "nccl_send: 12 cases in 12 rounds of up to 1 at once");
  EXPECT_EQ(describe_rounds(serial, Method::nccl_bidir), "nccl_bidir: 6 cases in 6 rounds of up to 1 at once");

  // Singular: two ranks, one pair.
  const auto two = plan_cross_rank(one_node(2), CrossPlanOptions{});
  EXPECT_EQ(describe_rounds(two, Method::nccl_bidir), "nccl_bidir: 1 case in 1 round of up to 1 at once");
  EXPECT_EQ(describe_rounds(two, Method::nccl_send), "nccl_send: 2 cases in 2 rounds of up to 1 at once");

  // Two nodes: the IPC rounds that only held cross-node transfers are gone.
  const auto split = plan_cross_rank(nodes_of(2, 2), with_schedule(ScheduleKind::rounds));
  EXPECT_EQ(describe_rounds(split, Method::sm_push), "sm_push: 4 cases in 2 rounds of up to 2 at once");
  EXPECT_EQ(describe_rounds(split, Method::nccl_send), "nccl_send: 12 cases in 6 rounds of up to 2 at once");
}

}  // namespace
}  // namespace gx
