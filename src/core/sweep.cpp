#include "core/sweep.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "core/error.hpp"

namespace gx {

namespace {

constexpr std::string_view kForms = "use SIZE, MIN:MAX:xFACTOR or MIN:MAX:+STEP, comma-separated, e.g. 1K:400M:x4,1G";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad_range(std::string_view item, std::string_view why) {
  throw UsageError(fmt::format("invalid size range '{}': {} ({})", item, why, kForms));
}

// parse_size's message names only the part; prefix the whole item so the user sees which one.
std::uint64_t range_part(std::string_view item, std::string_view role, std::string_view part) {
  try {
    return parse_size(part);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("invalid size range '{}': {}: {}", item, role, e.what()));
  }
}

// A set keeps the result sorted and unique as it grows, and lets the size cap apply to distinct
// sizes while still stopping a runaway range after kMaxSweepSizes + 1 insertions.
class SizeSet {
 public:
  void add(std::uint64_t bytes, std::string_view item) {
    sizes_.insert(bytes);
    if (sizes_.size() > kMaxSweepSizes) {
      throw UsageError(fmt::format("invalid size list: item '{}' takes it past {} sizes (use a larger factor or step)",
                                   item, kMaxSweepSizes));
    }
  }
  [[nodiscard]] std::vector<std::uint64_t> take() const { return {sizes_.begin(), sizes_.end()}; }

 private:
  std::set<std::uint64_t> sizes_;
};

std::uint64_t parse_factor(std::string_view item, std::string_view digits) {
  const std::string_view why = "FACTOR must be an integer >= 2, as in x2 or x4";
  if (digits.empty()) bad_range(item, why);
  std::uint64_t factor = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) bad_range(item, why);
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (factor > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) bad_range(item, why);
    factor = factor * 10 + digit;
  }
  if (factor < 2) bad_range(item, why);
  return factor;
}

void expand_range(std::string_view item, SizeSet& out) {
  std::vector<std::string_view> parts;
  std::string_view rest = item;
  while (true) {
    const auto colon = rest.find(':');
    parts.push_back(trim(rest.substr(0, colon)));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() != 3) bad_range(item, "expected exactly three parts MIN:MAX:STEP");

  const std::uint64_t min = range_part(item, "MIN", parts[0]);
  const std::uint64_t max = range_part(item, "MAX", parts[1]);
  if (min > max) bad_range(item, "MIN is larger than MAX");

  const std::string_view step = parts[2];
  if (!step.empty() && (step.front() == 'x' || step.front() == 'X')) {
    const std::uint64_t factor = parse_factor(item, trim(step.substr(1)));
    // v * factor <= max  <=>  v <= max / factor (floor): also stops before any overflow.
    for (std::uint64_t v = min;; v *= factor) {
      out.add(v, item);
      if (v > max / factor) break;
    }
  } else if (!step.empty() && step.front() == '+') {
    const std::uint64_t increment = range_part(item, "STEP", trim(step.substr(1)));
    for (std::uint64_t v = min;; v += increment) {
      out.add(v, item);
      if (max - v < increment) break;  // v <= max always, so this cannot wrap
    }
  } else {
    bad_range(item, "STEP must be xFACTOR (geometric) or +SIZE (arithmetic)");
  }
  // nccl-tests stops at the last step <= MAX; we also measure MAX itself (see sweep.hpp).
  out.add(max, item);
}

std::vector<std::uint64_t> elements_to_bytes(const std::vector<std::uint64_t>& elements, DType dtype) {
  std::vector<std::uint64_t> bytes;
  bytes.reserve(elements.size());
  for (auto n : elements) bytes.push_back(n * dtype_bytes(dtype));
  return bytes;
}

}  // namespace

std::vector<std::uint64_t> parse_sizes(std::string_view spec) {
  if (trim(spec).empty()) {
    throw UsageError(fmt::format("invalid size list '{}': empty ({})", spec, kForms));
  }
  SizeSet sizes;
  std::string_view rest = spec;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    if (item.empty()) {
      throw UsageError(fmt::format("invalid size list '{}': empty item ({})", spec, kForms));
    }
    if (item.find(':') != std::string_view::npos) {
      expand_range(item, sizes);
    } else {
      sizes.add(parse_size(item), item);  // parse_size's message already names the item
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return sizes.take();
}

std::vector<std::uint64_t> default_transfer_sweep(DType dtype) {
  std::vector<std::uint64_t> elements;
  for (std::uint64_t n = 1; n < kHeadlineElements; n *= 4) elements.push_back(n);
  elements.push_back(kHeadlineElements);
  return elements_to_bytes(elements, dtype);
}

std::vector<std::uint64_t> quick_transfer_sweep(DType dtype) {
  return elements_to_bytes({1024, 1024 * 1024, kHeadlineElements}, dtype);
}

std::uint64_t headline_bytes(DType dtype) {
  return kHeadlineElements * dtype_bytes(dtype);
}

std::optional<Shape> shape_for_bytes(std::uint64_t bytes, DType dtype) {
  const std::uint64_t element_bytes = dtype_bytes(dtype);
  if (bytes == 0 || bytes % element_bytes != 0) return std::nullopt;
  const std::uint64_t n = bytes / element_bytes;
  if (n == kHeadlineElements) return Shape{{10000, 10000}};
  // Integer square root: start from the double estimate and correct it exactly, using
  // divisions so r * r is never formed where it could overflow.
  auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
  while (r > 0 && r > n / r) --r;
  while (r + 1 <= n / (r + 1)) ++r;
  if (n >= 4 && r * r == n) return Shape{{r, r}};
  return Shape{{n}};
}

}  // namespace gx
