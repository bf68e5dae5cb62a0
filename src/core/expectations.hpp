#pragma once
// Expectations files for `gpuxfer check`: minimums (and latency maximums) that override or add to
// the defaults derived from the topology. Versioned on their own:
//
//   {"schema": "gpuxfer.expect", "schema_version": {"major": 1, "minor": 0},
//    "comment": "optional", "source": {optional, free-form},
//    "rules": [
//      {"suite": "peer", "method": "ce_write", "link_class": "NV18", "min_gbps": 380},
//      {"src": 0, "dst": 1, "method": "ce_write", "min_gbps": 385},
//      {"method": "h2d_pinned", "gpu": 3, "min_gbps": 50},
//      {"method": "peer_b2b", "bytes": 4, "max_us": 2.5},
//      {"suite": "host", "min_gbps": 20, "comment": "why"}]}
//
// A rule selects records by every selector it has (all must match): suite, method, link_class
// ("NV18", "PIX", ..., "PCIe" for host links), src, dst, gpu (a record involving that GPU: its
// src, its dst or one of its devices), bytes (an integer or a size such as "400MB"; without it a
// bandwidth rule selects the headline-size records and a latency rule every size). Exactly one
// threshold: min_gbps (bandwidth records: median rate >= value x 1e9 B/s), max_us (latency
// records: median time <= value µs), min_tflops (GEMM records: median FLOP/s >= value x 1e12).
//
// Precedence, for each record and threshold: pair (src, dst or gpu given) > link class > method >
// suite > the topology default. Among rules of the same level the later one in the file wins.
// A rule that selects no record is a FAIL ("rule N selects no record"), never a silent pass.
//
// Versions: a file of a newer major is refused naming both versions; any minor of major 1 is
// read. Unknown keys are refused in files of this minor or older (a typo must not widen a rule)
// and ignored in files of a newer minor (fields added later).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bench_model.hpp"
#include "core/compare_noise.hpp"
#include "core/report_json.hpp"

namespace gx {

inline constexpr const char* kExpectSchema = "gpuxfer.expect";
inline constexpr int kExpectSchemaMajor = 1;
inline constexpr int kExpectSchemaMinor = 0;
inline constexpr std::size_t kMaxExpectBytes = 16ull << 20;
inline constexpr std::size_t kMaxExpectDepth = 16;

enum class ExpectThreshold { min_gbps, min_tflops, max_us };
// How specific a rule is; a higher level wins.
enum class RuleLevel { suite = 1, method = 2, link_class = 3, pair = 4 };

[[nodiscard]] std::string_view to_string(ExpectThreshold threshold);
[[nodiscard]] std::string_view to_string(RuleLevel level);

struct ExpectRule {
  int number = 0;              // 1-based position in the file's rules array
  std::optional<Suite> suite;  // set from method when only the method is given
  std::optional<Method> method;
  std::optional<std::string> link_class;
  std::optional<int> src;
  std::optional<int> dst;
  std::optional<int> gpu;
  std::optional<std::uint64_t> bytes;
  ExpectThreshold threshold = ExpectThreshold::min_gbps;
  double value = 0;  // as written: GB/s, TFLOP/s or µs
  std::string comment;
};

struct Expectations {
  std::string path;  // as given, for messages; empty when there is no file
  int schema_major = kExpectSchemaMajor;
  int schema_minor = kExpectSchemaMinor;
  std::vector<ExpectRule> rules;
};

[[nodiscard]] RuleLevel level_of(const ExpectRule& rule);
// "peer ce_write NV18 >= 380 GB/s", "0->1 ce_write >= 385 GB/s", "peer_b2b 4 B <= 2.5 us".
[[nodiscard]] std::string describe_rule(const ExpectRule& rule);

// Whether the rule selects the record (identity and metric; not its status: a selected record
// that failed is judged FAIL). Pipelined tuning records are never selected.
[[nodiscard]] bool rule_selects(const ExpectRule& rule, const Record& record);

// Throws InputError "<name>: <problem>" (one line) for malformed JSON, a wrong schema, a newer
// major, an unknown suite/method, a bad value, a rule without selectors or thresholds.
[[nodiscard]] Expectations parse_expectations(std::string_view text, const std::string& name);
// Reads the file with size (16 MiB) and depth (16) caps.
[[nodiscard]] Expectations load_expectations(const std::string& path);

// "10%" -> 0.10; from 0% to below 100%. Throws UsageError naming the value otherwise.
[[nodiscard]] double parse_margin(std::string_view text);

// An expectations document from a known-good run: per (suite, method, link class) of the ok
// headline bandwidth / GEMM records, min_gbps / min_tflops = the lowest median rate x (1 - margin)
// (rounded down); per (method, link class, size) of the ok latency records, max_us = the highest
// median time x (1 + margin) (rounded up). Overlap records get no rule. margin absent ("auto"):
// per rule, the noise model's run-to-run spread of the method + the largest within-run cv of the
// group's records. `source` lands in the document's "source" object.
[[nodiscard]] Json emit_expectations(const std::vector<Record>& records, std::optional<double> margin, Json source,
                                     const NoiseModel& noise = NoiseModel::embedded());

}  // namespace gx
