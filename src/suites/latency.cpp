// latency: small copies end to end (back to back on a stream, device-timed; or issue-and-wait,
// host-timed) and dependent loads by a pointer chase over peer, host or local memory.
#include <fmt/format.h>

#include <numeric>
#include <random>
#include <stdexcept>

#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

// Dependent loads per chase operation: long enough (~10 ms) to dwarf launch overhead.
constexpr std::uint64_t kChaseSteps = 10000;
// One link per 256 bytes: every load touches a new cache line and DRAM page pattern is random.
constexpr std::size_t kChaseStride = 256;

Record run_chase(Context& ctx, const Case& c) {
  const int runner = c.method == Method::chase_peer ? c.src : (c.src != kHost ? c.src : c.dst);
  const std::size_t slots = std::max<std::size_t>(2, c.bytes / kChaseStride);
  const std::size_t words = slots * (kChaseStride / 8);
  // A single random cycle through all slots (Sattolo's algorithm): no prefetcher can follow it.
  std::vector<std::size_t> order(slots);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(ctx.next_seed());
  for (std::size_t i = slots - 1; i > 0; --i) {
    std::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  std::vector<std::uint64_t> chain(words, 0);
  for (std::size_t i = 0; i < slots; ++i) {
    chain[order[i] * (kChaseStride / 8)] = order[(i + 1) % slots] * (kChaseStride / 8);
  }
  // Chain in the memory under test; the walk starts at word 0 (slot 0 is on the cycle).
  Region memory = c.method == Method::chase_host ? ctx.pinned_region(slot::chase, words * 8)
                                                 : ctx.device_region(c.method == Method::chase_peer ? c.dst : runner,
                                                                     slot::chase, words * 8);
  const Stream& stream = ctx.stream(runner);
  copy_async(memory.data, chain.data(), words * 8, stream);
  wait_for(stream, ctx.settings().measure.timeout_seconds);
  Region sink = ctx.pinned_region(slot::chase + 1, 8);
  auto* result = reinterpret_cast<std::uint64_t*>(sink.data);
  auto enqueue_chase = [&] {
    DeviceGuard guard(runner);
    kernels::launch_pointer_chase(reinterpret_cast<const std::uint64_t*>(memory.data), kChaseSteps,
                                  result, stream.get());
  };

  Record record;
  record.test = c;
  if (ctx.settings().verify) {
    std::uint64_t expected = 0;
    for (std::uint64_t s = 0; s < kChaseSteps; ++s) expected = chain[expected];
    *result = ~0ull;
    enqueue_chase();
    wait_for(stream, ctx.settings().measure.timeout_seconds);
    record.verified = true;
    if (*result != expected) {
      record.mismatches = 1;
      record.status = Status::failed;
      record.reason = fmt::format("pointer chase ended at {} instead of {}", *result, expected);
      return record;
    }
  }
  Measurement m = measure_device(ctx.gates(), {&stream}, enqueue_chase, ctx.settings().measure);
  for (auto& s : m.seconds_per_op) s /= static_cast<double>(kChaseSteps);  // per dependent load
  fill_measurement(record, m, 8.0);
  record.status = Status::ok;
  return record;
}

Record run_small_copy(Context& ctx, const Case& c) {
  Transfer t;
  t.bytes = c.bytes;
  switch (c.method) {
    case Method::peer_b2b:
    case Method::peer_b2b_sm:
    case Method::peer_b2b_issued:
    case Method::peer_roundtrip:
      t.name = fmt::format("{}->{}", c.src, c.dst);
      t.src = ctx.device_region(c.src, slot::send, c.bytes);
      t.dst = ctx.device_region(c.dst, slot::receive, c.bytes);
      t.stream = &ctx.stream(c.src);
      // cudaMemcpyPeerAsync: back to back it cost 2.32 µs per 4 B copy on H200 (2026-11-26) where
      // cudaMemcpyAsync over UVA cost 2.58 (2026-11-27).
      // peer_b2b_sm: the source's copy kernel (one small block below 16 bytes) writes the peer's
      // memory instead: a kernel launch queued behind the last, no copy-engine setup.
      t.engine = c.method == Method::peer_b2b_sm ? Engine::sm : Engine::copy_peer;
      break;
    case Method::h2d_b2b: {
      const int gpu = c.dst != kHost ? c.dst : c.src;
      t.name = "h2d";
      t.src = ctx.pinned_region(slot::host_send, c.bytes);
      t.dst = ctx.device_region(gpu, slot::receive, c.bytes);
      t.stream = &ctx.stream(gpu);
      break;
    }
    case Method::d2h_b2b: {
      const int gpu = c.src != kHost ? c.src : c.dst;
      t.name = "d2h";
      t.src = ctx.device_region(gpu, slot::send, c.bytes);
      t.dst = ctx.pinned_region(slot::host_receive, c.bytes);
      t.stream = &ctx.stream(gpu);
      break;
    }
    default:
      throw std::logic_error("run_small_copy: not a small-copy method");
  }
  TransferSet set;
  set.transfers.push_back(t);
  return run_transfer_set(ctx, c, set);
}

}  // namespace

Record run_latency(Context& ctx, const Case& c) {
  switch (c.method) {
    case Method::chase_peer:
    case Method::chase_host:
    case Method::chase_local:
      return run_chase(ctx, c);
    default:
      return run_small_copy(ctx, c);
  }
}

}  // namespace gx
