// async: concurrent peer traffic with streams and events — a pair both ways at once (copy
// engines or SM kernels), every pair at once, one-to-all scatter, all-to-one gather, and one
// copy split over several streams.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

Transfer peer_transfer(Context& ctx, int src, int dst, int receive_slot, std::size_t bytes, int stream_index,
                       Engine engine) {
  Transfer t;
  t.name = fmt::format("{}->{}", src, dst);
  t.src = ctx.device_region(src, slot::send, bytes);
  t.dst = ctx.device_region(dst, receive_slot, bytes);
  t.bytes = bytes;
  t.stream = &ctx.stream(src, stream_index);  // writes: issued by the source
  t.engine = engine;
  return t;
}

int index_among_others(const std::vector<int>& devices, int self, int other) {
  int k = 0;
  for (int d : devices) {
    if (d == self) continue;
    if (d == other) return k;
    ++k;
  }
  return 0;
}

}  // namespace

Record run_async(Context& ctx, const Case& c) {
  TransferSet set;
  switch (c.method) {
    case Method::bidir_ce:
    case Method::bidir_sm: {
      const Engine engine = c.method == Method::bidir_ce ? Engine::copy_peer : Engine::sm;
      set.transfers.push_back(peer_transfer(ctx, c.src, c.dst, slot::receive, c.bytes, 0, engine));
      set.transfers.push_back(peer_transfer(ctx, c.dst, c.src, slot::receive, c.bytes, 0, engine));
      break;
    }
    case Method::all_pairs_ce:
      // Each source sends to each destination on its own stream; each destination receives
      // every source into its own buffer.
      for (int src : c.devices) {
        for (int dst : c.devices) {
          if (src == dst) continue;
          set.transfers.push_back(peer_transfer(ctx, src, dst, slot::receive + index_among_others(c.devices, dst, src),
                                                c.bytes, index_among_others(c.devices, src, dst), Engine::copy_peer));
        }
      }
      break;
    case Method::all_pairs_sm:
    case Method::all_pairs_shift_ce: {
      // Step k = 1 .. n-1: every GPU i sends to GPU i+k (mod n), so within a step each GPU sends
      // one copy and receives one. all_pairs_sm runs the steps at once, step k on stream k-1
      // of each source with 1/(n-1) of its resident block slots; all_pairs_shift_ce runs them
      // in turn on one stream per source (enqueued step by step, so the steps stay aligned).
      // Concurrent copy-engine copies (all_pairs_ce) share a GPU's links unevenly, differently
      // in every sample; these two are the steady ways to load every link at once.
      const bool shift = c.method == Method::all_pairs_shift_ce;
      const int n = static_cast<int>(c.devices.size());
      for (int k = 1; k < n; ++k) {
        for (int i = 0; i < n; ++i) {
          const int src = c.devices[static_cast<std::size_t>(i)];
          const int dst = c.devices[static_cast<std::size_t>((i + k) % n)];
          Transfer t = peer_transfer(ctx, src, dst, slot::receive + index_among_others(c.devices, dst, src), c.bytes,
                                     shift ? 0 : k - 1, shift ? Engine::copy_peer : Engine::sm);
          if (!shift) t.sm_share = n - 1;
          set.transfers.push_back(std::move(t));
        }
      }
      break;
    }
    case Method::scatter_ce: {
      const int hub = c.devices.front();
      for (int dst : c.devices) {
        if (dst == hub) continue;
        set.transfers.push_back(peer_transfer(ctx, hub, dst, slot::receive, c.bytes,
                                              index_among_others(c.devices, hub, dst), Engine::copy_peer));
      }
      break;
    }
    case Method::gather_ce: {
      const int hub = c.devices.front();
      for (int src : c.devices) {
        if (src == hub) continue;
        set.transfers.push_back(peer_transfer(ctx, src, hub, slot::receive + index_among_others(c.devices, hub, src),
                                              c.bytes, 0, Engine::copy_peer));
      }
      break;
    }
    case Method::split_ce: {
      // Pieces are verified as the one copy they make up (their boundaries have no guards).
      const Transfer whole = peer_transfer(ctx, c.src, c.dst, slot::receive, c.bytes, 0, Engine::copy_peer);
      set.verify_transfers.push_back(whole);
      const int pieces = std::max(1, c.streams);
      const std::size_t piece = (c.bytes / static_cast<std::size_t>(pieces) + 4095) / 4096 * 4096;
      int index = 0;
      for (std::size_t offset = 0; offset < c.bytes; offset += piece, ++index) {
        Transfer t = whole;
        t.name = fmt::format("piece {}", index);
        t.bytes = std::min(piece, static_cast<std::size_t>(c.bytes) - offset);
        t.src.data += offset;
        t.dst.data += offset;
        t.stream = &ctx.stream(c.src, index);
        set.transfers.push_back(t);
      }
      break;
    }
    default: throw std::logic_error("run_async: not an async method");
  }
  return run_transfer_set(ctx, c, set);
}

}  // namespace gx
