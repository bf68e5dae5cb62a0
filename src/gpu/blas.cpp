#include "gpu/blas.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>

#include "core/error.hpp"
#include "gpu/blas_api.hpp"
#include "gpu/elementwise.hpp"
#include "gpu/measure.hpp"

namespace gx {
namespace {

using blas_kernels::Element;

cudaError_t mapped_code(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_ALLOC_FAILED: return cudaErrorMemoryAllocation;
    case CUBLAS_STATUS_INVALID_VALUE: return cudaErrorInvalidValue;
    default: return cudaErrorNotSupported;
  }
}

// Names of cublasLtMatmulTile_t in enum order, from CUBLASLT_MATMUL_TILE_8x8 = 1 (CUDA 13 header;
// the values are ABI, so newer libraries only append). Ids past the table print as numbers.
constexpr std::string_view kTileNames =
    "8x8 8x16 16x8 8x32 16x16 32x8 8x64 16x32 32x16 64x8 32x32 32x64 64x32 32x128 64x64 128x32 "
    "64x128 128x64 64x256 128x128 256x64 64x512 128x256 256x128 512x64 64x96 96x64 96x128 128x160 "
    "160x128 192x128 128x192 128x96 32x256 256x32 8x128 8x192 8x256 8x320 8x384 8x448 8x512 8x576 "
    "8x640 8x704 8x768 16x64 16x128 16x192 16x256 16x320 16x384 16x448 16x512 16x576 16x640 16x704 "
    "16x768 24x64 24x128 24x192 24x256 24x320 24x384 24x448 24x512 24x576 24x640 24x704 24x768 "
    "32x192 32x320 32x384 32x448 32x512 32x576 32x640 32x704 32x768 40x64 40x128 40x192 40x256 "
    "40x320 40x384 40x448 40x512 40x576 40x640 40x704 40x768 48x64 48x128 48x192 48x256 48x320 "
    "48x384 48x448 48x512 48x576 48x640 48x704 48x768 56x64 56x128 56x192 56x256 56x320 56x384 "
    "56x448 56x512 56x576 56x640 56x704 56x768 64x192 64x320 64x384 64x448 64x576 64x640 64x704 "
    "64x768 72x64 72x128 72x192 72x256 72x320 72x384 72x448 72x512 72x576 72x640 80x64 80x128 80x192 "
    "80x256 80x320 80x384 80x448 80x512 80x576 88x64 88x128 88x192 88x256 88x320 88x384 88x448 "
    "88x512 96x192 96x256 96x320 96x384 96x448 96x512 104x64 104x128 104x192 104x256 104x320 104x384 "
    "104x448 112x64 112x128 112x192 112x256 112x320 112x384 120x64 120x128 120x192 120x256 120x320 "
    "120x384 128x320 128x384 136x64 136x128 136x192 136x256 136x320 144x64 144x128 144x192 144x256 "
    "144x320 152x64 152x128 152x192 152x256 152x320 160x64 160x192 160x256 168x64 168x128 168x192 "
    "168x256 176x64 176x128 176x192 176x256 184x64 184x128 184x192 184x256 192x64 192x192 192x256 "
    "200x64 200x128 200x192 208x64 208x128 208x192 216x64 216x128 216x192 224x64 224x128 224x192 "
    "232x64 232x128 232x192 240x64 240x128 240x192 248x64 248x128 248x192 256x192 264x64 264x128 "
    "272x64 272x128 280x64 280x128 288x64 288x128 296x64 296x128 304x64 304x128 312x64 312x128 "
    "320x64 320x128 328x64 328x128 336x64 336x128 344x64 344x128 352x64 352x128 360x64 360x128 "
    "368x64 368x128 376x64 376x128 384x64 384x128 392x64 400x64 408x64 416x64 424x64 432x64 440x64 "
    "448x64 456x64 464x64 472x64 480x64 488x64 496x64 504x64 520x64 528x64 536x64 544x64 552x64 "
    "560x64 568x64 576x64 584x64 592x64 600x64 608x64 616x64 624x64 632x64 640x64 648x64 656x64 "
    "664x64 672x64 680x64 688x64 696x64 704x64 712x64 720x64 728x64 736x64 744x64 752x64 760x64 "
    "768x64 64x16 64x24 64x40 64x48 64x56 64x72 64x80 64x88 64x104 64x112 64x120 64x136 64x144 "
    "64x152 64x160 64x168 64x176 64x184 64x200 64x208 64x216 64x224 64x232 64x240 64x248 64x264 "
    "64x272 64x280 64x288 64x296 64x304 64x312 64x328 64x336 64x344 64x352 64x360 64x368 64x376 "
    "64x392 64x400 64x408 64x416 64x424 64x432 64x440 64x456 64x464 64x472 64x480 64x488 64x496 "
    "64x504 64x520 64x528 64x536 64x544 64x552 64x560 64x568 64x584 64x592 64x600 64x608 64x616 "
    "64x624 64x632 64x648 64x656 64x664 64x672 64x680 64x688 64x696 64x712 64x720 64x728 64x736 "
    "64x744 64x752 64x760 128x8 128x16 128x24 128x40 128x48 128x56 128x72 128x80 128x88 128x104 "
    "128x112 128x120 128x136 128x144 128x152 128x168 128x176 128x184 128x200 128x208 128x216 128x224 "
    "128x232 128x240 128x248 128x264 128x272 128x280 128x288 128x296 128x304 128x312 128x328 128x336 "
    "128x344 128x352 128x360 128x368 128x376 128x392 128x400 128x408 128x416 128x424 128x432 128x440 "
    "128x448 128x456 128x464 128x472 128x480 128x488 128x496 128x504 128x512 192x8 192x16 192x24 "
    "192x32 192x40 192x48 192x56 192x72 192x80 192x88 192x96 192x104 192x112 192x120 192x136 192x144 "
    "192x152 192x160 192x168 192x176 192x184 192x200 192x208 192x216 192x224 192x232 192x240 192x248 "
    "192x264 192x272 192x280 192x288 192x296 192x304 192x312 192x320 192x328 192x336 256x8 256x16 "
    "256x24 256x40 256x48 256x56 256x72 256x80 256x88 256x96 256x104 256x112 256x120 256x136 256x144 "
    "256x152 256x160 256x168 256x176 256x184 256x200 256x208 256x216 256x224 256x232 256x240 256x248 "
    "256x256 320x8 320x16 320x24 320x32 320x40 320x48 320x56 320x72 320x80 320x88 320x96 320x104 "
    "320x112 320x120 320x136 320x144 320x152 320x160 320x168 320x176 320x184 320x192 320x200 384x8 "
    "384x16 384x24 384x32 384x40 384x48 384x56 384x72 384x80 384x88 384x96 384x104 384x112 384x120 "
    "384x136 384x144 384x152 384x160 384x168 448x8 448x16 448x24 448x32 448x40 448x48 448x56 448x72 "
    "448x80 448x88 448x96 448x104 448x112 448x120 448x128 448x136 448x144 512x8 512x16 512x24 512x32 "
    "512x40 512x48 512x56 512x72 512x80 512x88 512x96 512x104 512x112 512x120 512x128 576x8 576x16 "
    "576x24 576x32 576x40 576x48 576x56 576x72 576x80 576x88 576x96 576x104 576x112 640x8 640x16 "
    "640x24 640x32 640x40 640x48 640x56 640x72 640x80 640x88 640x96 704x8 704x16 704x24 704x32 "
    "704x40 704x48 704x56 704x72 704x80 704x88 768x8 768x16 768x24 768x32 768x40 768x48 768x56 "
    "768x72 768x80 256x512 256x1024 512x512 512x1024";

std::string tile_name(std::uint32_t id) {
  if (id == 0) return "auto";
  std::size_t begin = 0;
  for (std::uint32_t k = 1; k < id; ++k) {
    begin = kTileNames.find(' ', begin);
    if (begin == std::string_view::npos) return fmt::format("id {}", id);
    ++begin;
  }
  const std::size_t end = kTileNames.find(' ', begin);
  return std::string(kTileNames.substr(begin, end == std::string_view::npos ? end : end - begin));
}

struct Types {
  cublasComputeType_t compute;
  cudaDataType_t input;
  cudaDataType_t output;
  Element input_element;
  Element output_element;
};

Types types_of(GemmPrecision precision) {
  switch (precision) {
    case GemmPrecision::fp32: return {CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_32F, Element::f32, Element::f32};
    case GemmPrecision::tf32: return {CUBLAS_COMPUTE_32F_FAST_TF32, CUDA_R_32F, CUDA_R_32F, Element::f32, Element::f32};
    case GemmPrecision::bf16: return {CUBLAS_COMPUTE_32F, CUDA_R_16BF, CUDA_R_16BF, Element::bf16, Element::bf16};
    case GemmPrecision::fp16: return {CUBLAS_COMPUTE_32F, CUDA_R_16F, CUDA_R_16F, Element::f16, Element::f16};
    case GemmPrecision::fp8: return {CUBLAS_COMPUTE_32F, CUDA_R_8F_E4M3, CUDA_R_16BF, Element::e4m3, Element::bf16};
  }
  return {CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_32F, Element::f32, Element::f32};
}

std::size_t element_bytes(Element e) {
  switch (e) {
    case Element::f32: return 4;
    case Element::f16:
    case Element::bf16: return 2;
    case Element::e4m3: return 1;
  }
  return 4;
}

// Checks what must hold before anything is allocated; returns the leading dimension.
// FP8 kernels need 16-byte aligned leading dimensions: pad to 16 elements (1-byte inputs; the
// BF16 output then has 32-byte rows). The other precisions keep ld = N, as a contiguous PyTorch
// tensor has.
std::int64_t checked_ld(int device, GemmPrecision precision, std::int64_t n) {
  if (n < 1) throw InputError(fmt::format("GEMM size must be at least 1 (got {})", n));
  // Far beyond any GPU's memory, and where N*N*bytes would overflow: an out-of-memory skip.
  if (n > (std::int64_t{1} << 26)) {
    throw CudaError(cudaErrorMemoryAllocation, "Gemm: N x N does not fit", __FILE__, __LINE__);
  }
  int major = 0;
  int minor = 0;
  GX_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  GX_CUDA(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  const std::string reason = gemm_unsupported_reason(precision, major, minor);
  if (!reason.empty()) throw BlasError(CUBLAS_STATUS_NOT_SUPPORTED, reason.c_str(), __FILE__, __LINE__);
  return precision == GemmPrecision::fp8 ? (n + 15) / 16 * 16 : n;
}

std::size_t matrix_bytes(std::int64_t ld, std::int64_t n, Element e) {
  return static_cast<std::size_t>(ld) * static_cast<std::size_t>(n) * element_bytes(e);
}

MatmulDesc make_desc(GemmPrecision precision) {
  MatmulDesc desc(types_of(precision).compute, CUDA_R_32F);
  if (precision == GemmPrecision::fp8) {
    const cublasOperation_t transposed = CUBLAS_OP_T;
    GX_CUBLAS(blas_api().cublasLtMatmulDescSetAttribute(desc.get(), CUBLASLT_MATMUL_DESC_TRANSA, &transposed,
                                                        sizeof(transposed)));
  }
  return desc;
}

constexpr std::size_t kWorkspaceBytes = std::size_t{64} << 20;
constexpr int kCandidates = 16;
// Each candidate is timed over at least this much GPU time (one run when a run is longer), so
// launch jitter does not decide between algorithms of small N.
constexpr double kMinTimedSeconds = 2e-3;
constexpr int kMaxTimedRuns = 50;
// Samples per candidate (the best counts), candidates always tried, and the selection time after
// which no further candidate is started.
constexpr int kTimedSamples = 3;
constexpr int kMinCandidates = 3;
constexpr double kSelectionBudgetSeconds = 0.4;
constexpr std::uint32_t kSeedB = 0x9E3779B9u;  // B's seed = seed + this: independent of A

// A heuristic candidate that fails to run is skipped, but a failed launch inside cuBLASLt may
// leave a CUDA error pending: a sticky one ends everything (thrown), a non-sticky one is cleared
// so it does not surface at the next unrelated launch check.
void discard_candidate_failure() {
  const cudaError_t pending = cudaPeekAtLastError();
  if (pending == cudaSuccess) return;
  CudaError error(pending, "cublasLtMatmul (heuristic candidate)", __FILE__, __LINE__);
  if (error.sticky()) throw error;
  clear_cuda_error();
}

}  // namespace

// ---- errors ----

std::string blas_status_text(cublasStatus_t status) {
  // cuBLASLt names its statuses; without the library (the error may say that it is missing) the
  // number is all there is.
  if (!blas_available()) return fmt::format("cuBLAS status {}", static_cast<int>(status));
  const BlasApi& api = blas_api();
  return fmt::format("{}: {}", api.cublasLtGetStatusName(status), api.cublasLtGetStatusString(status));
}

BlasError::BlasError(cublasStatus_t status, const char* expression, const char* file, int line)
    : CudaError(mapped_code(status), expression, file, line),
      status_(status),
      message_(fmt::format("cuBLAS error {} in {} ({}:{})", blas_status_text(status), expression, file, line)) {}

void blas_check(cublasStatus_t status, const char* expression, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  // A cuBLAS failure can be the symptom of a poisoned context; report the sticky CUDA error then,
  // so the run ends cleanly instead of trying more cases on a dead context.
  const cudaError_t pending = cudaPeekAtLastError();
  if (pending != cudaSuccess) {
    CudaError cuda(pending, expression, file, line);
    if (cuda.sticky()) throw cuda;
  }
  throw BlasError(status, expression, file, line);
}

void blas_check_noexcept(cublasStatus_t status, const char* expression, const char* file, int line) noexcept {
  // Destructors cannot throw; a failed release is worth a line on stderr, nothing more.
  if (status != CUBLAS_STATUS_SUCCESS) {
    std::fprintf(stderr, "gpuxfer: warning: %s in %s (%s:%d)\n", blas_status_text(status).c_str(), expression, file,
                 line);
  }
}

// ---- precisions ----

std::string_view gemm_precision_name(GemmPrecision precision) {
  switch (precision) {
    case GemmPrecision::fp32: return "fp32";
    case GemmPrecision::tf32: return "tf32";
    case GemmPrecision::bf16: return "bf16";
    case GemmPrecision::fp16: return "fp16";
    case GemmPrecision::fp8: return "fp8";
  }
  return "unknown";
}

std::string gemm_unsupported_reason(GemmPrecision precision, int cc_major, int cc_minor) {
  int needed = 0;  // major * 10 + minor
  const char* what = "";
  switch (precision) {
    case GemmPrecision::fp32: return {};
    case GemmPrecision::fp16:
      needed = 70;
      what = "FP16 tensor cores (Volta)";
      break;
    case GemmPrecision::tf32:
      needed = 80;
      what = "TF32 tensor cores (Ampere)";
      break;
    case GemmPrecision::bf16:
      needed = 80;
      what = "BF16 tensor cores (Ampere)";
      break;
    case GemmPrecision::fp8:
      needed = 89;
      what = "FP8 tensor cores (Ada, Hopper)";
      break;
  }
  if (cc_major * 10 + cc_minor >= needed) return {};
  return fmt::format("{} GEMM needs {}: compute capability {}.{} or newer, the device has {}.{}",
                     gemm_precision_name(precision), what, needed / 10, needed % 10, cc_major, cc_minor);
}

// Error bounds of max_normalized_error, e = |C_ij - ref_ij| / S_ij with S_ij = sum_k |A_ik B_kj|.
// The reference multiplies the stored A and B exactly (products of <= 24-bit significands are
// exact in double), so e holds only what the GEMM itself adds:
//  (1) input rounding inside the GEMM, tf32 only: FP32 inputs cut to 10 stored mantissa bits (by
//      rounding or truncation), so each product is off by <= 2 * 2^-10 relative: e <= 2^-9 = 1.95e-3;
//  (2) FP32 accumulation: with random-sign products the partial sums grow like sqrt(k), and their
//      rounding errors add up like a random walk to ~0.5 * 2^-24 * S: ~1e-7 at any N;
//  (3) rounding C to its type: <= u_out |C_ij| <= u_out S_ij (|C_ij| <= S_ij), so e <= u_out:
//      bf16 2^-8 = 3.9e-3, fp16 2^-11 = 4.9e-4, fp32 6e-8.
// Hence fp32: 1e-5, (2) alone with 100x headroom; a silent TF32 path (input rounding of
//   ~1e-5..5e-5 at N <= 10^4) typically fails it. tf32: 2e-3 = (1) + (2). bf16: 1e-2 = (3) with
//   2.5x headroom for truncating tensor-core accumulation and split-K reductions in the output
//   type. fp16: 2e-3 = 4x (3). fp8: 1e-2, as bf16 (its output type); inputs are exact E4M3, and
//   Hopper's FP8 accumulation (~14 bits between FP32 promotions) adds < 1e-4.
// A wrong entry scores ~1 (the corruption hook >= 1 by construction); a wrong matrix (transposed
// operand, zeros, stale data) scores ~1.3 / sqrt(N) per entry and ~4 / sqrt(N) as the maximum over
// 256 samples: 0.04 at N = 10^4, above every bound here.
double Gemm::error_bound(GemmPrecision precision, std::int64_t n) {
  const double base = error_bound(precision);
  if (precision != GemmPrecision::fp32 || n <= 10000) return base;
  return base * std::sqrt(static_cast<double>(n) / 1e4);
}

double Gemm::error_bound(GemmPrecision precision) {
  switch (precision) {
    case GemmPrecision::fp32: return 1e-5;
    case GemmPrecision::tf32: return 2e-3;
    case GemmPrecision::bf16: return 1e-2;
    case GemmPrecision::fp16: return 2e-3;
    case GemmPrecision::fp8: return 1e-2;
  }
  return 0.0;
}

// ---- Gemm ----

Gemm::Gemm(int device, GemmPrecision precision, std::int64_t n, std::uint32_t seed, const Stream& stream,
           double timeout_seconds, InputRange inputs) try
    : device_(device),
      precision_(precision),
      n_(n),
      ld_(checked_ld(device, precision, n)),
      seed_(seed),
      handle_(device),
      blas_(device),
      desc_(make_desc(precision)),
      a_layout_(types_of(precision).input, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(n), ld_),
      b_layout_(types_of(precision).input, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(n), ld_),
      c_layout_(types_of(precision).output, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(n), ld_),
      a_(device, matrix_bytes(ld_, n, types_of(precision).input_element)),
      b_(device, matrix_bytes(ld_, n, types_of(precision).input_element)),
      c_(device, matrix_bytes(ld_, n, types_of(precision).output_element)),
      workspace_(device, kWorkspaceBytes) {
  if (stream.device() != device) {
    throw InputError(fmt::format("Gemm on device {} given a stream of device {}", device, stream.device()));
  }
  DeviceGuard guard(device);
  const Types t = types_of(precision);
  // Padding included: every byte is defined, and padding never feeds the product.
  const std::size_t elements = static_cast<std::size_t>(ld_) * static_cast<std::size_t>(n);
  if (t.input_element == Element::e4m3) {
    blas_kernels::launch_fill_e4m3(a_.data(), elements, seed, inputs.lo, inputs.hi, stream.get());
    blas_kernels::launch_fill_e4m3(b_.data(), elements, seed + kSeedB, inputs.lo, inputs.hi, stream.get());
  } else {
    const DType dtype = t.input_element == Element::f32   ? DType::f32
                        : t.input_element == Element::f16 ? DType::f16
                                                          : DType::bf16;
    launch_fill_uniform(a_.data(), dtype, elements, seed, inputs.lo, inputs.hi, stream.get());
    launch_fill_uniform(b_.data(), dtype, elements, seed + kSeedB, inputs.lo, inputs.hi, stream.get());
  }
  // cuBLAS shares the workspace (so its choice is not limited by a smaller default one). Default
  // math: TF32 only where the compute type asks for it (tf32), as PyTorch sets it.
  GX_CUBLAS(blas_api().cublasSetWorkspace(blas_.get(), workspace_.data(), workspace_.size()));
  GX_CUBLAS(blas_api().cublasSetMathMode(blas_.get(), CUBLAS_DEFAULT_MATH));
  // NaN everywhere in C (all-ones bytes are NaN in every output type): an entry the GEMM never
  // wrote cannot pass verification.
  GX_CUDA(cudaMemsetAsync(c_.data(), 0xff, c_.size(), stream.get()));
  choose_algorithm(stream, timeout_seconds);
} catch (const CudaError& e) {
  // Out of memory is an expected skip: leave no pending error for the next launch check.
  if (e.code() == cudaErrorMemoryAllocation) clear_cuda_error();
  throw;
}

void Gemm::choose_algorithm(const Stream& stream, double timeout_seconds) {
  MatmulPreference preference;
  const std::uint64_t workspace_bytes = workspace_.size();
  GX_CUBLAS(blas_api().cublasLtMatmulPreferenceSetAttribute(preference.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                            &workspace_bytes, sizeof(workspace_bytes)));
  std::array<cublasLtMatmulHeuristicResult_t, kCandidates> results{};
  int found = 0;
  GX_CUBLAS(blas_api().cublasLtMatmulAlgoGetHeuristic(handle_.get(), desc_.get(), a_layout_.get(), b_layout_.get(),
                                                      c_layout_.get(), c_layout_.get(), preference.get(), kCandidates,
                                                      results.data(), &found));
  if (found <= 0) {
    const std::string what =
        fmt::format("cublasLtMatmulAlgoGetHeuristic: no algorithm for {} N={}", gemm_precision_name(precision_), n_);
    throw BlasError(CUBLAS_STATUS_NOT_SUPPORTED, what.c_str(), __FILE__, __LINE__);
  }

  const float alpha = 1.0f;
  const float beta = 0.0f;
  const auto run_lt = [&](const cublasLtMatmulAlgo_t& algo) {
    return blas_api().cublasLtMatmul(handle_.get(), desc_.get(), &alpha, a_.data(), a_layout_.get(), b_.data(),
                                     b_layout_.get(), &beta, c_.data(), c_layout_.get(), c_.data(), c_layout_.get(),
                                     &algo, workspace_.data(), workspace_.size(), stream.get());
  };
  Event start(device_);
  Event stop(device_);
  int tried = 0;
  double best_seconds = std::numeric_limits<double>::infinity();
  double spent = 0;
  cublasStatus_t last_failure = CUBLAS_STATUS_SUCCESS;
  // One timed sample: `runs` back-to-back GEMMs, seconds per GEMM; nullopt when the candidate fails.
  const auto sample = [&](const std::function<cublasStatus_t()>& run, int runs) -> std::optional<double> {
    cublasStatus_t status = CUBLAS_STATUS_SUCCESS;
    start.record(stream);
    for (int k = 0; k < runs && status == CUBLAS_STATUS_SUCCESS; ++k) status = run();
    stop.record(stream);
    wait_for(stream, timeout_seconds);
    if (status != CUBLAS_STATUS_SUCCESS) {
      last_failure = status;
      discard_candidate_failure();
      return std::nullopt;
    }
    const double seconds = elapsed_seconds(start, stop);
    spent += seconds;
    return seconds / runs;
  };
  // Seconds per GEMM of one candidate (the best of kTimedSamples samples, so one sample hit by a
  // clock change cannot decide the choice); nullopt when it fails.
  const auto time_candidate = [&](const std::function<cublasStatus_t()>& run) -> std::optional<double> {
    // Untimed first run: the kernel's module loads lazily here, not in the timing.
    const cublasStatus_t status = run();
    if (status != CUBLAS_STATUS_SUCCESS) {
      last_failure = status;  // this candidate only; the others may run
      discard_candidate_failure();
      return std::nullopt;
    }
    wait_for(stream, timeout_seconds);
    const auto first = sample(run, 1);
    if (!first) return std::nullopt;
    // Short GEMMs are timed over several runs per sample.
    const int runs = static_cast<int>(
        std::clamp(std::ceil(kMinTimedSeconds / std::max(*first, 1e-7)), 1.0, static_cast<double>(kMaxTimedRuns)));
    double seconds = *first;
    for (int k = 1; k < kTimedSamples; ++k) {
      const auto more = sample(run, runs);
      if (!more) return std::nullopt;
      seconds = std::min(seconds, *more);
    }
    ++tried;
    return seconds;
  };

  // cuBLAS's own choice (cublasGemmEx: what PyTorch's x @ y calls) is a candidate too, so gpuxfer
  // never picks something slower than what PyTorch gets. FP8 has no cublasGemmEx path.
  int best = -1;  // index into results; kCublas = cublasGemmEx
  constexpr int kCublas = -2;
  if (precision_ != GemmPrecision::fp8) {
    if (const auto seconds = time_candidate([&] { return run_cublas(stream); })) {
      best_seconds = *seconds;
      best = kCublas;
    }
  }
  for (int r = 0; r < found; ++r) {
    if (results[r].state != CUBLAS_STATUS_SUCCESS) continue;
    // Enough candidates tried and the selection budget spent (FP32 at N = 10000 takes 40 ms a
    // GEMM): keep the best so far rather than let the choice dominate the run.
    if (tried >= kMinCandidates && spent > kSelectionBudgetSeconds) break;
    const auto seconds = time_candidate([&] { return run_lt(results[r].algo); });
    if (seconds && *seconds < best_seconds) {
      best_seconds = *seconds;
      best = r;
    }
  }
  if (best == -1) {
    const std::string what = fmt::format("cublasLtMatmul: none of {} heuristic candidates ran for {} N={}", found,
                                         gemm_precision_name(precision_), n_);
    blas_check(last_failure == CUBLAS_STATUS_SUCCESS ? CUBLAS_STATUS_NOT_SUPPORTED : last_failure, what.c_str(),
               __FILE__, __LINE__);
  }
  selected_seconds_ = best_seconds;
  use_cublas_ = best == kCublas;
  if (use_cublas_) {
    description_ =
        fmt::format("cuBLAS cublasGemmEx default algorithm (PyTorch's path), fastest of {} candidates", tried);
    return;
  }
  algo_ = results[best].algo;

  std::int32_t id = 0;
  std::uint32_t tile = 0;
  std::int32_t splits = 1;
  std::size_t written = 0;
  GX_CUBLAS(
      blas_api().cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_ID, &id, sizeof(id), &written));
  GX_CUBLAS(blas_api().cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile, sizeof(tile),
                                                            &written));
  GX_CUBLAS(blas_api().cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &splits,
                                                            sizeof(splits), &written));
  description_ =
      fmt::format("cublasLt algo {}, tile {}, {} split{}, ws {:.1f} MiB, fastest of {} candidate{}", id,
                  tile_name(tile), splits, splits == 1 ? "" : "s",
                  static_cast<double>(results[best].workspaceSize) / (1024.0 * 1024.0), tried, tried == 1 ? "" : "s");
}

