#pragma once
// The vocabulary of `gpuxfer bench`: suites, methods, planned cases and measured records.
// Names of enum values are spelled exactly as they appear in JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/known.hpp"
#include "core/stats.hpp"
#include "core/units.hpp"

namespace gx {

inline constexpr int kHost = -1;  // an endpoint that is host memory, not a GPU

enum class Suite { peer, staged, host, async, latency };

enum class Method {
  // peer: one GPU -> another GPU, P2P enabled unless said
  ce_write,   // cudaMemcpyPeerAsync on a stream of the source GPU (copy engine)
  ce_read,    // cudaMemcpyPeerAsync on a stream of the destination GPU
  sm_push,    // copy kernel on the source writing remote memory
  sm_pull,    // copy kernel on the destination reading remote memory
  ce_no_p2p,  // cudaMemcpyPeerAsync with peer access disabled: the driver stages it
  // staged: GPU -> pinned host -> GPU
  naive,      // D2H, wait, H2D (what .cpu().to() does with pinned memory); host-timed
  pipelined,  // chunks over a ring of pinned buffers, D2H of k+1 overlapping H2D of k
  pageable,   // D2H and H2D through pageable memory; host-timed
  // host: one GPU <-> host
  h2d_pinned,
  d2h_pinned,
  h2d_pageable,  // host-timed
  d2h_pageable,  // host-timed
  bidir_pinned,  // H2D and D2H at once on one GPU
  all_h2d,       // every selected GPU reads from host at once (aggregate host bandwidth)
  all_d2h,
  // async: concurrent peer traffic
  bidir_ce,      // a pair, both directions at once, copy engines
  bidir_sm,      // a pair, both directions at once, SM kernels
  all_pairs_ce,  // every GPU sends to every other at once
  scatter_ce,    // one GPU sends to all others at once
  gather_ce,     // all others send to one GPU at once
  split_ce,      // one peer copy split over `streams` streams
  // latency: small copies end to end, and dependent loads
  peer_b2b,        // back-to-back small peer copies on one stream, per copy
  peer_roundtrip,  // issue one copy and wait for it, per copy (host-timed)
  h2d_b2b,
  d2h_b2b,
  chase_peer,  // pointer chase by one thread over peer memory: ns per dependent load
  chase_host,  // pointer chase over pinned host memory
  chase_local, // pointer chase over the GPU's own memory (the baseline)
};

enum class Metric { bandwidth, latency };
enum class TimingMode { device, host };
enum class Status { ok, failed, skipped, timeout, error };

[[nodiscard]] std::string_view to_string(Suite suite);
[[nodiscard]] std::string_view to_string(Method method);
[[nodiscard]] std::string_view to_string(Metric metric);
[[nodiscard]] std::string_view to_string(TimingMode mode);
[[nodiscard]] std::string_view to_string(Status status);
[[nodiscard]] std::optional<Suite> parse_suite(std::string_view text);
[[nodiscard]] std::optional<Method> parse_method(std::string_view text);
[[nodiscard]] std::optional<Status> parse_status(std::string_view text);
[[nodiscard]] std::optional<TimingMode> parse_timing_mode(std::string_view text);

[[nodiscard]] Suite suite_of(Method method);
[[nodiscard]] Metric metric_of(Method method);
// How the method must be timed: host mode for anything that synchronizes the host.
[[nodiscard]] TimingMode timing_of(Method method);
[[nodiscard]] const std::vector<Method>& methods_of(Suite suite);
[[nodiscard]] const std::vector<Suite>& all_suites();

// Groupings every reader of records needs (views, report, compare, plan), defined once.
[[nodiscard]] bool is_bidir(Method m);         // bidir_ce, bidir_sm
[[nodiscard]] bool is_chase(Method m);         // pointer chases
[[nodiscard]] bool is_pair_method(Method m);   // one GPU -> another: peer, staged, bidir
[[nodiscard]] bool is_host_gpu_method(Method m);  // host suite, one GPU at a time

// One planned measurement.
struct Case {
  Suite suite = Suite::peer;
  Method method = Method::ce_write;
  int src = kHost;  // CUDA ordinal or kHost
  int dst = kHost;
  std::vector<int> devices;  // participants of multi-GPU cases (scatter/gather: the hub first)
  std::uint64_t bytes = 0;   // per transfer (per direction, per pair); latency: per copy
  DType dtype = DType::f32;
  int streams = 1;              // split_ce
  std::uint64_t chunk_bytes = 0;  // pipelined
  int ring_depth = 0;           // pipelined
  std::string link_class;       // "NV18", "PIX", ..., "PCIe" for host links, "" if n/a
  // The theoretical rate for ALL of this case's traffic together: the link rate for one
  // direction, twice it for both directions, the sum of the limiting links for concurrent
  // cases (see plan.cpp). Efficiency = measured total rate / this.
  Known<double> theoretical_bytes_per_s;
  bool headline = false;        // part of the GPU x GPU (or per-GPU) matrix at the headline size
  bool tuning = false;          // a pipelined tuning case: ranks one chunk size x ring depth
  std::string skip_reason;      // non-empty: planned as skipped, not run
};

// plan()'s explicit skip for a suite that needs more GPUs: no endpoints at all.
[[nodiscard]] bool is_suite_skip(const Case& c);
// Several transfers at once (all GPUs, scatter/gather, a split copy): a row, not a matrix cell.
[[nodiscard]] bool is_concurrent(const Case& c);
// The GPU of a host-suite case (h2d: dst; d2h and bidir: src).
[[nodiscard]] int host_gpu(const Case& c);

// Rate of one direction (or one participant) of a concurrent case.
struct DirectionRate {
  std::string name;  // "0->1", "1->0", "h2d", "d2h", "to 2"
  double bytes_per_op = 0;
  double median_bytes_per_s = 0;
};

// One case as measured.
struct Record {
  Case test;
  Status status = Status::skipped;
  std::string reason;  // why skipped/failed/error; empty when ok
  TimingMode timing = TimingMode::device;
  int warmup_ops = 0;
  std::uint64_t ops_per_sample = 0;
  bool verified = false;
  std::uint64_t mismatches = 0;
  std::vector<double> sample_seconds;  // seconds per operation, one value per sample
  std::optional<Summary> time;         // of sample_seconds
  double bytes_per_op = 0;             // every direction together
  std::vector<DirectionRate> directions;
};

// Derived figures, computed in one place.
[[nodiscard]] std::optional<double> median_rate(const Record& record);  // B/s
[[nodiscard]] std::optional<double> best_rate(const Record& record);    // B/s from the fastest sample
// median rate / theoretical_bytes_per_s; nullopt when unknown or not a bandwidth record.
[[nodiscard]] std::optional<double> efficiency(const Record& record);
[[nodiscard]] bool noisy(const Record& record);  // cv > 5 %

}  // namespace gx
