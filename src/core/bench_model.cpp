#include "core/bench_model.hpp"

#include <algorithm>
#include <array>

namespace gx {
namespace {

// One row per method: its JSON name, suite, metric and timing mode, so each fact is written once.
struct MethodInfo {
  Method method;
  std::string_view name;
  Suite suite;
  Metric metric;
  TimingMode timing;
};

constexpr auto kBw = Metric::bandwidth;
constexpr auto kLat = Metric::latency;
constexpr auto kFlops = Metric::throughput;
constexpr auto kDev = TimingMode::device;
constexpr auto kHostTimed = TimingMode::host;

// In enum order, which is also the order methods are planned and shown in.
constexpr std::array<MethodInfo, 45> kMethods{{
    {Method::ce_write, "ce_write", Suite::peer, kBw, kDev},
    {Method::ce_read, "ce_read", Suite::peer, kBw, kDev},
    {Method::sm_push, "sm_push", Suite::peer, kBw, kDev},
    {Method::sm_pull, "sm_pull", Suite::peer, kBw, kDev},
    {Method::ce_no_p2p, "ce_no_p2p", Suite::peer, kBw, kDev},
    {Method::nccl_send, "nccl_send", Suite::peer, kBw, kDev},
    {Method::naive, "naive", Suite::staged, kBw, kHostTimed},
    {Method::pipelined, "pipelined", Suite::staged, kBw, kDev},
    {Method::pageable, "pageable", Suite::staged, kBw, kHostTimed},
    {Method::h2d_pinned, "h2d_pinned", Suite::host, kBw, kDev},
    {Method::d2h_pinned, "d2h_pinned", Suite::host, kBw, kDev},
    {Method::h2d_pageable, "h2d_pageable", Suite::host, kBw, kHostTimed},
    {Method::d2h_pageable, "d2h_pageable", Suite::host, kBw, kHostTimed},
    {Method::bidir_pinned, "bidir_pinned", Suite::host, kBw, kDev},
    {Method::all_h2d, "all_h2d", Suite::host, kBw, kDev},
    {Method::all_d2h, "all_d2h", Suite::host, kBw, kDev},
    {Method::bidir_ce, "bidir_ce", Suite::async, kBw, kDev},
    {Method::bidir_sm, "bidir_sm", Suite::async, kBw, kDev},
    {Method::all_pairs_ce, "all_pairs_ce", Suite::async, kBw, kDev},
    {Method::all_pairs_sm, "all_pairs_sm", Suite::async, kBw, kDev},
    {Method::all_pairs_shift_ce, "all_pairs_shift_ce", Suite::async, kBw, kDev},
    {Method::scatter_ce, "scatter_ce", Suite::async, kBw, kDev},
    {Method::gather_ce, "gather_ce", Suite::async, kBw, kDev},
    {Method::split_ce, "split_ce", Suite::async, kBw, kDev},
    {Method::nccl_bidir, "nccl_bidir", Suite::async, kBw, kDev},
    {Method::peer_b2b, "peer_b2b", Suite::latency, kLat, kDev},
    {Method::peer_b2b_sm, "peer_b2b_sm", Suite::latency, kLat, kDev},
    {Method::peer_b2b_issued, "peer_b2b_issued", Suite::latency, kLat, kDev},
    {Method::peer_roundtrip, "peer_roundtrip", Suite::latency, kLat, kHostTimed},
    {Method::h2d_b2b, "h2d_b2b", Suite::latency, kLat, kDev},
    {Method::d2h_b2b, "d2h_b2b", Suite::latency, kLat, kDev},
    {Method::chase_peer, "chase_peer", Suite::latency, kLat, kDev},
    {Method::chase_host, "chase_host", Suite::latency, kLat, kDev},
    {Method::chase_local, "chase_local", Suite::latency, kLat, kDev},
    {Method::scale, "scale", Suite::elementwise, kBw, kDev},
    {Method::sqrt, "sqrt", Suite::elementwise, kBw, kDev},
    {Method::axpy, "axpy", Suite::elementwise, kBw, kDev},
    {Method::triad, "triad", Suite::elementwise, kBw, kDev},
    {Method::copy, "copy", Suite::elementwise, kBw, kDev},
    {Method::gemm_fp32, "gemm_fp32", Suite::gemm, kFlops, kDev},
    {Method::gemm_tf32, "gemm_tf32", Suite::gemm, kFlops, kDev},
    {Method::gemm_bf16, "gemm_bf16", Suite::gemm, kFlops, kDev},
    {Method::gemm_fp16, "gemm_fp16", Suite::gemm, kFlops, kDev},
    {Method::copy_gemm, "copy_gemm", Suite::overlap, Metric::overlap, kDev},
    {Method::h2d_gemm, "h2d_gemm", Suite::overlap, Metric::overlap, kDev},
}};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < kMethods.size(); ++i) {
    if (static_cast<std::size_t>(kMethods[i].method) != i) return false;
  }
  return kMethods.size() == static_cast<std::size_t>(Method::h2d_gemm) + 1;
}
static_assert(in_enum_order(), "kMethods must list every Method once, in enum order");

