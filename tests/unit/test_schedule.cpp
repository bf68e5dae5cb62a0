// Pair scheduling (core/schedule): the round-robin tournament and the serial order, checked as
// properties for every GPU count an 8- or 16-GPU node (and odd counts) can have.
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "core/error.hpp"
#include "core/schedule.hpp"

namespace gx {
namespace {

constexpr int kMaxGpus = 16;

TEST(Schedule, RoundRobinIsValidForEveryCountUpTo16) {
  for (int n = 0; n <= kMaxGpus; ++n) {
    SCOPED_TRACE(n);
    const auto rounds = round_robin_rounds(n);
    EXPECT_EQ(schedule_problem(n, rounds), std::nullopt) << format_schedule(rounds);
    const auto ordered = round_robin_transfer_rounds(n);
    EXPECT_EQ(schedule_problem(n, ordered), std::nullopt) << format_schedule(ordered);
  }
}

TEST(Schedule, RoundRobinHasLinearlyManyRoundsOfDisjointPairs) {
  for (int n = 2; n <= kMaxGpus; ++n) {
    SCOPED_TRACE(n);
    const auto rounds = round_robin_rounds(n);
    // Even n: n-1 rounds of n/2 pairs, every GPU busy in each. Odd n: n rounds of (n-1)/2 pairs.
    const int expected_rounds = n % 2 == 0 ? n - 1 : n;
    ASSERT_EQ(static_cast<int>(rounds.size()), expected_rounds);
    std::size_t pairs = 0;
    for (const auto& round : rounds) {
      EXPECT_EQ(static_cast<int>(round.size()), n / 2);
      std::set<int> gpus;
      for (const auto& p : round) {
        EXPECT_LT(p.a, p.b);
        EXPECT_TRUE(gpus.insert(p.a).second);
        EXPECT_TRUE(gpus.insert(p.b).second);
      }
      pairs += round.size();
    }
    EXPECT_EQ(pairs, static_cast<std::size_t>(n * (n - 1) / 2));
    const auto ordered = round_robin_transfer_rounds(n);
    EXPECT_EQ(ordered.size(), 2 * rounds.size());
  }
}

TEST(Schedule, EveryPairExactlyOnce) {
  for (int n = 1; n <= kMaxGpus; ++n) {
    SCOPED_TRACE(n);
    std::set<std::pair<int, int>> unordered;
    for (const auto& round : round_robin_rounds(n)) {
      for (const auto& p : round) EXPECT_TRUE(unordered.emplace(p.a, p.b).second);
    }
    EXPECT_EQ(unordered.size(), static_cast<std::size_t>(n * (n - 1) / 2));
    std::set<std::pair<int, int>> ordered;
    for (const auto& round : round_robin_transfer_rounds(n)) {
      std::set<int> busy;
      for (const auto& t : round) {
        EXPECT_TRUE(ordered.emplace(t.src, t.dst).second);
        // A GPU neither sends nor receives twice in one round.
        EXPECT_TRUE(busy.insert(t.src).second);
        EXPECT_TRUE(busy.insert(t.dst).second);
      }
    }
    EXPECT_EQ(ordered.size(), static_cast<std::size_t>(n * (n - 1)));
  }
}

TEST(Schedule, OddCountGivesEveryGpuExactlyOneBye) {
  for (int n = 3; n <= kMaxGpus; n += 2) {
    SCOPED_TRACE(n);
    std::vector<int> byes(static_cast<std::size_t>(n), 0);
    for (const auto& round : round_robin_rounds(n)) {
      const auto idle = idle_gpus(n, round);
      ASSERT_EQ(idle.size(), 1u);
      ++byes[static_cast<std::size_t>(idle[0])];
    }
    for (int b : byes) EXPECT_EQ(b, 1);
  }
  for (int n = 2; n <= kMaxGpus; n += 2) {
    for (const auto& round : round_robin_rounds(n)) EXPECT_TRUE(idle_gpus(n, round).empty());
  }
}

TEST(Schedule, SmallCountsSpelledOut) {
  EXPECT_TRUE(round_robin_rounds(0).empty());
  EXPECT_TRUE(round_robin_rounds(1).empty());
  EXPECT_TRUE(serial_schedule(1).empty());
  EXPECT_EQ(format_schedule(round_robin_rounds(2)), "0-1");
  EXPECT_EQ(format_schedule(round_robin_transfer_rounds(2)), "0->1 | 1->0");
  EXPECT_EQ(format_schedule(round_robin_rounds(3)), "1-2 | 0-1 | 0-2");
  EXPECT_EQ(format_schedule(round_robin_rounds(4)), "0-3 1-2 | 0-1 2-3 | 0-2 1-3");
  EXPECT_EQ(format_schedule(round_robin_transfer_rounds(4)),
            "0->3 1->2 | 3->0 2->1 | 0->1 2->3 | 1->0 3->2 | 0->2 1->3 | 2->0 3->1");
}

TEST(Schedule, EightAndSixteenGpus) {
  const auto eight = round_robin_rounds(8);
  EXPECT_EQ(eight.size(), 7u);
  for (const auto& round : eight) EXPECT_EQ(round.size(), 4u);
  EXPECT_EQ(round_robin_transfer_rounds(8).size(), 14u);
  EXPECT_EQ(serial_schedule(8).size(), 56u);
  const auto sixteen = round_robin_rounds(16);
  EXPECT_EQ(sixteen.size(), 15u);
  for (const auto& round : sixteen) EXPECT_EQ(round.size(), 8u);
  EXPECT_EQ(serial_schedule(16).size(), 240u);
  EXPECT_EQ(schedule_problem(16, serial_schedule(16)), std::nullopt);
}

TEST(Schedule, SerialIsRowMajorOneAtATime) {
  EXPECT_EQ(format_schedule(serial_schedule(3)), "0->1 | 0->2 | 1->0 | 1->2 | 2->0 | 2->1");
  EXPECT_EQ(format_schedule(serial_pair_rounds(3)), "0-1 | 0-2 | 1-2");
  for (int n = 0; n <= kMaxGpus; ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(schedule_problem(n, serial_schedule(n)), std::nullopt);
    EXPECT_EQ(schedule_problem(n, serial_pair_rounds(n)), std::nullopt);
    for (const auto& round : serial_schedule(n)) EXPECT_EQ(round.size(), 1u);
  }
}

TEST(Schedule, KindSelectsTheSchedule) {
  EXPECT_EQ(transfer_schedule(5, ScheduleKind::serial), serial_schedule(5));
  EXPECT_EQ(transfer_schedule(5, ScheduleKind::rounds), round_robin_transfer_rounds(5));
  EXPECT_EQ(pair_schedule(6, ScheduleKind::serial), serial_pair_rounds(6));
  EXPECT_EQ(pair_schedule(6, ScheduleKind::rounds), round_robin_rounds(6));
  EXPECT_EQ(parse_schedule_kind("serial"), ScheduleKind::serial);
  EXPECT_EQ(parse_schedule_kind("rounds"), ScheduleKind::rounds);
  EXPECT_EQ(to_string(ScheduleKind::rounds), "rounds");
  EXPECT_THROW((void)parse_schedule_kind("round"), UsageError);
  EXPECT_THROW((void)round_robin_rounds(-1), UsageError);
  EXPECT_THROW((void)serial_schedule(-2), UsageError);
}

TEST(Schedule, DeterministicAcrossCalls) {
  // Every MPI rank computes the schedule itself: it must depend on n alone.
  for (int n = 0; n <= kMaxGpus; ++n) {
    EXPECT_EQ(format_schedule(round_robin_rounds(n)), format_schedule(round_robin_rounds(n)));
  }
}

TEST(ScheduleCheck, NamesTheFirstProblem) {
  using R = std::vector<PairRound>;
  EXPECT_EQ(schedule_problem(3, R{{{0, 1}}, {{0, 2}}}), "pair 1-2 is missing");
  EXPECT_EQ(schedule_problem(4, R{{{0, 1}, {1, 2}}, {{0, 2}}}), "round 0: GPU 1 is in two pairs (0-1, 1-2)");
  EXPECT_EQ(schedule_problem(2, R{{{0, 1}}, {{0, 1}}}), "round 1: 0-1 occurs a second time");
  EXPECT_EQ(schedule_problem(2, R{{{0, 2}}}), "round 0: 0-2 names a GPU outside 0..1");
  EXPECT_EQ(schedule_problem(2, R{{{1, 1}}}), "round 0: 1-1 pairs GPU 1 with itself");
  EXPECT_EQ(schedule_problem(2, R{{{1, 0}}}), "round 0: pair 1-0 is not written low-high");
  EXPECT_EQ(schedule_problem(2, R{{}, {{0, 1}}}), "round 0: empty");
  EXPECT_EQ(schedule_problem(-1, R{}), "GPU count -1 is negative");

  using T = std::vector<TransferRound>;
  EXPECT_EQ(schedule_problem(2, T{{{0, 1}}}), "transfer 1->0 is missing");
  // Sending and receiving at once is a GPU in two transfers.
  EXPECT_EQ(schedule_problem(3, T{{{0, 1}, {1, 2}}}), "round 0: GPU 1 is in two transfers (0->1, 1->2)");
  EXPECT_EQ(schedule_problem(2, T{{{0, 1}}, {{1, 0}}, {{0, 1}}}), "round 2: 0->1 occurs a second time");
}

TEST(RankDevice, OneRankPerVisibleGpu) {
  EXPECT_EQ(rank_device(0, 4, 4).device, 0);
  EXPECT_EQ(rank_device(3, 4, 4).device, 3);
  EXPECT_TRUE(rank_device(3, 4, 4).warning.empty());
  EXPECT_TRUE(rank_device(0, 1, 1).warning.empty());  // a one-GPU node
  const auto spare = rank_device(1, 2, 4);
  EXPECT_EQ(spare.device, 1);
  EXPECT_NE(spare.warning.find("GPUs 2..3 are not measured"), std::string::npos) << spare.warning;
}

TEST(RankDevice, EachRankSeeingOneGpuWorksWithAWarning) {
  const auto d = rank_device(2, 4, 1);
  EXPECT_EQ(d.device, 0);
  EXPECT_NE(d.warning.find("sees only one GPU"), std::string::npos) << d.warning;
  EXPECT_NE(d.warning.find("--gpus-per-task=1"), std::string::npos) << d.warning;
}

TEST(RankDevice, RefusesSharedGpusAndBadRanks) {
  EXPECT_THROW((void)rank_device(0, 4, 2), CannotRunError);
  EXPECT_THROW((void)rank_device(0, 1, 0), CannotRunError);
  EXPECT_THROW((void)rank_device(4, 4, 4), UsageError);
  EXPECT_THROW((void)rank_device(-1, 4, 4), UsageError);
  EXPECT_THROW((void)rank_device(0, 0, 4), UsageError);
}

}  // namespace
}  // namespace gx
