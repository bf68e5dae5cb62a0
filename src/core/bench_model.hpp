#pragma once
// The vocabulary of `gpuxfer bench`: suites, methods, planned cases and measured records.
// Names of enum values are spelled exactly as they appear in JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/chase.hpp"
#include "core/known.hpp"
#include "core/stats.hpp"
#include "core/telemetry.hpp"
#include "core/units.hpp"

namespace gx {

inline constexpr int kHost = -1;  // an endpoint that is host memory, not a GPU

enum class Suite { peer, staged, host, async, latency, elementwise, gemm, overlap };

enum class Method {
  // peer: one GPU -> another GPU, P2P enabled unless said
  ce_write,   // cudaMemcpyPeerAsync on a stream of the source GPU (copy engine)
  ce_read,    // cudaMemcpyPeerAsync on a stream of the destination GPU
  sm_push,    // copy kernel on the source writing remote memory
  sm_pull,    // copy kernel on the destination reading remote memory
  ce_no_p2p,  // cudaMemcpyPeerAsync with peer access disabled: the driver stages it
  nccl_send,  // multi-rank runs only: ncclSend on the source rank, ncclRecv on the destination
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
  bidir_ce,            // a pair, both directions at once, copy engines
  bidir_sm,            // a pair, both directions at once, SM kernels
  all_pairs_ce,        // every GPU sends to every other at once
  all_pairs_sm,        // the same by copy kernels, each GPU's resident block slots split among its peers
  all_pairs_shift_ce,  // every GPU sends to every other, one peer at a time: step k, GPU i -> i+k
  scatter_ce,          // one GPU sends to all others at once
  gather_ce,           // all others send to one GPU at once
  split_ce,            // one peer copy split over `streams` streams
  nccl_bidir,          // multi-rank runs only: two ranks ncclSend and ncclRecv to each other at once
  // latency: small copies end to end, and dependent loads
  peer_b2b,         // back-to-back small peer copies on one stream, per copy (copy engine)
  peer_b2b_sm,      // the same by a copy kernel on the source writing peer memory (SM push)
  peer_b2b_issued,  // peer_b2b without the spin gate: each copy enqueued while earlier ones run, as
                    // an application issues them (p2pBandwidthLatencyTest's way); host-bound or GPU-bound
  peer_roundtrip,   // issue one copy and wait for it, per copy (host-timed)
  h2d_b2b,
  d2h_b2b,
  chase_peer,   // pointer chase by one thread over peer memory: ns per dependent load
  chase_host,   // pointer chase over pinned host memory
  chase_local,  // pointer chase over the GPU's own memory (the baseline)
  // elementwise: gpuxfer's own kernels over one tensor on one GPU (bytes = read + written)
  scale,  // y = 2 * x (PyTorch `x * 2`)
  sqrt,   // y = sqrt(x)
  axpy,   // y += a * x
  triad,  // z = x + a * y
  copy,   // y = x, device-local
  // gemm: cuBLASLt C = A * B, N x N x N
  gemm_fp32,  // FP32 with TF32 disabled
  gemm_tf32,  // FP32 storage, TF32 tensor cores
  gemm_bf16,  // BF16 inputs and output, FP32 accumulation
  gemm_fp16,  // FP16 inputs and output, FP32 accumulation
  // overlap: a transfer while GEMMs run, each alone and together
  copy_gemm,  // peer copy src -> dst while both GPUs run GEMM
  h2d_gemm,   // pinned host -> GPU copy while that GPU runs GEMM
};

// bandwidth: B/s; latency: seconds per operation; throughput: FLOP/s; overlap: overlap efficiency.
enum class Metric { bandwidth, latency, throughput, overlap };
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
[[nodiscard]] bool is_bidir(Method m);  // bidir_ce, bidir_sm, nccl_bidir
// Methods only a multi-rank run measures (NCCL between ranks); a single-process plan skips them.
[[nodiscard]] bool is_cross_rank_only(Method m);
// Every selected GPU sends to every other (all_pairs_ce, all_pairs_sm, all_pairs_shift_ce).
[[nodiscard]] bool is_all_pairs(Method m);
// One copy from one GPU to another on one stream, P2P enabled (ce_write, ce_read, sm_push, sm_pull).
[[nodiscard]] bool is_single_peer_copy(Method m);
[[nodiscard]] bool is_chase(Method m);            // pointer chases
[[nodiscard]] bool is_pair_method(Method m);      // one GPU -> another: peer, staged, bidir
[[nodiscard]] bool is_host_gpu_method(Method m);  // host suite, one GPU at a time
[[nodiscard]] bool is_elementwise(Method m);
[[nodiscard]] bool is_gemm(Method m);
[[nodiscard]] bool is_overlap(Method m);

// Elementwise byte accounting (README "Metrics"), defined once: bytes read + written per
// element. scale, sqrt, copy: read x, write y (2); axpy: read x and y, write y (3); triad: read
// x and y, write z (3). Multiply by the element size. 0 for other methods.
[[nodiscard]] int elementwise_arrays_touched(Method m);
// Distinct tensors an elementwise op touches (its buffers on the GPU): x and y; triad also z.
[[nodiscard]] int elementwise_buffers(Method m);
// Inputs and outputs of one elementwise op of `bytes` per tensor: bytes x arrays touched.
[[nodiscard]] double elementwise_bytes_per_op(Method m, std::uint64_t tensor_bytes);
// 2 * N^3: one multiply and one add per term of every dot product.
[[nodiscard]] double gemm_flops(std::uint64_t n);
// Element type of a GEMM precision's A and B (fp32 and tf32 store f32).
[[nodiscard]] DType gemm_dtype(Method m);
// Bytes of A, B and C of an N x N GEMM (the memory it needs, and what each op touches at least once).
[[nodiscard]] std::uint64_t gemm_operand_bytes(Method m, std::uint64_t n);

// One planned measurement.
struct Case {
  Suite suite = Suite::peer;
  Method method = Method::ce_write;
  int src = kHost;  // CUDA ordinal or kHost
  int dst = kHost;
  std::vector<int> devices;  // participants of multi-GPU cases (scatter/gather: the hub first)
  std::uint64_t bytes = 0;   // per transfer (per direction, per pair); latency: per copy
  DType dtype = DType::f32;
  int streams = 1;                // split_ce
  std::uint64_t chunk_bytes = 0;  // pipelined
  int ring_depth = 0;             // pipelined
  std::string link_class;         // "NV18", "PIX", ..., "PCIe" for host links, "" if n/a
  // The theoretical rate for ALL of this case's traffic together: the link rate for one
  // direction, twice it for both directions, the sum of the limiting links for concurrent
  // cases (see plan.cpp). Efficiency = measured total rate / this.
  Known<double> theoretical_bytes_per_s;
  bool headline = false;     // part of the GPU x GPU (or per-GPU) matrix at the headline size
  bool tuning = false;       // a pipelined tuning case: ranks one chunk size x ring depth
  std::uint64_t gemm_n = 0;  // gemm and overlap: the N of N x N x N
  // gemm: the devices' peak FLOP/s for this precision, all participants together (core/peak).
  Known<double> theoretical_flops_per_s;
  std::string skip_reason;  // non-empty: planned as skipped, not run
  // The L2 cache of the GPU whose memory holds the case's working set (the smallest, for a case
  // on several GPUs): set by plan() and, for documents read back, from system.gpus
  // (core/cache_fit). 0: unknown, or the case has no working set in one GPU's memory.
  std::uint64_t l2_bytes = 0;
};

// Bytes one operation of the case touches in one GPU's memory, the same bytes every operation:
// elementwise: the buffers (x, y; triad x, y, z) x the tensor; chase_local and chase_peer: the
// chain. 0 for every other method (transfers stream through links, or the memory is the host's).
[[nodiscard]] std::uint64_t working_set_bytes(const Case& c);
// The working set fits in that GPU's L2 (both known): the operations run from cache, so the
// figure is the cache's rate or latency, never judged as memory bandwidth (docs/method.md).
[[nodiscard]] bool cache_resident(const Case& c);

// plan()'s explicit skip for a suite that needs more GPUs: no endpoints at all.
[[nodiscard]] bool is_suite_skip(const Case& c);
// Several transfers at once (all GPUs, scatter/gather, a split copy): a row, not a matrix cell.
[[nodiscard]] bool is_concurrent(const Case& c);
// The GPU of a host-suite case (h2d: dst; d2h and bidir: src).
[[nodiscard]] int host_gpu(const Case& c);

// Rate of one direction (or one participant) of a concurrent case.
struct DirectionRate {
  std::string name;  // "0->1", "1->0", "h2d", "d2h", "to 2", "GPU 1"
  double bytes_per_op = 0;
  double median_bytes_per_s = 0;
  double flops_per_op = 0;  // gemm participants; 0 for transfers
  double median_flops_per_s = 0;
};

// An overlap case: median seconds per op of each operation alone and together (README "Overlap").
struct OverlapTimes {
  double copy_alone = 0;      // the transfer with nothing else running
  double compute_alone = 0;   // the GEMMs with nothing else running
  double together = 0;        // both started together: until the later one ends
  double copy_shared = 0;     // the transfer's own span while sharing
  double compute_shared = 0;  // the GEMMs' own span while sharing
};
// (t_copy + t_compute - t_together) / min(t_copy, t_compute): 1 = the shorter operation is fully
// hidden behind the longer, 0 = none of it is (they ran one after the other). Clamped to [0, 1]
// only by the measurement itself, never here, so an anomaly stays visible.
[[nodiscard]] std::optional<double> overlap_efficiency(const OverlapTimes& t);
// shared / alone: 1 = unaffected by the other operation; 1.25 = 25 % slower while sharing.
[[nodiscard]] std::optional<double> copy_slowdown(const OverlapTimes& t);
[[nodiscard]] std::optional<double> compute_slowdown(const OverlapTimes& t);

// A GEMM's verification: largest |C - reference| / sum_k |A_ik B_kj| over sampled entries,
// reference in float64; ok when max_error <= bound (the bound is per precision, src/gpu/blas).
struct Accuracy {
  double max_error = 0;
  double bound = 0;
  int samples = 0;  // entries of C checked
};

// One case as measured.
struct Record {
  Case test;
  Status status = Status::skipped;
  std::string reason;  // why skipped/failed/error; empty when ok
  TimingMode timing = TimingMode::device;
  int warmup_ops = 0;
  std::uint64_t ops_per_sample = 0;
  // The sample length ops_per_sample was calibrated for, and whether the op cap bounded the
  // count so a sample lasted less (core/calibrate; schema 1.7). 0 and false in older documents.
  double min_sample_seconds = 0;
  bool ops_capped = false;
  bool verified = false;
  std::uint64_t mismatches = 0;
  std::vector<double> sample_seconds;  // seconds per operation, one value per sample
  std::optional<Summary> time;         // of sample_seconds
  double bytes_per_op = 0;             // every direction together
  double flops_per_op = 0;             // gemm: every participant together; 0 otherwise
  std::vector<DirectionRate> directions;
  std::optional<OverlapTimes> overlap;  // overlap cases only
  std::optional<Accuracy> accuracy;     // gemm: the verification's error and its bound
  std::string implementation;           // compute: the kernel's launch shape, cuBLASLt's algorithm
  // Multi-rank runs: the ranks that own src and dst when a transfer crosses processes (test.src
  // and test.dst are then CUDA ordinals on those ranks; core/merge resolves them to global ids).
  std::optional<int> src_rank;
  std::optional<int> dst_rank;
  // What each GPU the case touched was doing during the timed samples (schema 1.6); absent with
  // --telemetry off, for records not measured, and in older documents.
  std::optional<Telemetry> telemetry;
  // Pointer chases: what the walk covered (schema 1.7); absent in older documents.
  std::optional<ChaseWalk> chase;
};

// Derived figures, computed in one place.
[[nodiscard]] std::optional<double> median_rate(const Record& record);  // B/s
[[nodiscard]] std::optional<double> best_rate(const Record& record);    // B/s from the fastest sample
// FLOP/s of ok throughput (gemm) records.
[[nodiscard]] std::optional<double> median_flop_rate(const Record& record);
[[nodiscard]] std::optional<double> best_flop_rate(const Record& record);
// Bandwidth: median rate / theoretical_bytes_per_s (nullopt for a cache-resident record: its
// theoretical rate is the memory's, and the cache is faster); throughput: median FLOP/s /
// theoretical_flops_per_s; nullopt when unknown or for other metrics.
[[nodiscard]] std::optional<double> efficiency(const Record& record);
// The theoretical figure efficiency() divides by, with the reason when unknown.
[[nodiscard]] const Known<double>& theoretical_rate(const Case& c);
[[nodiscard]] bool noisy(const Record& record);  // cv > 5 %
// GEMM: median FLOP/s per GHz of the SM clock (the mean of the participating GPUs' median SM
// clocks), which takes clock changes out of a rate; nullopt without telemetry or a rate.
[[nodiscard]] std::optional<double> flop_rate_per_sm_ghz(const Record& record);

}  // namespace gx
