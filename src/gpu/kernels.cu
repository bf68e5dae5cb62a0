#include "gpu/kernels.hpp"

#include "core/pattern.hpp"
#include "gpu/check.hpp"
#include "gpu/raii.hpp"

namespace gx::kernels {
namespace {

__device__ __forceinline__ std::uint64_t global_time_ns() {
  std::uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__global__ void gate_kernel(const volatile int* flag, std::uint64_t timeout_ns, volatile int* timed_out) {
  const std::uint64_t start = global_time_ns();
  while (*flag == 0) {
    if (global_time_ns() - start > timeout_ns) {
      *timed_out = 1;
      return;
    }
    __nanosleep(200);
  }
}

template <int Unroll>
__global__ void __launch_bounds__(1024) sm_copy_kernel(int4* __restrict__ dst, const int4* __restrict__ src,
                                                       std::size_t vectors) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  // Main loop: Unroll loads issued before any store keeps Unroll × 16 B in flight per thread,
  // which is what a long-latency (NVLink) path needs.
  for (; i + (Unroll - 1) * stride < vectors; i += Unroll * stride) {
    int4 v[Unroll];
#pragma unroll
    for (int u = 0; u < Unroll; ++u) v[u] = __ldcs(src + i + u * stride);
#pragma unroll
    for (int u = 0; u < Unroll; ++u) __stcs(dst + i + u * stride, v[u]);
  }
  for (; i < vectors; i += stride) __stcs(dst + i, __ldcs(src + i));
}

__global__ void copy_tail_kernel(unsigned char* dst, const unsigned char* src, std::size_t bytes) {
  for (std::size_t i = threadIdx.x; i < bytes; i += blockDim.x) dst[i] = src[i];
}

__global__ void fill_kernel(unsigned char* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t start = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (offset % 4 == 0 && reinterpret_cast<std::uintptr_t>(buffer) % 4 == 0) {
    auto* words = reinterpret_cast<std::uint32_t*>(buffer);
    const std::size_t n = bytes / 4;
    for (std::size_t w = start; w < n; w += stride) words[w] = pattern_word(seed, offset / 4 + w);
    for (std::size_t b = n * 4 + start; b < bytes; b += stride) buffer[b] = pattern_byte(seed, offset + b);
  } else {
    for (std::size_t b = start; b < bytes; b += stride) buffer[b] = pattern_byte(seed, offset + b);
  }
}

__global__ void count_kernel(const unsigned char* buffer, std::size_t bytes, std::uint32_t seed,
                             std::size_t offset, unsigned long long* counter) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t start = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  unsigned long long bad = 0;
  if (offset % 4 == 0 && reinterpret_cast<std::uintptr_t>(buffer) % 4 == 0) {
    const auto* words = reinterpret_cast<const std::uint32_t*>(buffer);
    const std::size_t n = bytes / 4;
    for (std::size_t w = start; w < n; w += stride) {
      const std::uint32_t diff = words[w] ^ pattern_word(seed, offset / 4 + w);
      if (diff != 0) bad += ((diff & 0xffu) != 0) + ((diff & 0xff00u) != 0) + ((diff & 0xff0000u) != 0) + ((diff >> 24) != 0);
    }
    for (std::size_t b = n * 4 + start; b < bytes; b += stride) bad += buffer[b] != pattern_byte(seed, offset + b);
  } else {
    for (std::size_t b = start; b < bytes; b += stride) bad += buffer[b] != pattern_byte(seed, offset + b);
  }
  if (bad != 0) atomicAdd(counter, bad);
}

__global__ void chase_kernel(const std::uint64_t* chain, std::uint64_t steps, std::uint64_t* sink) {
  std::uint64_t index = 0;
  for (std::uint64_t s = 0; s < steps; ++s) index = __ldcg(chain + index);
  *sink = index;
}

__global__ void sleep_kernel(std::uint64_t ns) {
  const std::uint64_t start = global_time_ns();
  while (global_time_ns() - start < ns) {
  }
}

int grid_for(std::size_t items, int threads) {
  const std::size_t blocks = (items + threads - 1) / threads;
  return static_cast<int>(blocks < 4096 ? (blocks == 0 ? 1 : blocks) : 4096);
}

}  // namespace

