#pragma once
// `gpuxfer compare`: match the records of two reports, the ratio NEW/BASE of each match with a
// bootstrap confidence interval and a Mann-Whitney U test, a verdict per match, a geometric
// mean per suite, and the renderings (tables, CSV, markdown, JSON). Host-only.
//
// Ratio convention: > 1 always means NEW is faster. Bandwidth: NEW median rate / BASE median
// rate. Latency: BASE median time / NEW median time.
//
// Matching: on the same machine (both reports name the same set of GPU UUIDs) records match
// by their exact endpoints (GPUs by UUID, so a renumbering by CUDA_VISIBLE_DEVICES still
// matches). Across machines they match by class: suite, method, direction, link class, the
// kind of each endpoint (gpu / host), the number of participants of multi-GPU cases, dtype,
// bytes, streams and the pipelined tuning-grid setting. Several records of one key on one side
// are pooled: the value is the median of the per-record medians, the test uses every sample.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bench_model.hpp"
#include "core/compare_noise.hpp"
#include "core/report_json.hpp"
#include "core/report_load.hpp"
#include "core/table.hpp"

namespace gx {

// ---- statistics (pure) -------------------------------------------------------------------------

// The median, interpolated like summarize() (type 7). Throws std::invalid_argument when empty.
// The median of each group's median. Throws std::invalid_argument when empty or a group is.
[[nodiscard]] double median_of_medians(const std::vector<std::vector<double>>& groups);

// P(Z > z) for a standard normal Z.
[[nodiscard]] double normal_upper_tail(double z);

struct MannWhitney {
  double u = 0;        // U of the first sample: pairs (a, b) with a > b, ties counting 1/2
  double z = 0;        // (U - n1 n2 / 2) corrected by 1/2 towards 0, over the tie-corrected sd
  double p_value = 1;  // two-sided, normal approximation; 1 when every value is equal
};
// Two-sided Mann-Whitney U test (normal approximation with tie and continuity correction, as
// scipy.stats.mannwhitneyu(method="asymptotic")). Throws std::invalid_argument for an empty side.
[[nodiscard]] MannWhitney mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);

struct Interval {
  double low = 0;
  double high = 0;
};

inline constexpr std::uint64_t kCompareSeed = 0x6770787366657221ull;  // "gpxsfer!"

struct BootstrapOptions {
  int resamples = 2000;
  double confidence = 0.95;
  std::uint64_t seed = kCompareSeed;
};

// Percentile bootstrap of the ratio of median_of_medians(NEW) to median_of_medians(BASE)
// (inverted, BASE/NEW, when `lower_is_better`: times). Each resample redraws every group's
// samples with replacement inside the group (a stratified bootstrap, so the statistic stays
// the one the value is), from std::mt19937_64 seeded with `seed`: deterministic on every
// platform. Throws std::invalid_argument for empty input, a non-positive value or bad options.
[[nodiscard]] Interval bootstrap_ratio_ci(const std::vector<std::vector<double>>& base,
                                          const std::vector<std::vector<double>>& newer, bool lower_is_better,
                                          const BootstrapOptions& options = {});

// exp(mean(log x)). Throws std::invalid_argument for an empty input or a value <= 0.
[[nodiscard]] double geometric_mean(const std::vector<double>& values);

// "5%" -> 0.05, "0.05" -> 0.05; 0 <= tolerance < 1. Throws UsageError naming the value.
[[nodiscard]] double parse_tolerance(std::string_view text);

enum class CompareVerdict { faster, slower, same, noisy, not_compared };
[[nodiscard]] std::string_view to_string(CompareVerdict verdict);

// The verdicts (docs/compare.md), judged on the interval that includes the between-run spread
// of the noise model (widen_interval), tolerance t:
//   same    the interval lies inside [1 - t, 1 + t]: any change is within the tolerance
//   slower  the interval lies below 1 (a real change), reaches below 1 - t (it may matter) and the
//           ratio is below 1 - t/2 (the estimate itself is a change of half the tolerance or more)
//   faster  the mirror image: above 1, reaches above 1 + t, ratio above 1 + t/2
//   noisy   anything else: a change the runs cannot pin down (the interval holds 1 and reaches
//           beyond the tolerance, or the estimate is too small to call)
[[nodiscard]] CompareVerdict decide_verdict(double ratio, Interval interval, double tolerance);

