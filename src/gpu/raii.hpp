#pragma once
// Owners of CUDA state. Move-only; the only place that allocates memory or creates handles.
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "gpu/check.hpp"

namespace gx {

// Makes `device` current for its scope and restores the previous device after.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    GX_CUDA(cudaGetDevice(&previous_));
    if (device != previous_) GX_CUDA(cudaSetDevice(device));
  }
  ~DeviceGuard() { GX_CUDA_NOEXCEPT(cudaSetDevice(previous_)); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

// A move-only owner of one handle, released by Traits::release.
template <class Handle, class Traits>
class Owner {
 public:
  Owner() = default;
  explicit Owner(Handle handle) : handle_(handle) {}
  ~Owner() { reset(); }
  Owner(Owner&& other) noexcept : handle_(std::exchange(other.handle_, Handle{})) {}
  Owner& operator=(Owner&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, Handle{});
    }
    return *this;
  }
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;
  [[nodiscard]] Handle get() const noexcept { return handle_; }
  void reset() noexcept {
    if (handle_ != Handle{}) Traits::release(handle_);
    handle_ = Handle{};
  }

 private:
  Handle handle_{};
};

struct StreamTraits {
  static void release(cudaStream_t s) noexcept { GX_CUDA_NOEXCEPT(cudaStreamDestroy(s)); }
};
struct EventTraits {
  static void release(cudaEvent_t e) noexcept { GX_CUDA_NOEXCEPT(cudaEventDestroy(e)); }
};
struct DeviceMemoryTraits {
  static void release(void* p) noexcept { GX_CUDA_NOEXCEPT(cudaFree(p)); }
};
struct PinnedMemoryTraits {
  static void release(void* p) noexcept { GX_CUDA_NOEXCEPT(cudaFreeHost(p)); }
};
struct HostMemoryTraits {
  static void release(void* p) noexcept;
};

// A non-blocking stream on one device (never synchronizes with the legacy default stream).
class Stream {
 public:
  explicit Stream(int device);
  [[nodiscard]] cudaStream_t get() const noexcept { return handle_.get(); }
  [[nodiscard]] int device() const noexcept { return device_; }

 private:
  int device_ = 0;
  Owner<cudaStream_t, StreamTraits> handle_;
};

class Event {
 public:
  explicit Event(int device, bool timing = true);
  [[nodiscard]] cudaEvent_t get() const noexcept { return handle_.get(); }
  [[nodiscard]] int device() const noexcept { return device_; }
  void record(const Stream& stream);

 private:
  int device_ = 0;
  Owner<cudaEvent_t, EventTraits> handle_;
};

// Seconds between two recorded events of the same device (cudaEventElapsedTime).
[[nodiscard]] double elapsed_seconds(const Event& start, const Event& stop);

// Clears a pending non-sticky CUDA error (after an expected failure such as out-of-memory),
// so it does not surface at the next launch check.
void clear_cuda_error() noexcept;

// Device memory on one GPU. Throws CudaError (cudaErrorMemoryAllocation) when it does not fit.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(int device, std::size_t bytes);
  [[nodiscard]] void* data() const noexcept { return handle_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return bytes_; }
  [[nodiscard]] int device() const noexcept { return device_; }

 private:
  int device_ = 0;
  std::size_t bytes_ = 0;
  Owner<void*, DeviceMemoryTraits> handle_;
};

// Page-locked host memory, portable (usable from every GPU's context) and mapped (UVA device
// pointer equals the host pointer). Pinned on the NUMA node of the calling thread, so callers
// bind the thread to the GPU's CPUs first.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(std::size_t bytes);
  [[nodiscard]] void* data() const noexcept { return handle_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return bytes_; }

 private:
  std::size_t bytes_ = 0;
  Owner<void*, PinnedMemoryTraits> handle_;
};

// Ordinary pageable host memory, page-aligned and touched so first-use faults stay out of timing.
class PageableBuffer {
 public:
  PageableBuffer() = default;
  explicit PageableBuffer(std::size_t bytes);
  [[nodiscard]] void* data() const noexcept { return handle_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return bytes_; }

 private:
  std::size_t bytes_ = 0;
  Owner<void*, HostMemoryTraits> handle_;
};

// cuBLASLt state for the GEMM suite (gpu/blas). Creation failures throw BlasError (gpu/blas.hpp);
// releases log and never throw.
struct BlasLtHandleTraits {
  static void release(cublasLtHandle_t h) noexcept;
};
struct MatmulDescTraits {
  static void release(cublasLtMatmulDesc_t d) noexcept;
};
struct MatrixLayoutTraits {
  static void release(cublasLtMatrixLayout_t l) noexcept;
};
struct MatmulPreferenceTraits {
  static void release(cublasLtMatmulPreference_t p) noexcept;
};

struct BlasHandleTraits {
  static void release(cublasHandle_t h) noexcept;
};

// A cuBLAS handle, created with `device` current.
class BlasHandle {
 public:
  explicit BlasHandle(int device);
  [[nodiscard]] cublasHandle_t get() const noexcept { return handle_.get(); }

 private:
  Owner<cublasHandle_t, BlasHandleTraits> handle_;
};

// A cuBLASLt handle, created with `device` current.
class BlasLtHandle {
 public:
  explicit BlasLtHandle(int device);
  [[nodiscard]] cublasLtHandle_t get() const noexcept { return handle_.get(); }
  [[nodiscard]] int device() const noexcept { return device_; }

 private:
  int device_ = 0;
  Owner<cublasLtHandle_t, BlasLtHandleTraits> handle_;
};

// Operation descriptor of a matmul (compute and scale types; attributes set by the caller).
class MatmulDesc {
 public:
  MatmulDesc(cublasComputeType_t compute, cudaDataType_t scale);
  [[nodiscard]] cublasLtMatmulDesc_t get() const noexcept { return handle_.get(); }

 private:
  Owner<cublasLtMatmulDesc_t, MatmulDescTraits> handle_;
};

// Layout of one column-major matrix: rows x cols, leading dimension ld (elements).
class MatrixLayout {
 public:
  MatrixLayout(cudaDataType_t type, std::uint64_t rows, std::uint64_t cols, std::int64_t ld);
  [[nodiscard]] cublasLtMatrixLayout_t get() const noexcept { return handle_.get(); }

 private:
  Owner<cublasLtMatrixLayout_t, MatrixLayoutTraits> handle_;
};

// Heuristic search preferences (attributes set by the caller).
class MatmulPreference {
 public:
  MatmulPreference();
  [[nodiscard]] cublasLtMatmulPreference_t get() const noexcept { return handle_.get(); }

 private:
  Owner<cublasLtMatmulPreference_t, MatmulPreferenceTraits> handle_;
};

}  // namespace gx
