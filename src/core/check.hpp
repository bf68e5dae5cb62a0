#pragma once
// `gpuxfer check`: acceptance rules over a system and its records -> findings (PASS/WARN/FAIL).
// Host-only: the CLI feeds it a loaded RESULT file or a run it just made.
//
// Default rules, derived from the topology (no file needed):
//   nvlink_up       every GPU's NVLinks up == supported (unknown -> WARN with the reason)
//   pcie_link       PCIe current gen/width == max; a mismatch is a WARN (links downtrain at
//                   idle, and the values are those read when the inventory was taken) unless
//                   strict_pcie, then FAIL; unknown -> WARN
//   p2p_enabled     P2P enabled on every pair where can-access-peer says it can be
//   records         no record failed / error / timeout (one FAIL each, naming it); every ok record
//                   verified; no case left unrun by a run that ended early
//   peer_bandwidth  per ordered pair with P2P: the best of ce_write / ce_read at the headline
//                   size >= 75 % of the pair's theoretical rate
//   peer_outlier    per ordered pair, ce_write and ce_read each > 95 % of that method's median over
//                   the pairs of the same link class (>= 2 pairs); judged on the method furthest
//                   below. A pair >= 5 % below is re-measured once through the `remeasure` hook
//                   when there is one (check running the bench): WARN if it then passes, else FAIL;
//                   the re-measured records replace the first ones for every rule
//   host_bandwidth  per GPU: h2d_pinned and d2h_pinned at the headline size >= 80 % of the
//                   GPU's PCIe rate at its max gen/width
//   nccl_outlier    multi-rank runs: per GPU pair, nccl_send and nccl_bidir at the headline size
//                   each > 95 % of that method's median over the pairs of the same link class
//                   ("net" between hosts): the verdict per pair of hosts
//   memory_bandwidth, gemm_peak, compute_outlier: elementwise and GEMM records (check_compute.hpp)
//   remap_failure, remap_pending, ecc_uncorrected, xid_critical, nvlink_errors, pcie_replay,
//   reset_required, retired_pages_pending, power_limit, app_clocks, persistence_mode: the
//   health section (check_health.hpp, docs/health.md); none when the document has no health
// Expectation rules (core/expectations.hpp) replace the default minimum of every record they
// select (peer_bandwidth of a pair is replaced when a min_gbps rule selects its headline ce_write
// or ce_read record) and add minimums for anything else; the topology, records and outlier rules
// always apply.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bench_model.hpp"
#include "core/expectations.hpp"
#include "core/model.hpp"
#include "core/report_json.hpp"
#include "core/table.hpp"

namespace gx {

// info: the rule could not judge (an NVML value unknown): said, never counted as a pass, never
// failing the check.
enum class CheckVerdict { pass, warn, fail, info };
[[nodiscard]] std::string_view to_string(CheckVerdict verdict);  // "PASS", "WARN", "FAIL", "INFO"

struct Finding {
  CheckVerdict verdict = CheckVerdict::pass;
  std::string rule;      // "peer_bandwidth", ..., or "expect rule 3"
  std::string subject;   // "GPU 0", "0->1", "GPUs 0,1,2,3", "rule 3"
  std::string what;      // "ce_write/ce_read 400 MB", "h2d_pinned 400 MB", "NVLinks"
  std::string measured;  // for people
  std::string expected;
  std::string note;  // why, % of theoretical, the rule's text
  // For machines (JSON): SI values where there are any.
  std::optional<double> measured_value;
  std::optional<double> expected_value;
  std::string unit;        // "B/s", "s", "links", ""
  std::string comparison;  // ">=", ">", "<=", "=="
  std::optional<int> src;
  std::optional<int> dst;
  std::optional<int> gpu;
  std::string suite;
  std::string method;
  std::string link_class;
  std::optional<std::uint64_t> bytes;
};

struct CheckSettings {
  double peer_min_fraction = 0.75;  // of the pair's theoretical rate
  double host_min_fraction = 0.80;  // of the PCIe rate at max gen/width
  double outlier_fraction = 0.05;   // below the median of the link class
  bool strict_pcie = false;
  bool peer_enable_attempted = true;  // false for `list --no-enable-peer` inventories
};

// Re-measures the headline ce_write and ce_read of one ordered pair; returns the new records
// (an empty vector when it cannot).
using RemeasureFn = std::function<std::vector<Record>(int src, int dst)>;

struct CheckResult {
  std::vector<Finding> findings;
  std::vector<Record> records;  // the records judged: the input with re-measured ones replaced
};

[[nodiscard]] CheckResult run_check(const SystemInfo& system, const std::vector<Record>& records,
                                    const Expectations& expectations, const CheckSettings& settings,
                                    const RemeasureFn& remeasure = {});

struct CheckCounts {
  int pass = 0;
  int warn = 0;
  int fail = 0;
  int info = 0;
};
[[nodiscard]] CheckCounts count_findings(const std::vector<Finding>& findings);

// "4x NVIDIA H200 (vm)"; mixed models are joined with " + ".
[[nodiscard]] std::string system_brief(const SystemInfo& system);
// "check: 3 FAIL, 1 WARN, 57 PASS on 4x NVIDIA H200 (vm)"
[[nodiscard]] std::string check_summary_line(const std::vector<Finding>& findings, const SystemInfo& system);

// verdict, rule, subject, what, measured, expected, note.
[[nodiscard]] Table findings_table(const std::vector<Finding>& findings);
// {"schema": "gpuxfer.check", "schema_version", "source", "system", "summary", "findings"}.
[[nodiscard]] Json findings_json(const std::vector<Finding>& findings, const SystemInfo& system, const Json& source);

}  // namespace gx
