#include "core/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "core/cache_fit.hpp"
#include "core/chase.hpp"
#include "core/error.hpp"
#include "core/peak.hpp"
#include "core/sweep.hpp"

namespace gx {
namespace {

using Bytes = std::uint64_t;

// Sizes can come from user input up to 2^64; buffer sums must not wrap into a false "fits".
Bytes sat_add(Bytes a, Bytes b) {
  return a > std::numeric_limits<Bytes>::max() - b ? std::numeric_limits<Bytes>::max() : a + b;
}
Bytes sat_mul(Bytes a, Bytes b) {
  if (a != 0 && b > std::numeric_limits<Bytes>::max() / a) return std::numeric_limits<Bytes>::max();
  return a * b;
}

// Bytes of a pointer-chase chain over a working set: whole slots (core/chase).
Bytes chase_chain_bytes(Bytes working_set) {
  return sat_mul(chase_lines(working_set), kChaseStrideBytes);
}

// Methods that read or write another GPU's memory directly, so they need P2P access enabled.
bool needs_p2p(Method m) {
  switch (m) {
    case Method::ce_write:
    case Method::ce_read:
    case Method::sm_push:
    case Method::sm_pull:
    case Method::bidir_ce:
    case Method::bidir_sm:
    case Method::all_pairs_ce:
    case Method::all_pairs_sm:
    case Method::all_pairs_shift_ce:
    case Method::scatter_ce:
    case Method::gather_ce:
    case Method::split_ce:
    case Method::peer_b2b:
    case Method::peer_b2b_sm:
    case Method::peer_b2b_issued:
    case Method::peer_roundtrip:
    case Method::chase_peer: return true;
    default: return false;
  }
}

bool is_h2d(Method m) {
  return m == Method::h2d_pinned || m == Method::h2d_pageable;
}

Known<double> latency_rate() {
  return Known<double>::unknown("latency: not a bandwidth measurement");
}

std::vector<Bytes> sorted_unique(std::vector<Bytes> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

class Planner {
 public:
  Planner(const BenchOptions& options, const SystemInfo& system) : options_(options), system_(system) {
    headline_ = options.headline_bytes != 0 ? options.headline_bytes : headline_bytes(options.dtype);
    sweep_ = sorted_unique(options.sizes);
    latency_sizes_ = sorted_unique(options.latency_sizes.empty() ? kDefaultLatencySizes : options.latency_sizes);
    chase_sizes_ = sorted_unique(options.chase_sizes);
    chunks_ = sorted_unique(options.chunk_sizes.empty() ? kDefaultChunkSizes : options.chunk_sizes);
    depths_ = options.ring_depths.empty() ? kDefaultRingDepths : options.ring_depths;
    std::sort(depths_.begin(), depths_.end());
    depths_.erase(std::unique(depths_.begin(), depths_.end()), depths_.end());
    gemm_sizes_ = sorted_unique(options.gemm_sizes.empty() ? std::vector<Bytes>{kDefaultGemmN} : options.gemm_sizes);
    gemm_headline_ = gemm_sizes_.back();
    validate();
    for (const auto& d : system.devices) gpus_.push_back(d.index);
    std::sort(gpus_.begin(), gpus_.end());
    collect_pairs();
  }

  std::vector<Case> run() {
    const auto& wanted = options_.suites;
    for (Suite suite : all_suites()) {
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), suite) == wanted.end()) continue;
      plan_suite(suite);
    }
    return std::move(out_);
  }

 private:
  void validate() const {
    if (std::find(chunks_.begin(), chunks_.end(), Bytes{0}) != chunks_.end()) {
      throw UsageError("invalid pipelined chunk size 0: must be at least 1 byte");
    }
    if (depths_.front() < 1) {
      throw UsageError(fmt::format("invalid ring depth {}: must be at least 1", depths_.front()));
    }
    if (gemm_sizes_.front() < 1 || gemm_sizes_.back() > kMaxGemmN) {
      const Bytes bad = gemm_sizes_.front() < 1 ? gemm_sizes_.front() : gemm_sizes_.back();
      throw UsageError(fmt::format("invalid GEMM size N = {}: allowed 1 to {}", bad, kMaxGemmN));
    }
    if (!chase_sizes_.empty() && chase_sizes_.front() < 2 * kChaseStrideBytes) {
      throw UsageError(fmt::format("invalid pointer-chase working set {} bytes: at least {} (two {}-byte slots)",
                                   chase_sizes_.front(), 2 * kChaseStrideBytes, kChaseStrideBytes));
    }
    if (options_.split_streams < 1) {
      throw UsageError(fmt::format("invalid split stream count {}: must be at least 1", options_.split_streams));
    }
  }

