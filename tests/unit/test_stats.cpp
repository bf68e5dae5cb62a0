// Unit tests of src/core/stats against hand-computed values (numpy type-7 quartiles).
#include "core/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace gx {
namespace {

constexpr double kTol = 1e-12;

TEST(Summarize, FourValues) {
  const Summary s = summarize({1, 2, 3, 4});
  EXPECT_EQ(s.n, 4u);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.q1, 1.75);
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.q3, 3.25);
  EXPECT_DOUBLE_EQ(s.max, 4);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.stdev, std::sqrt(5.0 / 3.0), kTol);  // 1.2909944...
  EXPECT_NEAR(s.cv, std::sqrt(5.0 / 3.0) / 2.5, kTol);
}

TEST(Summarize, ClassicSampleStdev) {
  // Population stdev of this set is exactly 2; the sample (n - 1) stdev is sqrt(32/7).
  const Summary s = summarize({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_NEAR(s.stdev, 2.138089935299395, kTol);
  EXPECT_DOUBLE_EQ(s.q1, 4);  // h = 1.75 between 4 and 4
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_DOUBLE_EQ(s.q3, 5.5);  // h = 5.25: 5 + 0.25 * (7 - 5)
  EXPECT_NEAR(s.cv, 2.138089935299395 / 5, kTol);
}

TEST(Summarize, MatchesNumpyPercentile) {
  // numpy.percentile([7, 15, 36, 39, 40, 41], [25, 50, 75]) == [20.25, 37.5, 39.75]
  const Summary s = summarize({7, 15, 36, 39, 40, 41});
  EXPECT_DOUBLE_EQ(s.q1, 20.25);
  EXPECT_DOUBLE_EQ(s.median, 37.5);
  EXPECT_DOUBLE_EQ(s.q3, 39.75);
  EXPECT_DOUBLE_EQ(s.mean, 29.666666666666668);
}

TEST(Summarize, OddCountHitsRanksExactly) {
  const Summary s = summarize({5, 1, 4, 2, 3});
  EXPECT_DOUBLE_EQ(s.q1, 2);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.q3, 4);
  EXPECT_NEAR(s.stdev, std::sqrt(2.5), kTol);

  std::vector<double> one_to_101;
  for (int i = 1; i <= 101; ++i) one_to_101.push_back(i);
  const Summary t = summarize(one_to_101);
  EXPECT_DOUBLE_EQ(t.q1, 26);
  EXPECT_DOUBLE_EQ(t.median, 51);
  EXPECT_DOUBLE_EQ(t.q3, 76);
  EXPECT_DOUBLE_EQ(t.mean, 51);
}

TEST(Summarize, TwoValues) {
  const Summary s = summarize({20, 10});
  EXPECT_DOUBLE_EQ(s.min, 10);
  EXPECT_DOUBLE_EQ(s.q1, 12.5);
  EXPECT_DOUBLE_EQ(s.median, 15);
  EXPECT_DOUBLE_EQ(s.q3, 17.5);
  EXPECT_DOUBLE_EQ(s.max, 20);
  EXPECT_NEAR(s.stdev, std::sqrt(50.0), kTol);
}

TEST(Summarize, OrderDoesNotMatter) {
  const Summary a = summarize({4, 1, 3, 2});
  const Summary b = summarize({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(a.q1, b.q1);
  EXPECT_DOUBLE_EQ(a.median, b.median);
  EXPECT_DOUBLE_EQ(a.q3, b.q3);
  EXPECT_DOUBLE_EQ(a.stdev, b.stdev);
}

TEST(Summarize, SingleSample) {
  const Summary s = summarize({3.5});
  EXPECT_EQ(s.n, 1u);
  for (double v : {s.min, s.q1, s.median, s.q3, s.max, s.mean}) EXPECT_DOUBLE_EQ(v, 3.5);
  EXPECT_EQ(s.stdev, 0);
  EXPECT_EQ(s.cv, 0);
}

TEST(Summarize, ConstantSamplesHaveZeroSpread) {
  const Summary s = summarize(std::vector<double>(25, 1.7e-6));
  EXPECT_DOUBLE_EQ(s.mean, 1.7e-6);
  EXPECT_DOUBLE_EQ(s.median, 1.7e-6);
  EXPECT_EQ(s.stdev, 0);
  EXPECT_EQ(s.cv, 0);
  EXPECT_GE(s.mean, s.min);
  EXPECT_LE(s.mean, s.max);
}

TEST(Summarize, ZeroMeanGivesZeroCv) {
  const Summary s = summarize({-1, 1});
  EXPECT_EQ(s.mean, 0);
  EXPECT_NEAR(s.stdev, std::sqrt(2.0), kTol);
  EXPECT_EQ(s.cv, 0);
}

TEST(Summarize, NegativeMeanGivesNonNegativeCv) {
  const Summary s = summarize({-2, -4});
  EXPECT_DOUBLE_EQ(s.mean, -3);
  EXPECT_NEAR(s.cv, std::sqrt(2.0) / 3, kTol);
}

TEST(Summarize, StableForLargeCloseValues) {
  // Rates near 1e15 B/s that differ in the last digits: the one-pass sum-of-squares formula
  // loses everything here; the two-pass one is exact (sample variance of {4,7,13,16} is 30).
  const double base = 1e15;
  const Summary s = summarize({base + 4, base + 7, base + 13, base + 16});
  EXPECT_DOUBLE_EQ(s.mean, base + 10);
  EXPECT_NEAR(s.stdev, std::sqrt(30.0), 1e-9);
  EXPECT_DOUBLE_EQ(s.median, base + 10);
}

TEST(Summarize, StableForTinyValues) {
  // Kernel times in seconds: 1e-6 scale, spread 1e-9.
  const Summary s = summarize({1.000e-6, 1.001e-6, 1.002e-6, 1.003e-6});
  EXPECT_NEAR(s.mean, 1.0015e-6, 1e-18);
  EXPECT_NEAR(s.stdev, 1e-9 * std::sqrt(5.0 / 3.0), 1e-18);
}

TEST(Summarize, HugeValuesDoNotOverflowTheMean) {
  const double big = 1.7e308;
  const Summary s = summarize({big, big, big});
  EXPECT_DOUBLE_EQ(s.mean, big);
  EXPECT_EQ(s.stdev, 0);
  EXPECT_TRUE(std::isfinite(s.cv));
}

TEST(Summarize, OrderedStatistics) {
  const Summary s = summarize({0.9, 12.0, 3.3, 3.3, 7.5, 1e-3, 4.4, 100.0, 2.2});
  EXPECT_LE(s.min, s.q1);
  EXPECT_LE(s.q1, s.median);
  EXPECT_LE(s.median, s.q3);
  EXPECT_LE(s.q3, s.max);
  EXPECT_DOUBLE_EQ(s.min, 1e-3);
  EXPECT_DOUBLE_EQ(s.max, 100.0);
  EXPECT_DOUBLE_EQ(s.median, 3.3);
  EXPECT_DOUBLE_EQ(s.q1, 2.2);
  EXPECT_DOUBLE_EQ(s.q3, 7.5);
}

TEST(Summarize, RejectsEmpty) {
  EXPECT_THROW((void)summarize({}), std::invalid_argument);
}

TEST(Summarize, RejectsNonFinite) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW((void)summarize({1, nan, 3}), std::invalid_argument);
  EXPECT_THROW((void)summarize({nan}), std::invalid_argument);
  EXPECT_THROW((void)summarize({1, inf}), std::invalid_argument);
  EXPECT_THROW((void)summarize({-inf, 1}), std::invalid_argument);
}

TEST(IsNoisy, ThresholdIsStrict) {
  Summary s;
  s.cv = 0.05;
  EXPECT_FALSE(is_noisy(s));
  s.cv = 0.0501;
  EXPECT_TRUE(is_noisy(s));
  s.cv = 0;
  EXPECT_FALSE(is_noisy(s));
}

TEST(IsNoisy, CustomThreshold) {
  Summary s;
  s.cv = 0.03;
  EXPECT_FALSE(is_noisy(s));
  EXPECT_TRUE(is_noisy(s, 0.02));
  EXPECT_FALSE(is_noisy(s, 0.10));
}

TEST(IsNoisy, FromSamples) {
  EXPECT_FALSE(is_noisy(summarize({100, 101, 99, 100, 100})));
  EXPECT_TRUE(is_noisy(summarize({100, 130, 70, 100, 100})));  // cv ~ 0.21
}

}  // namespace
}  // namespace gx
