// host: one GPU to and from host memory (pinned and pageable), both directions at once, and all
// GPUs at once (aggregate host bandwidth).
#include <stdexcept>

#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

// Host buffers of one GPU come from its own slots so all-GPU cases use distinct memory.
Region host_region(Context& ctx, bool pinned, int base_slot, int gpu, std::size_t bytes) {
  const int slot = base_slot + 2 * (gpu + 1);
  return pinned ? ctx.pinned_region(slot, bytes) : ctx.pageable_region(slot, bytes);
}

Transfer to_device(Context& ctx, int gpu, std::size_t bytes, bool pinned, int stream_index) {
  Transfer t;
  t.name = "h2d " + std::to_string(gpu);
  t.src = host_region(ctx, pinned, slot::host_send, gpu, bytes);
  t.dst = ctx.device_region(gpu, slot::receive, bytes);
  t.bytes = bytes;
  t.stream = &ctx.stream(gpu, stream_index);
  return t;
}

Transfer to_host(Context& ctx, int gpu, std::size_t bytes, bool pinned, int stream_index) {
  Transfer t;
  t.name = "d2h " + std::to_string(gpu);
  t.src = ctx.device_region(gpu, slot::send, bytes);
  t.dst = host_region(ctx, pinned, slot::host_receive, gpu, bytes);
  t.bytes = bytes;
  t.stream = &ctx.stream(gpu, stream_index);
  return t;
}

}  // namespace

Record run_host(Context& ctx, const Case& c) {
  TransferSet set;
  const int gpu = c.src != kHost ? c.src : c.dst;
  switch (c.method) {
    case Method::h2d_pinned:
    case Method::h2d_pageable:
      bind_thread_near(ctx, gpu);
      set.transfers.push_back(to_device(ctx, gpu, c.bytes, c.method == Method::h2d_pinned, 0));
      break;
    case Method::d2h_pinned:
    case Method::d2h_pageable:
      bind_thread_near(ctx, gpu);
      set.transfers.push_back(to_host(ctx, gpu, c.bytes, c.method == Method::d2h_pinned, 0));
      break;
    case Method::bidir_pinned:
      bind_thread_near(ctx, gpu);
      set.transfers.push_back(to_device(ctx, gpu, c.bytes, true, 0));
      set.transfers.push_back(to_host(ctx, gpu, c.bytes, true, 1));
      break;
    case Method::all_h2d:
    case Method::all_d2h:
      for (int device : c.devices) {
        set.transfers.push_back(c.method == Method::all_h2d ? to_device(ctx, device, c.bytes, true, 0)
                                                            : to_host(ctx, device, c.bytes, true, 0));
      }
      break;
    default: throw std::logic_error("run_host: not a host method");
  }
  return run_transfer_set(ctx, c, set);
}

}  // namespace gx
