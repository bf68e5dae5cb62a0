#include "core/bench_model.hpp"

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
constexpr auto kDev = TimingMode::device;
constexpr auto kHostTimed = TimingMode::host;

// In enum order, which is also the order methods are planned and shown in.
constexpr std::array<MethodInfo, 28> kMethods{{
    {Method::ce_write, "ce_write", Suite::peer, kBw, kDev},
    {Method::ce_read, "ce_read", Suite::peer, kBw, kDev},
    {Method::sm_push, "sm_push", Suite::peer, kBw, kDev},
    {Method::sm_pull, "sm_pull", Suite::peer, kBw, kDev},
    {Method::ce_no_p2p, "ce_no_p2p", Suite::peer, kBw, kDev},
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
    {Method::scatter_ce, "scatter_ce", Suite::async, kBw, kDev},
    {Method::gather_ce, "gather_ce", Suite::async, kBw, kDev},
    {Method::split_ce, "split_ce", Suite::async, kBw, kDev},
    {Method::peer_b2b, "peer_b2b", Suite::latency, kLat, kDev},
    {Method::peer_roundtrip, "peer_roundtrip", Suite::latency, kLat, kHostTimed},
    {Method::h2d_b2b, "h2d_b2b", Suite::latency, kLat, kDev},
    {Method::d2h_b2b, "d2h_b2b", Suite::latency, kLat, kDev},
    {Method::chase_peer, "chase_peer", Suite::latency, kLat, kDev},
    {Method::chase_host, "chase_host", Suite::latency, kLat, kDev},
    {Method::chase_local, "chase_local", Suite::latency, kLat, kDev},
}};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < kMethods.size(); ++i) {
    if (static_cast<std::size_t>(kMethods[i].method) != i) return false;
  }
  return kMethods.size() == static_cast<std::size_t>(Method::chase_local) + 1;
}
static_assert(in_enum_order(), "kMethods must list every Method once, in enum order");

const MethodInfo& info(Method method) { return kMethods[static_cast<std::size_t>(method)]; }

constexpr std::array<Suite, 5> kSuites{Suite::peer, Suite::staged, Suite::host, Suite::async,
                                       Suite::latency};

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
  }
  return "?";
}

std::string_view to_string(Method method) { return info(method).name; }

std::string_view to_string(Metric metric) {
  return metric == Metric::latency ? "latency" : "bandwidth";
}

std::string_view to_string(TimingMode mode) { return mode == TimingMode::host ? "host" : "device"; }

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

std::optional<Suite> parse_suite(std::string_view text) { return parse_enum(text, kSuites); }

std::optional<Method> parse_method(std::string_view text) {
  for (const auto& m : kMethods) {
    if (m.name == text) return m.method;
  }
  return std::nullopt;
}

std::optional<Status> parse_status(std::string_view text) {
  return parse_enum(text, std::array<Status, 5>{Status::ok, Status::failed, Status::skipped,
                                                 Status::timeout, Status::error});
}

std::optional<TimingMode> parse_timing_mode(std::string_view text) {
  return parse_enum(text, std::array<TimingMode, 2>{TimingMode::device, TimingMode::host});
}

Suite suite_of(Method method) { return info(method).suite; }
Metric metric_of(Method method) { return info(method).metric; }
TimingMode timing_of(Method method) { return info(method).timing; }

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

std::optional<double> efficiency(const Record& record) {
  const auto rate = median_rate(record);
  const auto& theoretical = record.test.theoretical_bytes_per_s;
  if (!rate || !theoretical.has_value() || *theoretical <= 0) return std::nullopt;
  return *rate / *theoretical;
}

bool noisy(const Record& record) { return record.time.has_value() && is_noisy(*record.time); }

bool is_bidir(Method m) { return m == Method::bidir_ce || m == Method::bidir_sm; }

bool is_chase(Method m) { return m == Method::chase_peer || m == Method::chase_host || m == Method::chase_local; }

bool is_pair_method(Method m) {
  const Suite s = suite_of(m);
  return s == Suite::peer || s == Suite::staged || is_bidir(m);
}

bool is_host_gpu_method(Method m) {
  return suite_of(m) == Suite::host && m != Method::all_h2d && m != Method::all_d2h;
}

bool is_suite_skip(const Case& c) { return c.src == kHost && c.dst == kHost && c.devices.empty(); }

bool is_concurrent(const Case& c) { return !c.devices.empty() || c.method == Method::split_ce; }

int host_gpu(const Case& c) { return c.src != kHost ? c.src : c.dst; }

}  // namespace gx
