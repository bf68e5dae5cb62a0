#pragma once
// Size sweeps: the byte counts a benchmark case is run at, from the user's list/range syntax
// or from the built-in defaults. Host-only.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/units.hpp"

namespace gx {

// Most sizes one spec may expand to: a guard against "1:1T:+1" turning into a run that never ends.
inline constexpr std::size_t kMaxSweepSizes = 10000;

// Element count of the headline tensor, 10000x10000: the size the summary tables quote.
inline constexpr std::uint64_t kHeadlineElements = 10000ull * 10000ull;

// A comma-separated list of items, each one of
//   SIZE            a single size in parse_size's grammar ("4096", "4KiB", "400MB", "1M")
//   MIN:MAX:xF      geometric range: MIN, MIN*F, MIN*F^2, ... while <= MAX (F an integer >= 2)
//   MIN:MAX:+STEP   arithmetic range: MIN, MIN+STEP, ... while <= MAX (STEP a size)
// Ranges follow nccl-tests' -b/-e/-f/-i loop, with one difference: MAX is always appended when
// the steps do not land on it ("1K:10K:x4" -> 1K, 4K, 10K), so the size the user named as the
// upper end is always measured.
// The result is sorted ascending with duplicates removed.
// Throws UsageError (naming the offending item) for an empty spec or item, a bad size,
// MIN > MAX, a factor < 2, a step of 0, or more than kMaxSweepSizes sizes in total.
[[nodiscard]] std::vector<std::uint64_t> parse_sizes(std::string_view spec);

// Default transfer sweep: 1, 4, 16, ... elements (x4) up to and including 10000x10000 elements,
// in bytes for `dtype`.
[[nodiscard]] std::vector<std::uint64_t> default_transfer_sweep(DType dtype);

// --quick sweep: 1024 elements (4 KiB of f32), 1Mi elements and 10000x10000 elements, in bytes.
[[nodiscard]] std::vector<std::uint64_t> quick_transfer_sweep(DType dtype);

// Bytes of the 10000x10000 headline tensor of `dtype`.
[[nodiscard]] std::uint64_t headline_bytes(DType dtype);

// A human tensor shape for a byte count, for labels and JSON: 10000x10000 for the headline size,
// NxN when the element count is a perfect square >= 4, otherwise the 1-D {n}.
// nullopt when `bytes` is 0 or not a whole number of `dtype` elements.
[[nodiscard]] std::optional<Shape> shape_for_bytes(std::uint64_t bytes, DType dtype);

}  // namespace gx