cublasStatus_t Gemm::run_cublas(const Stream& stream) {
  const cublasStatus_t set = blas_api().cublasSetStream(blas_.get(), stream.get());
  if (set != CUBLAS_STATUS_SUCCESS) return set;
  const Types t = types_of(precision_);
  const float alpha = 1.0f;
  const float beta = 0.0f;
  const auto n = static_cast<int>(n_);
  const auto ld = static_cast<int>(ld_);
  // fp32: no tensor cores (PyTorch with TF32 off); the others let cuBLAS use them.
  const cublasGemmAlgo_t algo = precision_ == GemmPrecision::fp32 ? CUBLAS_GEMM_DEFAULT : CUBLAS_GEMM_DEFAULT_TENSOR_OP;
  return blas_api().cublasGemmEx(blas_.get(), CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, a_.data(), t.input, ld,
                                 b_.data(), t.input, ld, &beta, c_.data(), t.output, ld, t.compute, algo);
}

void Gemm::enqueue(const Stream& stream) {
  if (stream.device() != device_) {
    throw InputError(fmt::format("Gemm on device {} given a stream of device {}", device_, stream.device()));
  }
  DeviceGuard guard(device_);
  if (use_cublas_) {
    GX_CUBLAS(run_cublas(stream));
    return;
  }
  const float alpha = 1.0f;
  const float beta = 0.0f;
  GX_CUBLAS(blas_api().cublasLtMatmul(handle_.get(), desc_.get(), &alpha, a_.data(), a_layout_.get(), b_.data(),
                                      b_layout_.get(), &beta, c_.data(), c_layout_.get(), c_.data(), c_layout_.get(),
                                      &algo_, workspace_.data(), workspace_.size(), stream.get()));
}

