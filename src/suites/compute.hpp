#pragma once
// What the compute suites (elementwise, gemm, overlap) share: the GPUs a case runs on and the
// per-GPU rates of a case that runs on several at once.
#include <vector>

#include "core/bench_model.hpp"
#include "gpu/blas.hpp"
#include "gpu/measure.hpp"

namespace gx {

// A case on one GPU names it in src (== dst); an all-GPUs case lists them in devices.
[[nodiscard]] std::vector<int> compute_devices(const Case& c);

// The BLAS precision of a gemm method.
[[nodiscard]] GemmPrecision gemm_precision(Method m);

// One DirectionRate per stream ("GPU 2") from each stream's own busy window, for cases that ran
// on several GPUs at once; bytes and FLOP are per GPU per op.
[[nodiscard]] std::vector<DirectionRate> per_device_rates(const std::vector<int>& devices, const Measurement& m,
                                                          double bytes_per_gpu, double flops_per_gpu);

}  // namespace gx
