#pragma once
// Peak arithmetic rates of NVIDIA architectures, in one table (peak.cpp), so "% of peak" of a
// GEMM is computed the same way everywhere: SM count x max SM clock x dense FLOP per clock per SM.
#include "core/bench_model.hpp"
#include "core/known.hpp"
#include "core/model.hpp"

namespace gx {

// Dense (no sparsity) FLOP per clock per SM of a GEMM precision on compute capability
// major.minor; unknown with the reason for an architecture or precision the table lacks.
[[nodiscard]] Known<double> flops_per_clock_per_sm(Method gemm_precision, int cc_major, int cc_minor);

// The device's peak FLOP/s for the precision: sm_count x max SM clock x per-SM rate.
[[nodiscard]] Known<double> peak_flops(const DeviceInfo& device, Method gemm_precision);

// Why the device cannot run the precision at all (e.g. bf16 before Ampere); "" when it can.
[[nodiscard]] std::string gemm_unsupported_on(const DeviceInfo& device, Method gemm_precision);

}  // namespace gx
