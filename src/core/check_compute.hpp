#pragma once
// Default compute rules of `gpuxfer check` (docs/check.md), over the records of the elementwise and
// gemm suites when the run has them:
//   memory_bandwidth  per GPU: elementwise copy and triad at the headline size (400 MB: far beyond
//                     every L2, so never cache-resident) >= 75 % of the GPU's theoretical memory
//                     bandwidth. Measured: 86 % (copy) and 89 % (triad) on H200, 1x and 4x, in
//                     the committed H200 compute runs (docs/results.md)
//   gemm_peak         per GPU and precision: headline GEMM >= 50 % of the dense peak (core/peak).
//                     Measured on H200: 67-74 % (fp16 lowest), same files
//   compute_outlier   per method, each GPU > 95 % of the median of the GPUs of the same model
//                     (>= 2 GPUs): the spread across the 4 GPUs of one H200 node is <= 1.7 %
// A record an expectation rule selects keeps only the rule's verdict (expectation_findings).
#include <vector>

#include "core/check.hpp"

namespace gx {

struct ComputeSettings {
  double memory_min_fraction = 0.75;
  double gemm_min_fraction = 0.50;
  double outlier_fraction = 0.05;
};

void compute_findings(const SystemInfo& system, const std::vector<Record>& records, const Expectations& e,
                      const ComputeSettings& s, std::vector<Finding>& out);

}  // namespace gx