// ---- matching and comparison ----------------------------------------------------------------

enum class Matching { exact_pair, link_class };
[[nodiscard]] std::string_view to_string(Matching matching);

// What is shown about each report so a cross-machine comparison is honest.
struct SideSummary {
  std::string path;
  std::string hostname;
  std::string started_utc;
  std::string tool_version;
  std::vector<std::pair<std::string, int>> gpus;  // name -> count, in first-seen order
  std::vector<std::string> uuids;
  std::optional<std::string> driver;        // "580.159.04"; absent when the report did not know
  std::optional<std::string> cuda_driver;   // "13.0"
  std::optional<std::string> cuda_runtime;  // "13.0"
  std::size_t records = 0;
};
[[nodiscard]] SideSummary summarize_side(const LoadedReport& report);
// "4x NVIDIA H200" ("2x NVIDIA H200, 1x NVIDIA H100"; "none").
[[nodiscard]] std::string gpu_names(const SideSummary& side);

// The identity of a row.
struct MatchKey {
  Suite suite = Suite::peer;
  Method method = Method::ce_write;
  Metric metric = Metric::bandwidth;
  std::string link_class;  // "NV18", "PCIe", ...; "local" for a GPU's own memory
  std::string direction;   // "gpu->gpu", "host->gpu", "gpu<->host", "4 GPUs", ...
  int participants = 0;    // GPUs of a multi-GPU case; 0 for a pair or one GPU
  DType dtype = DType::f32;
  std::uint64_t bytes = 0;
  int streams = 1;
  // Pipelined: the tuning grid is matched by (chunk, ring depth); the cases that use the run's
  // best setting are matched as "tuned" whatever setting each run chose (shown per side).
  bool tuned = false;
  std::uint64_t chunk_bytes = 0;
  int ring_depth = 0;
  // exact_pair only: endpoints as the first side that has the key numbers them.
  bool exact = false;
  int src = kHost;
  int dst = kHost;
  std::vector<int> devices;
  std::string id;  // every identity field joined: what matching compares
};

struct SideStats {
  std::size_t records = 0;  // ok records pooled
  std::size_t samples = 0;  // their samples together
  std::size_t not_ok = 0;   // records of this key that were skipped / failed / ...
  std::string status;       // "ok", or e.g. "failed: 12 mismatches" (the first non-ok record)
  double median = 0;        // median of the per-record medians: B/s or seconds
  double cv = 0;            // of the pooled samples
  std::string setting;      // tuned pipelined: "8 MiB x4" (distinct settings joined)
  double op_seconds = 0;    // median time of one operation: what decides the noise regime
  bool headline = false;    // a headline-size record (the suite's summary size)
  std::vector<std::vector<double>> samples_by_record;  // B/s (bandwidth), FLOP/s (gemm), s (latency, overlap)
  TelemetryBrief telemetry;  // the pooled records' clocks, power and throttling (records = 0: none)
};

struct CompareRow {
  MatchKey key;
  SideStats base;
  SideStats newer;
  bool compared = false;
  double ratio = 0;               // > 1: NEW is faster
  Interval ci;                    // within-run: bootstrap of the samples
  Interval interval;              // ci widened by the between-run spread: what the verdict reads
  std::string noise_class;        // "host/h2d_pageable/bandwidth_bound"
  NoiseSpread spread;             // the class's between-run spread and where it came from
  std::optional<double> p_value;  // Mann-Whitney, within-run only (shown, not judged)
  CompareVerdict verdict = CompareVerdict::not_compared;
  std::string note;  // why not compared
  // Slower or faster with telemetry on both sides: how the clocks, power and throttle reasons
  // differed ("NEW: SM 1500 MHz vs 1980, power cap 88 % of the time").
  std::string telemetry_change;
};

struct OneSided {
  MatchKey key;
  SideStats side;
};

