#include "core/pattern.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace gx;

TEST(Pattern, FillThenCheckIsClean) {
  std::vector<unsigned char> b(1027);
  fill_pattern_host(b.data(), b.size(), 7, 0);
  EXPECT_EQ(count_mismatches_host(b.data(), b.size(), 7, 0), 0u);
  EXPECT_GT(count_mismatches_host(b.data(), b.size(), 8, 0), 1000u) << "another seed differs almost everywhere";
}

TEST(Pattern, CorruptionShiftAndOffsetAreCaught) {
  std::vector<unsigned char> b(4096);
  fill_pattern_host(b.data(), b.size(), 1, 0);
  b[100] ^= 0x01;
  EXPECT_EQ(count_mismatches_host(b.data(), b.size(), 1, 0), 1u);
  // A copy shifted by one byte is wrong almost everywhere.
  EXPECT_GT(count_mismatches_host(b.data() + 1, 4000, 1, 0), 3900u);
  // Checking a sub-range with its offset agrees with the whole.
  EXPECT_EQ(count_mismatches_host(b.data() + 200, 1000, 1, 200), 0u);
}

TEST(Pattern, NeverAllZeros) {
  std::vector<unsigned char> b(1 << 16);
  fill_pattern_host(b.data(), b.size(), 0, 0);
  std::size_t zeros = 0;
  for (auto c : b) zeros += c == 0;
  EXPECT_LT(zeros, b.size() / 100);  // ~1/256 expected
}

TEST(Pattern, LargeBuffersSplitAcrossThreadsAgreeWithBytewise) {
  std::vector<unsigned char> big((40u << 20) + 5);
  fill_pattern_host(big.data(), big.size(), 3, 1);
  for (std::size_t b : {std::size_t{0}, std::size_t{1}, std::size_t{8u << 20}, big.size() - 1}) {
    EXPECT_EQ(big[b], pattern_byte(3, 1 + b)) << b;
  }
  EXPECT_EQ(count_mismatches_host(big.data(), big.size(), 3, 1), 0u);
  big[(16u << 20) + 2] ^= 0xff;
  big[big.size() - 1] ^= 0x10;
  EXPECT_EQ(count_mismatches_host(big.data(), big.size(), 3, 1), 2u);
}
