#pragma once
// Sizes, shapes and rates: parsing user input and formatting for humans.
// Records always hold SI values (bytes, seconds, B/s); these functions are for the edges.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gx {

enum class DType { f32, f16, bf16, f64 };

[[nodiscard]] std::size_t dtype_bytes(DType dtype);
[[nodiscard]] std::string_view to_string(DType dtype);
// Throws UsageError naming the value and the allowed names.
[[nodiscard]] DType parse_dtype(std::string_view text);

// A byte count: "4096", "4KiB", "400MB", "1.5GB", "1M".
//   kB/MB/GB/TB  decimal (1e3, 1e6, ...)
//   KiB/MiB/...  binary  (1024, 1024^2, ...)
//   K/M/G/T      binary, as nccl-tests reads them (1K = 1024)
//   B or nothing bytes
// Rejects empty, 0, negative, non-numeric, fractional byte counts and overflow (UsageError).
[[nodiscard]] std::uint64_t parse_size(std::string_view text);

// A tensor shape "10000x10000" (also "10000×10000", "1000x1000x4"); every dim >= 1, no overflow.
struct Shape {
  std::vector<std::uint64_t> dims;
  [[nodiscard]] std::uint64_t elements() const;
  friend bool operator==(const Shape& a, const Shape& b) { return a.dims == b.dims; }
};
[[nodiscard]] Shape parse_shape(std::string_view text);
[[nodiscard]] std::string format_shape(const Shape& shape);

// A duration: "1ms", "500us", "2s", "1.5s", "100ns", "2m"; a bare number is seconds.
// Rejects empty, negative, zero, non-numeric, unknown units and values over a day (UsageError).
[[nodiscard]] double parse_duration(std::string_view text);

// "400 MB", "4 KiB"-style human sizes. format_bytes is decimal (kB = 1000), the notation of
// check and compare rows (their names are stable identities in JUnit and dashboards).
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);
[[nodiscard]] std::string format_bytes_binary(std::uint64_t bytes);
// The size notation of bench/show tables and the HTML report: binary (IEC) units throughout,
// exact multiples without decimals ("4 B", "1 KiB", "8 MiB", "256 MiB"), other sizes with three
// significant digits ("381 MiB" for 400 MB, "1.50 KiB"). Rates stay decimal GB/s (1e9 B/s).
[[nodiscard]] std::string format_size(std::uint64_t bytes);
// Bandwidth in decimal GB/s or TB/s ("394.5 GB/s").
[[nodiscard]] std::string format_rate(double bytes_per_second);
// A table cell of decimal GB/s with one decimal and no unit ("394.5"): the column names the unit.
[[nodiscard]] std::string format_gbps(double bytes_per_second);
// "1.71 us", "35.00 ms", "812 ns".
[[nodiscard]] std::string format_duration(double seconds);

}  // namespace gx
