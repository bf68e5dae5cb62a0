#pragma once
// gpuxfer fleet (docs/fleet.md): many nodes' results -> groups of like nodes -> per metric a
// robust centre (median) and spread (MAD) -> outlier GPUs, links and nodes. Host-only.
//
// Only the figures are kept per file, never the parsed JSON, so a thousand nodes fit in a small
// fraction of the memory their documents would take.
#include <cstddef>
#include <string>
#include <vector>

#include "core/bench_model.hpp"
#include "core/report_load.hpp"

namespace gx {

// One headline measurement of one node: a GPU's figure (host copies, HBM, GEMM) or a link's (an
// ordered GPU pair: peer copies, staged, NCCL).
struct FleetFigure {
  std::string metric;  // "peer.ce_write.NV18", "host.h2d_pinned", "gemm.gemm_bf16", ...
  std::string entity;  // "GPU0", "GPU0->GPU1"
  int gpu = -1;        // the GPU (a link's source GPU)
  std::string uuid;    // of `gpu`, when known
  double value = 0;    // B/s, FLOP/s or seconds (latency); 0 when status is not ok
  double cv = 0;       // the record's own within-run coefficient of variation
  bool noisy = false;  // the record says so (cv above 5 %)
  Status status = Status::ok;
  std::string reason;     // why not ok
  std::string telemetry;  // the record's telemetry in a few words, "" when the record has none
};

// What the fleet keeps of one node (one host of one document).
struct FleetNodeData {
  std::string host;
  std::string path;
  std::string started_utc;
  std::string gpu_model;  // device names, distinct ones joined by " + "
  int gpu_count = 0;
  std::string topology;            // pair link classes: "NV18 x12", "NV18 x8, SYS x4", "none"
  std::string driver;              // driver release, "unknown" when not known
  std::string cuda;                // "driver 13.0, runtime 13.0"
  std::vector<std::string> notes;  // conditions worth knowing: a PCIe link below its max, NVLinks down
  std::string health;              // the document's health section in a few words, "" when it has none
  std::vector<FleetFigure> figures;
};

struct FleetUnreadable {
  std::string path;
  std::string reason;
};

struct FleetInput {
  std::size_t files = 0;
  std::vector<FleetNodeData> nodes;  // in input order
  std::vector<FleetUnreadable> unreadable;
};

// Result files of FILE|DIR arguments: files as given, folders searched recursively for *.json
// (sorted). A path that does not exist is an InputError.
[[nodiscard]] std::vector<std::string> fleet_files(const std::vector<std::string>& inputs);

// The nodes of one report: one, or one per host of a merged multi-host document. `doc`, when
// given, is the document the report was read from: its optional per-record `telemetry` objects
// and `health` section are summarized beside the figures.
[[nodiscard]] std::vector<FleetNodeData> extract_fleet_nodes(const LoadedReport& report, const Json* doc = nullptr);

// Reads and extracts every file on `threads` threads (at least 1). A file that cannot be read
// or is not a gpuxfer.report is listed in `unreadable` with the reason; it never stops the rest.
[[nodiscard]] FleetInput load_fleet(const std::vector<std::string>& files, unsigned threads);

enum class FleetVerdict { ok, noisy, outlier, failed };
[[nodiscard]] std::string_view to_string(FleetVerdict verdict);

struct FleetSettings {
  double threshold = 0.05;    // relative: at least this much worse than the fleet median
  double mad_k = 4.0;         // and beyond k robust standard deviations (1.4826 MAD)
  double cv_factor = 3.0;     // the relative threshold grows by this many of the record's own cv
  std::size_t min_nodes = 3;  // a metric measured by fewer nodes is shown, not judged
  bool mix_groups = false;    // judge each group on its own instead of refusing a mixed fleet
};

struct FleetJudgement {
  double deviation = 0;  // (x - median) / median; worse is negative for rates, positive for latency
  double worse = 0;      // the deviation in the worse direction: > 0 means worse than the median
  double z = 0;          // (x - median) / (1.4826 MAD)
  FleetVerdict verdict = FleetVerdict::ok;
  bool judged = false;  // its metric had enough nodes
};

struct FleetMetric {
  std::string metric;
  std::string unit;  // "B/s", "FLOP/s", "s"
  bool lower_is_better = false;
  std::size_t nodes = 0;   // nodes with an ok figure
  std::size_t values = 0;  // ok figures (GPUs or links of all nodes)
  double median = 0;
  double mad = 0;
  bool judged = false;
  std::size_t outliers = 0;  // figures
  std::size_t failed = 0;    // figures
};

struct FleetVersions {
  std::string driver;
  std::string cuda;
  std::size_t nodes = 0;
};

struct FleetGroup {
  std::string id;  // "g1", ...
  std::string gpu_model;
  int gpu_count = 0;
  std::string topology;
  std::vector<std::size_t> nodes;  // indices into FleetResult::nodes
  std::vector<FleetVersions> versions;
  std::vector<FleetMetric> metrics;  // in metric order
};

struct FleetNode {
  FleetNodeData data;
  std::size_t group = 0;
  FleetVerdict verdict = FleetVerdict::ok;
  double worst = 0;                        // the largest `worse` deviation among its non-ok figures (0 when ok)
  std::vector<FleetJudgement> judgements;  // parallel to data.figures
};

struct FleetDuplicate {
  std::string host;
  std::string kept;  // path of the newest run (by run start time)
  std::string dropped;
};

struct FleetResult {
  FleetSettings settings;
  std::size_t files = 0;
  std::vector<FleetGroup> groups;
  std::vector<FleetNode> nodes;
  std::vector<FleetUnreadable> unreadable;
  std::vector<FleetDuplicate> duplicates;
};

struct FleetCounts {
  std::size_t ok = 0, noisy = 0, outlier = 0, failed = 0;
};
[[nodiscard]] FleetCounts count_nodes(const FleetResult& result);

// Unit and direction of a metric, from its name.
[[nodiscard]] bool fleet_lower_is_better(const std::string& metric);
[[nodiscard]] std::string fleet_unit(const std::string& metric);

// Drops duplicate hosts (the newest run is kept), groups the nodes, judges every figure. Throws
// InputError when no node is left, or when the nodes form several groups and mix_groups is off.
[[nodiscard]] FleetResult judge_fleet(FleetInput input, const FleetSettings& settings);

// Node indices, worst first: failed, then outliers by deviation, then noisy; ok nodes last.
[[nodiscard]] std::vector<std::size_t> nodes_worst_first(const FleetResult& result);

}  // namespace gx