struct SuiteSummary {
  Suite suite = Suite::peer;
  std::size_t compared = 0;
  std::size_t faster = 0;
  std::size_t slower = 0;
  std::size_t same = 0;
  std::size_t noisy = 0;
  std::size_t not_compared = 0;
  std::size_t only_in_base = 0;
  std::size_t only_in_new = 0;
  std::optional<double> geomean;  // of the compared ratios
  // The suite's headline records together (every record for a suite without a headline size):
  // the inverse-variance weighted geometric mean of their ratios, its interval and verdict.
  std::size_t headline_rows = 0;
  std::optional<double> headline_ratio;
  Interval headline_interval;
  CompareVerdict headline_verdict = CompareVerdict::not_compared;
};

struct CompareOptions {
  double tolerance = 0.05;
  std::size_t min_test_samples = 5;  // per side, for the Mann-Whitney test
  BootstrapOptions bootstrap;
  NoiseModel noise = NoiseModel::embedded();
};

// Which records take part (--suites, --methods, --sizes). Empty sets select everything.
enum class SizeSelection { all, headline, list };
struct RecordFilter {
  std::vector<Suite> suites;
  std::vector<Method> methods;
  SizeSelection sizes = SizeSelection::all;
  std::vector<std::uint64_t> bytes;  // SizeSelection::list
};
// "headline", "all" or a size list in parse_sizes' grammar. Throws UsageError naming the value.
[[nodiscard]] RecordFilter parse_size_selection(std::string_view text, RecordFilter filter = {});
// Comma lists of suite / method names. Throw UsageError naming the unknown name.
[[nodiscard]] std::vector<Suite> parse_suite_list(std::string_view text);
[[nodiscard]] std::vector<Method> parse_method_list(std::string_view text);
// Keeps the records the filter selects. "headline" keeps a suite's headline records, or all of
// them where the suite has no headline size (latency).
[[nodiscard]] LoadedReport filter_report(const LoadedReport& report, const RecordFilter& filter);

struct Comparison {
  SideSummary base;
  SideSummary newer;
  Matching matching = Matching::link_class;
  CompareOptions options;
  std::vector<CompareRow> rows;  // keys on both sides, in suite / method / path / size order
  std::vector<OneSided> only_in_base;
  std::vector<OneSided> only_in_new;
  std::vector<SuiteSummary> suites;  // suites with at least one row or one-sided key
};

// Same machine: both reports list the same non-empty set of GPU UUIDs.
[[nodiscard]] Matching choose_matching(const SystemInfo& base, const SystemInfo& newer);
[[nodiscard]] Comparison compare_reports(const LoadedReport& base, const LoadedReport& newer,
                                         const CompareOptions& options = {});

enum class FailOn { never, slower, any };
// "never" (also "none"), "slower", "any". Throws UsageError naming the value.
[[nodiscard]] FailOn parse_fail_on(std::string_view text);
[[nodiscard]] std::string_view to_string(FailOn fail_on);
// slower: the rows judged slower. any: those, plus every key BASE measured (ok) that NEW lacks
// or did not measure (missing, skipped, failed, ...). never: 0.
[[nodiscard]] std::size_t count_failures(const Comparison& comparison, FailOn fail_on);

// ---- renderings -------------------------------------------------------------------------------

// The convention line shown with every rendering.
[[nodiscard]] std::string ratio_convention();
// People's formats: a reports table (every file), then per comparison a summary by suite,
// one table of matches per suite and the one-sided keys.
[[nodiscard]] std::vector<Table> compare_tables(const std::vector<Comparison>& comparisons);
// text / markdown / csv; text is colored (green faster, red slower) when `color`.
[[nodiscard]] std::string render_comparisons(const std::vector<Comparison>& comparisons, OutputFormat format,
                                             bool color);
// CSV: one row per key (matched or one-sided) of every comparison.
[[nodiscard]] Table compare_flat_table(const std::vector<Comparison>& comparisons);
inline constexpr const char* kCompareSchema = "gpuxfer.compare";
inline constexpr int kCompareSchemaMajor = 1;
// 1.1: noise.class_spread and noise.cv_term; per-side "telemetry" and the row's "telemetry_change"
inline constexpr int kCompareSchemaMinor = 1;
[[nodiscard]] Json compare_to_json(const std::vector<Comparison>& comparisons, FailOn fail_on);

}  // namespace gx
