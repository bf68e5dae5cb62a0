#include "gpu/elementwise.hpp"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>

#include "gpu/check.hpp"
#include "gpu/raii.hpp"

namespace gx {
namespace {

// Launch shape (ElementwiseConfig). H100/H200 need ~3.35-4.8 TB/s x ~0.7 us of HBM latency ≈
// 2.5-3.5 MB in flight, ~20-27 KB per SM (Little's law). Each thread issues kUnroll = 4
// independent 16-byte loads per input before its stores. A grid-stride launch of 4 x 256
// threads per SM keeps 64 KB per input and SM in flight, yet measured 4-6 % below a one-pass
// grid (every thread one group of 4 vectors, full occupancy: 2048 threads per SM, as PyTorch
// launches), which is the default; the launch bounds cap registers at 64 so full occupancy holds.
constexpr int kMaxThreads = 1024;  // launch bounds: 64 registers per thread at most
constexpr int kUnroll = 4;
constexpr int kFillThreads = 256;
constexpr int kMaxFillBlocks = 4096;

// Per-dtype storage (raw bits, so loads and stores never convert) and compute type.
template <class T>
struct Elem;
template <>
struct Elem<float> {
  using Compute = float;
  using Bits = unsigned int;
  static __device__ float to_compute(Bits b) { return __uint_as_float(b); }
  static __device__ Bits from_compute(float c) { return __float_as_uint(c); }
  static __device__ Bits from_double(double v) { return __float_as_uint(__double2float_rn(v)); }
  static __device__ double to_double(Bits b) { return static_cast<double>(__uint_as_float(b)); }
};
template <>
struct Elem<__half> {
  using Compute = float;
  using Bits = unsigned short;
  static __device__ float to_compute(Bits b) { return __half2float(__ushort_as_half(b)); }
  static __device__ Bits from_compute(float c) { return __half_as_ushort(__float2half_rn(c)); }
  static __device__ Bits from_double(double v) { return __half_as_ushort(__double2half(v)); }
  static __device__ double to_double(Bits b) { return static_cast<double>(to_compute(b)); }
};
template <>
struct Elem<__nv_bfloat16> {
  using Compute = float;
  using Bits = unsigned short;
  static __device__ float to_compute(Bits b) { return __bfloat162float(__ushort_as_bfloat16(b)); }
  static __device__ Bits from_compute(float c) { return __bfloat16_as_ushort(__float2bfloat16_rn(c)); }
  static __device__ Bits from_double(double v) { return __bfloat16_as_ushort(__double2bfloat16(v)); }
  static __device__ double to_double(Bits b) { return static_cast<double>(to_compute(b)); }
};
template <>
struct Elem<double> {
  using Compute = double;
  using Bits = unsigned long long;
  static __device__ double to_compute(Bits b) { return __longlong_as_double(static_cast<long long>(b)); }
  static __device__ Bits from_compute(double c) { return static_cast<Bits>(__double_as_longlong(c)); }
  static __device__ Bits from_double(double v) { return from_compute(v); }
  static __device__ double to_double(Bits b) { return to_compute(b); }
};

// Round-to-nearest intrinsics: IEEE results whatever the build's fast-math flags, so the
// verification tolerances hold.
__device__ __forceinline__ float mul_rn(float a, float b) {
  return __fmul_rn(a, b);
}
__device__ __forceinline__ double mul_rn(double a, double b) {
  return __dmul_rn(a, b);
}
__device__ __forceinline__ float sqrt_rn(float a) {
  return __fsqrt_rn(a);
}
__device__ __forceinline__ double sqrt_rn(double a) {
  return __dsqrt_rn(a);
}
__device__ __forceinline__ float fma_rn(float a, float b, float c) {
  return __fmaf_rn(a, b, c);
}
__device__ __forceinline__ double fma_rn(double a, double b, double c) {
  return __fma_rn(a, b, c);
}

template <ElementwiseOp Op>
constexpr bool kReadsY = Op == ElementwiseOp::axpy || Op == ElementwiseOp::triad;

template <ElementwiseOp Op, class C>
__device__ __forceinline__ C apply(C x, C y, C a) {
  if constexpr (Op == ElementwiseOp::scale) return mul_rn(x, C(2));
  if constexpr (Op == ElementwiseOp::sqrt) return sqrt_rn(x);
  if constexpr (Op == ElementwiseOp::axpy) return fma_rn(a, x, y);
  if constexpr (Op == ElementwiseOp::triad) return fma_rn(a, y, x);
  return x;
}

// One element, on raw bits. copy never converts (NaN payloads and -0 survive).
template <class T, ElementwiseOp Op>
__device__ __forceinline__ typename Elem<T>::Bits apply_bits(typename Elem<T>::Bits x, typename Elem<T>::Bits y,
                                                             typename Elem<T>::Compute a) {
  using E = Elem<T>;
  if constexpr (Op == ElementwiseOp::copy) {
    return x;
  } else {
    return E::from_compute(apply<Op>(E::to_compute(x), E::to_compute(y), a));
  }
}

// 16-byte vector <-> lanes (little-endian: lane 0 is the lowest address).
__device__ __forceinline__ void unpack(const uint4& v, unsigned short (&l)[8]) {
  const unsigned w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    l[2 * k] = static_cast<unsigned short>(w[k] & 0xffffu);
    l[2 * k + 1] = static_cast<unsigned short>(w[k] >> 16);
  }
}
__device__ __forceinline__ uint4 pack(const unsigned short (&l)[8]) {
  unsigned w[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) w[k] = static_cast<unsigned>(l[2 * k]) | (static_cast<unsigned>(l[2 * k + 1]) << 16);
  return make_uint4(w[0], w[1], w[2], w[3]);
}
__device__ __forceinline__ void unpack(const uint4& v, unsigned (&l)[4]) {
  l[0] = v.x;
  l[1] = v.y;
  l[2] = v.z;
  l[3] = v.w;
}
__device__ __forceinline__ uint4 pack(const unsigned (&l)[4]) {
  return make_uint4(l[0], l[1], l[2], l[3]);
}
__device__ __forceinline__ void unpack(const uint4& v, unsigned long long (&l)[2]) {
  l[0] = static_cast<unsigned long long>(v.x) | (static_cast<unsigned long long>(v.y) << 32);
  l[1] = static_cast<unsigned long long>(v.z) | (static_cast<unsigned long long>(v.w) << 32);
}
__device__ __forceinline__ uint4 pack(const unsigned long long (&l)[2]) {
  return make_uint4(static_cast<unsigned>(l[0]), static_cast<unsigned>(l[0] >> 32), static_cast<unsigned>(l[1]),
                    static_cast<unsigned>(l[1] >> 32));
}

template <class T, ElementwiseOp Op>
__device__ __forceinline__ uint4 apply_vector(const uint4& vx, const uint4& vy, typename Elem<T>::Compute a) {
  if constexpr (Op == ElementwiseOp::copy) {
    return vx;
  } else {
    using Bits = typename Elem<T>::Bits;
    constexpr int kLanes = 16 / sizeof(Bits);
    Bits lx[kLanes];
    Bits ly[kLanes];
    Bits lo[kLanes];
    unpack(vx, lx);
    unpack(vy, ly);
#pragma unroll
    for (int v = 0; v < kLanes; ++v) lo[v] = apply_bits<T, Op>(lx[v], ly[v], a);
    return pack(lo);
  }
}

// Vector path: out, x, y advanced by `head` elements are 16-byte aligned; `vectors` 16-byte
// vectors from there, then the `head` elements before and the tail after as scalars.
// Scalar path (Vector = false): all `count` elements one by one, same unrolling.
// No __restrict__: axpy writes y in place (each element is read and written by one thread only).
// __ldcs/__stcs (evict-first): every byte is touched once, so it should not displace L2 lines.
template <bool Streaming, class V>
__device__ __forceinline__ V load(const V* p) {
  if constexpr (Streaming) {
    return __ldcs(p);
  } else {
    return *p;
  }
}
template <bool Streaming, class V>
__device__ __forceinline__ void store(V* p, V v) {
  if constexpr (Streaming) {
    __stcs(p, v);
  } else {
    *p = v;
  }
}

template <class T, ElementwiseOp Op, bool Vector, bool Streaming>
__global__ void __launch_bounds__(kMaxThreads)
    elementwise_kernel(void* out, const void* x, const void* y, std::size_t count, std::size_t head,
                       std::size_t vectors, typename Elem<T>::Compute a) {
  using Bits = typename Elem<T>::Bits;
  auto* ob = static_cast<Bits*>(out);
  const auto* xb = static_cast<const Bits*>(x);
  const auto* yb = static_cast<const Bits*>(y);
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t first = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if constexpr (Vector) {
    constexpr std::size_t kLanes = 16 / sizeof(Bits);
    auto* ov = reinterpret_cast<uint4*>(ob + head);
    const auto* xv = reinterpret_cast<const uint4*>(xb + head);
    const auto* yv = kReadsY<Op> ? reinterpret_cast<const uint4*>(yb + head) : nullptr;  // y may be null
    for (std::size_t i = first; i < vectors; i += kUnroll * stride) {
      uint4 vx[kUnroll] = {};
      uint4 vy[kUnroll] = {};
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const std::size_t j = i + u * stride;
        if (j < vectors) {
          vx[u] = load<Streaming>(xv + j);
          if constexpr (kReadsY<Op>) vy[u] = load<Streaming>(yv + j);
        }
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const std::size_t j = i + u * stride;
        if (j < vectors) store<Streaming>(ov + j, apply_vector<T, Op>(vx[u], vy[u], a));
      }
    }
    const std::size_t tail_start = head + vectors * kLanes;
    const std::size_t extras = head + (count - tail_start);
    for (std::size_t e = first; e < extras; e += stride) {
      const std::size_t k = e < head ? e : tail_start + (e - head);
      const Bits vy = kReadsY<Op> ? load<Streaming>(yb + k) : Bits{};
      store<Streaming>(ob + k, apply_bits<T, Op>(load<Streaming>(xb + k), vy, a));
    }
  } else {
    for (std::size_t i = first; i < count; i += kUnroll * stride) {
      Bits sx[kUnroll] = {};
      Bits sy[kUnroll] = {};
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const std::size_t j = i + u * stride;
        if (j < count) {
          sx[u] = load<Streaming>(xb + j);
          if constexpr (kReadsY<Op>) sy[u] = load<Streaming>(yb + j);
        }
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const std::size_t j = i + u * stride;
        if (j < count) store<Streaming>(ob + j, apply_bits<T, Op>(sx[u], sy[u], a));
      }
    }
  }
}

