#include "gpu/raii.hpp"

#include "gpu/blas.hpp"
#include "gpu/blas_api.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace gx {

void HostMemoryTraits::release(void* p) noexcept {
  std::free(p);
}

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

void Event::record(const Stream& stream) {
  GX_CUDA(cudaEventRecord(get(), stream.get()));
}

double elapsed_seconds(const Event& start, const Event& stop) {
  float ms = 0;
  GX_CUDA(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return static_cast<double>(ms) * 1e-3;
}

void clear_cuda_error() noexcept {
  (void)cudaGetLastError();
}

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

void BlasLtHandleTraits::release(cublasLtHandle_t h) noexcept {
  GX_CUBLAS_NOEXCEPT(blas_api().cublasLtDestroy(h));
}
void MatmulDescTraits::release(cublasLtMatmulDesc_t d) noexcept {
  GX_CUBLAS_NOEXCEPT(blas_api().cublasLtMatmulDescDestroy(d));
}
void MatrixLayoutTraits::release(cublasLtMatrixLayout_t l) noexcept {
  GX_CUBLAS_NOEXCEPT(blas_api().cublasLtMatrixLayoutDestroy(l));
}
void MatmulPreferenceTraits::release(cublasLtMatmulPreference_t p) noexcept {
  GX_CUBLAS_NOEXCEPT(blas_api().cublasLtMatmulPreferenceDestroy(p));
}

void BlasHandleTraits::release(cublasHandle_t h) noexcept {
  GX_CUBLAS_NOEXCEPT(blas_api().cublasDestroy(h));
}

BlasHandle::BlasHandle(int device) {
  DeviceGuard guard(device);
  cublasHandle_t h = nullptr;
  GX_CUBLAS(blas_api().cublasCreate(&h));
  handle_ = Owner<cublasHandle_t, BlasHandleTraits>(h);
}

BlasLtHandle::BlasLtHandle(int device) : device_(device) {
  DeviceGuard guard(device);
  cublasLtHandle_t h = nullptr;
  GX_CUBLAS(blas_api().cublasLtCreate(&h));
  handle_ = Owner<cublasLtHandle_t, BlasLtHandleTraits>(h);
}

MatmulDesc::MatmulDesc(cublasComputeType_t compute, cudaDataType_t scale) {
  cublasLtMatmulDesc_t d = nullptr;
  GX_CUBLAS(blas_api().cublasLtMatmulDescCreate(&d, compute, scale));
  handle_ = Owner<cublasLtMatmulDesc_t, MatmulDescTraits>(d);
}

MatrixLayout::MatrixLayout(cudaDataType_t type, std::uint64_t rows, std::uint64_t cols, std::int64_t ld) {
  cublasLtMatrixLayout_t l = nullptr;
  GX_CUBLAS(blas_api().cublasLtMatrixLayoutCreate(&l, type, rows, cols, ld));
  handle_ = Owner<cublasLtMatrixLayout_t, MatrixLayoutTraits>(l);
}

MatmulPreference::MatmulPreference() {
  cublasLtMatmulPreference_t p = nullptr;
  GX_CUBLAS(blas_api().cublasLtMatmulPreferenceCreate(&p));
  handle_ = Owner<cublasLtMatmulPreference_t, MatmulPreferenceTraits>(p);
}

}  // namespace gx
