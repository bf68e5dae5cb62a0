#pragma once
// The Prometheus textfile of `gpuxfer check --prom` (docs/check.md, "Prometheus"): what a node's
// node_exporter textfile collector serves about the last check. Every series is unique per name
// and labels for single-host and merged multi-host documents alike (a re-measured record
// replaces the earlier one), GPUs carry `host`, `gpu` (index) and `uuid`, aggregates over several
// GPUs are metrics of their own, and `gpuxfer_up` says whether the run happened at all, so a file
// written when the bench could not run replaces the last good numbers instead of leaving them
// to be served. No sample carries an explicit timestamp: the textfile collector refuses them;
// `gpuxfer_last_run_timestamp_seconds` says when the run began.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bench_model.hpp"
#include "core/check.hpp"
#include "core/model.hpp"

namespace gx {

// How the run behind the metrics went.
struct MetricsRun {
  std::string host;                      // the node's hostname (label `host`)
  bool up = true;                        // the run measured everything it planned
  int exit_code = 0;                     // 0, or 3 / 4 / 5 / 130 / 143 when it could not run or ended early
  std::optional<double> started_unix_s;  // when the run began (seconds since the epoch)
};

// Label values: backslash, double quote and newline escaped as the exposition format requires.
[[nodiscard]] std::string prometheus_label_escape(std::string_view text);

// The whole textfile: run state (gpuxfer_up, gpuxfer_exit_code, gpuxfer_last_run_timestamp_seconds,
// gpuxfer_build_info), findings by verdict and gpuxfer_check_passed, and the measured figures of
// ok records: peer / staged copy rates per ordered pair, concurrent transfer rates, host copy
// rates per GPU and aggregated, HBM (elementwise) rates, GEMM FLOP/s per precision, latencies.
[[nodiscard]] std::string prometheus_text(const std::vector<Finding>& findings, const std::vector<Record>& records,
                                          const SystemInfo& system, const MetricsRun& run);

// The textfile when no check could be made (no driver, no GPU: exit 3): run state only, up 0.
[[nodiscard]] std::string prometheus_down_text(const MetricsRun& run);

}  // namespace gx