template <class T>
__global__ void fill_uniform_kernel(typename Elem<T>::Bits* buffer, std::size_t count, std::uint32_t seed, double lo,
                                    double hi) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    buffer[i] = Elem<T>::from_double(uniform_value(seed, i, lo, hi));
  }
}

// The inputs exactly as the fill kernel stored them, widened to double.
template <class T>
__device__ __forceinline__ double stored_input(std::uint32_t seed, std::size_t i, double lo, double hi) {
  return Elem<T>::to_double(Elem<T>::from_double(uniform_value(seed, i, lo, hi)));
}

template <class T, ElementwiseOp Op>
__global__ void count_errors_kernel(const typename Elem<T>::Bits* out, std::size_t count, std::uint32_t seed_x,
                                    std::uint32_t seed_y, double lo, double hi, double a, double tolerance,
                                    unsigned long long* counter) {
  using E = Elem<T>;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  unsigned long long bad = 0;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    const typename E::Bits bits = out[i];
    bool ok = false;
    if constexpr (Op == ElementwiseOp::copy) {
      ok = bits == E::from_double(uniform_value(seed_x, i, lo, hi));
    } else {
      const double o = E::to_double(bits);
      const double x = stored_input<T>(seed_x, i, lo, hi);
      const double y = kReadsY<Op> ? stored_input<T>(seed_y, i, lo, hi) : 0.0;
      if constexpr (Op == ElementwiseOp::scale) {
        ok = o == 2.0 * x;
      } else if constexpr (Op == ElementwiseOp::sqrt) {
        const double ref = sqrt(x);
        ok = fabs(o - ref) <= tolerance * fabs(ref);
      } else if constexpr (Op == ElementwiseOp::axpy) {
        ok = fabs(o - fma(a, x, y)) <= tolerance * (fabs(a * x) + fabs(y));
      } else {
        ok = fabs(o - fma(a, y, x)) <= tolerance * (fabs(x) + fabs(a * y));
      }
    }
    bad += ok ? 0 : 1;  // NaN compares false: counted
  }
  if (bad != 0) atomicAdd(counter, bad);
}