const MethodInfo& info(Method method) {
  return kMethods[static_cast<std::size_t>(method)];
}

constexpr std::array<Suite, 8> kSuites{Suite::peer,    Suite::staged,      Suite::host, Suite::async,
                                       Suite::latency, Suite::elementwise, Suite::gemm, Suite::overlap};

template <class Enum, std::size_t N>
std::optional<Enum> parse_enum(std::string_view text, const std::array<Enum, N>& values) {
  for (Enum v : values) {
    if (to_string(v) == text) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Suite suite) {
  switch (suite) {
    case Suite::peer: return "peer";
    case Suite::staged: return "staged";
    case Suite::host: return "host";
    case Suite::async: return "async";
    case Suite::latency: return "latency";
    case Suite::elementwise: return "elementwise";
    case Suite::gemm: return "gemm";
    case Suite::overlap: return "overlap";
  }
  return "?";
}

std::string_view to_string(Method method) {
  return info(method).name;
}

std::string_view to_string(Metric metric) {
  switch (metric) {
    case Metric::bandwidth: return "bandwidth";
    case Metric::latency: return "latency";
    case Metric::throughput: return "throughput";
    case Metric::overlap: return "overlap";
  }
  return "?";
}

std::string_view to_string(TimingMode mode) {
  return mode == TimingMode::host ? "host" : "device";
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::ok: return "ok";
    case Status::failed: return "failed";
    case Status::skipped: return "skipped";
    case Status::timeout: return "timeout";
    case Status::error: return "error";
  }
  return "?";
}

std::optional<Suite> parse_suite(std::string_view text) {
  return parse_enum(text, kSuites);
}

std::optional<Method> parse_method(std::string_view text) {
  for (const auto& m : kMethods) {
    if (m.name == text) return m.method;
  }
  return std::nullopt;
}

std::optional<Status> parse_status(std::string_view text) {
  return parse_enum(text,
                    std::array<Status, 5>{Status::ok, Status::failed, Status::skipped, Status::timeout, Status::error});
}

std::optional<TimingMode> parse_timing_mode(std::string_view text) {
  return parse_enum(text, std::array<TimingMode, 2>{TimingMode::device, TimingMode::host});
}

Suite suite_of(Method method) {
  return info(method).suite;
}
Metric metric_of(Method method) {
  return info(method).metric;
}
TimingMode timing_of(Method method) {
  return info(method).timing;
}

const std::vector<Method>& methods_of(Suite suite) {
  // Built once from the table so the suite lists cannot drift from it.
  static const std::array<std::vector<Method>, kSuites.size()> lists = [] {
    std::array<std::vector<Method>, kSuites.size()> out;
    for (const auto& m : kMethods) out[static_cast<std::size_t>(m.suite)].push_back(m.method);
    return out;
  }();
  return lists[static_cast<std::size_t>(suite)];
}

const std::vector<Suite>& all_suites() {
  static const std::vector<Suite> suites(kSuites.begin(), kSuites.end());
  return suites;
}

namespace {
// Seconds per operation that a rate can be derived from: only measured bandwidth records.
std::optional<Summary> bandwidth_time(const Record& record) {
  if (record.status != Status::ok || !record.time) return std::nullopt;
  if (metric_of(record.test.method) != Metric::bandwidth) return std::nullopt;
  return record.time;
}
}  // namespace

std::optional<double> median_rate(const Record& record) {
  const auto time = bandwidth_time(record);
  if (!time || time->median <= 0) return std::nullopt;
  return record.bytes_per_op / time->median;
}

std::optional<double> best_rate(const Record& record) {
  const auto time = bandwidth_time(record);
  if (!time || time->min <= 0) return std::nullopt;
  return record.bytes_per_op / time->min;
}

namespace {
std::optional<Summary> throughput_time(const Record& record) {
  if (record.status != Status::ok || !record.time) return std::nullopt;
  if (metric_of(record.test.method) != Metric::throughput) return std::nullopt;
  return record.time;
}
}  // namespace

std::optional<double> median_flop_rate(const Record& record) {
  const auto time = throughput_time(record);
  if (!time || time->median <= 0) return std::nullopt;
  return record.flops_per_op / time->median;
}

std::optional<double> best_flop_rate(const Record& record) {
  const auto time = throughput_time(record);
  if (!time || time->min <= 0) return std::nullopt;
  return record.flops_per_op / time->min;
}

const Known<double>& theoretical_rate(const Case& c) {
  return metric_of(c.method) == Metric::throughput ? c.theoretical_flops_per_s : c.theoretical_bytes_per_s;
}

