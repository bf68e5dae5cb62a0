// peer: one GPU to another over P2P — copy engine issued by source (write) or destination
// (read), SM kernel pushing or pulling — and the driver's fallback with peer access disabled.
#include "suites/suites.hpp"
#include "suites/transfer.hpp"

namespace gx {
namespace {

// Disables peer access both ways for its scope, so cudaMemcpyPeerAsync takes the driver's
// staged path; restores it after, even when the case throws.
class PeerAccessOff {
 public:
  PeerAccessOff(int a, int b) : a_(a), b_(b) {
    set_peer_access(a_, b_, false);
    set_peer_access(b_, a_, false);
  }
  ~PeerAccessOff() {
    try {
      set_peer_access(a_, b_, true);
      set_peer_access(b_, a_, true);
    } catch (...) {
      // Re-enabling failed: the next P2P case reports the error itself.
    }
  }
  PeerAccessOff(const PeerAccessOff&) = delete;
  PeerAccessOff& operator=(const PeerAccessOff&) = delete;

 private:
  int a_;
  int b_;
};

}  // namespace

Record run_peer(Context& ctx, const Case& c) {
  Transfer t;
  t.name = std::to_string(c.src) + "->" + std::to_string(c.dst);
  t.src = ctx.device_region(c.src, slot::send, c.bytes);
  t.dst = ctx.device_region(c.dst, slot::receive, c.bytes);
  t.bytes = c.bytes;
  const bool issued_by_source =
      c.method == Method::ce_write || c.method == Method::sm_push || c.method == Method::ce_no_p2p;
  t.stream = &ctx.stream(issued_by_source ? c.src : c.dst);
  t.engine = (c.method == Method::sm_push || c.method == Method::sm_pull) ? Engine::sm : Engine::copy_peer;
  TransferSet set;
  set.transfers.push_back(t);
  if (c.method == Method::ce_no_p2p) {
    PeerAccessOff off(c.src, c.dst);
    return run_transfer_set(ctx, c, set);
  }
  return run_transfer_set(ctx, c, set);
}

}  // namespace gx