int fill_grid(std::size_t items) {
  const std::size_t blocks = (items + kFillThreads - 1) / kFillThreads;
  return static_cast<int>(std::clamp<std::size_t>(blocks, 1, kMaxFillBlocks));
}

template <class T, ElementwiseOp Op>
void launch_typed(void* out, const void* x, const void* y, std::size_t count, double a, int sm_count,
                  cudaStream_t stream, const ElementwiseConfig& config) {
  using Bits = typename Elem<T>::Bits;
  constexpr std::size_t kLanes = 16 / sizeof(Bits);
  const auto address = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p); };
  // Vectors need the same offset within 16 bytes in every pointer; the elements before the
  // first aligned one are peeled off as scalars.
  const std::uintptr_t offset = address(out) % 16;
  const bool vector = address(x) % 16 == offset && (!kReadsY<Op> || address(y) % 16 == offset);
  std::size_t head = 0;
  std::size_t vectors = 0;
  if (vector) {
    head = std::min<std::size_t>(((16 - offset) % 16) / sizeof(Bits), count);
    vectors = (count - head) / kLanes;
  }
  const std::size_t work = vector ? vectors : count;
  const int threads = std::clamp(config.threads / 32 * 32, 32, kMaxThreads);
  const std::size_t per_block = static_cast<std::size_t>(threads) * kUnroll;
  const std::size_t needed = std::max<std::size_t>((work + per_block - 1) / per_block, 1);
  const std::size_t resident =
      static_cast<std::size_t>(std::max(sm_count, 1)) * static_cast<std::size_t>(std::max(config.blocks_per_sm, 1));
  const std::size_t grid = config.blocks_per_sm <= 0 ? needed : std::min(needed, resident);
  const int blocks = static_cast<int>(std::min<std::size_t>(grid, 0x7fffffff));
  const auto ca = static_cast<typename Elem<T>::Compute>(a);
  if (vector && config.streaming) {
    elementwise_kernel<T, Op, true, true><<<blocks, threads, 0, stream>>>(out, x, y, count, head, vectors, ca);
  } else if (vector) {
    elementwise_kernel<T, Op, true, false><<<blocks, threads, 0, stream>>>(out, x, y, count, head, vectors, ca);
  } else if (config.streaming) {
    elementwise_kernel<T, Op, false, true><<<blocks, threads, 0, stream>>>(out, x, y, count, 0, 0, ca);
  } else {
    elementwise_kernel<T, Op, false, false><<<blocks, threads, 0, stream>>>(out, x, y, count, 0, 0, ca);
  }
  GX_CUDA_LAUNCH();
}