  // Every ordered pair of selected GPUs (lowest src, then dst), and one representative per
  // link class: the first pair of the class, preferring one with P2P enabled so the class's
  // sweep measures the peer methods rather than a column of skips.
  void collect_pairs() {
    for (int a : gpus_) {
      for (int b : gpus_) {
        if (a == b) continue;
        const PairInfo* p = find_pair(system_, a, b);
        pairs_.push_back(p != nullptr ? *p : missing_pair(a, b));
      }
    }
    std::map<std::string, std::size_t> first;
    std::vector<std::string> order;
    for (std::size_t i = 0; i < pairs_.size(); ++i) {
      const auto& name = pairs_[i].link.name;
      const auto it = first.find(name);
      if (it == first.end()) {
        first.emplace(name, i);
        order.push_back(name);
      } else if (!pairs_[it->second].peer_enabled && pairs_[i].peer_enabled) {
        it->second = i;
      }
    }
    for (const auto& name : order) reps_.push_back(pairs_[first[name]]);
    std::sort(reps_.begin(), reps_.end(),
              [](const PairInfo& x, const PairInfo& y) { return std::pair(x.src, x.dst) < std::pair(y.src, y.dst); });
  }

  static PairInfo missing_pair(int a, int b) {
    PairInfo p;
    p.src = a;
    p.dst = b;
    p.link.name = "unknown";
    p.link_reason = "pair not in the inventory";
    p.theoretical_bytes_per_s = Known<double>::unknown("pair not in the inventory");
    p.peer_error = "pair not in the inventory";
    return p;
  }

  void plan_suite(Suite suite) {
    const bool pair_suite = suite == Suite::peer || suite == Suite::staged || suite == Suite::async;
    if (pair_suite && gpus_.size() < 2) {
      add(too_few_gpus(methods_of(suite).front()));
      return;
    }
    for (Method m : methods_of(suite)) {
      if (is_cross_rank_only(m)) continue;  // planned by dist/cross_rank in multi-rank runs
      if (is_gemm(m) && !options_.gemm_precisions.empty() &&
          std::find(options_.gemm_precisions.begin(), options_.gemm_precisions.end(), m) ==
              options_.gemm_precisions.end()) {
        continue;
      }
      plan_method(m);
    }
  }

  void plan_method(Method m) {
    switch (m) {
      case Method::pipelined:
        plan_tuning();
        plan_pairs(m);
        return;
      case Method::h2d_pinned:
      case Method::d2h_pinned:
      case Method::h2d_pageable:
      case Method::d2h_pageable:
      case Method::bidir_pinned: plan_host(m); return;
      case Method::all_h2d:
      case Method::all_d2h: plan_all_host(m); return;
      case Method::all_pairs_ce:
      case Method::all_pairs_sm:
      case Method::all_pairs_shift_ce:
      case Method::scatter_ce:
      case Method::gather_ce: plan_concurrent(m); return;
      case Method::split_ce: plan_split(); return;
      case Method::peer_b2b:
      case Method::peer_b2b_sm:
      case Method::peer_b2b_issued:
      case Method::peer_roundtrip:
      case Method::h2d_b2b:
      case Method::d2h_b2b:
      case Method::chase_peer:
      case Method::chase_host:
      case Method::chase_local: plan_latency(m); return;
      case Method::scale:
      case Method::sqrt:
      case Method::axpy:
      case Method::triad:
      case Method::copy: plan_elementwise(m); return;
      case Method::gemm_fp32:
      case Method::gemm_tf32:
      case Method::gemm_bf16:
      case Method::gemm_fp16: plan_gemm(m); return;
      case Method::copy_gemm: plan_copy_overlap(); return;
      case Method::h2d_gemm: plan_h2d_overlap(); return;
      default: plan_pairs(m); return;
    }
  }

  // ---- pair methods: peer, staged, bidir --------------------------------------------------

  // A bidirectional case covers both orders of a pair, so it is planned once per unordered
  // pair (src < dst); views mirror it into both matrix cells.
  //
  // Paths through host memory (naive and pageable staging, the driver's no-P2P fallback) measure
  // the host, not the pair's link, and take 10-80 ms per 400 MB: they run on the
  // representative pairs only (every pair with --all-pairs), which keeps the default run short.
  void plan_pairs(Method m) {
    const bool host_bound = m == Method::naive || m == Method::pageable || m == Method::ce_no_p2p;
    for (const auto& p : pairs_) {
      if (is_bidir(m) && p.src > p.dst) continue;
      if (host_bound && !is_sweep_pair(p, false)) continue;
      for (Bytes size : sizes_for(is_sweep_pair(p, is_bidir(m)))) {
        Case c = pair_case(m, p, size);
        c.headline = size == headline_;
        add(std::move(c));
      }
    }
  }

