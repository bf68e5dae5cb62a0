#include "gpu/raii.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace gx {

void HostMemoryTraits::release(void* p) noexcept { std::free(p); }

Stream::Stream(int device) : device_(device) {
  DeviceGuard guard(device);
  cudaStream_t s = nullptr;
  GX_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  handle_ = Owner<cudaStream_t, StreamTraits>(s);
}

Event::Event(int device, bool timing) : device_(device) {
  DeviceGuard guard(device);
  cudaEvent_t e = nullptr;
  GX_CUDA(cudaEventCreateWithFlags(&e, timing ? cudaEventDefault : cudaEventDisableTiming));
  handle_ = Owner<cudaEvent_t, EventTraits>(e);
}

void Event::record(const Stream& stream) { GX_CUDA(cudaEventRecord(get(), stream.get())); }

double elapsed_seconds(const Event& start, const Event& stop) {
  float ms = 0;
  GX_CUDA(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return static_cast<double>(ms) * 1e-3;
}

void clear_cuda_error() noexcept { (void)cudaGetLastError(); }

DeviceBuffer::DeviceBuffer(int device, std::size_t bytes) : device_(device), bytes_(bytes) {
  DeviceGuard guard(device);
  void* p = nullptr;
  GX_CUDA(cudaMalloc(&p, bytes));
  handle_ = Owner<void*, DeviceMemoryTraits>(p);
}

PinnedBuffer::PinnedBuffer(std::size_t bytes) : bytes_(bytes) {
  void* p = nullptr;
  GX_CUDA(cudaHostAlloc(&p, bytes, cudaHostAllocPortable | cudaHostAllocMapped));
  handle_ = Owner<void*, PinnedMemoryTraits>(p);
}

PageableBuffer::PageableBuffer(std::size_t bytes) : bytes_(bytes) {
  const std::size_t rounded = (bytes + 4095) / 4096 * 4096;
  void* p = std::aligned_alloc(4096, rounded);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0x5a, rounded);
  handle_ = Owner<void*, HostMemoryTraits>(p);
}

}  // namespace gx