template <class T>
void launch_op(ElementwiseOp op, void* out, const void* x, const void* y, std::size_t count, double a,
               const ElementwiseConfig& config, int sm_count, cudaStream_t stream) {
  switch (op) {
    case ElementwiseOp::scale:
      launch_typed<T, ElementwiseOp::scale>(out, x, y, count, a, sm_count, stream, config);
      break;
    case ElementwiseOp::sqrt:
      launch_typed<T, ElementwiseOp::sqrt>(out, x, y, count, a, sm_count, stream, config);
      break;
    case ElementwiseOp::axpy:
      launch_typed<T, ElementwiseOp::axpy>(out, x, y, count, a, sm_count, stream, config);
      break;
    case ElementwiseOp::triad:
      launch_typed<T, ElementwiseOp::triad>(out, x, y, count, a, sm_count, stream, config);
      break;
    case ElementwiseOp::copy:
      launch_typed<T, ElementwiseOp::copy>(out, x, y, count, a, sm_count, stream, config);
      break;
  }
}

template <class T>
void launch_fill_typed(void* buffer, std::size_t count, std::uint32_t seed, double lo, double hi, cudaStream_t stream) {
  fill_uniform_kernel<T><<<fill_grid(count), kFillThreads, 0, stream>>>(static_cast<typename Elem<T>::Bits*>(buffer),
                                                                        count, seed, lo, hi);
  GX_CUDA_LAUNCH();
}