  bool is_sweep_pair(const PairInfo& p, bool unordered) const {
    if (options_.all_pairs) return true;
    return std::any_of(reps_.begin(), reps_.end(), [&](const PairInfo& r) {
      if (unordered) return std::minmax(r.src, r.dst) == std::minmax(p.src, p.dst);
      return r.src == p.src && r.dst == p.dst;
    });
  }

  std::vector<Bytes> sizes_for(bool sweep) const {
    std::vector<Bytes> sizes{headline_};
    if (sweep) sizes.insert(sizes.end(), sweep_.begin(), sweep_.end());
    return sorted_unique(std::move(sizes));
  }

  Case pair_case(Method m, const PairInfo& p, Bytes bytes) const {
    Case c = make(m, p.src, p.dst, bytes);
    c.link_class = p.link.name;
    switch (suite_of(m)) {
      case Suite::staged: c.theoretical_bytes_per_s = staged_rate(p.src, p.dst); break;
      default: c.theoretical_bytes_per_s = p.theoretical_bytes_per_s; break;
    }
    if (m == Method::ce_no_p2p) {
      c.theoretical_bytes_per_s = Known<double>::unknown("the driver's staging path has no single link rate");
    }
    if (is_bidir(m)) c.theoretical_bytes_per_s = sum_rates({p, pair(p.dst, p.src)});
    if (needs_p2p(m)) {
      c.skip_reason = p2p_reason(p);
      if (c.skip_reason.empty() && is_bidir(m)) c.skip_reason = p2p_reason(pair(p.dst, p.src));
    }
    return c;
  }

  // ---- staged: pipelined tuning -----------------------------------------------------------

  void plan_tuning() {
    const PairInfo& p = reps_.front();
    for (Bytes chunk : chunks_) {
      for (int depth : depths_) {
        Case c = pair_case(Method::pipelined, p, headline_);
        c.chunk_bytes = chunk;
        c.ring_depth = depth;
        c.tuning = true;
        add(std::move(c));
      }
    }
  }

  // ---- host ---------------------------------------------------------------------------------

  void plan_host(Method m) {
    for (int gpu : gpus_) {
      for (Bytes size : sizes_for(gpu == gpus_.front())) {
        Case c = make(m, is_h2d(m) ? kHost : gpu, is_h2d(m) ? gpu : kHost, size);
        c.link_class = "PCIe";
        c.theoretical_bytes_per_s = pcie_rate(gpu);
        if (m == Method::bidir_pinned) c.theoretical_bytes_per_s = scaled(pcie_rate(gpu), 2);
        c.headline = size == headline_;
        add(std::move(c));
      }
    }
  }

  void plan_all_host(Method m) {
    if (gpus_.empty()) return;
    Case c = make(m, kHost, kHost, headline_);
    c.devices = gpus_;
    c.link_class = "PCIe";
    c.headline = true;
    std::vector<Known<double>> rates;
    for (int gpu : gpus_) rates.push_back(pcie_rate(gpu));
    c.theoretical_bytes_per_s = sum(rates);
    add(std::move(c));
  }

  // ---- async: concurrent cases --------------------------------------------------------------

  void plan_concurrent(Method m) {
    Case c = make(m, kHost, kHost, headline_);
    c.devices = gpus_;  // scatter/gather: the hub (first selected GPU) first
    c.headline = true;
    const int hub = gpus_.front();
    std::vector<PairInfo> used;
    for (const auto& p : pairs_) {
      const bool uses =
          is_all_pairs(m) || (m == Method::scatter_ce && p.src == hub) || (m == Method::gather_ce && p.dst == hub);
      if (uses) used.push_back(p);
    }
    c.link_class = common_class(used);
    for (const auto& p : used) {
      if (c.skip_reason.empty()) c.skip_reason = p2p_reason(p);
    }
    c.theoretical_bytes_per_s = is_all_pairs(m) ? all_pairs_rate() : hub_rate(hub, used);
    add(std::move(c));
  }

  void plan_split() {
    Case c = pair_case(Method::split_ce, reps_.front(), headline_);
    c.streams = options_.split_streams;
    c.headline = true;
    add(std::move(c));
  }

  // ---- latency ------------------------------------------------------------------------------

