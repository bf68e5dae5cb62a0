#pragma once
// options x topology x suites -> the cases `gpuxfer bench` runs, each with its theoretical rate
// and, where it cannot run (one GPU, no P2P, does not fit), an explicit skip reason.
// Host-only and deterministic, so every rule here is unit tested without a GPU.
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bench_model.hpp"
#include "core/model.hpp"

namespace gx {

struct BenchOptions {
  std::vector<Suite> suites;         // empty = all suites
  std::vector<std::uint64_t> sizes;  // sweep sizes in bytes (already parsed)
  std::uint64_t headline_bytes = 0;  // 0 = headline_bytes(dtype): 400 MB for f32
  DType dtype = DType::f32;
  bool all_pairs = false;  // full sweep on every pair, not one per link class
  int split_streams = 4;
  std::vector<std::uint64_t> chunk_sizes;    // pipelined tuning grid; empty = kDefaultChunkSizes
  std::vector<int> ring_depths;              // empty = kDefaultRingDepths
  std::vector<std::uint64_t> latency_sizes;  // empty = kDefaultLatencySizes
  // Pointer-chase working sets (bench --chase-sizes); empty = kChaseWorkingSetBytes, doubled to
  // kChaseL2Multiple x every selected GPU's L2. Sets within L2 are measured too, marked cache-resident.
  std::vector<std::uint64_t> chase_sizes;
  std::vector<std::uint64_t> gemm_sizes;  // N of N x N x N GEMMs; empty = {kDefaultGemmN}
  std::vector<Method> gemm_precisions;    // empty = every gemm method
  // Host memory that can be allocated (MemAvailable); 0 = unknown (no host fit check).
  std::uint64_t host_available_bytes = 0;
};

// The seed tensor, 10000 x 10000: GEMM N by default, and the N of the overlap cases' GEMMs.
inline constexpr std::uint64_t kDefaultGemmN = 10000;
// Largest N accepted (a 100000^2 f32 matrix is 40 GB; fit is checked per device on top).
inline constexpr std::uint64_t kMaxGemmN = 100000;
// cuBLASLt workspace per GEMM (src/gpu/blas), counted in the fit check.
inline constexpr std::uint64_t kGemmWorkspaceBytes = 64ull << 20;
// The precision overlap cases compute in: what mixed-precision training runs.
inline constexpr Method kOverlapGemm = Method::gemm_bf16;

inline constexpr std::uint64_t kMiB = 1ull << 20;
inline const std::vector<std::uint64_t> kDefaultChunkSizes{2 * kMiB, 4 * kMiB, 8 * kMiB, 16 * kMiB, 32 * kMiB};
inline const std::vector<int> kDefaultRingDepths{2, 3, 4};
inline const std::vector<std::uint64_t> kDefaultLatencySizes{4, 64, 1024, 4096, 16384, 65536};
// Pointer-chase working set by default: this, doubled until it is at least kChaseL2Multiple x
// every selected GPU's L2 (H100: 50 MiB, H200: 60 MiB, so 256 MiB on both), so loads reach
// memory rather than a cache that still holds much of a set just past its size.
inline constexpr std::uint64_t kChaseWorkingSetBytes = 64 * kMiB;
inline constexpr std::uint64_t kChaseL2Multiple = 4;
// The pointer chase's cursor: the word index where the next operation starts (core/chase).
inline constexpr std::uint64_t kChaseCursorBytes = 8;
// Guard bytes on each side of a transfer buffer (overrun checks during verification).
inline constexpr std::uint64_t kGuardBytes = 4096;
// Device buffers of a latency copy case: two of max(copy size, 64 KiB) on each GPU involved.
inline constexpr std::uint64_t kLatencyBufferBytes = 64 * 1024;

// "peer,host" or "all". Throws UsageError naming an unknown or repeated suite and listing the
// allowed ones.
[[nodiscard]] std::vector<Suite> parse_suites(std::string_view comma_list);

// "fp32,bf16" (gemm precisions, also accepted with the gemm_ prefix) or "all". Throws UsageError
// naming an unknown or repeated precision.
[[nodiscard]] std::vector<Method> parse_gemm_precisions(std::string_view comma_list);

// Cases in run order: suites peer, staged, host, async, latency, elementwise, gemm, overlap;
// within a suite by method, then
// pair / GPU, then size. Pipelined tuning cases (chunk_bytes != 0) precede the pipelined cases
// that use the best of them (chunk_bytes == 0, ring_depth == 0).
// GPUs are system.devices (the selection), taken in ascending ordinal order.
// Throws UsageError for a zero chunk size, a ring depth or split stream count below 1.
[[nodiscard]] std::vector<Case> plan(const BenchOptions& options, const SystemInfo& system);

// Bytes a case allocates on each GPU (device ordinal -> bytes, ascending ordinal), used for
// the fit check; exposed for tests.
[[nodiscard]] std::vector<std::pair<int, std::uint64_t>> device_bytes_needed(const Case& c);

// Host memory (pinned or pageable) a case allocates: transfer buffers on the host side, staging
// rings and bounce buffers, the host pointer-chase chain. Exposed for tests.
[[nodiscard]] std::uint64_t host_bytes_needed(const Case& c);

// A pipelined case that measures one (chunk, ring depth) combination of the tuning grid.
[[nodiscard]] bool is_tuning_case(const Case& c);

struct PipelineTuning {
  std::uint64_t chunk_bytes = 0;
  int ring_depth = 0;
  double median_bytes_per_s = 0;
};
// The tuning combination with the highest median rate among ok tuning records; nullopt when
// none succeeded. The runner resolves chunk_bytes == 0 cases with it; the view marks it.
[[nodiscard]] std::optional<PipelineTuning> best_pipeline_tuning(const std::vector<Record>& records);

}  // namespace gx
