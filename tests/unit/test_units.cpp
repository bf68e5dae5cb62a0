// Unit tests of src/core/units: size/shape/dtype parsing and human formatting.
#include "core/units.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gx {
namespace {

constexpr std::uint64_t kKi = 1024;
constexpr std::uint64_t kMi = kKi * 1024;
constexpr std::uint64_t kGi = kMi * 1024;
constexpr std::uint64_t kTi = kGi * 1024;

// The CLI prints these messages as they are, so check they name the value and stay one line.
template <typename Fn>
void expect_usage_error(Fn&& fn, std::string_view must_contain) {
  try {
    fn();
    ADD_FAILURE() << "expected UsageError mentioning " << must_contain;
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(must_contain), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "multi-line message: " << what;
    EXPECT_EQ(e.exit_code(), ExitCode::usage);
  }
}

void expect_bad_size(std::string_view text, std::string_view reason) {
  SCOPED_TRACE(std::string("parse_size('") + std::string(text) + "')");
  expect_usage_error([&] { (void)parse_size(text); }, "'" + std::string(text) + "'");
  expect_usage_error([&] { (void)parse_size(text); }, reason);
}

void expect_bad_shape(std::string_view text, std::string_view reason) {
  SCOPED_TRACE(std::string("parse_shape('") + std::string(text) + "')");
  expect_usage_error([&] { (void)parse_shape(text); }, "'" + std::string(text) + "'");
  expect_usage_error([&] { (void)parse_shape(text); }, reason);
}

// ---- dtype -------------------------------------------------------------------------------------

TEST(Dtype, BytesPerElement) {
  EXPECT_EQ(dtype_bytes(DType::f32), 4u);
  EXPECT_EQ(dtype_bytes(DType::f16), 2u);
  EXPECT_EQ(dtype_bytes(DType::bf16), 2u);
  EXPECT_EQ(dtype_bytes(DType::f64), 8u);
}

TEST(Dtype, NamesRoundTrip) {
  for (DType d : {DType::f32, DType::f16, DType::bf16, DType::f64}) {
    EXPECT_EQ(parse_dtype(to_string(d)), d) << to_string(d);
  }
  EXPECT_EQ(to_string(DType::f32), "f32");
  EXPECT_EQ(to_string(DType::f16), "f16");
  EXPECT_EQ(to_string(DType::bf16), "bf16");
  EXPECT_EQ(to_string(DType::f64), "f64");
}

TEST(Dtype, RejectsUnknownNamesAndListsAllowed) {
  for (std::string_view bad : {"", "F32", "fp32", "float", "f8", "bf32", " f32"}) {
    SCOPED_TRACE(std::string(bad));
    expect_usage_error([&] { (void)parse_dtype(bad); }, "'" + std::string(bad) + "'");
    expect_usage_error([&] { (void)parse_dtype(bad); }, "f32, f16, bf16, f64");
  }
}

// ---- parse_size: good inputs -------------------------------------------------------------------

TEST(ParseSize, PlainBytes) {
  EXPECT_EQ(parse_size("1"), 1u);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("4096B"), 4096u);
  EXPECT_EQ(parse_size("4096b"), 4096u);
  EXPECT_EQ(parse_size("4096 B"), 4096u);
  EXPECT_EQ(parse_size("  4096  "), 4096u);
  EXPECT_EQ(parse_size("007"), 7u);
}

TEST(ParseSize, NcclTestsLettersAreBinary) {
  EXPECT_EQ(parse_size("1K"), kKi);
  EXPECT_EQ(parse_size("1k"), kKi);
  EXPECT_EQ(parse_size("4K"), 4 * kKi);
  EXPECT_EQ(parse_size("1M"), kMi);
  EXPECT_EQ(parse_size("400M"), 400 * kMi);
  EXPECT_EQ(parse_size("1G"), kGi);
  EXPECT_EQ(parse_size("1T"), kTi);
}

TEST(ParseSize, IecSuffixesAreBinary) {
  EXPECT_EQ(parse_size("4KiB"), 4 * kKi);
  EXPECT_EQ(parse_size("4 KiB"), 4 * kKi);
  EXPECT_EQ(parse_size("1MiB"), kMi);
  EXPECT_EQ(parse_size("2GiB"), 2 * kGi);
  EXPECT_EQ(parse_size("1TiB"), kTi);
}

