#pragma once
// GEMM with cuBLASLt for the gemm suite: one N x N x N product C = A * B per precision, the
// algorithm chosen by timing cuBLASLt's heuristic candidates, and verification of sampled entries
// of C against a double-precision dot product computed on the GPU.
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gpu/check.hpp"
#include "gpu/raii.hpp"

namespace gx {

// A failed cuBLAS / cuBLASLt call. A CudaError so the suite runner's handling applies unchanged:
// code() maps the status to a non-sticky CUDA error (CUBLAS_STATUS_ALLOC_FAILED ->
// cudaErrorMemoryAllocation, so it is an out-of-memory skip; INVALID_VALUE -> cudaErrorInvalidValue;
// every other status -> cudaErrorNotSupported). A cuBLAS failure caused by a sticky CUDA error is
// thrown as that CudaError instead (see blas_check). what() names the status and the call.
class BlasError : public CudaError {
 public:
  BlasError(cublasStatus_t status, const char* expression, const char* file, int line);
  [[nodiscard]] cublasStatus_t status() const noexcept { return status_; }
  [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }

 private:
  cublasStatus_t status_;
  std::string message_;
};

void blas_check(cublasStatus_t status, const char* expression, const char* file, int line);
void blas_check_noexcept(cublasStatus_t status, const char* expression, const char* file, int line) noexcept;
[[nodiscard]] std::string blas_status_text(cublasStatus_t status);  // "CUBLAS_STATUS_X: message"

enum class GemmPrecision { fp32, tf32, bf16, fp16, fp8 };
[[nodiscard]] std::string_view gemm_precision_name(GemmPrecision precision);  // "fp32", "tf32", ...

// Why `precision` cannot run on a device of compute capability (cc_major, cc_minor); empty when it
// can. tf32 and bf16 need 8.0 (Ampere), fp16 tensor cores 7.0, fp8 8.9 (Ada, Hopper).
[[nodiscard]] std::string gemm_unsupported_reason(GemmPrecision precision, int cc_major, int cc_minor);

// One N x N x N GEMM, C = A * B, column-major, on one device.
//   fp32: FP32 A, B, C; CUBLAS_COMPUTE_32F (cuBLASLt never uses TF32 with it: PyTorch with
//         allow_tf32 = False).
//   tf32: FP32 A, B, C; CUBLAS_COMPUTE_32F_FAST_TF32 (TF32 tensor cores, FP32 accumulation).
//   bf16, fp16: 16-bit A, B, C; FP32 accumulation and scaling (what PyTorch's x @ y does).
//   fp8: E4M3 A and B, BF16 C, FP32 accumulation; "TN" (A transposed, as cuBLASLt requires for
//        FP8) and leading dimensions padded to multiples of 16 elements (16-byte rule).
// A and B hold seeded uniform values in `inputs` (default [0, 1)) generated on the GPU.
class Gemm {
 public:
  // The random inputs of A and B: uniform in [lo, hi), rounded to the type. A GEMM's speed on
  // H100/H200 depends on its data (the power the tensor cores draw under the power cap: bf16 runs
  // markedly faster on [0, 1) than on [-1, 1)). Default [0, 1): what
  // torch.rand(..., device="cuda") makes (a float uniform rounded to the type), so gpuxfer and
  // PyTorch's `torch.rand(...) @ torch.rand(...)` time the same kind of data.
  struct InputRange {
    double lo = 0.0;
    double hi = 1.0;
  };
  // Allocates A, B, C and a 64 MiB workspace (throws CudaError cudaErrorMemoryAllocation, with the
  // pending error cleared, when they do not fit), fills A and B, then chooses the algorithm: up to
  // 16 heuristic candidates in cuBLASLt's order, each run once untimed (module loading), then
  // timed with CUDA events on `stream` as the best of 3 samples (each >= 2 ms of GEMMs after the
  // first); no new candidate starts once 0.4 s were spent and 3 were tried; the fastest is kept. Every device wait is
  // bounded by timeout_seconds (TimeoutError). cuBLAS failures throw BlasError; a precision the
  // device does not support throws BlasError (CUBLAS_STATUS_NOT_SUPPORTED) with the reason.
  Gemm(int device, GemmPrecision precision, std::int64_t n, std::uint32_t seed, const Stream& stream,
       double timeout_seconds, InputRange inputs);

  // Enqueues one C = A * B on `stream`, which must belong to the Gemm's device.
  void enqueue(const Stream& stream);

