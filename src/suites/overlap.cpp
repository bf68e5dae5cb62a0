// overlap: a transfer while GEMMs run on other streams (README "Overlap"). Three measurements
// with the same gate and events: the copy alone, the GEMMs alone, both started together; from
// each stream's own busy window while together, each operation's time when sharing.
#include <fmt/format.h>

#include <algorithm>

#include "core/plan.hpp"
#include "core/stats.hpp"
#include "suites/compute.hpp"
#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

constexpr int kCheckedEntries = 256;

// 0 for a measurement that took no samples (a copy that did not run).
double median_or_zero(const std::vector<double>& v) {
  return v.empty() ? 0.0 : median_of(v);
}

}  // namespace

Record run_overlap(Context& ctx, const Case& c) {
  const double timeout = ctx.settings().measure.timeout_seconds;
  const bool peer = c.method == Method::copy_gemm;
  const std::vector<int> gemm_devices = peer ? std::vector<int>{c.src, c.dst} : std::vector<int>{c.dst};
  Record record;
  record.test = c;
  if (!peer) bind_thread_near(ctx, c.dst);

  // Copy on stream 1 of the issuing GPU (the source for a peer copy, as ce_write), GEMMs on
  // stream 0 of each GPU.
  const int copier = peer ? c.src : c.dst;
  const Stream& copy_stream = ctx.stream(copier, 1);
  const Region src = peer ? ctx.device_region(c.src, slot::send, c.bytes) : ctx.pinned_region(slot::host_send, c.bytes);
  const Region dst = ctx.device_region(c.dst, slot::receive, c.bytes);
  auto copy = [&] {
    if (peer) {
      copy_peer(dst.data, c.dst, src.data, c.src, c.bytes, copy_stream);
    } else {
      copy_async(dst.data, src.data, c.bytes, copy_stream);
    }
  };
  std::vector<Gemm*> gemms;
  std::vector<const Stream*> gemm_streams;
  for (int d : gemm_devices) {
    const Stream& s = ctx.stream(d);
    gemms.push_back(&ctx.gemm(d, gemm_precision(kOverlapGemm), static_cast<std::int64_t>(c.gemm_n), s));
    gemm_streams.push_back(&s);
  }
  auto compute = [&] {
    for (std::size_t i = 0; i < gemms.size(); ++i) gemms[i]->enqueue(*gemm_streams[i]);
  };

  if (ctx.settings().verify) {
    // The copy: seeded pattern through, guards intact. The GEMMs: sampled float64 reference.
    const std::uint32_t seed = ctx.next_seed();
    const std::uint32_t poison = ctx.next_seed();
    Verifier& at_dst = ctx.verifier(c.dst);
    Verifier& at_copier = ctx.verifier(copier);
    at_copier.fill(src.data, c.bytes, seed, 0, copy_stream);
    at_dst.fill(dst.base, c.bytes + 2 * kGuardBytes, poison, 0, ctx.stream(c.dst));
    wait_for(ctx.stream(c.dst), timeout);
    wait_for(copy_stream, timeout);
    copy();
    wait_for(copy_stream, timeout);
    const Stream& check = ctx.stream(c.dst);
    std::uint64_t bad = at_dst.mismatches(dst.data, c.bytes, seed, 0, check, timeout);
    bad += at_dst.mismatches(dst.base, kGuardBytes, poison, 0, check, timeout);
    bad += at_dst.mismatches(dst.data + c.bytes, kGuardBytes, poison, kGuardBytes + c.bytes, check, timeout);
    Accuracy accuracy;
    accuracy.bound = Gemm::error_bound(gemm_precision(kOverlapGemm), static_cast<std::int64_t>(c.gemm_n));
    accuracy.samples = kCheckedEntries * static_cast<int>(gemms.size());
    compute();
    for (std::size_t i = 0; i < gemms.size(); ++i) {
      accuracy.max_error =
          std::max(accuracy.max_error, gemms[i]->max_normalized_error(*gemm_streams[i], kCheckedEntries, timeout));
    }
    record.verified = true;
    record.accuracy = accuracy;
    record.mismatches = bad;
    if (bad != 0 || !(accuracy.max_error <= accuracy.bound)) {
      record.status = Status::failed;
      record.reason = bad != 0 ? fmt::format("verification failed: {} bytes of the copy differ", bad)
                               : fmt::format("verification failed: GEMM error {:.3g} above the bound {:.3g}",
                                             accuracy.max_error, accuracy.bound);
      return record;
    }
  }

  const MeasureSettings& settings = ctx.settings().measure;
  // Cross-GPU windows: 5 ms samples keep the release skew of the streams negligible (transfer.cpp).
  MeasureSettings shared = settings;
  shared.min_sample_seconds = std::max(settings.min_sample_seconds, 5e-3);
  const Measurement copy_alone = measure_device(ctx.gates(), {&copy_stream}, copy, settings);
  const Measurement compute_alone = measure_device(ctx.gates(), gemm_streams, compute, shared);
  std::vector<const Stream*> all{&copy_stream};
  all.insert(all.end(), gemm_streams.begin(), gemm_streams.end());
  const Measurement together = measure_device(
      ctx.gates(), all,
      [&] {
        copy();
        compute();
      },
      shared);

  OverlapTimes t;
  t.copy_alone = median_or_zero(copy_alone.seconds_per_op);
  t.compute_alone = median_or_zero(compute_alone.seconds_per_op);
  t.together = median_or_zero(together.seconds_per_op);
  if (!together.stream_seconds_per_op.empty()) {
    t.copy_shared = median_or_zero(together.stream_seconds_per_op.front());
    for (std::size_t i = 1; i < together.stream_seconds_per_op.size(); ++i) {
      t.compute_shared = std::max(t.compute_shared, median_or_zero(together.stream_seconds_per_op[i]));
    }
  }
  fill_measurement(record, together, static_cast<double>(c.bytes));
  record.flops_per_op = gemm_flops(c.gemm_n) * static_cast<double>(gemms.size());
  record.overlap = t;
  record.status = Status::ok;
  return record;
}

}  // namespace gx