TEST(ParseSize, SiSuffixesAreDecimal) {
  EXPECT_EQ(parse_size("1kB"), 1000u);
  EXPECT_EQ(parse_size("1KB"), 1000u);
  EXPECT_EQ(parse_size("400MB"), 400'000'000u);
  EXPECT_EQ(parse_size("1GB"), 1'000'000'000u);
  EXPECT_EQ(parse_size("2TB"), 2'000'000'000'000u);
}

TEST(ParseSize, FractionsThatAreWholeBytes) {
  EXPECT_EQ(parse_size("1.5GB"), 1'500'000'000u);
  EXPECT_EQ(parse_size("1.5K"), 1536u);
  EXPECT_EQ(parse_size("0.5KiB"), 512u);
  EXPECT_EQ(parse_size(".5KiB"), 512u);
  EXPECT_EQ(parse_size("1.25MiB"), kMi + kMi / 4);
  EXPECT_EQ(parse_size("0.001kB"), 1u);
  EXPECT_EQ(parse_size("1.0KiB"), kKi);
  EXPECT_EQ(parse_size("1.50K"), 1536u);  // trailing zeros do not matter
  EXPECT_EQ(parse_size("2.000B"), 2u);
  EXPECT_EQ(parse_size("0.000000000001TB"), 1u);  // 12 decimals: the most accepted
  EXPECT_EQ(parse_size("1.000000000001TB"), 1'000'000'000'001u);
}

TEST(ParseSize, LargestValues) {
  EXPECT_EQ(parse_size("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parse_size("16777215TiB"), 16777215 * kTi);
  EXPECT_EQ(parse_size("18000000TB"), 18'000'000'000'000'000'000u);
}

// ---- parse_size: bad inputs --------------------------------------------------------------------

TEST(ParseSize, RejectsEmpty) {
  expect_bad_size("", "empty");
  expect_bad_size("   ", "empty");
}

TEST(ParseSize, RejectsZero) {
  expect_bad_size("0", "at least 1 byte");
  expect_bad_size("0KiB", "at least 1 byte");
  expect_bad_size("0.0", "at least 1 byte");
  expect_bad_size("000", "at least 1 byte");
}

TEST(ParseSize, RejectsNegative) {
  expect_bad_size("-1", "negative");
  expect_bad_size("-4KiB", "negative");
}

TEST(ParseSize, RejectsNonNumbers) {
  expect_bad_size("abc", "not a number");
  expect_bad_size("KiB", "not a number");
  expect_bad_size("+5", "not a number");
  expect_bad_size(".", "not a number");
  expect_bad_size("x4", "not a number");
}

TEST(ParseSize, RejectsUnknownUnits) {
  expect_bad_size("4XB", "unknown unit 'XB'");
  expect_bad_size("4Kb", "unknown unit");  // neither K nor KB
  expect_bad_size("4kiB", "unknown unit");
  expect_bad_size("4 K iB", "unknown unit");
  expect_bad_size("1e6", "unknown unit");
  expect_bad_size("1.2.3", "unknown unit");
  expect_bad_size("4KiB4", "unknown unit");
  expect_bad_size("1,000", "unknown unit");
}

TEST(ParseSize, RejectsFractionalBytes) {
  expect_bad_size("1.5", "not a whole number of bytes");
  expect_bad_size("1.5B", "not a whole number of bytes");
  expect_bad_size(".5", "not a whole number of bytes");
  expect_bad_size("0.3K", "not a whole number of bytes");      // 307.2 bytes
  expect_bad_size("1.0001kB", "not a whole number of bytes");  // 1000.1 bytes
  // Tiny remainders must be rejected too, not rounded away: 1024 + 1.024e-7 bytes.
  expect_bad_size("1.0000000001K", "not a whole number of bytes");
  expect_bad_size("1.000000000001KiB", "not a whole number of bytes");
  expect_bad_size("1.0000000000001K", "too many decimals");
}

TEST(ParseSize, RejectsOverflow) {
  expect_bad_size("99999999999999999999", "too large");
  expect_bad_size("18446744073709551616", "too large");  // 2^64
  expect_bad_size("20000000TB", "too large");
  expect_bad_size("16777216TiB", "too large");  // exactly 2^64
  expect_bad_size("18446744073709551615.5K", "too large");
}

TEST(ParseSize, MessageShowsExamplesAndNcclMeaning) {
  expect_usage_error([] { (void)parse_size("4XB"); }, "K/M/G mean KiB/MiB/GiB");
}

// ---- parse_shape / format_shape ----------------------------------------------------------------

TEST(ParseShape, Headline) {
  const Shape s = parse_shape("10000x10000");
  EXPECT_EQ(s.dims, (std::vector<std::uint64_t>{10000, 10000}));
  EXPECT_EQ(s.elements(), 100'000'000u);
}

TEST(ParseShape, Utf8MultiplicationSign) {
  EXPECT_EQ(parse_shape("10000\xC3\x97"
                        "10000"),
            parse_shape("10000x10000"));
  EXPECT_EQ(parse_shape("10000×10000"), parse_shape("10000x10000"));
  EXPECT_EQ(parse_shape("2×3×4").dims, (std::vector<std::uint64_t>{2, 3, 4}));
}

TEST(ParseShape, OtherSeparatorsAndRanks) {
  EXPECT_EQ(parse_shape("4096").dims, (std::vector<std::uint64_t>{4096}));
  EXPECT_EQ(parse_shape("1024x1024x8").dims, (std::vector<std::uint64_t>{1024, 1024, 8}));
  EXPECT_EQ(parse_shape("2X3").dims, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(parse_shape("2*3").dims, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(parse_shape(" 3x4 ").dims, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(parse_shape("1x1x1x1x1x1x1x1").dims.size(), 8u);  // 8 dimensions is the limit
  EXPECT_EQ(parse_shape("1024x1024x8").elements(), 8u * 1024 * 1024);
}

TEST(ParseShape, LargestProduct) {
  EXPECT_EQ(parse_shape("4294967296x4294967295").elements(),
            4294967296ull * 4294967295ull);  // 2^64 - 2^32 fits
  EXPECT_EQ(parse_shape("18446744073709551615").elements(), std::numeric_limits<std::uint64_t>::max());
}

TEST(ParseShape, RejectsBadShapes) {
  expect_bad_shape("", "empty");
  expect_bad_shape("  ", "empty");
  expect_bad_shape("0x5", "a dimension is 0");
  expect_bad_shape("5x0", "a dimension is 0");
  expect_bad_shape("0", "a dimension is 0");
  expect_bad_shape("x", "expected a number");
  expect_bad_shape("x5", "expected a number");
  expect_bad_shape("5x", "expected a number");
  expect_bad_shape("3xx4", "expected a number");
  expect_bad_shape("-3x4", "negative dimension");
  expect_bad_shape("3 x 4", "unexpected ' '");
  expect_bad_shape("3y4", "unexpected 'y'");
  expect_bad_shape("3.5x4", "unexpected '.'");
  expect_bad_shape("1x1x1x1x1x1x1x1x1", "more than 8 dimensions");
}

TEST(ParseShape, RejectsOverflow) {
  expect_bad_shape("99999999999999999999", "too large");
  expect_bad_shape("4294967296x4294967296", "too large");  // 2^64
  expect_bad_shape("100000x100000x100000x100000", "too large");
}

TEST(FormatShape, JoinsWithX) {
  EXPECT_EQ(format_shape(Shape{{10000, 10000}}), "10000x10000");
  EXPECT_EQ(format_shape(Shape{{4096}}), "4096");
  EXPECT_EQ(format_shape(Shape{{1024, 1024, 8}}), "1024x1024x8");
  EXPECT_EQ(format_shape(parse_shape("2×3")), "2x3");
  EXPECT_EQ(parse_shape(format_shape(Shape{{7, 9, 11}})), (Shape{{7, 9, 11}}));
}

TEST(Shape, Equality) {
  EXPECT_EQ((Shape{{2, 3}}), (Shape{{2, 3}}));
  EXPECT_FALSE((Shape{{2, 3}}) == (Shape{{3, 2}}));
  EXPECT_FALSE((Shape{{6}}) == (Shape{{2, 3}}));
}

// ---- formatting --------------------------------------------------------------------------------

TEST(FormatBytes, DecimalUnits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1), "1 B");
  EXPECT_EQ(format_bytes(999), "999 B");
  EXPECT_EQ(format_bytes(1000), "1.00 kB");
  EXPECT_EQ(format_bytes(4096), "4.10 kB");
  EXPECT_EQ(format_bytes(12'345), "12.3 kB");
  EXPECT_EQ(format_bytes(400'000'000), "400 MB");
  EXPECT_EQ(format_bytes(1'500'000'000), "1.50 GB");
  EXPECT_EQ(format_bytes(2'000'000'000'000), "2.00 TB");
  EXPECT_EQ(format_bytes(std::numeric_limits<std::uint64_t>::max()), "18.4 EB");
}

TEST(FormatBytes, RoundingCarriesIntoTheNextUnit) {
  EXPECT_EQ(format_bytes(999'999), "1.00 MB");  // not "1000 kB"
  EXPECT_EQ(format_bytes(999'499), "999 kB");
  EXPECT_EQ(format_bytes(9'999), "10.0 kB");  // not "10.00 kB"
  EXPECT_EQ(format_bytes(99'999), "100 kB");  // not "100.0 kB"
  EXPECT_EQ(format_bytes(999'999'999), "1.00 GB");
}

TEST(FormatBytes, BinaryUnits) {
  EXPECT_EQ(format_bytes_binary(1023), "1023 B");
  EXPECT_EQ(format_bytes_binary(kKi), "1.00 KiB");
  EXPECT_EQ(format_bytes_binary(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes_binary(4 * kKi), "4.00 KiB");
  EXPECT_EQ(format_bytes_binary(400 * kMi), "400 MiB");
  EXPECT_EQ(format_bytes_binary(kGi), "1.00 GiB");
  EXPECT_EQ(format_bytes_binary(400'000'000), "381 MiB");
  EXPECT_EQ(format_bytes_binary(kMi - 1), "1.00 MiB");     // 1023.999 KiB rounds up a unit
  EXPECT_EQ(format_bytes_binary(1000 * kKi), "1000 KiB");  // below 1024: stays in KiB
  EXPECT_EQ(format_bytes_binary(std::numeric_limits<std::uint64_t>::max()), "16.0 EiB");
}

// One notation for bench/show tables and the report: binary units, exact sizes without decimals.
TEST(FormatSize, BinaryUnitsExactSizesAreWholeNumbers) {
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(4), "4 B");
  EXPECT_EQ(format_size(1000), "1000 B");
  EXPECT_EQ(format_size(1023), "1023 B");
  EXPECT_EQ(format_size(kKi), "1 KiB");
  EXPECT_EQ(format_size(4 * kKi), "4 KiB");
  EXPECT_EQ(format_size(1000 * kKi), "1000 KiB");
  EXPECT_EQ(format_size(8 * kMi), "8 MiB");
  EXPECT_EQ(format_size(256 * kMi), "256 MiB");
  EXPECT_EQ(format_size(kGi), "1 GiB");
  EXPECT_EQ(format_size(1536), "1.50 KiB");
  EXPECT_EQ(format_size(400'000'000), "381 MiB");  // the 10000x10000 f32 headline tensor
  EXPECT_EQ(format_size(kMi - 1), "1.00 MiB");
  EXPECT_EQ(format_size(std::numeric_limits<std::uint64_t>::max()), "16.0 EiB");
  EXPECT_EQ(format_size(std::uint64_t{1} << 63), "8 EiB");
}

TEST(FormatRate, DecimalGigabytesPerSecond) {
  EXPECT_EQ(format_rate(394.5e9), "394.5 GB/s");
  EXPECT_EQ(format_rate(100e9), "100.0 GB/s");
  EXPECT_EQ(format_rate(25e9), "25.00 GB/s");
  EXPECT_EQ(format_rate(1e9), "1.00 GB/s");
  EXPECT_EQ(format_rate(0.5e9), "0.500 GB/s");
  EXPECT_EQ(format_rate(0), "0.000 GB/s");
  EXPECT_EQ(format_rate(1.5e12), "1.50 TB/s");
  EXPECT_EQ(format_rate(3.35e12), "3.35 TB/s");
}

TEST(FormatRate, NotANumberIsADash) {
  EXPECT_EQ(format_rate(std::numeric_limits<double>::quiet_NaN()), "-");
  EXPECT_EQ(format_rate(std::numeric_limits<double>::infinity()), "-");
  EXPECT_EQ(format_rate(-1.0), "-");
}

TEST(FormatDuration, Units) {
  EXPECT_EQ(format_duration(1.71e-6), "1.71 us");
  EXPECT_EQ(format_duration(35e-3), "35.00 ms");
  EXPECT_EQ(format_duration(812e-9), "812 ns");
  EXPECT_EQ(format_duration(0), "0 ns");
  EXPECT_EQ(format_duration(1e-3), "1.00 ms");
  EXPECT_EQ(format_duration(1e-6), "1.00 us");
  EXPECT_EQ(format_duration(1.0), "1.00 s");
  EXPECT_EQ(format_duration(2.5), "2.50 s");
  EXPECT_EQ(format_duration(125.0), "125.00 s");
}

TEST(FormatDuration, NotANumberIsADash) {
  EXPECT_EQ(format_duration(std::numeric_limits<double>::quiet_NaN()), "-");
  EXPECT_EQ(format_duration(-std::numeric_limits<double>::infinity()), "-");
  EXPECT_EQ(format_duration(-1e-6), "-");
}

}  // namespace
}  // namespace gx

TEST(ParseDuration, UnitsAndBadInput) {
  EXPECT_DOUBLE_EQ(gx::parse_duration("1ms"), 1e-3);
  EXPECT_DOUBLE_EQ(gx::parse_duration("500us"), 500e-6);
  EXPECT_DOUBLE_EQ(gx::parse_duration("2s"), 2.0);
  EXPECT_DOUBLE_EQ(gx::parse_duration("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(gx::parse_duration("2m"), 120.0);
  EXPECT_DOUBLE_EQ(gx::parse_duration("100ns"), 100e-9);
  for (const char* bad : {"", "-1s", "0", "0ms", "abc", "5 parsecs", "2d", ".", "1e3", "90000s"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW((void)gx::parse_duration(bad), gx::UsageError);
  }
}