  // Largest normalized error |C_ij - ref_ij| / sum_k |A_ik * B_kj| over `samples` entries of C
  // (the four corners first, then pseudo-random (i, j) from the seed), ref in double from the
  // stored A and B, one block per entry; waits for `stream` (timeout). A NaN or infinite C_ij
  // gives +infinity.
  [[nodiscard]] double max_normalized_error(const Stream& stream, int samples, double timeout_seconds);

  // What max_normalized_error must stay within for a correct product (derivation in blas.cpp):
  // fp32 1e-5, tf32 2e-3, bf16 1e-2, fp16 2e-3, fp8 1e-2. A corrupted entry scores >= ~1.
  [[nodiscard]] static double error_bound(GemmPrecision precision);
  // The bound for an N x N x N product: fp32's accumulation error grows like sqrt(N) (with
  // all-positive inputs, the default, 4.4e-6 was measured at N = 10^4), so beyond N = 10^4 its
  // bound grows the same way; the others are set by rounding, not by N.
  [[nodiscard]] static double error_bound(GemmPrecision precision, std::int64_t n);

  [[nodiscard]] double flops_per_op() const;  // 2 N^3
  [[nodiscard]] std::int64_t n() const noexcept { return n_; }
  [[nodiscard]] GemmPrecision precision() const noexcept { return precision_; }
  [[nodiscard]] int device() const noexcept { return device_; }
  // e.g. "cublasLt algo 66, tile 128x256, stages id 19, 1 split, ws 0 MiB, fastest of 8 candidates"
  [[nodiscard]] std::string algorithm_description() const;
  // Seconds one C = A * B of the chosen algorithm took while choosing it (a rough estimate).
  [[nodiscard]] double selection_seconds_per_op() const noexcept { return selected_seconds_; }

  // Test hook: overwrites C at (N-1, N-1), an entry max_normalized_error always samples, with a
  // value of the opposite sign and magnitude 2N (bounded by the output type's range).
  void corrupt_output_for_test(const Stream& stream);

 private:
  void choose_algorithm(const Stream& stream, double timeout_seconds);
  // One C = A * B through cublasGemmEx with cuBLAS's default algorithm choice (PyTorch's path).
  cublasStatus_t run_cublas(const Stream& stream);

  int device_ = 0;
  GemmPrecision precision_ = GemmPrecision::fp32;
  std::int64_t n_ = 0;
  std::int64_t ld_ = 0;
  std::uint32_t seed_ = 0;
  BlasLtHandle handle_;
  BlasHandle blas_;
  bool use_cublas_ = false;  // the cublasGemmEx candidate won
  MatmulDesc desc_;
  MatrixLayout a_layout_;
  MatrixLayout b_layout_;
  MatrixLayout c_layout_;
  DeviceBuffer a_;
  DeviceBuffer b_;
  DeviceBuffer c_;
  DeviceBuffer workspace_;
  cublasLtMatmulAlgo_t algo_{};
  std::string description_;
  double selected_seconds_ = 0;
  DeviceBuffer errors_;       // one double per sample
  PinnedBuffer errors_host_;  // copied back for the host-side maximum
};

// Kernels used by Gemm (src/gpu/blas_kernels.cu). Enqueue on `stream`, check the launch.
namespace blas_kernels {

enum class Element { f32, f16, bf16, e4m3 };

// E4M3 values of uniform_value(seed, i, lo, hi) (round to nearest, saturating).
void launch_fill_e4m3(void* buffer, std::size_t count, std::uint32_t seed, double lo, double hi, cudaStream_t stream);

// errors[s] = |C_ij - sum_k A_ik B_kj| / sum_k |A_ik B_kj| for sample s (see Gemm), in double;
// a_transposed: A is stored as op(A)^T (the fp8 "TN" layout). Matrices have leading dimension ld.
void launch_sample_errors(Element in, Element out, bool a_transposed, const void* a, const void* b, const void* c,
                          std::int64_t n, std::int64_t ld, std::uint32_t seed, int samples, double* errors,
                          cudaStream_t stream);

// C(row, col) = -sign(C(row, col)) * magnitude (magnitude clamped to the largest finite value).
void launch_corrupt_entry(Element out, void* c, std::int64_t ld, std::int64_t row, std::int64_t col, double magnitude,
                          cudaStream_t stream);

}  // namespace blas_kernels

}  // namespace gx

#define GX_CUBLAS(expr) ::gx::blas_check((expr), #expr, __FILE__, __LINE__)
#define GX_CUBLAS_NOEXCEPT(expr) ::gx::blas_check_noexcept((expr), #expr, __FILE__, __LINE__)