  void plan_latency(Method m) {
    const bool peer = m == Method::peer_b2b || m == Method::peer_b2b_sm || m == Method::peer_b2b_issued ||
                      m == Method::peer_roundtrip || m == Method::chase_peer;
    if (peer && gpus_.size() < 2) {
      add(too_few_gpus(m));
      return;
    }
    if (gpus_.empty()) return;
    const bool chase = m == Method::chase_peer || m == Method::chase_host || m == Method::chase_local;
    const std::vector<Bytes> sizes = !chase                  ? latency_sizes_
                                     : !chase_sizes_.empty() ? chase_sizes_
                                                             : std::vector<Bytes>{chase_working_set()};
    const int gpu = gpus_.front();
    for (Bytes size : sizes) {
      Case c;
      if (peer) {
        c = pair_case(m, reps_.front(), size);
      } else {
        const int src = m == Method::h2d_b2b ? kHost : gpu;
        const int dst = m == Method::chase_local ? gpu : m == Method::h2d_b2b ? gpu : kHost;
        c = make(m, src, dst, size);
        c.link_class = m == Method::chase_local ? "" : "PCIe";
      }
      c.theoretical_bytes_per_s = latency_rate();
      add(std::move(c));
    }
  }

  // Working set of the pointer chase: 64 MiB, doubled until it is kChaseL2Multiple times every
  // selected GPU's L2, so the walk's loads reach memory: just past L2 a steady walk still finds
  // much of its set in the cache and reads well below memory's latency (docs/method.md).
  Bytes chase_working_set() const {
    Bytes set = kChaseWorkingSetBytes;
    for (const auto& d : system_.devices) {
      while (set < sat_mul(kChaseL2Multiple, d.l2_bytes) && set < (Bytes{1} << 40)) set *= 2;
    }
    return set;
  }

  // ---- compute: elementwise, gemm, overlap -------------------------------------------------------

  // Each kernel on each GPU alone (the size sweep on the first GPU), then on all GPUs at once:
  // what data-parallel training does.
  void plan_elementwise(Method m) {
    for (int gpu : gpus_) {
      for (Bytes size : sizes_for(gpu == gpus_.front())) {
        Case c = make(m, gpu, gpu, size);
        c.theoretical_bytes_per_s = memory_rate(gpu);
        c.headline = size == headline_;
        add(std::move(c));
      }
    }
    if (gpus_.size() < 2) return;
    Case c = make(m, kHost, kHost, headline_);
    c.devices = gpus_;
    c.headline = true;
    std::vector<Known<double>> rates;
    for (int gpu : gpus_) rates.push_back(memory_rate(gpu));
    c.theoretical_bytes_per_s = sum(rates);
    add(std::move(c));
  }

  void plan_gemm(Method m) {
    for (int gpu : gpus_) {
      for (Bytes n : gemm_sizes_) {
        if (gpu != gpus_.front() && n != gemm_headline_) continue;
        Case c = gemm_case(m, gpu, gpu, n);
        c.theoretical_flops_per_s = peak(gpu, m);
        c.skip_reason = unsupported(gpu, m);
        add(std::move(c));
      }
    }
    if (gpus_.size() < 2) return;
    Case c = gemm_case(m, kHost, kHost, gemm_headline_);
    c.devices = gpus_;
    std::vector<Known<double>> peaks;
    for (int gpu : gpus_) {
      peaks.push_back(peak(gpu, m));
      if (c.skip_reason.empty()) c.skip_reason = unsupported(gpu, m);
    }
    c.theoretical_flops_per_s = sum(peaks);
    add(std::move(c));
  }

  Case gemm_case(Method m, int src, int dst, Bytes n) const {
    Case c = make(m, src, dst, gemm_operand_bytes(m, n));
    c.dtype = gemm_dtype(m);
    c.gemm_n = n;
    c.headline = n == gemm_headline_;
    c.theoretical_bytes_per_s = Known<double>::unknown("gemm: a FLOP/s measurement");
    return c;
  }

  // The headline tensor copied GPU -> GPU (copy engine, P2P) while both GPUs run GEMMs: on the
  // representative pair of each link class (every pair with --all-pairs).
  void plan_copy_overlap() {
    if (gpus_.size() < 2) {
      add(too_few_gpus(Method::copy_gemm));
      return;
    }
    for (const auto& p : pairs_) {
      if (!is_sweep_pair(p, false)) continue;
      Case c = overlap_case(Method::copy_gemm, p.src, p.dst);
      c.link_class = p.link.name;
      c.skip_reason = p2p_reason(p);
      for (int gpu : {p.src, p.dst}) {
        if (c.skip_reason.empty()) c.skip_reason = unsupported(gpu, kOverlapGemm);
      }
      add(std::move(c));
    }
  }

