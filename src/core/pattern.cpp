#include "core/pattern.hpp"

namespace gx {

void fill_pattern_host(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset) {
  auto* p = static_cast<unsigned char*>(buffer);
  for (std::size_t b = 0; b < bytes; ++b) p[b] = pattern_byte(seed, offset + b);
}

std::uint64_t count_mismatches_host(const void* buffer, std::size_t bytes, std::uint32_t seed,
                                    std::size_t offset) {
  const auto* p = static_cast<const unsigned char*>(buffer);
  std::uint64_t bad = 0;
  for (std::size_t b = 0; b < bytes; ++b) bad += p[b] != pattern_byte(seed, offset + b);
  return bad;
}

}  // namespace gx
