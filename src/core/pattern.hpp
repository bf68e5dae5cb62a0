#pragma once
// The verification pattern, shared by host code and GPU kernels so pageable host buffers can be
// filled and checked on the CPU with exactly the bytes the GPU writes. No CUDA header needed:
// under nvcc the functions are also compiled for the device.
#include <cstddef>
#include <cstdint>

#include "core/host_device.hpp"

namespace gx {

// splitmix-style mixing of seed and word index: neighbouring words differ in every byte.
GX_HOST_DEVICE inline std::uint32_t pattern_word(std::uint32_t seed, std::uint64_t word) {
  std::uint64_t z = word * 0x9E3779B97F4A7C15ull + seed;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return static_cast<std::uint32_t>(z ^ (z >> 31));
}

// Byte b of the pattern is byte (b & 3) of word b / 4.
GX_HOST_DEVICE inline unsigned char pattern_byte(std::uint32_t seed, std::uint64_t b) {
  return static_cast<unsigned char>(pattern_word(seed, b >> 2) >> (8 * (b & 3)));
}

// Host versions for pageable memory. `offset` = index of the buffer's first byte in the pattern.
void fill_pattern_host(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset);
[[nodiscard]] std::uint64_t count_mismatches_host(const void* buffer, std::size_t bytes, std::uint32_t seed,
                                                  std::size_t offset);

}  // namespace gx
