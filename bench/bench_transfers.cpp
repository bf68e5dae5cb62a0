// Google Benchmark of gpuxfer's transfer primitives on real GPUs, with UseManualTime fed by
// CUDA events, so users get Google Benchmark's filters, repetitions and JSON for them:
//   gpuxfer_bench_gpu --benchmark_filter=peer --benchmark_repetitions=5 --benchmark_format=json
// Size argument: bytes per transfer. Peer benchmarks use GPUs 0 and 1 and skip with the reason
// where there are fewer GPUs or no P2P.
#include <benchmark/benchmark.h>

#include <memory>

#include "gpu/devices.hpp"
#include "suites/context.hpp"
#include "suites/pipeline.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

// One shared run context: streams, buffers and gates created once, as in `gpuxfer bench`.
struct Fixture {
  SystemInfo system;
  std::unique_ptr<Context> context;
  std::string unavailable;  // why GPU benchmarks cannot run here
};

Fixture& fixture() {
  static Fixture f = [] {
    Fixture made;
    try {
      std::vector<int> all;
      for (const auto& id : visible_devices()) all.push_back(id.index);
      made.system = inventory(all);
      enable_peer_access(made.system);
      made.context = std::make_unique<Context>(made.system, RunSettings{});
      for (int d : all) kernels::preload(d);
    } catch (const std::exception& e) {
      made.unavailable = e.what();
    }
    return made;
  }();
  return f;
}

// Times one enqueued operation per iteration with events on `stream`.
void time_with_events(benchmark::State& state, const Stream& stream, const std::function<void()>& op, double bytes) {
  Event start(stream.device());
  Event stop(stream.device());
  for (auto _ : state) {
    start.record(stream);
    op();
    stop.record(stream);
    wait_for(stream, 60);
    state.SetIterationTime(elapsed_seconds(start, stop));
  }
  state.SetBytesProcessed(
      static_cast<std::int64_t>(static_cast<double>(state.iterations()) * static_cast<double>(bytes)));
}

bool skip_without(benchmark::State& state, int gpus) {
  Fixture& f = fixture();
  if (!f.unavailable.empty()) {
    state.SkipWithError(f.unavailable.c_str());
    return true;
  }
  if (static_cast<int>(f.system.devices.size()) < gpus) {
    state.SkipWithError("needs 2 GPUs");
    return true;
  }
  if (gpus == 2 && !find_pair(f.system, 0, 1)->peer_enabled) {
    state.SkipWithError("P2P not enabled between GPU 0 and GPU 1");
    return true;
  }
  return false;
}

enum class Kind { ce_write, ce_read, sm_push, sm_pull, ce_write_default_api };

void BM_Peer(benchmark::State& state, Kind kind) {
  if (skip_without(state, 2)) return;
  Context& ctx = *fixture().context;
  const auto bytes = static_cast<std::size_t>(state.range(0));
  Transfer t;
  t.src = ctx.device_region(0, 0, bytes);
  t.dst = ctx.device_region(1, 1, bytes);
  t.bytes = bytes;
  const bool by_source = kind != Kind::ce_read && kind != Kind::sm_pull;
  t.stream = &ctx.stream(by_source ? 0 : 1);
  t.engine = kind == Kind::sm_push || kind == Kind::sm_pull ? Engine::sm
             : kind == Kind::ce_write_default_api           ? Engine::copy_default
                                                            : Engine::copy_peer;
  time_with_events(
      state, *t.stream, [&] { enqueue(ctx, t); }, static_cast<double>(bytes));
}
BENCHMARK_CAPTURE(BM_Peer, ce_write, Kind::ce_write)->UseManualTime()->Arg(4)->Arg(1 << 20)->Arg(400000000);
BENCHMARK_CAPTURE(BM_Peer, ce_write_memcpy_default, Kind::ce_write_default_api)
    ->UseManualTime()
    ->Arg(4)
    ->Arg(400000000);
BENCHMARK_CAPTURE(BM_Peer, ce_read, Kind::ce_read)->UseManualTime()->Arg(4)->Arg(1 << 20)->Arg(400000000);
BENCHMARK_CAPTURE(BM_Peer, sm_push, Kind::sm_push)->UseManualTime()->Arg(1 << 20)->Arg(400000000);
BENCHMARK_CAPTURE(BM_Peer, sm_pull, Kind::sm_pull)->UseManualTime()->Arg(1 << 20)->Arg(400000000);

void BM_Host(benchmark::State& state, bool to_device) {
  if (skip_without(state, 1)) return;
  Context& ctx = *fixture().context;
  const auto bytes = static_cast<std::size_t>(state.range(0));
  Transfer t;
  t.src = to_device ? ctx.pinned_region(0, bytes) : ctx.device_region(0, 0, bytes);
  t.dst = to_device ? ctx.device_region(0, 1, bytes) : ctx.pinned_region(1, bytes);
  t.bytes = bytes;
  t.stream = &ctx.stream(0);
  time_with_events(
      state, *t.stream, [&] { enqueue(ctx, t); }, static_cast<double>(bytes));
}
BENCHMARK_CAPTURE(BM_Host, h2d_pinned, true)->UseManualTime()->Arg(4)->Arg(400000000);
BENCHMARK_CAPTURE(BM_Host, d2h_pinned, false)->UseManualTime()->Arg(4)->Arg(400000000);

// Pipelined staging GPU0 -> host -> GPU1: 8 MiB chunks over a ring of 3 pinned buffers (what
// `gpuxfer bench` picked on H200 machines); timed from the D2H stream's start to the H2D end.
void BM_StagedPipelined(benchmark::State& state) {
  if (skip_without(state, 2)) return;
  Context& ctx = *fixture().context;
  const auto bytes = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t chunk = 8u << 20;
  constexpr int ring = 3;
  const Region src = ctx.device_region(0, 0, bytes);
  const Region dst = ctx.device_region(1, 1, bytes);
  const Region staging = ctx.pinned_region(100, chunk * ring);
  const Stream& down = ctx.stream(0, 1);
  const Stream& up = ctx.stream(1, 1);
  StagingPipeline pipeline(staging, chunk, ring, down, up);
  Event start(0);
  Event stop(1);
  Event stop_on_source(0);
  for (auto _ : state) {
    start.record(down);
    pipeline.enqueue(dst.data, src.data, bytes);
    // Join the end back onto the source device so both events are comparable.
    stop.record(up);
    stream_wait(down, stop);
    stop_on_source.record(down);
    wait_for(down, 60);
    state.SetIterationTime(elapsed_seconds(start, stop_on_source));
  }
  state.SetBytesProcessed(
      static_cast<std::int64_t>(static_cast<double>(state.iterations()) * static_cast<double>(bytes)));
}
BENCHMARK(BM_StagedPipelined)->UseManualTime()->Arg(400000000);

}  // namespace
}  // namespace gx

BENCHMARK_MAIN();
