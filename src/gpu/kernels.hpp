#pragma once
// Launchers of gpuxfer's own kernels. Each enqueues on `stream` and checks the launch
// (GX_CUDA_LAUNCH); none synchronizes.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace gx::kernels {

// Spins until *flag != 0 (host-mapped memory) or timeout_ns pass; on timeout sets *timed_out.
void launch_gate(const volatile int* flag, std::uint64_t timeout_ns, volatile int* timed_out, cudaStream_t stream);

// Device-side copy by SMs, 16-byte vectors, `unroll` independent loads in flight per thread
// before their stores; streaming cache hints (the data is touched once).
// `bulk` uses Hopper's bulk-copy engine instead (cp.async.bulk global -> shared -> global, one
// thread per block driving `stages` chunks of `bulk_chunk` bytes in flight); sm_90+ only.
struct SmCopyConfig {
  int blocks_per_sm = 4;
  int threads = 512;
  int unroll = 8;  // 1, 2, 4, 8 or 16
  bool bulk = false;
  int bulk_chunk = 16384;  // multiple of 16
  int stages = 4;          // 2 to 8
  // 1: the copy may use the whole GPU. n > 1: it runs side by side with n-1 other copies on the
  // same GPU, so it takes 1/n of the block slots that can be resident at once (a grid sized for
  // the whole GPU would hold slots the others need, and they would run partly in turn), with
  // the one-load vector kernel whatever `bulk` and `unroll` say.
  int share = 1;
};
// Enqueues the copy; throws UsageError for a config the kernels cannot run (an unroll without an
// instantiation, bulk stages or chunk out of range, more shared memory than the device grants
// one block) rather than running another shape than asked.
void launch_sm_copy(void* dst, const void* src, std::size_t bytes, int sm_count, const SmCopyConfig& config,
                    cudaStream_t stream);

// The vector kernel's instantiations (`unroll`).
[[nodiscard]] bool is_sm_copy_unroll(int unroll);
// The bulk copy keeps one mbarrier per stage in a fixed shared array of kBulkCopyMaxStages.
inline constexpr int kBulkCopyMinStages = 2;
inline constexpr int kBulkCopyMaxStages = 8;
// Why the bulk copy cannot run `config` on `device` (stages, chunk, or stages x chunk beyond
// the shared memory the device grants one block), or "" when it can.
[[nodiscard]] std::string bulk_copy_config_problem(const SmCopyConfig& config, int device);

// Seeded pattern: byte b of a buffer is byte (b & 3) of hash(seed, offset/4 + b/4), so any shift,
// truncation or stale byte is caught. `offset` = index of the first byte within the pattern.
void launch_fill_pattern(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset, cudaStream_t stream);
// Adds the number of bytes differing from the pattern to *counter (device memory).
void launch_count_mismatches(const void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset,
                             unsigned long long* counter, cudaStream_t stream);

// One thread follows `steps` links of a chain of 64-bit word indices (dependent loads, L1
// bypassed), starting at the index in *cursor (device memory), and stores the index it ends at
// to *cursor, for the next operation to start from, and to *sink (any memory the host reads).
void launch_pointer_chase(const std::uint64_t* chain, std::uint64_t steps, std::uint64_t* cursor, std::uint64_t* sink,
                          cudaStream_t stream);

// Busy-waits ns nanoseconds of GPU time (globaltimer): a kernel of known length for tests.
void launch_sleep(std::uint64_t ns, cudaStream_t stream);

// Launches every kernel once with a trivial size so lazy module loading stays out of timing.
void preload(int device);

}  // namespace gx::kernels