void launch_gate(const volatile int* flag, std::uint64_t timeout_ns, volatile int* timed_out,
                 cudaStream_t stream) {
  gate_kernel<<<1, 1, 0, stream>>>(flag, timeout_ns, timed_out);
  GX_CUDA_LAUNCH();
}

void launch_sm_copy(void* dst, const void* src, std::size_t bytes, int sm_count,
                    const SmCopyConfig& config, cudaStream_t stream) {
  const std::size_t vectors = bytes / 16;
  const std::size_t tail = bytes - vectors * 16;
  if (vectors > 0) {
    const std::size_t wanted = static_cast<std::size_t>(sm_count) * config.blocks_per_sm;
    const std::size_t needed = (vectors + config.threads - 1) / config.threads;
    const int blocks = static_cast<int>(wanted < needed ? wanted : (needed == 0 ? 1 : needed));
    auto* d = static_cast<int4*>(dst);
    const auto* s = static_cast<const int4*>(src);
    switch (config.unroll) {
      case 1: sm_copy_kernel<1><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      case 2: sm_copy_kernel<2><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      case 4: sm_copy_kernel<4><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      case 16: sm_copy_kernel<16><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      default: sm_copy_kernel<8><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
    }
    GX_CUDA_LAUNCH();
  }
  if (tail > 0) {
    copy_tail_kernel<<<1, 32, 0, stream>>>(static_cast<unsigned char*>(dst) + vectors * 16,
                                           static_cast<const unsigned char*>(src) + vectors * 16, tail);
    GX_CUDA_LAUNCH();
  }
}

void launch_fill_pattern(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset,
                         cudaStream_t stream) {
  if (bytes == 0) return;
  fill_kernel<<<grid_for(bytes / 4 + 1, 256), 256, 0, stream>>>(static_cast<unsigned char*>(buffer), bytes, seed, offset);
  GX_CUDA_LAUNCH();
}

void launch_count_mismatches(const void* buffer, std::size_t bytes, std::uint32_t seed,
                             std::size_t offset, unsigned long long* counter, cudaStream_t stream) {
  if (bytes == 0) return;
  count_kernel<<<grid_for(bytes / 4 + 1, 256), 256, 0, stream>>>(static_cast<const unsigned char*>(buffer), bytes,
                                                                 seed, offset, counter);
  GX_CUDA_LAUNCH();
}

void launch_pointer_chase(const std::uint64_t* chain, std::uint64_t steps, std::uint64_t* sink,
                          cudaStream_t stream) {
  chase_kernel<<<1, 1, 0, stream>>>(chain, steps, sink);
  GX_CUDA_LAUNCH();
}

void launch_sleep(std::uint64_t ns, cudaStream_t stream) {
  sleep_kernel<<<1, 1, 0, stream>>>(ns);
  GX_CUDA_LAUNCH();
}

void preload(int device) {
  DeviceGuard guard(device);
  DeviceBuffer scratch(device, 64 * 1024);
  Stream stream(device);
  auto* base = static_cast<unsigned char*>(scratch.data());
  auto* counter = reinterpret_cast<unsigned long long*>(base);
  unsigned char* src = base + 4096;
  unsigned char* dst = base + 16384;
  auto* chain = reinterpret_cast<std::uint64_t*>(base + 32768);
  GX_CUDA(cudaMemsetAsync(base, 0, 64 * 1024, stream.get()));
  launch_fill_pattern(src, 4096, 1, 0, stream.get());
  launch_count_mismatches(src, 4096, 1, 0, counter, stream.get());
  for (int unroll : {1, 2, 4, 8, 16}) {
    launch_sm_copy(dst, src, 4096 + 3, 1, SmCopyConfig{1, 64, unroll}, stream.get());
  }
  launch_pointer_chase(chain, 1, chain + 8, stream.get());
  launch_sleep(1, stream.get());
  GX_CUDA(cudaStreamSynchronize(stream.get()));
}

}  // namespace gx::kernels
