// staged: GPU -> host -> GPU. naive (D2H, wait, H2D through one pinned buffer), pageable (the
// same through ordinary memory: what .cpu().to() does), and pipelined: chunks through a ring of
// pinned buffers so the D2H of chunk k+1 overlaps the H2D of chunk k.
#include <fmt/format.h>

#include <stdexcept>

#include "suites/pipeline.hpp"
#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

// What a pipelined case runs with when the plan leaves it to this run's tuning.
constexpr std::uint64_t kDefaultChunk = 8ull << 20;
constexpr int kDefaultRing = 3;

Record run_pipelined(Context& ctx, Case c) {
  if (c.chunk_bytes == 0 || c.ring_depth == 0) {
    const auto best = ctx.best_pipeline.value_or(std::make_pair(kDefaultChunk, kDefaultRing));
    c.chunk_bytes = best.first;
    c.ring_depth = best.second;
  }
  const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(c.chunk_bytes, c.bytes));
  const int ring = c.ring_depth;
  const Region src = ctx.device_region(c.src, slot::send, c.bytes);
  const Region dst = ctx.device_region(c.dst, slot::receive, c.bytes);
  const Region staging = ctx.pinned_region(slot::staging, chunk * static_cast<std::size_t>(ring));
  const Stream& down = ctx.stream(c.src, 1);  // D2H
  const Stream& up = ctx.stream(c.dst, 1);    // H2D
  StagingPipeline pipeline(staging, chunk, ring, down, up);

  TransferSet set;
  Transfer whole;
  whole.name = fmt::format("{}->host->{}", c.src, c.dst);
  whole.src = src;
  whole.dst = dst;
  whole.bytes = c.bytes;
  whole.stream = &up;
  set.verify_transfers.push_back(whole);
  Transfer d2h = whole;
  d2h.name = "d2h";
  d2h.stream = &down;
  Transfer h2d = whole;
  h2d.name = "h2d";
  set.transfers = {d2h, h2d};  // the two timed streams
  set.bytes_per_op = static_cast<double>(c.bytes);
  set.custom_enqueue = [&] { pipeline.enqueue(dst.data, src.data, c.bytes); };
  return run_transfer_set(ctx, c, set);
}

}  // namespace

Record run_staged(Context& ctx, const Case& c) {
  // Staging memory and the issuing thread belong near the source GPU (its CPUs and NUMA node).
  bind_thread_near(ctx, c.src);
  if (c.method == Method::pipelined) return run_pipelined(ctx, c);
  if (c.method != Method::naive && c.method != Method::pageable) {
    throw std::logic_error("run_staged: not a staged method");
  }
  const Region bounce = c.method == Method::naive ? ctx.pinned_region(slot::staging, c.bytes)
                                                  : ctx.pageable_region(slot::staging, c.bytes);
  Transfer down;
  down.name = fmt::format("{}->host", c.src);
  down.src = ctx.device_region(c.src, slot::send, c.bytes);
  down.dst = bounce;
  down.bytes = c.bytes;
  down.stream = &ctx.stream(c.src);
  Transfer up;
  up.name = fmt::format("host->{}", c.dst);
  up.src = bounce;
  up.dst = ctx.device_region(c.dst, slot::receive, c.bytes);
  up.bytes = c.bytes;
  up.stream = &ctx.stream(c.dst);
  up.chained = true;
  TransferSet set;
  set.transfers = {down, up};
  set.bytes_per_op = static_cast<double>(c.bytes);  // the tensor moves once, GPU to GPU
  return run_transfer_set(ctx, c, set);
}

}  // namespace gx
