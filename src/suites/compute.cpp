#include "suites/compute.hpp"

#include <fmt/format.h>

#include "core/stats.hpp"

namespace gx {

std::vector<int> compute_devices(const Case& c) {
  return c.devices.empty() ? std::vector<int>{c.src} : c.devices;
}

GemmPrecision gemm_precision(Method m) {
  switch (m) {
    case Method::gemm_tf32: return GemmPrecision::tf32;
    case Method::gemm_bf16: return GemmPrecision::bf16;
    case Method::gemm_fp16: return GemmPrecision::fp16;
    default: return GemmPrecision::fp32;
  }
}

std::vector<DirectionRate> per_device_rates(const std::vector<int>& devices, const Measurement& m, double bytes_per_gpu,
                                            double flops_per_gpu) {
  std::vector<DirectionRate> out;
  if (devices.size() < 2 || m.stream_seconds_per_op.size() != devices.size()) return out;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const double median = summarize(m.stream_seconds_per_op[i]).median;
    DirectionRate d;
    d.name = fmt::format("GPU {}", devices[i]);
    d.bytes_per_op = bytes_per_gpu;
    d.median_bytes_per_s = median > 0 ? bytes_per_gpu / median : 0;
    d.flops_per_op = flops_per_gpu;
    d.median_flops_per_s = median > 0 && flops_per_gpu > 0 ? flops_per_gpu / median : 0;
    out.push_back(d);
  }
  return out;
}

}  // namespace gx
