#include "gpu/kernels.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

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
__global__ void __launch_bounds__(1024)
    sm_copy_kernel(int4* __restrict__ dst, const int4* __restrict__ src, std::size_t vectors) {
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

#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900
#define GX_HAS_BULK_COPY 1
#endif

// One thread per block streams its chunks through `stages` shared-memory buffers with the
// bulk-copy engine: loads complete on an mbarrier, stores are tracked as bulk groups. Up to
// stages-1 loads and 2 stores of each block are in flight at once.
__global__ void __launch_bounds__(32)
    bulk_copy_kernel(unsigned char* dst, const unsigned char* src, std::size_t chunks, unsigned chunk, int stages) {
#if defined(GX_HAS_BULK_COPY) && defined(__CUDA_ARCH__)
  extern __shared__ __align__(128) unsigned char buffers[];
  __shared__ __align__(8) std::uint64_t barriers[kBulkCopyMaxStages];  // launch_bulk_copy checks stages
  if (threadIdx.x != 0) return;
  const auto smem = [](const void* p) { return static_cast<unsigned>(__cvta_generic_to_shared(p)); };
  for (int s = 0; s < stages; ++s) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(smem(&barriers[s])));
  }
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  const std::size_t mine = chunks > blockIdx.x ? (chunks - blockIdx.x + gridDim.x - 1) / gridDim.x : 0;
  auto load = [&](std::size_t j) {
    const int s = static_cast<int>(j % stages);
    const std::size_t c = blockIdx.x + j * gridDim.x;
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(smem(&barriers[s])), "r"(chunk)
                 : "memory");
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(
                     smem(buffers + static_cast<std::size_t>(s) * chunk)),
                 "l"(src + c * chunk), "r"(chunk), "r"(smem(&barriers[s]))
                 : "memory");
  };
  for (std::size_t j = 0; j < mine && j < static_cast<std::size_t>(stages - 1); ++j) load(j);
  for (std::size_t j = 0; j < mine; ++j) {
    const int s = static_cast<int>(j % stages);
    const unsigned parity = static_cast<unsigned>((j / stages) & 1);
    unsigned done = 0;
    while (!done) {
      asm volatile("{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2; selp.u32 %0, 1, 0, p; }"
                   : "=r"(done)
                   : "r"(smem(&barriers[s])), "r"(parity)
                   : "memory");
    }
    const std::size_t c = blockIdx.x + j * gridDim.x;
    asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;" ::"l"(dst + c * chunk),
                 "r"(smem(buffers + static_cast<std::size_t>(s) * chunk)), "r"(chunk)
                 : "memory");
    asm volatile("cp.async.bulk.commit_group;" ::: "memory");
    // The next load reuses the buffer stored one iteration ago: wait until that store has read
    // it (the store just issued may stay in flight).
    const std::size_t next = j + static_cast<std::size_t>(stages) - 1;
    if (next < mine) {
      asm volatile("cp.async.bulk.wait_group.read 1;" ::: "memory");
      load(next);
    }
  }
  asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
#endif
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

__global__ void count_kernel(const unsigned char* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset,
                             unsigned long long* counter) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t start = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  unsigned long long bad = 0;
  if (offset % 4 == 0 && reinterpret_cast<std::uintptr_t>(buffer) % 4 == 0) {
    const auto* words = reinterpret_cast<const std::uint32_t*>(buffer);
    const std::size_t n = bytes / 4;
    for (std::size_t w = start; w < n; w += stride) {
      const std::uint32_t diff = words[w] ^ pattern_word(seed, offset / 4 + w);
      if (diff != 0)
        bad += ((diff & 0xffu) != 0) + ((diff & 0xff00u) != 0) + ((diff & 0xff0000u) != 0) + ((diff >> 24) != 0);
    }
    for (std::size_t b = n * 4 + start; b < bytes; b += stride) bad += buffer[b] != pattern_byte(seed, offset + b);
  } else {
    for (std::size_t b = start; b < bytes; b += stride) bad += buffer[b] != pattern_byte(seed, offset + b);
  }
  if (bad != 0) atomicAdd(counter, bad);
}

