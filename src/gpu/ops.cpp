#include "gpu/ops.hpp"

#include "gpu/measure.hpp"

namespace gx {

void copy_peer(void* dst, int dst_device, const void* src, int src_device, std::size_t bytes, const Stream& stream) {
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

void elementwise(ElementwiseOp op, DType dtype, void* out, const void* x, const void* y, std::size_t count, double a,
                 int sm_count, const ElementwiseConfig& config, const Stream& stream) {
  DeviceGuard guard(stream.device());
  launch_elementwise(op, dtype, out, x, y, count, a, sm_count, stream.get(), config);
}

void fill_uniform(void* buffer, DType dtype, std::size_t count, std::uint32_t seed, double lo, double hi,
                  const Stream& stream) {
  DeviceGuard guard(stream.device());
  launch_fill_uniform(buffer, dtype, count, seed, lo, hi, stream.get());
}

Verifier::Verifier(int device)
    : device_(device), counter_(device, sizeof(unsigned long long)), result_(sizeof(unsigned long long)) {}

void Verifier::fill(void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset, const Stream& stream) {
  DeviceGuard guard(stream.device());
  kernels::launch_fill_pattern(buffer, bytes, seed, offset, stream.get());
}

std::uint64_t Verifier::mismatches(const void* buffer, std::size_t bytes, std::uint32_t seed, std::size_t offset,
                                   const Stream& stream, double timeout_seconds) {
  DeviceGuard guard(stream.device());
  auto* counter = static_cast<unsigned long long*>(counter_.data());
  GX_CUDA(cudaMemsetAsync(counter, 0, sizeof(*counter), stream.get()));
  kernels::launch_count_mismatches(buffer, bytes, seed, offset, counter, stream.get());
  GX_CUDA(cudaMemcpyAsync(result_.data(), counter, sizeof(*counter), cudaMemcpyDeviceToHost, stream.get()));
  wait_for(stream, timeout_seconds);
  return *static_cast<const unsigned long long*>(result_.data());
}

std::uint64_t Verifier::elementwise_errors(ElementwiseOp op, DType dtype, const void* out, std::size_t count,
                                           std::uint32_t seed_x, std::uint32_t seed_y, double lo, double hi, double a,
                                           const Stream& stream, double timeout_seconds) {
  DeviceGuard guard(stream.device());
  auto* counter = static_cast<unsigned long long*>(counter_.data());
  GX_CUDA(cudaMemsetAsync(counter, 0, sizeof(*counter), stream.get()));
  launch_count_elementwise_errors(op, dtype, out, count, seed_x, seed_y, lo, hi, a, counter, stream.get());
  GX_CUDA(cudaMemcpyAsync(result_.data(), counter, sizeof(*counter), cudaMemcpyDeviceToHost, stream.get()));
  wait_for(stream, timeout_seconds);
  return *static_cast<const unsigned long long*>(result_.data());
}

}  // namespace gx