double Gemm::max_normalized_error(const Stream& stream, int samples, double timeout_seconds) {
  DeviceGuard guard(device_);
  samples = std::max(samples, 1);
  const std::size_t bytes = static_cast<std::size_t>(samples) * sizeof(double);
  if (errors_.size() < bytes) {
    errors_ = DeviceBuffer(device_, bytes);
    errors_host_ = PinnedBuffer(bytes);
  }
  const Types t = types_of(precision_);
  blas_kernels::launch_sample_errors(t.input_element, t.output_element, precision_ == GemmPrecision::fp8, a_.data(),
                                     b_.data(), c_.data(), n_, ld_, seed_, samples,
                                     static_cast<double*>(errors_.data()), stream.get());
  GX_CUDA(cudaMemcpyAsync(errors_host_.data(), errors_.data(), bytes, cudaMemcpyDeviceToHost, stream.get()));
  wait_for(stream, timeout_seconds);
  const auto* errors = static_cast<const double*>(errors_host_.data());
  double worst = 0.0;
  for (int s = 0; s < samples; ++s) worst = std::max(worst, errors[s]);  // the kernel maps NaN to +inf
  return worst;
}

double Gemm::flops_per_op() const {
  const auto n = static_cast<double>(n_);
  return 2.0 * n * n * n;
}

std::string Gemm::algorithm_description() const {
  return description_;
}

void Gemm::corrupt_output_for_test(const Stream& stream) {
  DeviceGuard guard(device_);
  blas_kernels::launch_corrupt_entry(types_of(precision_).output_element, c_.data(), ld_, n_ - 1, n_ - 1,
                                     2.0 * static_cast<double>(n_), stream.get());
}

}  // namespace gx
