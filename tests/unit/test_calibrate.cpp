// Ops per sample (core/calibrate): a sample lasts at least the minimum sample time unless the op
// cap is reached, and then the choice says so.
#include "core/calibrate.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace gx;

namespace {

// A model of one sample's seconds per op: `first` paid once per sample (an engine's start after
// the gate), then `each` per op.
struct Model {
  double first = 0;
  double each = 0;
  std::vector<std::uint64_t> asked;
  double operator()(std::uint64_t ops) {
    asked.push_back(ops);
    return (first + each * static_cast<double>(ops)) / static_cast<double>(ops);
  }
};

OpsChoice run(Model& m, double min_seconds, std::uint64_t min_ops, std::uint64_t cap) {
  return calibrate_ops([&](std::uint64_t n) { return m(n); }, OpsRule{min_seconds, min_ops, cap});
}

}  // namespace

// What the old rule got wrong: a 2.4 µs copy whose first op after the gate costs 19 µs. One op
// gave ceil(1 ms / 19 µs) = 53 ops, a 0.14 ms sample; calibrated on real samples it is ~470.
TEST(Calibrate, SmallOpsAreCountedOnSamplesOfManyNotOnOne) {
  Model m{16.6e-6, 2.4e-6, {}};
  const OpsChoice c = run(m, 1e-3, 1, 100000);
  EXPECT_FALSE(c.capped);
  EXPECT_GE(c.sample_seconds, kCalibrationAccept * 1e-3);
  EXPECT_GE(static_cast<double>(c.ops) * 2.4e-6 + 16.6e-6, 1e-3);
  EXPECT_LE(c.ops, 600u) << "not far past the aim (1.25 ms)";
  EXPECT_EQ(m.asked.front(), 1u);
  EXPECT_LE(c.rounds, 4);
  EXPECT_EQ(m.asked.back(), c.ops) << "the count chosen is the one last measured";
}

TEST(Calibrate, CapBoundsTheCountAndIsRecorded) {
  Model m{16.6e-6, 2.4e-6, {}};
  const OpsChoice c = run(m, 1e-3, 1, 256);  // 256 x 2.4 µs = 0.63 ms < 1 ms
  EXPECT_EQ(c.ops, 256u);
  EXPECT_TRUE(c.capped);
  EXPECT_LT(c.sample_seconds, 1e-3);
  EXPECT_EQ(m.asked.back(), 256u) << "measured at the cap before calling it capped";
}

TEST(Calibrate, CapReachedButTheSampleLongEnoughIsNotCapped) {
  Model m{0, 4.1e-6, {}};
  const OpsChoice c = run(m, 1e-3, 1, 256);  // 256 x 4.1 µs = 1.05 ms: the rule holds
  EXPECT_EQ(c.ops, 256u);
  EXPECT_FALSE(c.capped);
}

TEST(Calibrate, LongOpsKeepOnePerSample) {
  Model m{0, 3.4e-3, {}};  // a pointer-chase op
  const OpsChoice c = run(m, 1e-3, 1, 256);
  EXPECT_EQ(c.ops, 1u);
  EXPECT_EQ(c.rounds, 1);
  EXPECT_FALSE(c.capped);
}

TEST(Calibrate, MinOpsIsTheStartAndTheFloor) {
  Model m{0, 2e-3, {}};
  EXPECT_EQ(run(m, 1e-3, 3, 256).ops, 3u);
  Model tiny{0, 1e-6, {}};
  const OpsChoice c = run(tiny, 1e-3, 2, 100000);
  EXPECT_EQ(tiny.asked.front(), 2u);
  EXPECT_GE(c.sample_seconds, 1e-3);
  Model clamp{0, 1e-6, {}};
  EXPECT_EQ(run(clamp, 1e-3, 500, 256).ops, 256u) << "min_ops above the cap is clamped to it";
}

TEST(Calibrate, ZeroOrBrokenTimesDoubleUntilTheCap) {
  std::vector<std::uint64_t> asked;
  const OpsChoice c = calibrate_ops(
      [&](std::uint64_t n) {
        asked.push_back(n);
        return 0.0;
      },
      OpsRule{1e-3, 1, 64});
  EXPECT_EQ(asked, (std::vector<std::uint64_t>{1, 2, 4, 8, 16, 32, 64}));
  EXPECT_EQ(c.ops, 64u);
  EXPECT_TRUE(c.capped);
}

TEST(Calibrate, PerOpTimeFallingWithTheCountStillEndsWithinTheRounds) {
  // Per-op time that keeps falling as the count grows (each op cheaper in a longer sample).
  std::uint64_t calls = 0;
  const OpsChoice c = calibrate_ops(
      [&](std::uint64_t n) {
        ++calls;
        return 1e-4 / static_cast<double>(n);  // every sample lasts 0.1 ms whatever n
      },
      OpsRule{1e-3, 1, 100000});
  EXPECT_EQ(c.ops, 100000u);
  EXPECT_TRUE(c.capped);
  EXPECT_LE(calls, static_cast<std::uint64_t>(kCalibrationRounds));
}

TEST(Calibrate, SameTimingsSameCount) {
  Model a{16.6e-6, 2.4e-6, {}};
  Model b{16.6e-6, 2.4e-6, {}};
  EXPECT_EQ(run(a, 5e-3, 2, 256).ops, run(b, 5e-3, 2, 256).ops);
  EXPECT_EQ(a.asked, b.asked) << "two processes agreeing on every sample take the same samples";
}
