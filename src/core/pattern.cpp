#include "core/pattern.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

namespace gx {
namespace {

// Pageable buffers are up to hundreds of MB: split the work over the host's cores.
template <class Work>
void parallel_ranges(std::size_t bytes, Work work) {
  constexpr std::size_t kMinPerThread = 8u << 20;
  const std::size_t threads =
      std::clamp<std::size_t>(bytes / kMinPerThread, 1, std::max(1u, std::thread::hardware_concurrency()));
  if (threads == 1) {
    work(0, bytes);
    return;
  }
  const std::size_t per = (bytes / threads + 63) / 64 * 64;
  std::vector<std::thread> pool;
  for (std::size_t begin = 0; begin < bytes; begin += per) {
    pool.emplace_back(work, begin, std::min(bytes, begin + per));
  }
  for (auto& t : pool) t.join();
}

}  // namespace

void fill_pattern_host(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset) {
  auto* p = static_cast<unsigned char*>(buffer);
  parallel_ranges(bytes, [=](std::size_t begin, std::size_t end) {
    std::size_t b = begin;
    for (; b < end && (offset + b) % 4 != 0; ++b) p[b] = pattern_byte(seed, offset + b);
    for (; b + 4 <= end; b += 4) {
      const std::uint32_t word = pattern_word(seed, (offset + b) / 4);
      std::memcpy(p + b, &word, 4);  // little-endian: byte k of the word is pattern byte k
    }
    for (; b < end; ++b) p[b] = pattern_byte(seed, offset + b);
  });
}

std::uint64_t count_mismatches_host(const void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset) {
  const auto* p = static_cast<const unsigned char*>(buffer);
  std::atomic<std::uint64_t> total{0};
  parallel_ranges(bytes, [&](std::size_t begin, std::size_t end) {
    std::uint64_t bad = 0;
    std::size_t b = begin;
    for (; b < end && (offset + b) % 4 != 0; ++b) bad += p[b] != pattern_byte(seed, offset + b);
    for (; b + 4 <= end; b += 4) {
      std::uint32_t word = 0;
      std::memcpy(&word, p + b, 4);
      const std::uint32_t diff = word ^ pattern_word(seed, (offset + b) / 4);
      if (diff != 0) {
        for (int k = 0; k < 4; ++k) bad += ((diff >> (8 * k)) & 0xffu) != 0;
      }
    }
    for (; b < end; ++b) bad += p[b] != pattern_byte(seed, offset + b);
    total += bad;
  });
  return total.load();
}

}  // namespace gx