  // Pinned host -> GPU copy of the headline tensor while that GPU runs GEMMs: on the first GPU
  // (every GPU with --all-pairs).
  void plan_h2d_overlap() {
    for (int gpu : gpus_) {
      if (gpu != gpus_.front() && !options_.all_pairs) continue;
      Case c = overlap_case(Method::h2d_gemm, kHost, gpu);
      c.link_class = "PCIe";
      c.skip_reason = unsupported(gpu, kOverlapGemm);
      add(std::move(c));
    }
  }

  Case overlap_case(Method m, int src, int dst) const {
    Case c = make(m, src, dst, headline_);
    c.gemm_n = gemm_headline_;
    c.headline = true;
    c.theoretical_bytes_per_s = Known<double>::unknown("overlap: a ratio of times, not a rate");
    return c;
  }

  Known<double> memory_rate(int gpu) const {
    const DeviceInfo* d = device(gpu);
    if (d == nullptr) return Known<double>::unknown(fmt::format("GPU {} not in the inventory", gpu));
    if (d->memory_bandwidth_bytes_per_s.has_value()) return d->memory_bandwidth_bytes_per_s;
    return Known<double>::unknown(
        fmt::format("memory bandwidth of GPU {} unknown: {}", gpu, d->memory_bandwidth_bytes_per_s.reason));
  }

  Known<double> peak(int gpu, Method m) const {
    const DeviceInfo* d = device(gpu);
    if (d == nullptr) return Known<double>::unknown(fmt::format("GPU {} not in the inventory", gpu));
    return peak_flops(*d, m);
  }

  std::string unsupported(int gpu, Method m) const {
    const DeviceInfo* d = device(gpu);
    return d == nullptr ? std::string() : gemm_unsupported_on(*d, m);
  }

  // ---- small functions ------------------------------------------------------------------------

  Case make(Method m, int src, int dst, Bytes bytes) const {
    Case c;
    c.suite = suite_of(m);
    c.method = m;
    c.src = src;
    c.dst = dst;
    c.bytes = bytes;
    c.dtype = options_.dtype;
    return c;
  }

  Case too_few_gpus(Method m) const {
    Case c = make(m, kHost, kHost, headline_);
    c.skip_reason = fmt::format("needs at least 2 GPUs, have {}", gpus_.size());
    c.theoretical_bytes_per_s = Known<double>::unknown("not planned: " + c.skip_reason);
    return c;
  }

  void add(Case c) {
    if (c.skip_reason.empty()) c.skip_reason = fit_reason(c);
    c.l2_bytes = working_set_l2_bytes(c, system_);
    out_.push_back(std::move(c));
  }

  std::string fit_reason(const Case& c) const {
    // Host memory first: pinned memory that does not fit fails the allocation (or, worse,
    // pushes the machine into swap) minutes into a run. 80 % of MemAvailable is the ceiling.
    const Bytes host_need = host_bytes_needed(c);
    const Bytes host_free = options_.host_available_bytes;
    if (host_free != 0 && host_need > host_free / 5 * 4) {
      return fmt::format("{} needs {} of host memory, {} available (at most 80 % is used)", format_bytes(c.bytes),
                         format_bytes(host_need), format_bytes(host_free));
    }
    for (const auto& [gpu, need] : device_bytes_needed(c)) {
      const DeviceInfo* d = device(gpu);
      // 0 = free memory not measured (a synthetic or partial inventory): do not guess.
      if (d == nullptr || d->memory_free_bytes == 0) continue;
      const Bytes free = d->memory_free_bytes;
      // Headroom for the CUDA context, kernels and allocator granularity.
      const Bytes margin = std::max(free / 20, Bytes{256} * kMiB);
      const Bytes usable = free > margin ? free - margin : 0;
      if (need > usable) {
        return fmt::format("{} needs {} on GPU {}, {} free ({} kept in reserve)", format_bytes(c.bytes),
                           format_bytes(need), gpu, format_bytes(free), format_bytes(margin));
      }
    }
    return "";
  }

  static std::string p2p_reason(const PairInfo& p) {
    if (p.peer_enabled) return "";
    std::string reason = fmt::format("P2P not enabled for GPU {} -> GPU {}", p.src, p.dst);
    if (!p.peer_error.empty()) reason += ": " + p.peer_error;
    return reason;
  }

