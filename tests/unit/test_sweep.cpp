// Unit tests of src/core/sweep: size lists, nccl-tests ranges, default sweeps, shapes.
#include "core/sweep.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gx {
namespace {

using Sizes = std::vector<std::uint64_t>;
constexpr std::uint64_t kKi = 1024;
constexpr std::uint64_t kMi = kKi * 1024;
constexpr std::uint64_t kGi = kMi * 1024;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// Expect a one-line UsageError whose message contains `must_contain` (typically the item).
void expect_bad_spec(std::string_view spec, std::string_view must_contain) {
  SCOPED_TRACE(std::string("parse_sizes('") + std::string(spec) + "')");
  try {
    (void)parse_sizes(spec);
    ADD_FAILURE() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(must_contain), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

// ---- parse_sizes: lists ------------------------------------------------------------------------

TEST(ParseSizes, SingleSize) {
  EXPECT_EQ(parse_sizes("4096"), (Sizes{4096}));
  EXPECT_EQ(parse_sizes("4KiB"), (Sizes{4096}));
  EXPECT_EQ(parse_sizes("400MB"), (Sizes{400'000'000}));
}

TEST(ParseSizes, ListIsSortedAndUnique) {
  EXPECT_EQ(parse_sizes("1K,4K"), (Sizes{kKi, 4 * kKi}));
  EXPECT_EQ(parse_sizes("4K,1K,4K"), (Sizes{kKi, 4 * kKi}));
  EXPECT_EQ(parse_sizes("4096,4KiB,4K"), (Sizes{4096}));  // three spellings of one size
  EXPECT_EQ(parse_sizes(" 1K , 2K "), (Sizes{kKi, 2 * kKi}));
  EXPECT_EQ(parse_sizes("1GB,1G"), (Sizes{1'000'000'000, kGi}));
}

// ---- parse_sizes: ranges -----------------------------------------------------------------------

TEST(ParseSizes, GeometricRangeLandingOnMax) {
  EXPECT_EQ(parse_sizes("1K:16K:x4"), (Sizes{1024, 4096, 16384}));
  EXPECT_EQ(parse_sizes("1K:8K:x2"), (Sizes{1024, 2048, 4096, 8192}));
  EXPECT_EQ(parse_sizes("1M:1G:x4"), (Sizes{kMi, 4 * kMi, 16 * kMi, 64 * kMi, 256 * kMi, kGi}));
}

TEST(ParseSizes, GeometricRangeAppendsMax) {
  // nccl-tests would stop at 4096; MAX itself is also measured.
  EXPECT_EQ(parse_sizes("1K:10K:x4"), (Sizes{1024, 4096, 10240}));
  EXPECT_EQ(parse_sizes("1:100:x10"), (Sizes{1, 10, 100}));
  EXPECT_EQ(parse_sizes("1:99:x10"), (Sizes{1, 10, 99}));
  EXPECT_EQ(parse_sizes("3:10:x4"), (Sizes{3, 10}));  // the first step already passes MAX
}

TEST(ParseSizes, ArithmeticRange) {
  EXPECT_EQ(parse_sizes("1K:4K:+1K"), (Sizes{1024, 2048, 3072, 4096}));
  EXPECT_EQ(parse_sizes("1:10:+3"), (Sizes{1, 4, 7, 10}));
  EXPECT_EQ(parse_sizes("1K:4500:+1K"), (Sizes{1024, 2048, 3072, 4096, 4500}));  // MAX appended
  EXPECT_EQ(parse_sizes("1K:2K:+4K"), (Sizes{1024, 2048}));
  EXPECT_EQ(parse_sizes("1MB:3MB:+1MB"), (Sizes{1'000'000, 2'000'000, 3'000'000}));
}

TEST(ParseSizes, DegenerateRange) {
  EXPECT_EQ(parse_sizes("1K:1K:x2"), (Sizes{1024}));
  EXPECT_EQ(parse_sizes("1K:1K:+1"), (Sizes{1024}));
}

TEST(ParseSizes, RangeSpellings) {
  EXPECT_EQ(parse_sizes("1K:16K:X4"), (Sizes{1024, 4096, 16384}));
  EXPECT_EQ(parse_sizes(" 1K : 16K : x4 "), (Sizes{1024, 4096, 16384}));
  EXPECT_EQ(parse_sizes("1KiB:16KiB:x4"), (Sizes{1024, 4096, 16384}));
  EXPECT_EQ(parse_sizes("1K:16K:x04"), (Sizes{1024, 4096, 16384}));
}

TEST(ParseSizes, RangesAndSizesMix) {
  EXPECT_EQ(parse_sizes("1K:4K:x2,3K,8K"), (Sizes{1024, 2048, 3072, 4096, 8192}));
  EXPECT_EQ(parse_sizes("8K,1K:4K:x2"), (Sizes{1024, 2048, 4096, 8192}));
  EXPECT_EQ(parse_sizes("1K:4K:x2,2K:8K:x2"), (Sizes{1024, 2048, 4096, 8192}));  // overlap
}

TEST(ParseSizes, RangesNearTheTopDoNotOverflow) {
  // 2^0 .. 2^63 then MAX = 2^64 - 1: 65 sizes, and no wrap-around to small values.
  const Sizes all = parse_sizes("1:18446744073709551615:x2");
  ASSERT_EQ(all.size(), 65u);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(all[i], std::uint64_t{1} << i);
  EXPECT_EQ(all.back(), kMax);

  EXPECT_EQ(parse_sizes("18446744073709551614:18446744073709551615:+1"), (Sizes{kMax - 1, kMax}));
  EXPECT_EQ(parse_sizes("18446744073709551000:18446744073709551615:+1K"), (Sizes{18446744073709551000u, kMax}));
  EXPECT_EQ(parse_sizes("8G:18446744073709551615:x18446744073709551615"), (Sizes{8 * kGi, kMax}));
}

TEST(ParseSizes, SizeLimit) {
  EXPECT_EQ(parse_sizes("1:10000:+1").size(), kMaxSweepSizes);
  EXPECT_EQ(parse_sizes("1:10000:+1,1:10000:+1").size(), kMaxSweepSizes);  // limit is on distinct
  expect_bad_spec("1:10001:+1", "10000");
  expect_bad_spec("1:1T:+1", "'1:1T:+1'");  // stops early rather than building a trillion
  expect_bad_spec("1:5000:+1,5001:10001:+1", "'5001:10001:+1'");
}

// ---- parse_sizes: bad inputs -------------------------------------------------------------------

TEST(ParseSizes, RejectsEmptySpecOrItem) {
  expect_bad_spec("", "empty");
  expect_bad_spec("   ", "empty");
  expect_bad_spec(",", "empty item");
  expect_bad_spec("1K,", "empty item");
  expect_bad_spec(",1K", "empty item");
  expect_bad_spec("1K,,2K", "'1K,,2K'");
  expect_bad_spec("1K, ,2K", "empty item");
}

TEST(ParseSizes, RejectsBadSizesNamingTheItem) {
  expect_bad_spec("abc", "'abc'");
  expect_bad_spec("1K,abc", "'abc'");
  expect_bad_spec("1K,0", "'0'");
  expect_bad_spec("1K,-4K", "'-4K'");
  expect_bad_spec("1.5", "'1.5'");
  expect_bad_spec("abc:4K:x2", "'abc:4K:x2'");
  expect_bad_spec("1K:abc:x2", "'1K:abc:x2'");
  expect_bad_spec("1K:abc:x2", "MAX");
  expect_bad_spec("0:4K:x2", "MIN");
  expect_bad_spec("1K:4K:+abc", "'1K:4K:+abc'");
  expect_bad_spec("1K:99999999999999999999:x2", "too large");
}

TEST(ParseSizes, RejectsMinAboveMax) {
  expect_bad_spec("4K:1K:x2", "'4K:1K:x2'");
  expect_bad_spec("4K:1K:x2", "MIN is larger than MAX");
  expect_bad_spec("4097:4K:+1", "MIN is larger than MAX");
}

TEST(ParseSizes, RejectsBadFactor) {
  for (std::string_view spec :
       {"1K:4K:x1", "1K:4K:x0", "1K:4K:x", "1K:4K:x1.5", "1K:4K:x-2", "1K:4K:x2K", "1K:4K:x99999999999999999999"}) {
    expect_bad_spec(spec, "'" + std::string(spec) + "'");
    expect_bad_spec(spec, "integer >= 2");
  }
}

TEST(ParseSizes, RejectsBadStep) {
  expect_bad_spec("1K:4K:+0", "'1K:4K:+0'");
  expect_bad_spec("1K:4K:+0", "at least 1 byte");
  expect_bad_spec("1K:4K:+", "STEP");
  expect_bad_spec("1K:4K:+0.5", "not a whole number of bytes");
}

TEST(ParseSizes, RejectsMalformedRanges) {
  expect_bad_spec("1K:4K", "three parts");
  expect_bad_spec("1K:4K:x2:5", "three parts");
  expect_bad_spec(":", "three parts");
  expect_bad_spec("1K:4K:4", "xFACTOR");
  expect_bad_spec("1K:4K:", "xFACTOR");
  expect_bad_spec("1K:4K:*2", "xFACTOR");
  expect_bad_spec("1K::x2", "MAX");
  expect_bad_spec(":4K:x2", "MIN");
}

// ---- default and quick sweeps ------------------------------------------------------------------

TEST(DefaultSweep, Float32) {
  const Sizes s = default_transfer_sweep(DType::f32);
  // 4^0 .. 4^13 elements (4^14 > 1e8), then exactly 10000x10000 elements.
  ASSERT_EQ(s.size(), 15u);
  std::uint64_t elements = 1;
  for (std::size_t i = 0; i < 14; ++i, elements *= 4) EXPECT_EQ(s[i], elements * 4) << i;
  EXPECT_EQ(s[13], 67'108'864u * 4);
  EXPECT_EQ(s.back(), 400'000'000u);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  EXPECT_EQ(std::adjacent_find(s.begin(), s.end()), s.end());
  EXPECT_NE(std::find(s.begin(), s.end(), 4 * kKi), s.end());  // 1024 elements
  EXPECT_NE(std::find(s.begin(), s.end(), 4 * kMi), s.end());  // 1Mi elements
}

TEST(DefaultSweep, ScalesWithDtype) {
  const Sizes f32 = default_transfer_sweep(DType::f32);
  for (DType d : {DType::f16, DType::bf16, DType::f64}) {
    const Sizes s = default_transfer_sweep(d);
    ASSERT_EQ(s.size(), f32.size());
    for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(s[i] * 4, f32[i] * dtype_bytes(d));
    EXPECT_EQ(s.front(), dtype_bytes(d));
    EXPECT_EQ(s.back(), headline_bytes(d));
  }
}

TEST(QuickSweep, ThreeSizes) {
  EXPECT_EQ(quick_transfer_sweep(DType::f32), (Sizes{4 * kKi, 4 * kMi, 400'000'000}));
  EXPECT_EQ(quick_transfer_sweep(DType::bf16), (Sizes{2 * kKi, 2 * kMi, 200'000'000}));
  EXPECT_EQ(quick_transfer_sweep(DType::f64), (Sizes{8 * kKi, 8 * kMi, 800'000'000}));
}

TEST(HeadlineBytes, PerDtype) {
  EXPECT_EQ(headline_bytes(DType::f32), 400'000'000u);
  EXPECT_EQ(headline_bytes(DType::f16), 200'000'000u);
  EXPECT_EQ(headline_bytes(DType::bf16), 200'000'000u);
  EXPECT_EQ(headline_bytes(DType::f64), 800'000'000u);
}

// ---- shape_for_bytes ---------------------------------------------------------------------------

TEST(ShapeForBytes, Headline) {
  for (DType d : {DType::f32, DType::f16, DType::bf16, DType::f64}) {
    EXPECT_EQ(shape_for_bytes(headline_bytes(d), d), (Shape{{10000, 10000}})) << to_string(d);
  }
}

TEST(ShapeForBytes, Squares) {
  EXPECT_EQ(shape_for_bytes(16, DType::f32), (Shape{{2, 2}}));  // 4 elements: smallest square
  EXPECT_EQ(shape_for_bytes(64, DType::f32), (Shape{{4, 4}}));
  EXPECT_EQ(shape_for_bytes(4 * kKi, DType::f32), (Shape{{32, 32}}));
  EXPECT_EQ(shape_for_bytes(4 * kMi, DType::f32), (Shape{{1024, 1024}}));
  EXPECT_EQ(shape_for_bytes(2 * 9, DType::f16), (Shape{{3, 3}}));
  EXPECT_EQ(shape_for_bytes(8 * 49, DType::f64), (Shape{{7, 7}}));
}

TEST(ShapeForBytes, OneDimensional) {
  EXPECT_EQ(shape_for_bytes(4, DType::f32), (Shape{{1}}));  // 1 is a square, but below 4
  EXPECT_EQ(shape_for_bytes(8, DType::f32), (Shape{{2}}));
  EXPECT_EQ(shape_for_bytes(12, DType::f32), (Shape{{3}}));
  EXPECT_EQ(shape_for_bytes(4 * 15, DType::f32), (Shape{{15}}));
  EXPECT_EQ(shape_for_bytes(4 * 17, DType::f32), (Shape{{17}}));
  EXPECT_EQ(shape_for_bytes(2 * kKi, DType::f32), (Shape{{512}}));
}

TEST(ShapeForBytes, LargeCountsUseExactIntegerRoot) {
  constexpr std::uint64_t r = (std::uint64_t{1} << 31) - 1;
  EXPECT_EQ(shape_for_bytes(2 * r * r, DType::f16), (Shape{{r, r}}));
  EXPECT_EQ(shape_for_bytes(2 * (r * r + 1), DType::f16), (Shape{{r * r + 1}}));
  // 2^62 - 1: sqrt in double rounds up to 2^31; the exact correction must bring it back.
  constexpr std::uint64_t n = (std::uint64_t{1} << 62) - 1;
  EXPECT_EQ(shape_for_bytes(2 * n, DType::bf16), (Shape{{n}}));
  EXPECT_EQ(shape_for_bytes(kMax - 1, DType::f16), (Shape{{kMax / 2}}));
}

TEST(ShapeForBytes, NotWholeElements) {
  EXPECT_EQ(shape_for_bytes(0, DType::f32), std::nullopt);
  EXPECT_EQ(shape_for_bytes(3, DType::f32), std::nullopt);
  EXPECT_EQ(shape_for_bytes(1, DType::f16), std::nullopt);
  EXPECT_EQ(shape_for_bytes(4 * kKi + 2, DType::f32), std::nullopt);
  EXPECT_EQ(shape_for_bytes(12, DType::f64), std::nullopt);
  EXPECT_EQ(shape_for_bytes(kMax, DType::bf16), std::nullopt);
}

TEST(ShapeForBytes, EverySweepSizeHasAShape) {
  for (DType d : {DType::f32, DType::f16, DType::bf16, DType::f64}) {
    for (std::uint64_t bytes : default_transfer_sweep(d)) {
      const auto shape = shape_for_bytes(bytes, d);
      ASSERT_TRUE(shape.has_value()) << bytes;
      EXPECT_EQ(shape->elements() * dtype_bytes(d), bytes);
    }
  }
}

}  // namespace
}  // namespace gx