// Starts where the previous operation stopped (*cursor) and leaves its end there, so successive
// operations walk on round the cycle instead of revisiting the same lines (core/chase.hpp).
__global__ void chase_kernel(const std::uint64_t* chain, std::uint64_t steps, std::uint64_t* cursor,
                             std::uint64_t* sink) {
  std::uint64_t index = *cursor;
  for (std::uint64_t s = 0; s < steps; ++s) index = __ldcg(chain + index);
  *cursor = index;
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

void launch_gate(const volatile int* flag, std::uint64_t timeout_ns, volatile int* timed_out, cudaStream_t stream) {
  gate_kernel<<<1, 1, 0, stream>>>(flag, timeout_ns, timed_out);
  GX_CUDA_LAUNCH();
}

namespace {

// Blocks of `kernel` (with `threads` threads and `shared` bytes of dynamic shared memory) that
// can be resident on one SM of the current device, cached per device and kernel shape.
int resident_blocks_per_sm(const void* kernel, int threads, std::size_t shared) {
  static std::mutex mutex;
  static std::map<std::tuple<int, const void*, int, std::size_t>, int> cache;
  int device = 0;
  GX_CUDA(cudaGetDevice(&device));
  const std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(device, kernel, threads, shared);
  const auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  int blocks = 0;
  GX_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel, threads, shared));
  cache.emplace(key, std::max(blocks, 1));
  return std::max(blocks, 1);
}

// Blocks wanted for a copy: blocks_per_sm on every SM, or with share > 1 its part of the
// resident slots (at least one block).
std::size_t wanted_blocks(const SmCopyConfig& config, int sm_count, const void* kernel, int threads,
                          std::size_t shared) {
  if (config.share <= 1) return static_cast<std::size_t>(sm_count) * config.blocks_per_sm;
  const std::size_t resident =
      static_cast<std::size_t>(sm_count) * static_cast<std::size_t>(resident_blocks_per_sm(kernel, threads, shared));
  return std::max<std::size_t>(1, resident / static_cast<std::size_t>(config.share));
}

const void* vector_kernel(int unroll) {
  switch (unroll) {
    case 1: return reinterpret_cast<const void*>(sm_copy_kernel<1>);
    case 2: return reinterpret_cast<const void*>(sm_copy_kernel<2>);
    case 4: return reinterpret_cast<const void*>(sm_copy_kernel<4>);
    case 8: return reinterpret_cast<const void*>(sm_copy_kernel<8>);
    case 16: return reinterpret_cast<const void*>(sm_copy_kernel<16>);
    default: throw UsageError("SM copy: unroll " + std::to_string(unroll) + " has no kernel (1, 2, 4, 8 or 16)");
  }
}

// The opt-in shared memory one block may have on `device`, read once per device: the launch
// runs inside timed samples, the attribute never changes.
std::size_t max_block_shared_bytes(int device) {
  static std::mutex mutex;
  static std::map<int, std::size_t> known;
  std::lock_guard<std::mutex> lock(mutex);
  const auto it = known.find(device);
  if (it != known.end()) return it->second;
  int bytes = 0;
  GX_CUDA(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return known[device] = static_cast<std::size_t>(bytes);
}

void launch_bulk_copy(void* dst, const void* src, std::size_t bytes, int sm_count, const SmCopyConfig& config,
                      cudaStream_t stream) {
  int device = 0;
  GX_CUDA(cudaGetDevice(&device));
  if (const std::string problem = bulk_copy_config_problem(config, device); !problem.empty()) {
    throw UsageError("bulk SM copy: " + problem);
  }
  const auto chunk = static_cast<unsigned>(config.bulk_chunk);
  const std::size_t chunks = bytes / chunk;
  const std::size_t shared = static_cast<std::size_t>(config.stages) * chunk;
  if (chunks > 0) {
    GX_CUDA(
        cudaFuncSetAttribute(bulk_copy_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared)));
    const std::size_t wanted =
        wanted_blocks(config, sm_count, reinterpret_cast<const void*>(bulk_copy_kernel), 32, shared);
    const int blocks = static_cast<int>(std::min(wanted, chunks));
    bulk_copy_kernel<<<blocks, 32, shared, stream>>>(
        static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), chunks, chunk, config.stages);
    GX_CUDA_LAUNCH();
  }
  const std::size_t done = chunks * chunk;
  if (done < bytes) {
    SmCopyConfig rest = config;
    rest.bulk = false;
    launch_sm_copy(static_cast<unsigned char*>(dst) + done, static_cast<const unsigned char*>(src) + done, bytes - done,
                   sm_count, rest, stream);
  }
}

}  // namespace

bool is_sm_copy_unroll(int unroll) {
  return unroll == 1 || unroll == 2 || unroll == 4 || unroll == 8 || unroll == 16;
}