  const DeviceInfo* device(int gpu) const {
    for (const auto& d : system_.devices) {
      if (d.index == gpu) return &d;
    }
    return nullptr;
  }

  PairInfo pair(int src, int dst) const {
    for (const auto& p : pairs_) {
      if (p.src == src && p.dst == dst) return p;
    }
    return missing_pair(src, dst);
  }

  Known<double> pcie_rate(int gpu) const {
    const DeviceInfo* d = device(gpu);
    if (d == nullptr) return Known<double>::unknown(fmt::format("GPU {} not in the inventory", gpu));
    if (d->pcie.max_bytes_per_s.has_value()) return d->pcie.max_bytes_per_s;
    return Known<double>::unknown(fmt::format("PCIe rate of GPU {} unknown: {}", gpu, d->pcie.max_bytes_per_s.reason));
  }

  // A staged copy crosses the source's PCIe link, then the destination's, in sequence (or
  // overlapped when pipelined): the slower one bounds it.
  Known<double> staged_rate(int src, int dst) const {
    const auto a = pcie_rate(src);
    const auto b = pcie_rate(dst);
    if (!a.has_value()) return a;
    if (!b.has_value()) return b;
    return std::min(*a, *b);
  }

  Known<double> nvlink_total(int gpu) const {
    const DeviceInfo* d = device(gpu);
    if (d == nullptr) return Known<double>::unknown(fmt::format("GPU {} not in the inventory", gpu));
    const auto& nv = d->nvlink;
    if (!nv.per_link_bytes_per_s.has_value()) {
      return Known<double>::unknown(
          fmt::format("NVLink speed of GPU {} unknown: {}", gpu, nv.per_link_bytes_per_s.reason));
    }
    if (!nv.links_up.has_value()) {
      return Known<double>::unknown(fmt::format("NVLinks up on GPU {} unknown: {}", gpu, nv.links_up.reason));
    }
    return *nv.per_link_bytes_per_s * *nv.links_up;
  }

  static bool all_nvlink(const std::vector<PairInfo>& pairs) {
    return std::all_of(pairs.begin(), pairs.end(), [](const PairInfo& p) { return p.link.nvlinks > 0; });
  }

  // Every GPU sends to all others at once: bounded by each GPU's total NVLink egress. Over
  // PCIe the pairs share switches and root ports in ways the inventory cannot sum.
  Known<double> all_pairs_rate() const {
    if (!all_nvlink(pairs_)) {
      return Known<double>::unknown(
          "not every pair is joined by NVLink; shared PCIe paths have no single aggregate rate");
    }
    std::vector<Known<double>> totals;
    for (int gpu : gpus_) totals.push_back(nvlink_total(gpu));
    return sum(totals);
  }

  // Scatter / gather: every transfer crosses the hub's links, so the hub's NVLink total bounds it.
  Known<double> hub_rate(int hub, const std::vector<PairInfo>& used) const {
    if (!all_nvlink(used)) {
      return Known<double>::unknown(
          fmt::format("not every pair with hub GPU {} is joined by NVLink; shared PCIe paths have no single "
                      "aggregate rate",
                      hub));
    }
    return nvlink_total(hub);
  }

  static Known<double> sum(const std::vector<Known<double>>& rates) {
    double total = 0;
    for (const auto& r : rates) {
      if (!r.has_value()) return r;
      total += *r;
    }
    return total;
  }

  static Known<double> sum_rates(const std::vector<PairInfo>& pairs) {
    std::vector<Known<double>> rates;
    for (const auto& p : pairs) {
      if (p.theoretical_bytes_per_s.has_value()) {
        rates.emplace_back(*p.theoretical_bytes_per_s);
      } else {
        rates.push_back(Known<double>::unknown(
            fmt::format("GPU {} -> GPU {}: {}", p.src, p.dst, p.theoretical_bytes_per_s.reason)));
      }
    }
    return sum(rates);
  }

  static Known<double> scaled(Known<double> rate, double factor) {
    if (rate.has_value()) return *rate * factor;
    return rate;
  }

  static std::string common_class(const std::vector<PairInfo>& pairs) {
    std::set<std::string> names;
    for (const auto& p : pairs) names.insert(p.link.name);
    if (names.size() == 1) return *names.begin();
    return names.empty() ? "" : "mixed";
  }

