#include "suites/transfer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/pattern.hpp"
#include "core/plan.hpp"

namespace gx {
namespace {

// The device whose kernels fill or check a region: its owner, else (host memory) the GPU of
// the stream that moves it.
int worker_device(const Region& region, const Transfer& t) {
  return region.kind == MemoryKind::device ? region.device : t.stream->device();
}

void fill(Context& ctx, const Region& r, const Transfer& t, unsigned char* start, std::size_t bytes, std::uint32_t seed,
          std::size_t offset) {
  if (r.kind == MemoryKind::pageable) {
    fill_pattern_host(start, bytes, seed, offset);
    return;
  }
  const int device = worker_device(r, t);
  ctx.verifier(device).fill(start, bytes, seed, offset, ctx.stream(device));
}

std::uint64_t check(Context& ctx, const Region& r, const Transfer& t, const unsigned char* start, std::size_t bytes,
                    std::uint32_t seed, std::size_t offset) {
  if (r.kind == MemoryKind::pageable) return count_mismatches_host(start, bytes, seed, offset);
  const int device = worker_device(r, t);
  return ctx.verifier(device).mismatches(start, bytes, seed, offset, ctx.stream(device),
                                         ctx.settings().measure.timeout_seconds);
}

std::vector<const Stream*> streams_of(const TransferSet& set) {
  std::vector<const Stream*> streams;
  for (const auto& t : set.transfers) {
    if (std::find(streams.begin(), streams.end(), t.stream) == streams.end()) streams.push_back(t.stream);
  }
  return streams;
}

MeasureSettings settings_for(const Context& ctx, const Case& c, const std::vector<const Stream*>& streams) {
  MeasureSettings s = ctx.settings().measure;
  // Several streams are released through event waits and start a few µs apart (more across
  // GPUs), and the window runs to the last one's end: samples of at least 5 ms keep that skew
  // under 0.2 % of the window; 1 ms samples read a split 400 MB copy a few per cent low.
  if (streams.size() > 1) s.min_sample_seconds = std::max(s.min_sample_seconds, 5e-3);
  // One copy between two GPUs: at least two back to back per sample, so the engine's start
  // after the gate is not counted once per 400 MB copy (with one op per sample it reads about
  // 1 % low; two ops take most of that back, more ops little more).
  if (is_single_peer_copy(c.method)) s.min_ops_per_sample = std::max(s.min_ops_per_sample, 2);
  // Tuning cases only rank chunk sizes; the winner's own cases get the full sample count.
  if (is_tuning_case(c)) s.samples = std::min(s.samples, 5);
  // Copies issued back to back as an application does: each enqueued while earlier ones run.
  // Behind a gate they would queue up first, and a deep queue costs the copy engine extra time
  // per small copy: a different measurement (peer_b2b's). The host's issue time per copy is recorded next to the
  // figure.
  if (c.method == Method::peer_b2b_issued) s.use_gate = false;
  return s;
}

void wait_all(const std::vector<const Stream*>& streams, double timeout) {
  for (const Stream* s : streams) wait_for(*s, timeout);
}

}  // namespace

void enqueue(Context& context, const Transfer& t) {
  switch (t.engine) {
    case Engine::copy_peer: copy_peer(t.dst.data, t.dst.device, t.src.data, t.src.device, t.bytes, *t.stream); break;
    case Engine::copy_default: copy_async(t.dst.data, t.src.data, t.bytes, *t.stream); break;
    case Engine::sm: {
      kernels::SmCopyConfig config = context.settings().sm;
      config.share = std::max(1, t.sm_share);
      copy_sm(t.dst.data, t.src.data, t.bytes, *t.stream, context.sm_count(t.stream->device()), config);
      break;
    }
  }
}

bool record_verification(Record& record, std::uint64_t mismatches) {
  record.verified = true;
  record.mismatches = mismatches;
  if (mismatches == 0) return true;
  record.status = Status::failed;
  record.reason = fmt::format("verification failed: {} bytes differ from the pattern or guards", mismatches);
  return false;
}

void fill_measurement(Record& record, const Measurement& m, double bytes_per_op) {
  record.timing = m.mode;
  record.warmup_ops = m.warmup_ops;
  record.ops_per_sample = m.ops_per_sample;
  record.min_sample_seconds = m.min_sample_seconds;
  record.ops_capped = m.ops_capped;
  record.sample_seconds = m.seconds_per_op;
  record.time = summarize(m.seconds_per_op);
  record.bytes_per_op = bytes_per_op;
}

Record run_transfer_set(Context& ctx, const Case& c, const TransferSet& set) {
  const double timeout = ctx.settings().measure.timeout_seconds;
  const auto streams = streams_of(set);
  const TimingMode mode = timing_of(c.method);

  auto enqueue_all = [&] {
    if (set.custom_enqueue) {
      set.custom_enqueue();
      return;
    }
    for (const auto& t : set.transfers) enqueue(ctx, t);
  };
  // Host mode: each transfer is waited for before the next starts (what the user's code does).
  auto host_operation = [&] {
    for (const auto& t : set.transfers) {
      enqueue(ctx, t);
      wait_for(*t.stream, timeout);
    }
  };

  Record record;
  record.test = c;
  if (ctx.settings().verify) {
    const auto& checked = set.verify_transfers.empty() ? set.transfers : set.verify_transfers;
    // Each distinct source gets its own seed (a source read by several transfers, as in
    // scatter, keeps one); a chained transfer expects the seed of the one before it.
    std::vector<std::uint32_t> seeds;
    std::vector<std::pair<const unsigned char*, std::uint32_t>> source_seeds;
    std::uint32_t seed = 0;
    for (const auto& t : checked) {
      if (!t.chained) {
        const auto known = std::find_if(source_seeds.begin(), source_seeds.end(),
                                        [&](const auto& entry) { return entry.first == t.src.data; });
        if (known != source_seeds.end()) {
          seed = known->second;
        } else {
          seed = ctx.next_seed();
          fill(ctx, t.src, t, t.src.data, t.bytes, seed, 0);
          source_seeds.emplace_back(t.src.data, seed);
        }
      }
      seeds.push_back(seed);
    }
    const std::uint32_t poison = ctx.next_seed();
    for (const auto& t : checked) fill(ctx, t.dst, t, t.dst.base, t.bytes + 2 * kGuardBytes, poison, 0);
    for (int d = 0; d < static_cast<int>(ctx.system().devices.size()); ++d) {
      wait_for(ctx.stream(ctx.system().devices[static_cast<std::size_t>(d)].index), timeout);
    }
    if (mode == TimingMode::host) {
      host_operation();
    } else {
      enqueue_all();
      wait_all(streams, timeout);
    }
    std::uint64_t bad = 0;
    for (std::size_t i = 0; i < checked.size(); ++i) {
      const auto& t = checked[i];
      bad += check(ctx, t.dst, t, t.dst.data, t.bytes, seeds[i], 0);
      bad += check(ctx, t.dst, t, t.dst.base, kGuardBytes, poison, 0);
      bad += check(ctx, t.dst, t, t.dst.data + t.bytes, kGuardBytes, poison, kGuardBytes + t.bytes);
    }
    if (!record_verification(record, bad)) return record;
  }

  double bytes_per_op = set.bytes_per_op;
  if (bytes_per_op == 0) {
    for (const auto& t : set.transfers) bytes_per_op += t.chained ? 0.0 : static_cast<double>(t.bytes);
  }
  const MeasureSettings settings = settings_for(ctx, c, streams);
  const Measurement m = mode == TimingMode::host ? measure_host(host_operation, settings)
                                                 : measure_device(ctx.gates(), streams, enqueue_all, settings);
  fill_measurement(record, m, bytes_per_op);
  if (c.method == Method::peer_b2b_issued && !m.enqueue_seconds_per_op.empty()) {
    const double issue = summarize(m.enqueue_seconds_per_op).median;
    const double window = record.time ? record.time->median : 0.0;
    record.implementation = fmt::format(
        "no spin gate: copies issued back to back; the host took {:.2f} µs per cudaMemcpyPeerAsync call, so the "
        "figure is {}",
        issue * 1e6,
        issue >= 0.9 * window ? "bound by the host's issue rate (the GPU kept pace)"
                              : "bound by the GPU (the host issued faster)");
  }
  // Per-direction rates of concurrent cases, from each stream's own busy window.
  if (!m.stream_seconds_per_op.empty() && set.transfers.size() > 1) {
    for (std::size_t s = 0; s < streams.size(); ++s) {
      DirectionRate dir;
      std::vector<std::string> names;
      for (const auto& t : set.transfers) {
        if (t.stream == streams[s]) {
          dir.bytes_per_op += static_cast<double>(t.bytes);
          names.push_back(t.name);
        }
      }
      dir.name = fmt::format("{}", fmt::join(names, "+"));
      const double median = summarize(m.stream_seconds_per_op[s]).median;
      dir.median_bytes_per_s = median > 0 ? dir.bytes_per_op / median : 0;
      record.directions.push_back(dir);
    }
  }
  record.status = Status::ok;
  return record;
}

}  // namespace gx
