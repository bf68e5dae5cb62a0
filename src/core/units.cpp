#include "core/units.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>

#include "core/error.hpp"

namespace gx {

std::size_t dtype_bytes(DType dtype) {
  switch (dtype) {
    case DType::f32: return 4;
    case DType::f16: return 2;
    case DType::bf16: return 2;
    case DType::f64: return 8;
  }
  return 0;
}

std::string_view to_string(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::f64: return "f64";
  }
  return "?";
}

DType parse_dtype(std::string_view text) {
  for (DType d : {DType::f32, DType::f16, DType::bf16, DType::f64}) {
    if (text == to_string(d)) return d;
  }
  throw UsageError(fmt::format("invalid dtype '{}': allowed f32, f16, bf16, f64", text));
}

namespace {

struct Suffix {
  std::string_view name;
  std::uint64_t multiplier;
};

// Longest names first so "KiB" is not read as "K" + "iB".
constexpr std::array<Suffix, 17> kSuffixes{{
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
    {"kB", 1000ull},
    {"KB", 1000ull},
    {"MB", 1000000ull},
    {"GB", 1000000000ull},
    {"TB", 1000000000000ull},
    {"K", 1ull << 10},
    {"k", 1ull << 10},
    {"M", 1ull << 20},
    {"G", 1ull << 30},
    {"T", 1ull << 40},
    {"B", 1},
    {"b", 1},
    {"", 1},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad_size(std::string_view text, std::string_view why) {
  throw UsageError(
      fmt::format("invalid size '{}': {} (examples: 4096, 4KiB, 400MB, 1.5GB, 1M; K/M/G mean KiB/MiB/GiB)", text, why));
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) bad_size(text, "empty");
  if (s.front() == '-') bad_size(text, "negative");
  std::size_t digits_end = 0;
  bool seen_dot = false;
  bool seen_digit = false;
  while (digits_end < s.size()) {
    const char c = s[digits_end];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      seen_digit = true;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
    ++digits_end;
  }
  if (!seen_digit) bad_size(text, "not a number");
  const std::string_view number = s.substr(0, digits_end);
  const std::string_view unit = trim(s.substr(digits_end));
  const Suffix* suffix = nullptr;
  for (const auto& candidate : kSuffixes) {
    if (unit == candidate.name) {
      suffix = &candidate;
      break;
    }
  }
  if (suffix == nullptr) bad_size(text, fmt::format("unknown unit '{}'", unit));

  const std::string_view int_part = number.substr(0, number.find('.'));
  const std::string_view frac_part = seen_dot ? number.substr(number.find('.') + 1) : std::string_view{};
  // Exact integer arithmetic: value = int_part * mult + frac_part * mult / 10^len(frac).
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t whole = 0;
  for (char c : int_part) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (whole > (kMax - digit) / 10) bad_size(text, "too large");
    whole = whole * 10 + digit;
  }
  if (whole != 0 && suffix->multiplier > kMax / whole) bad_size(text, "too large");
  std::uint64_t bytes = whole * suffix->multiplier;
  if (!frac_part.empty()) {
    if (frac_part.size() > 12) bad_size(text, "too many decimals");
    std::uint64_t frac = 0;
    std::uint64_t scale = 1;
    for (char c : frac_part) {
      frac = frac * 10 + static_cast<std::uint64_t>(c - '0');
      scale *= 10;
    }
    // frac * multiplier may exceed 64 bits (frac < 10^12, multiplier <= 2^40), so reduce
    // frac / scale first: in lowest terms it is a whole byte count exactly when the reduced
    // scale divides the multiplier. Exact, unlike a floating-point tolerance, which accepted
    // "1.0000000001K" as 1024.
    const std::uint64_t g = std::gcd(frac, scale);
    frac /= g;
    scale /= g;
    if (suffix->multiplier % scale != 0) bad_size(text, "not a whole number of bytes");
    const std::uint64_t extra = frac * (suffix->multiplier / scale);  // < multiplier: no overflow
    if (bytes > kMax - extra) bad_size(text, "too large");
    bytes += extra;
  }
  if (bytes == 0) bad_size(text, "must be at least 1 byte");
  return bytes;
}

double parse_duration(std::string_view text) {
  const std::string_view s = trim(text);
  auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("invalid duration '{}': {} (examples: 500us, 1ms, 2s, 1m)", text, why));
  };
  if (s.empty()) throw bad("empty");
  if (s.front() == '-') throw bad("negative");
  std::size_t end = 0;
  bool dot = false;
  while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || (s[end] == '.' && !dot))) {
    dot = dot || s[end] == '.';
    ++end;
  }
  if (end == 0 || s.substr(0, end) == ".") throw bad("not a number");
  const std::string number(s.substr(0, end));
  const std::string_view unit = trim(s.substr(end));
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1;
  else if (unit == "ms")
    scale = 1e-3;
  else if (unit == "us" || unit == "\xC2\xB5s")
    scale = 1e-6;
  else if (unit == "ns")
    scale = 1e-9;
  else if (unit == "m" || unit == "min")
    scale = 60;
  else
    throw bad(fmt::format("unknown unit '{}'", unit));
  const double value = std::strtod(number.c_str(), nullptr) * scale;  // no throw: huge -> inf, tiny -> 0
  if (!(value > 0)) throw bad("must be greater than 0");
  if (value > 86400) throw bad("longer than a day");
  return value;
}