  const BenchOptions& options_;
  const SystemInfo& system_;
  Bytes headline_ = 0;
  std::vector<Bytes> sweep_;
  std::vector<Bytes> latency_sizes_;
  std::vector<Bytes> chase_sizes_;  // empty: chase_working_set()
  std::vector<Bytes> gemm_sizes_;
  Bytes gemm_headline_ = kDefaultGemmN;
  std::vector<Bytes> chunks_;
  std::vector<int> depths_;
  std::vector<int> gpus_;
  std::vector<PairInfo> pairs_;
  std::vector<PairInfo> reps_;
  std::vector<Case> out_;
};

}  // namespace

namespace {

// "a,b,c" or "all" of `what` (suite, precision): items trimmed; an empty item, an unknown or
// repeated one, or "all" with others is a UsageError naming the value and the allowed names.
// `parse` maps one item to its value, nullopt when unknown; "all" gives `everything`.
template <class T, class Parse>
std::vector<T> parse_named_list(std::string_view comma_list, std::string_view what, const std::string& allowed,
                                const std::vector<T>& everything, Parse parse) {
  std::vector<T> out;
  bool all = false;
  std::string_view rest = comma_list;
  while (true) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) {
      throw UsageError(fmt::format("invalid {} list '{}': empty item (allowed {})", what, comma_list, allowed));
    }
    if (item == "all") {
      all = true;
    } else {
      const std::optional<T> value = parse(item);
      if (!value) throw UsageError(fmt::format("unknown {} '{}': allowed {}", what, item, allowed));
      if (std::find(out.begin(), out.end(), *value) != out.end()) {
        throw UsageError(fmt::format("{} '{}' given twice in '{}'", what, item, comma_list));
      }
      out.push_back(*value);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (all && !out.empty()) {
    throw UsageError(fmt::format("invalid {} list '{}': 'all' cannot be combined with others", what, comma_list));
  }
  return all ? everything : out;
}

}  // namespace

std::vector<Suite> parse_suites(std::string_view comma_list) {
  std::string allowed;
  for (Suite s : all_suites()) allowed += std::string(to_string(s)) + ", ";
  allowed += "all";
  return parse_named_list<Suite>(comma_list, "suite", allowed, all_suites(),
                                 [](std::string_view item) { return parse_suite(item); });
}

std::vector<Method> parse_gemm_precisions(std::string_view comma_list) {
  std::string allowed;
  for (Method m : methods_of(Suite::gemm)) allowed += std::string(to_string(m).substr(5)) + ", ";
  allowed += "all";
  // "bf16" or "gemm_bf16"; only gemm methods.
  return parse_named_list<Method>(
      comma_list, "precision", allowed, methods_of(Suite::gemm), [](std::string_view item) -> std::optional<Method> {
        const std::string name = item.substr(0, 5) == "gemm_" ? std::string(item) : "gemm_" + std::string(item);
        const auto m = parse_method(name);
        return m && is_gemm(*m) ? m : std::nullopt;
      });
}

std::vector<Case> plan(const BenchOptions& options, const SystemInfo& system) {
  return Planner(options, system).run();
}

