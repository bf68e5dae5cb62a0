// The pointer chase's host side (core/chase): the chain is one cycle through every slot, each
// operation starts where the previous one stopped, and the record says what the walk covered.
#include "core/chase.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

using namespace gx;

TEST(Chase, LinesAreWholeSlotsAndAtLeastTwo) {
  EXPECT_EQ(chase_lines(64ull << 20), (64ull << 20) / 256);
  EXPECT_EQ(chase_lines((64ull << 20) + 255), (64ull << 20) / 256);
  EXPECT_EQ(chase_lines(2ull << 30), 8388608u);
  EXPECT_EQ(chase_lines(0), 2u);
  EXPECT_EQ(chase_lines(300), 2u);
}

TEST(Chase, CycleVisitsEverySlotOnceBeforeReturning) {
  for (std::uint64_t lines : {2ull, 3ull, 17ull, 4096ull}) {
    const auto next = chase_cycle(lines, 42);
    ASSERT_EQ(next.size(), lines);
    std::set<std::uint64_t> seen;
    std::uint64_t slot = 0;
    for (std::uint64_t s = 0; s < lines; ++s) {
      EXPECT_TRUE(seen.insert(slot).second) << "slot " << slot << " twice within one cycle of " << lines;
      EXPECT_NE(next[slot], slot) << "a fixed point";
      slot = next[slot];
    }
    EXPECT_EQ(slot, 0u) << "back at the start after exactly one cycle";
    EXPECT_EQ(seen.size(), lines);
  }
}

TEST(Chase, CycleIsDeterministicPerSeedAndDiffersAcrossSeeds) {
  EXPECT_EQ(chase_cycle(1000, 7), chase_cycle(1000, 7));
  EXPECT_NE(chase_cycle(1000, 7), chase_cycle(1000, 8));
}

TEST(Chase, ChainImageHoldsWordIndicesOfTheNextSlot) {
  const auto next = chase_cycle(8, 3);
  std::vector<std::uint64_t> words(8 * kChaseWordsPerLine, 12345);
  write_chase_chain(next, words.data());
  for (std::uint64_t i = 0; i < 8; ++i) {
    EXPECT_EQ(words[i * kChaseWordsPerLine], next[i] * kChaseWordsPerLine);
    for (std::uint64_t w = 1; w < kChaseWordsPerLine; ++w) EXPECT_EQ(words[i * kChaseWordsPerLine + w], 0u);
  }
  // The kernel's walk (word indices) and the host's (slots) agree.
  std::uint64_t word = 0;
  for (int s = 0; s < 20; ++s) word = words[word];
  EXPECT_EQ(word, chase_walk(next, 0, 20) * kChaseWordsPerLine);
}

// The fix of 2026-12: operation k starts where operation k-1 ended, so k operations of s steps
// walk k*s links from slot 0, and all of them touch new slots until the cycle wraps. (Every
// operation used to start at slot 0 and touch the same s slots.)
TEST(Chase, EachOperationStartsWhereThePreviousOneStopped) {
  const std::uint64_t lines = 10000;
  const std::uint64_t steps = 300;
  const auto next = chase_cycle(lines, 11);
  ChaseCursor cursor(next, steps);
  EXPECT_EQ(cursor.slot(), 0u);
  std::set<std::uint64_t> touched;
  std::uint64_t expected = 0;
  for (int op = 0; op < 30; ++op) {
    const std::uint64_t start = cursor.slot();
    EXPECT_EQ(start, expected) << "op " << op;
    // What the kernel does for this op, load by load.
    std::uint64_t at = start;
    for (std::uint64_t s = 0; s < steps; ++s) {
      at = next[at];
      touched.insert(at);
    }
    cursor.advance();
    expected = at;
    EXPECT_EQ(cursor.word(), at * kChaseWordsPerLine);
  }
  EXPECT_EQ(cursor.ops(), 30u);
  EXPECT_EQ(cursor.loads(), 30u * steps);
  EXPECT_EQ(touched.size(), 30u * steps) << "9000 loads of a 10000-slot cycle: every one a new slot";
  EXPECT_EQ(cursor.slot(), chase_walk(next, 0, 30 * steps));
}

TEST(Chase, CursorCatchesUpLazilyAcrossManyOps) {
  const auto next = chase_cycle(257, 5);
  ChaseCursor cursor(next, 1000);
  for (int i = 0; i < 7; ++i) cursor.advance();
  EXPECT_EQ(cursor.slot(), chase_walk(next, 0, 7000));
  cursor.advance();
  EXPECT_EQ(cursor.slot(), chase_walk(next, 0, 8000));
  EXPECT_EQ(cursor.slot(), chase_walk(next, 0, 8000)) << "asking twice walks nothing more";
}

TEST(Chase, WarmOpsCoverOneCycleAtMostTheCap) {
  EXPECT_EQ(chase_warm_ops(262144, kChaseSteps), 27u);  // 64 MiB: once round, 262144 loads
  EXPECT_EQ(chase_warm_ops(16384, kChaseSteps), 2u);    // 4 MiB
  EXPECT_EQ(chase_warm_ops(8388608, kChaseSteps), (kChaseWarmLoadsMax + kChaseSteps - 1) / kChaseSteps);  // 2 GiB
  EXPECT_EQ(chase_warm_ops(2, kChaseSteps), 1u);
  EXPECT_EQ(chase_warm_ops(100, 0), 1u);
}

TEST(Chase, WalkCoverage) {
  ChaseWalk w;
  w.lines = 262144;
  w.steps_per_op = kChaseSteps;
  w.loads_timed = 20 * kChaseSteps;
  EXPECT_EQ(w.distinct_lines_timed(), 200000u);
  EXPECT_NEAR(w.passes_timed(), 0.763, 0.001);
  w.lines = 16384;  // 4 MiB: the timed walk goes round 12 times
  EXPECT_EQ(w.distinct_lines_timed(), 16384u);
  EXPECT_NEAR(w.passes_timed(), 12.2, 0.01);
  w.lines = 0;
  EXPECT_EQ(w.passes_timed(), 0.0);
}
