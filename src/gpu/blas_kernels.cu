// Kernels of the GEMM suite: FP8 input fill, the sampled double-precision reference, and the
// corruption hook of the tests. Host-side logic lives in blas.cpp.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cfloat>
#include <cmath>

#include "gpu/blas.hpp"
#include "gpu/elementwise.hpp"

namespace gx::blas_kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxFillBlocks = 4096;

__device__ __forceinline__ double load(Element e, const void* p, std::size_t i) {
  switch (e) {
    case Element::f32: return static_cast<double>(static_cast<const float*>(p)[i]);
    case Element::f16: return static_cast<double>(__half2float(static_cast<const __half*>(p)[i]));
    case Element::bf16: return static_cast<double>(__bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]));
    case Element::e4m3: return static_cast<double>(static_cast<float>(static_cast<const __nv_fp8_e4m3*>(p)[i]));
  }
  return 0.0;
}

__global__ void fill_e4m3_kernel(__nv_fp8_e4m3* buffer, std::size_t count, std::uint32_t seed, double lo, double hi) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    buffer[i] = __nv_fp8_e4m3(uniform_value(seed, i, lo, hi));
  }
}

// Sample s -> entry (i, j): the four corners first (the last one, (N-1, N-1), lies in the partial
// edge tile whenever N is not a multiple of the tile, and is the entry the corruption hook
// overwrites), then pseudo-random entries from the seed.
__device__ __forceinline__ void sample_entry(int s, std::int64_t n, std::uint32_t seed, std::int64_t& i,
                                             std::int64_t& j) {
  switch (s) {
    case 0:
      i = n - 1;
      j = n - 1;
      return;
    case 1:
      i = 0;
      j = 0;
      return;
    case 2:
      i = n - 1;
      j = 0;
      return;
    case 3:
      i = 0;
      j = n - 1;
      return;
    default: break;
  }
  const std::uint64_t h = uniform_hash(seed ^ 0x5A3Cu, static_cast<std::uint64_t>(s));
  const auto un = static_cast<std::uint64_t>(n);
  i = static_cast<std::int64_t>((h & 0xffffffffu) % un);
  j = static_cast<std::int64_t>((h >> 32) % un);
}

// One block per sampled entry: the dot product over k and the sum of |products| in double,
// reduced in shared memory.
__global__ void __launch_bounds__(kThreads)
    sample_errors_kernel(Element in, Element out, bool a_transposed, const void* a, const void* b, const void* c,
                         std::int64_t n, std::int64_t ld, std::uint32_t seed, double* errors) {
  __shared__ double sums[kThreads];
  __shared__ double magnitudes[kThreads];
  std::int64_t i = 0;
  std::int64_t j = 0;
  sample_entry(static_cast<int>(blockIdx.x), n, seed, i, j);
  double sum = 0.0;
  double magnitude = 0.0;
  for (std::int64_t k = threadIdx.x; k < n; k += blockDim.x) {
    // op(A)(i, k): column-major A[i + k*ld], or A stored transposed (TN) at A[k + i*ld].
    const auto ai = static_cast<std::size_t>(a_transposed ? k + i * ld : i + k * ld);
    const double product = load(in, a, ai) * load(in, b, static_cast<std::size_t>(k + j * ld));
    sum += product;
    magnitude += fabs(product);
  }
  sums[threadIdx.x] = sum;
  magnitudes[threadIdx.x] = magnitude;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) {
      sums[threadIdx.x] += sums[threadIdx.x + half];
      magnitudes[threadIdx.x] += magnitudes[threadIdx.x + half];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const double value = load(out, c, static_cast<std::size_t>(i + j * ld));
    const double difference = fabs(value - sums[0]);
    double error = magnitudes[0] > 0.0 ? difference / magnitudes[0] : (difference > 0.0 ? HUGE_VAL : 0.0);
    if (!isfinite(error)) error = HUGE_VAL;  // NaN or Inf in C: never within a bound
    errors[blockIdx.x] = error;
  }
}

__global__ void corrupt_entry_kernel(Element out, void* c, std::size_t index, double magnitude) {
  const double current = load(out, c, index);
  switch (out) {
    case Element::f32: {
      const double m = fmin(magnitude, static_cast<double>(FLT_MAX));
      static_cast<float*>(c)[index] = static_cast<float>(current >= 0.0 ? -m : m);
      break;
    }
    case Element::f16: {
      const double m = fmin(magnitude, 65504.0);
      static_cast<__half*>(c)[index] = __double2half(current >= 0.0 ? -m : m);
      break;
    }
    case Element::bf16: {
      const double m = fmin(magnitude, 3.0e38);
      static_cast<__nv_bfloat16*>(c)[index] = __double2bfloat16(current >= 0.0 ? -m : m);
      break;
    }
    case Element::e4m3: {
      const double m = fmin(magnitude, 448.0);
      static_cast<__nv_fp8_e4m3*>(c)[index] = __nv_fp8_e4m3(current >= 0.0 ? -m : m);
      break;
    }
  }
}

}  // namespace

void launch_fill_e4m3(void* buffer, std::size_t count, std::uint32_t seed, double lo, double hi, cudaStream_t stream) {
  if (count == 0) return;
  const std::size_t needed = (count + kThreads - 1) / kThreads;
  const int blocks = static_cast<int>(needed < kMaxFillBlocks ? needed : kMaxFillBlocks);
  fill_e4m3_kernel<<<blocks, kThreads, 0, stream>>>(static_cast<__nv_fp8_e4m3*>(buffer), count, seed, lo, hi);
  GX_CUDA_LAUNCH();
}

void launch_sample_errors(Element in, Element out, bool a_transposed, const void* a, const void* b, const void* c,
                          std::int64_t n, std::int64_t ld, std::uint32_t seed, int samples, double* errors,
                          cudaStream_t stream) {
  if (samples <= 0 || n <= 0) return;
  sample_errors_kernel<<<samples, kThreads, 0, stream>>>(in, out, a_transposed, a, b, c, n, ld, seed, errors);
  GX_CUDA_LAUNCH();
}

void launch_corrupt_entry(Element out, void* c, std::int64_t ld, std::int64_t row, std::int64_t col, double magnitude,
                          cudaStream_t stream) {
  corrupt_entry_kernel<<<1, 1, 0, stream>>>(out, c, static_cast<std::size_t>(row + col * ld), magnitude);
  GX_CUDA_LAUNCH();
}

}  // namespace gx::blas_kernels