std::vector<std::pair<int, std::uint64_t>> device_bytes_needed(const Case& c) {
  std::map<int, Bytes> need;
  auto add = [&](int gpu, Bytes bytes) {
    if (gpu != kHost) need[gpu] = sat_add(need[gpu], bytes);
  };
  const Bytes buffer = sat_add(c.bytes, 2 * kGuardBytes);
  const Bytes n = c.devices.empty() ? 0 : c.devices.size();
  switch (c.method) {
    case Method::bidir_ce:
    case Method::bidir_sm:
      add(c.src, sat_mul(2, buffer));
      add(c.dst, sat_mul(2, buffer));
      break;
    case Method::bidir_pinned:  // distinct H2D destination and D2H source buffers
      add(c.src != kHost ? c.src : c.dst, sat_mul(2, buffer));
      break;
    case Method::all_h2d:
    case Method::all_d2h:
      for (int d : c.devices) add(d, buffer);
      break;
    case Method::all_pairs_ce:  // (n-1) send and (n-1) receive buffers on every GPU
    case Method::all_pairs_sm:
    case Method::all_pairs_shift_ce:
      for (int d : c.devices) add(d, sat_mul(2 * (n - 1), buffer));
      break;
    case Method::scatter_ce:
    case Method::gather_ce:
      for (std::size_t i = 0; i < c.devices.size(); ++i) add(c.devices[i], i == 0 ? sat_mul(n - 1, buffer) : buffer);
      break;
    case Method::peer_b2b:
    case Method::peer_b2b_sm:
    case Method::peer_b2b_issued:
    case Method::peer_roundtrip:
    case Method::h2d_b2b:
    case Method::d2h_b2b: {
      const Bytes latency = sat_mul(2, std::max(c.bytes, kLatencyBufferBytes));
      add(c.src, latency);
      add(c.dst, latency);
      break;
    }
    case Method::chase_peer:
    case Method::chase_local:
    case Method::chase_host: {
      // The chain in the memory being read (chase_host: pinned host memory); the cursor each
      // operation starts from and stores its end to, in the runner's memory.
      const int runner = c.method == Method::chase_peer ? c.src : (c.src != kHost ? c.src : c.dst);
      if (c.method != Method::chase_host) add(c.dst, sat_add(chase_chain_bytes(c.bytes), 2 * kGuardBytes));
      add(runner, kChaseCursorBytes + 2 * kGuardBytes);
      break;
    }
    case Method::scale:
    case Method::sqrt:
    case Method::axpy:
    case Method::triad:
    case Method::copy: {
      // x and y; triad writes a third tensor. Concurrent cases: the same on every GPU.
      const Bytes per_gpu = sat_mul(static_cast<Bytes>(elementwise_buffers(c.method)), c.bytes);
      if (c.devices.empty()) add(c.src, per_gpu);
      for (int d : c.devices) add(d, per_gpu);
      break;
    }
    case Method::gemm_fp32:
    case Method::gemm_tf32:
    case Method::gemm_bf16:
    case Method::gemm_fp16: {
      const Bytes per_gpu = sat_add(c.bytes, kGemmWorkspaceBytes);
      if (c.devices.empty()) add(c.src, per_gpu);
      for (int d : c.devices) add(d, per_gpu);
      break;
    }
    case Method::copy_gemm:
    case Method::h2d_gemm: {
      const Bytes gemm = sat_add(gemm_operand_bytes(kOverlapGemm, std::min(c.gemm_n, kMaxGemmN)), kGemmWorkspaceBytes);
      add(c.src, sat_add(buffer, gemm));
      add(c.dst, sat_add(buffer, gemm));
      break;
    }
    default:  // one source and one destination buffer (host endpoints add nothing)
      add(c.src, buffer);
      add(c.dst, buffer);
      break;
  }
  return {need.begin(), need.end()};
}

std::uint64_t host_bytes_needed(const Case& c) {
  const Bytes buffer = sat_add(c.bytes, 2 * kGuardBytes);
  switch (c.method) {
    case Method::h2d_pinned:
    case Method::d2h_pinned:
    case Method::h2d_pageable:
    case Method::d2h_pageable:
    case Method::h2d_gemm: return buffer;
    case Method::bidir_pinned: return sat_mul(2, buffer);
    case Method::all_h2d:
    case Method::all_d2h: return sat_mul(std::max<Bytes>(c.devices.size(), 1), buffer);  // one per GPU
    case Method::naive:
    case Method::pageable: return buffer;  // the bounce buffer
    case Method::pipelined:
      // The ring; the sweep's cases (chunk 0 until tuning decides) use at most the largest grid
      // entry, which is small next to the tensor: count the tensor as the bound.
      return c.chunk_bytes != 0 && c.ring_depth != 0
                 ? sat_add(sat_mul(c.chunk_bytes, static_cast<Bytes>(c.ring_depth)), 2 * kGuardBytes)
                 : buffer;
    case Method::h2d_b2b:
    case Method::d2h_b2b: return sat_mul(2, std::max(c.bytes, kLatencyBufferBytes));
    // The chain is built on the host (a successor table of 8 bytes per slot, and the chain image
    // uploaded from pageable memory; chase_host's image is the pinned chain itself).
    case Method::chase_host:
      return sat_add(sat_add(chase_chain_bytes(c.bytes), 2 * kGuardBytes), sat_mul(chase_lines(c.bytes), 8));
    case Method::chase_local:
    case Method::chase_peer: return sat_add(chase_chain_bytes(c.bytes), sat_mul(chase_lines(c.bytes), 8));
    default: return 0;
  }
}

// Not "chunk_bytes != 0": every pipelined record carries the chunk it ran with.
bool is_tuning_case(const Case& c) {
  return c.method == Method::pipelined && c.tuning;
}

std::optional<PipelineTuning> best_pipeline_tuning(const std::vector<Record>& records) {
  std::optional<PipelineTuning> best;
  for (const auto& r : records) {
    if (!is_tuning_case(r.test)) continue;
    const auto rate = median_rate(r);
    if (!rate) continue;
    if (!best || *rate > best->median_bytes_per_s) {
      best = PipelineTuning{r.test.chunk_bytes, r.test.ring_depth, *rate};
    }
  }
  return best;
}

}  // namespace gx