std::uint64_t Shape::elements() const {
  std::uint64_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

Shape parse_shape(std::string_view text) {
  const std::string_view s = trim(text);
  auto bad = [&](std::string_view why) -> UsageError {
    return UsageError(fmt::format("invalid shape '{}': {} (examples: 10000x10000, 4096, 1024x1024x8)", text, why));
  };
  if (s.empty()) throw bad("empty");
  Shape shape;
  std::size_t pos = 0;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t product = 1;
  while (true) {
    std::uint64_t dim = 0;
    std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      const auto digit = static_cast<std::uint64_t>(s[pos] - '0');
      if (dim > (kMax - digit) / 10) throw bad("too large");
      dim = dim * 10 + digit;
      ++pos;
    }
    if (pos == start) throw bad(s[0] == '-' ? "negative dimension" : "expected a number");
    if (dim == 0) throw bad("a dimension is 0");
    if (product > kMax / dim) throw bad("too large");
    product *= dim;
    shape.dims.push_back(dim);
    if (pos == s.size()) break;
    if (s[pos] == 'x' || s[pos] == 'X' || s[pos] == '*') {
      ++pos;
    } else if (s.substr(pos, 2) == "\xC3\x97") {  // UTF-8 multiplication sign
      pos += 2;
    } else {
      throw bad(fmt::format("unexpected '{}'", s.substr(pos, 1)));
    }
    if (shape.dims.size() >= 8) throw bad("more than 8 dimensions");
  }
  return shape;
}

std::string format_shape(const Shape& shape) {
  return fmt::format("{}", fmt::join(shape.dims, "x"));
}

namespace {
std::string scaled(double value, std::array<std::string_view, 7> names, double base) {
  std::size_t i = 0;
  while (value >= base && i + 1 < names.size()) {
    value /= base;
    ++i;
  }
  if (i == 0) return fmt::format("{:.0f} {}", value, names[0]);
  // Three significant digits, never scientific.
  auto decimals_for = [](double v) { return v >= 100 ? 0 : v >= 10 ? 1 : 2; };
  auto round_to = [](double v, int d) {
    const double scale = d == 2 ? 100.0 : d == 1 ? 10.0 : 1.0;
    return std::round(v * scale) / scale;
  };
  // Rounding can carry into the next decade or unit (9.997 -> "10.00", 999.7 kB -> "1000 kB"):
  // choose the precision, and the unit, from the value as it will be printed.
  int decimals = decimals_for(value);
  decimals = decimals_for(round_to(value, decimals));
  if (round_to(value, decimals) >= base && i + 1 < names.size()) {
    value /= base;
    ++i;
    decimals = 2;
  }
  std::string number = fmt::format("{:.{}f}", value, decimals);
  return fmt::format("{} {}", number, names[i]);
}
}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  return scaled(static_cast<double>(bytes), {"B", "kB", "MB", "GB", "TB", "PB", "EB"}, 1000.0);
}

std::string format_bytes_binary(std::uint64_t bytes) {
  return scaled(static_cast<double>(bytes), {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}, 1024.0);
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<std::string_view, 7> kUnits{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::uint64_t value = bytes;
  std::size_t unit = 0;
  while (value >= 1024 && value % 1024 == 0 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  // An exact multiple below the next unit reads as a whole number: "1 KiB", "1000 KiB".
  if (value < 1024 || unit + 1 == kUnits.size()) return fmt::format("{} {}", value, kUnits[unit]);
  return format_bytes_binary(bytes);
}

std::string format_gbps(double bytes_per_second) {
  return fmt::format("{:.1f}", bytes_per_second / 1e9);
}

std::string format_rate(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second) || bytes_per_second < 0) return "-";
  const double gbps = bytes_per_second / 1e9;
  if (gbps >= 1000.0) return fmt::format("{:.2f} TB/s", gbps / 1000.0);
  if (gbps >= 100.0) return fmt::format("{:.1f} GB/s", gbps);
  if (gbps >= 1.0) return fmt::format("{:.2f} GB/s", gbps);
  return fmt::format("{:.3f} GB/s", gbps);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  if (seconds >= 1.0) return fmt::format("{:.2f} s", seconds);
  if (seconds >= 1e-3) return fmt::format("{:.2f} ms", seconds * 1e3);
  if (seconds >= 1e-6) return fmt::format("{:.2f} us", seconds * 1e6);
  return fmt::format("{:.0f} ns", seconds * 1e9);
}

}  // namespace gx
