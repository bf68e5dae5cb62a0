// latency: small copies end to end (back to back on a stream, device-timed; or issue-and-wait,
// host-timed) and dependent loads by a pointer chase over peer, host or local memory.
#include <fmt/format.h>

#include <stdexcept>

#include "core/chase.hpp"
#include "core/plan.hpp"
#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

// Pointer chase (core/chase.hpp): one thread walks a random cycle over the working set, one
// kernel of kChaseSteps dependent loads per operation. The walk goes on from operation to
// operation through a cursor in the runner's memory, so the timed loads keep reaching lines the
// walk has not touched for a whole cycle, as a latency probe must.
Record run_chase(Context& ctx, const Case& c) {
  const int runner = c.method == Method::chase_peer ? c.src : (c.src != kHost ? c.src : c.dst);
  const std::uint64_t lines = chase_lines(c.bytes);
  const std::uint64_t chain_bytes = lines * kChaseStrideBytes;
  const std::vector<std::uint64_t> next = chase_cycle(lines, ctx.next_seed());
  const double timeout = ctx.settings().measure.timeout_seconds;
  // Chain in the memory under test; the cursor and the host-visible end index beside the runner.
  Region memory = c.method == Method::chase_host
                      ? ctx.pinned_region(slot::chase, chain_bytes)
                      : ctx.device_region(c.method == Method::chase_peer ? c.dst : runner, slot::chase, chain_bytes);
  const Stream& stream = ctx.stream(runner);
  auto* chain = reinterpret_cast<std::uint64_t*>(memory.data);
  if (memory.kind == MemoryKind::pinned) {
    write_chase_chain(next, chain);
  } else {
    // Built on the host and uploaded; the image is freed once it is on the GPU.
    std::vector<std::uint64_t> image(chain_bytes / 8);
    write_chase_chain(next, image.data());
    copy_async(memory.data, image.data(), chain_bytes, stream);
    wait_for(stream, timeout);
  }
  Region cursor = ctx.device_region(runner, slot::chase + 1, kChaseCursorBytes);
  Region sink = ctx.pinned_region(slot::chase + 1, 8);
  auto* result = reinterpret_cast<std::uint64_t*>(sink.data);
  // The walk starts at slot 0 (on the cycle like every slot); `walk` mirrors the device cursor:
  // it counts the operations enqueued, which run in that order on the one stream.
  ChaseCursor walk(next, kChaseSteps);
  {
    const std::uint64_t start = walk.word();
    copy_async(cursor.data, &start, sizeof start, stream);
    wait_for(stream, timeout);
  }
  auto enqueue_chase = [&] {
    DeviceGuard guard(runner);
    kernels::launch_pointer_chase(chain, kChaseSteps, reinterpret_cast<std::uint64_t*>(cursor.data), result,
                                  stream.get());
    walk.advance();
  };

  Record record;
  record.test = c;
  const bool verify = ctx.settings().verify;
  auto ended_where_expected = [&](const char* what) {
    wait_for(stream, timeout);
    const std::uint64_t got = *result;
    if (got == walk.word()) return true;
    record.verified = true;
    record.mismatches = 1;
    record.status = Status::failed;
    record.reason = fmt::format("pointer chase {} ended at word {} instead of {} (after {} loads from slot 0)", what,
                                got, walk.word(), walk.loads());
    return false;
  };
  if (verify) {
    *result = ~0ull;
    enqueue_chase();
    if (!ended_where_expected("check")) return record;
  }
  // Once round the cycle (at most kChaseWarmLoadsMax loads) before measuring: the lines the upload
  // left in L2 are gone and the walk is in its steady state.
  for (std::uint64_t k = chase_warm_ops(lines, kChaseSteps); k > 0; --k) enqueue_chase();
  wait_for(stream, timeout);
  Measurement m = measure_device(ctx.gates(), {&stream}, enqueue_chase, ctx.settings().measure);
  // Every operation, warm-up and calibration sample included, went on from where the previous
  // one stopped: the cursor's end equals the host's walk of all their loads from slot 0.
  if (verify && !ended_where_expected("run")) return record;
  record.verified = verify;
  ChaseWalk covered;
  covered.lines = lines;
  covered.steps_per_op = kChaseSteps;
  covered.loads_timed = static_cast<std::uint64_t>(m.seconds_per_op.size()) * m.ops_per_sample * kChaseSteps;
  covered.loads_before_samples = walk.loads() - covered.loads_timed;
  record.chase = covered;
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
      // cudaMemcpyPeerAsync: back to back it costs less per small copy than cudaMemcpyAsync over
      // UVA, which goes through the driver's generic path.
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
    default: throw std::logic_error("run_small_copy: not a small-copy method");
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
    case Method::chase_local: return run_chase(ctx, c);
    default: return run_small_copy(ctx, c);
  }
}

}  // namespace gx
