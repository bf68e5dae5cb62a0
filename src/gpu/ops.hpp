#pragma once
// The operations suites compose: copies by copy engine or SM kernel, stream ordering, peer
// access toggling, pattern fill and verification. Thin, checked wrappers over CUDA.
#include <cstddef>
#include <cstdint>

#include "core/units.hpp"
#include "gpu/elementwise.hpp"
#include "gpu/kernels.hpp"
#include "gpu/raii.hpp"

namespace gx {

// cudaMemcpyPeerAsync: copy engine of the device owning `stream`.
void copy_peer(void* dst, int dst_device, const void* src, int src_device, std::size_t bytes, const Stream& stream);
// cudaMemcpyAsync with cudaMemcpyDefault (UVA decides the direction): H2D, D2H, D2D.
void copy_async(void* dst, const void* src, std::size_t bytes, const Stream& stream);
// Copy by the SMs of the device owning `stream` (dst and/or src may be peer memory).
void copy_sm(void* dst, const void* src, std::size_t bytes, const Stream& stream, int sm_count,
             const kernels::SmCopyConfig& config);
// One elementwise op (elementwise.hpp) by the SMs of the device owning `stream`.
void elementwise(ElementwiseOp op, DType dtype, void* out, const void* x, const void* y, std::size_t count, double a,
                 int sm_count, const ElementwiseConfig& config, const Stream& stream);
// Seeded uniform values in [lo, hi) (elementwise.hpp), on the device owning `stream`.
void fill_uniform(void* buffer, DType dtype, std::size_t count, std::uint32_t seed, double lo, double hi,
                  const Stream& stream);
// `waiter` waits for everything recorded in `event` (works across devices).
void stream_wait(const Stream& waiter, const Event& event);

// Peer access from `device` to `peer`'s memory. Idempotent: "already enabled" and "not
// enabled" are success.
void set_peer_access(int device, int peer, bool enable);

// Seeded pattern fill and check (see kernels.hpp). One per device; checks synchronize.
class Verifier {
 public:
  explicit Verifier(int device);
  void fill(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset, const Stream& stream);
  // Bytes differing from the pattern; waits for the stream (with the timeout).
  [[nodiscard]] std::uint64_t mismatches(const void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset,
                                         const Stream& stream, double timeout_seconds);
  // Elements of an elementwise op's output that differ from the analytic result computed from
  // the regenerated inputs (see elementwise.hpp); waits for the stream (with the timeout).
  [[nodiscard]] std::uint64_t elementwise_errors(ElementwiseOp op, DType dtype, const void* out, std::size_t count,
                                                 std::uint32_t seed_x, std::uint32_t seed_y, double lo, double hi,
                                                 double a, const Stream& stream, double timeout_seconds);
  [[nodiscard]] int device() const { return device_; }

 private:
  int device_;
  DeviceBuffer counter_;
  PinnedBuffer result_;
};

}  // namespace gx
