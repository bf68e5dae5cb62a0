#pragma once
// Telemetry rules of `gpuxfer check` (docs/check.md), over the records that carry telemetry
// (report schema 1.6, bench --telemetry on); a result without any adds no finding, so older
// results keep their verdicts:
//   throttling  per GPU: no HW slowdown, SW/HW thermal slowdown or power brake during any
//               record's samples (WARN naming the worst record and its share; a GPU whose
//               reasons could not be read: WARN with the reason). The power cap is not judged:
//               GEMMs of an H200 run at it by design
//   gemm_clock  per GEMM precision, each GPU's median SM clock during its headline GEMM > 90 %
//               of the median of the same-model GPUs of the node (>= 2 GPUs), else WARN
// And a note: a FAIL or WARN about a record's rate (gemm_peak, memory_bandwidth,
// compute_outlier, peer/host bandwidth) whose record ran throttled or with dropped clocks says
// so ("ran throttled: 1500 MHz · power cap 88 %").
#include <vector>

#include "core/check.hpp"

namespace gx {

struct TelemetryCheckSettings {
  double clock_outlier_fraction = 0.10;  // below the median of the node's same-model GPUs
  double min_share = 0.0;                // a hardware/thermal reason above this share WARNs
};

void telemetry_findings(const SystemInfo& system, const std::vector<Record>& records, const TelemetryCheckSettings& s,
                        std::vector<Finding>& out);
// Appends "ran throttled: ..." to the notes of rate findings whose record telemetry explains.
void explain_with_telemetry(const std::vector<Record>& records, std::vector<Finding>& findings);

}  // namespace gx