std::optional<double> efficiency(const Record& record) {
  const auto rate =
      metric_of(record.test.method) == Metric::throughput ? median_flop_rate(record) : median_rate(record);
  const auto& theoretical = theoretical_rate(record.test);
  if (!rate || !theoretical.has_value() || *theoretical <= 0) return std::nullopt;
  if (metric_of(record.test.method) == Metric::bandwidth && cache_resident(record.test)) return std::nullopt;
  return *rate / *theoretical;
}

std::optional<double> overlap_efficiency(const OverlapTimes& t) {
  const double shorter = std::min(t.copy_alone, t.compute_alone);
  if (!(shorter > 0) || !(t.together > 0)) return std::nullopt;
  return (t.copy_alone + t.compute_alone - t.together) / shorter;
}

std::optional<double> copy_slowdown(const OverlapTimes& t) {
  if (!(t.copy_alone > 0) || !(t.copy_shared > 0)) return std::nullopt;
  return t.copy_shared / t.copy_alone;
}

std::optional<double> compute_slowdown(const OverlapTimes& t) {
  if (!(t.compute_alone > 0) || !(t.compute_shared > 0)) return std::nullopt;
  return t.compute_shared / t.compute_alone;
}

bool is_elementwise(Method m) {
  return suite_of(m) == Suite::elementwise;
}
bool is_gemm(Method m) {
  return suite_of(m) == Suite::gemm;
}
bool is_overlap(Method m) {
  return suite_of(m) == Suite::overlap;
}

int elementwise_arrays_touched(Method m) {
  switch (m) {
    case Method::scale:
    case Method::sqrt:
    case Method::copy: return 2;
    case Method::axpy:
    case Method::triad: return 3;
    default: return 0;
  }
}

int elementwise_buffers(Method m) {
  if (!is_elementwise(m)) return 0;
  return m == Method::triad ? 3 : 2;
}

std::uint64_t working_set_bytes(const Case& c) {
  if (is_elementwise(c.method)) return static_cast<std::uint64_t>(elementwise_buffers(c.method)) * c.bytes;
  if (c.method == Method::chase_local || c.method == Method::chase_peer) return c.bytes;
  return 0;
}

bool cache_resident(const Case& c) {
  const std::uint64_t set = working_set_bytes(c);
  return set > 0 && c.l2_bytes > 0 && set <= c.l2_bytes;
}

double elementwise_bytes_per_op(Method m, std::uint64_t tensor_bytes) {
  return static_cast<double>(elementwise_arrays_touched(m)) * static_cast<double>(tensor_bytes);
}

double gemm_flops(std::uint64_t n) {
  const auto d = static_cast<double>(n);
  return 2.0 * d * d * d;
}

DType gemm_dtype(Method m) {
  switch (m) {
    case Method::gemm_bf16: return DType::bf16;
    case Method::gemm_fp16: return DType::f16;
    default: return DType::f32;
  }
}

std::uint64_t gemm_operand_bytes(Method m, std::uint64_t n) {
  return 3 * n * n * dtype_bytes(gemm_dtype(m));
}

bool noisy(const Record& record) {
  return record.time.has_value() && is_noisy(*record.time);
}

bool is_bidir(Method m) {
  return m == Method::bidir_ce || m == Method::bidir_sm || m == Method::nccl_bidir;
}

bool is_cross_rank_only(Method m) {
  return m == Method::nccl_send || m == Method::nccl_bidir;
}

bool is_all_pairs(Method m) {
  return m == Method::all_pairs_ce || m == Method::all_pairs_sm || m == Method::all_pairs_shift_ce;
}

bool is_single_peer_copy(Method m) {
  return m == Method::ce_write || m == Method::ce_read || m == Method::sm_push || m == Method::sm_pull;
}

bool is_chase(Method m) {
  return m == Method::chase_peer || m == Method::chase_host || m == Method::chase_local;
}

bool is_pair_method(Method m) {
  const Suite s = suite_of(m);
  return s == Suite::peer || s == Suite::staged || is_bidir(m);
}

bool is_host_gpu_method(Method m) {
  return suite_of(m) == Suite::host && m != Method::all_h2d && m != Method::all_d2h;
}

bool is_suite_skip(const Case& c) {
  return c.src == kHost && c.dst == kHost && c.devices.empty();
}

bool is_concurrent(const Case& c) {
  return !c.devices.empty() || c.method == Method::split_ce;
}

int host_gpu(const Case& c) {
  return c.src != kHost ? c.src : c.dst;
}

std::optional<double> flop_rate_per_sm_ghz(const Record& record) {
  if (!is_gemm(record.test.method) || !record.telemetry) return std::nullopt;
  const auto rate = median_flop_rate(record);
  if (!rate) return std::nullopt;
  double sum = 0;
  int n = 0;
  for (const auto& g : record.telemetry->gpus) {
    if (!g.sm_clock_mhz.has_value()) return std::nullopt;  // a GPU's clock unknown: no honest figure
    sum += g.sm_clock_mhz.value->median;
    ++n;
  }
  if (n == 0 || !(sum > 0)) return std::nullopt;
  return *rate / (sum / n * 1e-3);
}

}  // namespace gx