std::string bulk_copy_config_problem(const SmCopyConfig& config, int device) {
  if (config.stages < kBulkCopyMinStages || config.stages > kBulkCopyMaxStages) {
    return std::to_string(config.stages) + " stages: " + std::to_string(kBulkCopyMinStages) + " to " +
           std::to_string(kBulkCopyMaxStages);
  }
  if (config.bulk_chunk <= 0 || config.bulk_chunk % 16 != 0) {
    return "a chunk of " + std::to_string(config.bulk_chunk) + " bytes: a positive multiple of 16";
  }
  const std::size_t shared = static_cast<std::size_t>(config.stages) * static_cast<std::size_t>(config.bulk_chunk);
  const std::size_t limit = max_block_shared_bytes(device);
  if (shared > limit) {
    return std::to_string(config.stages) + " stages x " + std::to_string(config.bulk_chunk) +
           " bytes = " + std::to_string(shared) + " bytes of shared memory; GPU " + std::to_string(device) +
           " grants one block " + std::to_string(limit) + " bytes";
  }
  return "";
}

void launch_sm_copy(void* dst, const void* src, std::size_t bytes, int sm_count, const SmCopyConfig& config,
                    cudaStream_t stream) {
  if (config.share > 1 && (config.bulk || config.unroll != 1)) {
    // Copies sharing a GPU: the vector kernel with one load in flight per thread. It needs few
    // registers, so four 512-thread blocks fit on an SM and each copy gets more resident
    // blocks: all_pairs_sm is faster and far steadier this way than with 2, 4 or 8 loads per
    // thread, whose fewer resident blocks leave links idle in some samples.
    SmCopyConfig one_load = config;
    one_load.bulk = false;
    one_load.unroll = 1;
    launch_sm_copy(dst, src, bytes, sm_count, one_load, stream);
    return;
  }
  if (config.bulk) {
    launch_bulk_copy(dst, src, bytes, sm_count, config, stream);
    return;
  }
  const std::size_t vectors = bytes / 16;
  const std::size_t tail = bytes - vectors * 16;
  if (vectors > 0) {
    const std::size_t wanted = wanted_blocks(config, sm_count, vector_kernel(config.unroll), config.threads, 0);
    const std::size_t needed = (vectors + config.threads - 1) / config.threads;
    const int blocks = static_cast<int>(wanted < needed ? wanted : (needed == 0 ? 1 : needed));
    auto* d = static_cast<int4*>(dst);
    const auto* s = static_cast<const int4*>(src);
    switch (config.unroll) {
      case 1: sm_copy_kernel<1><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      case 2: sm_copy_kernel<2><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      case 4: sm_copy_kernel<4><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      case 8: sm_copy_kernel<8><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      case 16: sm_copy_kernel<16><<<blocks, config.threads, 0, stream>>>(d, s, vectors); break;
      default: (void)vector_kernel(config.unroll);  // throws: an unroll without an instantiation
    }
    GX_CUDA_LAUNCH();
  }
  if (tail > 0) {
    copy_tail_kernel<<<1, 32, 0, stream>>>(static_cast<unsigned char*>(dst) + vectors * 16,
                                           static_cast<const unsigned char*>(src) + vectors * 16, tail);
    GX_CUDA_LAUNCH();
  }
}

void launch_fill_pattern(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset, cudaStream_t stream) {
  if (bytes == 0) return;
  fill_kernel<<<grid_for(bytes / 4 + 1, 256), 256, 0, stream>>>(static_cast<unsigned char*>(buffer), bytes, seed,
                                                                offset);
  GX_CUDA_LAUNCH();
}

void launch_count_mismatches(const void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset,
                             unsigned long long* counter, cudaStream_t stream) {
  if (bytes == 0) return;
  count_kernel<<<grid_for(bytes / 4 + 1, 256), 256, 0, stream>>>(static_cast<const unsigned char*>(buffer), bytes, seed,
                                                                 offset, counter);
  GX_CUDA_LAUNCH();
}

void launch_pointer_chase(const std::uint64_t* chain, std::uint64_t steps, std::uint64_t* cursor, std::uint64_t* sink,
                          cudaStream_t stream) {
  chase_kernel<<<1, 1, 0, stream>>>(chain, steps, cursor, sink);
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
    launch_sm_copy(dst, src, 4096 + 3, 1, SmCopyConfig{1, 64, unroll, false, 1024, 2}, stream.get());
  }
  int major = 0;
  GX_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  if (major >= 9) launch_sm_copy(dst, src, 4096 + 3, 1, SmCopyConfig{1, 32, 1, true, 1024, 2}, stream.get());
  launch_pointer_chase(chain, 1, chain + 8, chain + 16, stream.get());  // memset: starts at word 0
  launch_sleep(1, stream.get());
  GX_CUDA(cudaStreamSynchronize(stream.get()));
}

}  // namespace gx::kernels
