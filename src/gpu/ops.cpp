#include "gpu/ops.hpp"

#include "gpu/measure.hpp"

namespace gx {

void copy_peer(void* dst, int dst_device, const void* src, int src_device, std::size_t bytes,
               const Stream& stream) {
  GX_CUDA(cudaMemcpyPeerAsync(dst, dst_device, src, src_device, bytes, stream.get()));
}

void copy_async(void* dst, const void* src, std::size_t bytes, const Stream& stream) {
  GX_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, stream.get()));
}

void copy_sm(void* dst, const void* src, std::size_t bytes, const Stream& stream, int sm_count,
             const kernels::SmCopyConfig& config) {
  DeviceGuard guard(stream.device());
  kernels::launch_sm_copy(dst, src, bytes, sm_count, config, stream.get());
}

void stream_wait(const Stream& waiter, const Event& event) {
  GX_CUDA(cudaStreamWaitEvent(waiter.get(), event.get(), 0));
}

void set_peer_access(int device, int peer, bool enable) {
  DeviceGuard guard(device);
  const cudaError_t rc = enable ? cudaDeviceEnablePeerAccess(peer, 0) : cudaDeviceDisablePeerAccess(peer);
  if (rc == cudaErrorPeerAccessAlreadyEnabled || rc == cudaErrorPeerAccessNotEnabled) {
    (void)cudaGetLastError();  // expected states, not failures; clear the non-sticky error
    return;
  }
  GX_CUDA(rc);
}

Verifier::Verifier(int device)
    : device_(device), counter_(device, sizeof(unsigned long long)), result_(sizeof(unsigned long long)) {}

void Verifier::fill(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset,
                    const Stream& stream) {
  DeviceGuard guard(stream.device());
  kernels::launch_fill_pattern(buffer, bytes, seed, offset, stream.get());
}

std::uint64_t Verifier::mismatches(const void* buffer, std::size_t bytes, std::uint32_t seed,
                                   std::size_t offset, const Stream& stream, double timeout_seconds) {
  DeviceGuard guard(stream.device());
  auto* counter = static_cast<unsigned long long*>(counter_.data());
  GX_CUDA(cudaMemsetAsync(counter, 0, sizeof(*counter), stream.get()));
  kernels::launch_count_mismatches(buffer, bytes, seed, offset, counter, stream.get());
  GX_CUDA(cudaMemcpyAsync(result_.data(), counter, sizeof(*counter), cudaMemcpyDeviceToHost, stream.get()));
  wait_for(stream, timeout_seconds);
  return *static_cast<const unsigned long long*>(result_.data());
}

}  // namespace gx