template <class T, ElementwiseOp Op>
void launch_count_typed(const void* out, std::size_t count, std::uint32_t seed_x, std::uint32_t seed_y, double lo,
                        double hi, double a, double tolerance, unsigned long long* counter, cudaStream_t stream) {
  count_errors_kernel<T, Op><<<fill_grid(count), kFillThreads, 0, stream>>>(
      static_cast<const typename Elem<T>::Bits*>(out), count, seed_x, seed_y, lo, hi, a, tolerance, counter);
  GX_CUDA_LAUNCH();
}

template <class T>
void launch_count_op(ElementwiseOp op, const void* out, std::size_t count, std::uint32_t seed_x, std::uint32_t seed_y,
                     double lo, double hi, double a, double tolerance, unsigned long long* counter,
                     cudaStream_t stream) {
  switch (op) {
    case ElementwiseOp::scale:
      launch_count_typed<T, ElementwiseOp::scale>(out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
    case ElementwiseOp::sqrt:
      launch_count_typed<T, ElementwiseOp::sqrt>(out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
    case ElementwiseOp::axpy:
      launch_count_typed<T, ElementwiseOp::axpy>(out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
    case ElementwiseOp::triad:
      launch_count_typed<T, ElementwiseOp::triad>(out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
    case ElementwiseOp::copy:
      launch_count_typed<T, ElementwiseOp::copy>(out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
  }
}

constexpr ElementwiseOp kAllOps[] = {ElementwiseOp::scale, ElementwiseOp::sqrt, ElementwiseOp::axpy,
                                     ElementwiseOp::triad, ElementwiseOp::copy};
constexpr DType kAllDtypes[] = {DType::f32, DType::f16, DType::bf16, DType::f64};

}  // namespace

std::string_view elementwise_op_name(ElementwiseOp op) {
  switch (op) {
    case ElementwiseOp::scale: return "scale";
    case ElementwiseOp::sqrt: return "sqrt";
    case ElementwiseOp::axpy: return "axpy";
    case ElementwiseOp::triad: return "triad";
    case ElementwiseOp::copy: return "copy";
  }
  return "unknown";
}

bool elementwise_reads_y(ElementwiseOp op) {
  return op == ElementwiseOp::axpy || op == ElementwiseOp::triad;
}

double elementwise_tolerance(ElementwiseOp op, DType dtype) {
  if (op == ElementwiseOp::scale || op == ElementwiseOp::copy) return 0.0;
  switch (dtype) {
    case DType::f16: return 0x1.0p-10;
    case DType::bf16: return 0x1.0p-7;
    case DType::f32: return 0x1.0p-22;
    case DType::f64: return 0x1.0p-51;
  }
  return 0.0;
}

void launch_elementwise(ElementwiseOp op, DType dtype, void* out, const void* x, const void* y, std::size_t count,
                        double a, int sm_count, cudaStream_t stream, const ElementwiseConfig& config) {
  if (count == 0) return;
  switch (dtype) {
    case DType::f32: launch_op<float>(op, out, x, y, count, a, config, sm_count, stream); break;
    case DType::f16: launch_op<__half>(op, out, x, y, count, a, config, sm_count, stream); break;
    case DType::bf16: launch_op<__nv_bfloat16>(op, out, x, y, count, a, config, sm_count, stream); break;
    case DType::f64: launch_op<double>(op, out, x, y, count, a, config, sm_count, stream); break;
  }
}

void launch_fill_uniform(void* buffer, DType dtype, std::size_t count, std::uint32_t seed, double lo, double hi,
                         cudaStream_t stream) {
  if (count == 0) return;
  switch (dtype) {
    case DType::f32: launch_fill_typed<float>(buffer, count, seed, lo, hi, stream); break;
    case DType::f16: launch_fill_typed<__half>(buffer, count, seed, lo, hi, stream); break;
    case DType::bf16: launch_fill_typed<__nv_bfloat16>(buffer, count, seed, lo, hi, stream); break;
    case DType::f64: launch_fill_typed<double>(buffer, count, seed, lo, hi, stream); break;
  }
}

void launch_count_elementwise_errors(ElementwiseOp op, DType dtype, const void* out, std::size_t count,
                                     std::uint32_t seed_x, std::uint32_t seed_y, double lo, double hi, double a,
                                     unsigned long long* counter, cudaStream_t stream) {
  if (count == 0) return;
  const double tolerance = elementwise_tolerance(op, dtype);
  switch (dtype) {
    case DType::f32:
      launch_count_op<float>(op, out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
    case DType::f16:
      launch_count_op<__half>(op, out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
    case DType::bf16:
      launch_count_op<__nv_bfloat16>(op, out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
    case DType::f64:
      launch_count_op<double>(op, out, count, seed_x, seed_y, lo, hi, a, tolerance, counter, stream);
      break;
  }
}

void preload_elementwise(int device) {
  DeviceGuard guard(device);
  constexpr std::size_t kBytes = 4096;
  DeviceBuffer scratch(device, kBytes);
  Stream stream(device);
  auto* base = static_cast<unsigned char*>(scratch.data());
  auto* counter = reinterpret_cast<unsigned long long*>(base);
  unsigned char* x = base + 1024;
  unsigned char* y = base + 2048;
  unsigned char* out = base + 3072;
  constexpr std::size_t kCount = 37;  // vectors and a scalar tail, within 1 KiB for f64
  GX_CUDA(cudaMemsetAsync(base, 0, kBytes, stream.get()));
  for (const DType dtype : kAllDtypes) {
    const std::size_t elem = dtype_bytes(dtype);
    launch_fill_uniform(x, dtype, kCount, 1, 0.5, 2.0, stream.get());
    launch_fill_uniform(y, dtype, kCount, 2, 0.5, 2.0, stream.get());
    for (const ElementwiseOp op : kAllOps) {
      void* target = op == ElementwiseOp::axpy ? static_cast<void*>(y) : static_cast<void*>(out);
      // Both cache-hint variants (gpuxfer bench --ew-cache), vector path and scalar path (x one
      // element off: the offsets within 16 bytes differ).
      for (const bool streaming : {true, false}) {
        ElementwiseConfig config;
        config.streaming = streaming;
        launch_elementwise(op, dtype, target, x, y, kCount, 1.5, 1, stream.get(), config);
        launch_elementwise(op, dtype, target, x + elem, y, kCount - 1, 1.5, 1, stream.get(), config);
      }
      launch_count_elementwise_errors(op, dtype, target, kCount, 1, 2, 0.5, 2.0, 1.5, counter, stream.get());
    }
  }
  GX_CUDA(cudaStreamSynchronize(stream.get()));
}

}  // namespace gx
