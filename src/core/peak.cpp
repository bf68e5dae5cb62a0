#include "core/peak.hpp"

#include <fmt/format.h>

#include <array>

namespace gx {
namespace {

// Dense FLOP per clock per SM (an FMA counts 2). Sources: NVIDIA's architecture whitepapers —
// "NVIDIA Tesla V100 GPU Architecture" (2017), "NVIDIA Turing GPU Architecture" (2018),
// "NVIDIA A100 Tensor Core GPU Architecture" (2020), "NVIDIA Ampere GA102 GPU Architecture"
// (2021), "NVIDIA Ada GPU Architecture" (2023), "NVIDIA H100 Tensor Core GPU Architecture"
// (2022; H200 is the same GH100 chip). Each paper's peak TFLOPS = SMs x clock x this rate, e.g.
// H100 SXM5 BF16 dense 989.4 TFLOPS = 132 SMs x 1.83 GHz x 4096, A100 BF16 312 TFLOPS = 108 x
// 1.41 GHz x 2048, FP32 66.9 TFLOPS = 132 x 1.98 GHz x 256. gpuxfer multiplies by the device's
// own max SM clock (NVML), so on H100/H200 (1.98 GHz) its tensor peak is 8 % above the
// datasheet's, which quotes tensor rates at 1.83 GHz. GeForce parts may run FP32-accumulate
// tensor math at half these rates; the table holds the data-center rate. 0 = not supported.
// Architectures not listed (e.g. Blackwell) get "unknown", never a guess.
struct ArchRates {
  int major;
  int minor;
  const char* name;
  double fp32;  // CUDA cores (TF32 off)
  double tf32;  // tensor cores
  double bf16;
  double fp16;
};

constexpr std::array<ArchRates, 6> kArchRates{{
    {7, 0, "Volta (V100)", 128, 0, 0, 1024},
    {7, 5, "Turing (T4)", 128, 0, 0, 1024},
    {8, 0, "Ampere (A100)", 128, 1024, 2048, 2048},
    {8, 6, "Ampere (GA10x)", 256, 512, 1024, 1024},
    {8, 9, "Ada (L40S)", 256, 512, 1024, 1024},
    {9, 0, "Hopper (H100/H200)", 256, 2048, 4096, 4096},
}};

const ArchRates* find_arch(int major, int minor) {
  for (const auto& a : kArchRates) {
    if (a.major == major && a.minor == minor) return &a;
  }
  return nullptr;
}

double rate_of(const ArchRates& a, Method m) {
  switch (m) {
    case Method::gemm_fp32: return a.fp32;
    case Method::gemm_tf32: return a.tf32;
    case Method::gemm_bf16: return a.bf16;
    case Method::gemm_fp16: return a.fp16;
    default: return 0;
  }
}

}  // namespace

Known<double> flops_per_clock_per_sm(Method m, int cc_major, int cc_minor) {
  if (!is_gemm(m)) return Known<double>::unknown(fmt::format("{} is not a GEMM precision", to_string(m)));
  const ArchRates* a = find_arch(cc_major, cc_minor);
  if (a == nullptr) {
    return Known<double>::unknown(
        fmt::format("no peak-rate table entry for compute capability {}.{}", cc_major, cc_minor));
  }
  const double rate = rate_of(*a, m);
  if (rate <= 0) {
    return Known<double>::unknown(fmt::format("{} has no {} tensor cores", a->name, to_string(m)));
  }
  return rate;
}

Known<double> peak_flops(const DeviceInfo& d, Method m) {
  const auto per_sm = flops_per_clock_per_sm(m, d.cc_major, d.cc_minor);
  if (!per_sm.has_value()) return per_sm;
  if (!d.max_sm_clock_hz.has_value()) {
    return Known<double>::unknown(fmt::format("max SM clock of GPU {} unknown: {}", d.index, d.max_sm_clock_hz.reason));
  }
  if (d.sm_count <= 0) return Known<double>::unknown(fmt::format("SM count of GPU {} unknown", d.index));
  return *per_sm * d.sm_count * *d.max_sm_clock_hz;
}

std::string gemm_unsupported_on(const DeviceInfo& d, Method m) {
  const int cc = d.cc_major * 10 + d.cc_minor;
  switch (m) {
    case Method::gemm_tf32:
    case Method::gemm_bf16:
      if (cc < 80) {
        return fmt::format("{} needs compute capability 8.0 or newer (GPU {} is {}.{})", to_string(m), d.index,
                           d.cc_major, d.cc_minor);
      }
      return "";
    case Method::gemm_fp16:
      if (cc < 70) {
        return fmt::format("{} needs tensor cores, compute capability 7.0 or newer (GPU {} is {}.{})", to_string(m),
                           d.index, d.cc_major, d.cc_minor);
      }
      return "";
    default: return "";
  }
}

}  // namespace gx
