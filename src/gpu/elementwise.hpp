#pragma once
// Elementwise kernels of the compute suites (BabelStream-style streaming ops in the dtypes PyTorch
// users run), the seeded uniform fill they read, and their verification against a double-precision
// reference. Launchers enqueue on `stream` and check the launch; none synchronizes. The byte
// accounting of each op (read + written per element) lives in core, not here.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/host_device.hpp"
#include "core/units.hpp"

namespace gx {

// scale: out = 2*x (PyTorch `x * 2`)     sqrt:  out = sqrt(x)
// axpy:  y += a*x (in place, out == y)    triad: out = x + a*y
// copy:  out = x (bit copy)
enum class ElementwiseOp { scale, sqrt, axpy, triad, copy };

[[nodiscard]] std::string_view elementwise_op_name(ElementwiseOp op);  // "scale", "sqrt", ...
// Whether `op` reads y (axpy, triad).
[[nodiscard]] bool elementwise_reads_y(ElementwiseOp op);

// out = op(x, y) over `count` elements of `dtype`. f16/bf16 compute in float, f32 in float, f64 in
// double. 16-byte vectors (float4, 8 halves, double2) with streaming cache hints when out, x and y
// (where read) share their offset within 16 bytes (a differing offset runs the scalar path, slower).
// Launch shape: ElementwiseConfig (one pass of 128-thread blocks by default).
// x, y, out: device memory of the device owning `stream`, aligned to the element size; y is
// ignored (may be null) for scale, sqrt and copy. axpy is in place when out == y (PyTorch's
// y.add_(x, alpha=a)); out != y computes out = a*x + y.
// The launch shape, settable for experiments (gpuxfer bench --ew-*): threads per block (a
// multiple of 32, at most 1024), resident blocks per SM of the grid-stride launch (0 = one pass:
// a grid that covers the tensor once, as PyTorch launches), and the cache hint of loads and
// stores (streaming = evict-first __ldcs/__stcs, else default).
// Default: 128 threads, one pass: on H200 one pass is several per cent faster at 400 MB than a
// grid-stride launch of 4 x 256 threads per SM; 128 or 256 threads and the cache hint make no
// difference.
struct ElementwiseConfig {
  int threads = 128;
  int blocks_per_sm = 0;
  bool streaming = true;
};
void launch_elementwise(ElementwiseOp op, DType dtype, void* out, const void* x, const void* y, std::size_t count,
                        double a, int sm_count, cudaStream_t stream,
                        const ElementwiseConfig& config = ElementwiseConfig{});

// Seeded uniform values in [lo, hi) from a counter-based hash of (seed, index), rounded to nearest
// in `dtype` (rounding may reach hi itself). Deterministic, so the verifier regenerates the inputs
// instead of keeping a copy. Callers choose ranges without zero for elementwise inputs ([0.5, 2)).
void launch_fill_uniform(void* buffer, DType dtype, std::size_t count, std::uint32_t seed, double lo, double hi,
                         cudaStream_t stream);

// Adds to *counter (device memory) the number of elements of `out` that differ from an analytic
// reference computed in double from the regenerated inputs (x from seed_x, y from seed_y, both in
// [lo, hi); the same `a` as the launch). Tolerances: see elementwise_tolerance. NaN always counts.
// sqrt needs lo >= 0.
void launch_count_elementwise_errors(ElementwiseOp op, DType dtype, const void* out, std::size_t count,
                                     std::uint32_t seed_x, std::uint32_t seed_y, double lo, double hi, double a,
                                     unsigned long long* counter, cudaStream_t stream);

// The relative tolerance of the verification above, in units of the reference's magnitude:
//   scale, copy: 0 (exact in every dtype: doubling and copying never round).
//   sqrt: |out - ref| <= tol * |ref|;  axpy/triad: |out - ref| <= tol * (|a*x| + |y|) resp.
//   (|x| + |a*y|), the sum of the terms' magnitudes, so cancellation cannot fail a correct result.
//   f16: 2^-10, bf16: 2^-7 (1 ulp at the bottom of a binade = 2 unit roundoffs u): the result's
//        rounding to the dtype is <= u; the float intermediate adds <= 2^-23.
//   f32: 2^-22 (2 ulp = 4u): rounding `a` to float adds up to u*|a*x| on top of the result's u.
//   f64: 2^-51 (2 ulp = 4u): the double reference carries its own rounding of up to 2u.
[[nodiscard]] double elementwise_tolerance(ElementwiseOp op, DType dtype);

// Launches every elementwise, fill and verification kernel once (on a scratch buffer, then
// synchronizes) so lazy module loading stays out of timing. Call next to kernels::preload.
void preload_elementwise(int device);

// The counter-based generator shared by the fill kernels (elementwise and GEMM inputs) and their
// verifiers: splitmix64 of (seed, index); unit value in [0, 1) with 53 random bits.
GX_HOST_DEVICE inline std::uint64_t uniform_hash(std::uint32_t seed, std::uint64_t index) {
  std::uint64_t z = static_cast<std::uint64_t>(seed) * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull;
  z += index * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
GX_HOST_DEVICE inline double uniform_unit(std::uint32_t seed, std::uint64_t index) {
  return static_cast<double>(uniform_hash(seed, index) >> 11) * 0x1.0p-53;
}
GX_HOST_DEVICE inline double uniform_value(std::uint32_t seed, std::uint64_t index, double lo, double hi) {
  return lo + (hi - lo) * uniform_unit(seed, index);
}

}  // namespace gx
