#pragma once
// The pair matrix of a synthetic system, shared by the tests that build one (plan, compute,
// many GPUs, check, the MPI rank reports): every ordered pair of the system's GPUs, P2P enabled,
// with the link class and theoretical rate the test chooses per pair.
#include <functional>

#include "core/model.hpp"

namespace gx::test {

struct SyntheticLink {
  LinkClass link;          // {"NV18", 18}, {"SYS", 0}, ...
  double bytes_per_s = 0;  // theoretical, per direction
};

// Appends a PairInfo for every ordered pair (a, b), a != b, of s.devices' indices.
inline void add_every_pair(SystemInfo& s, const std::function<SyntheticLink(int a, int b)>& link_of) {
  for (const auto& a : s.devices) {
    for (const auto& b : s.devices) {
      if (a.index == b.index) continue;
      PairInfo p;
      p.src = a.index;
      p.dst = b.index;
      p.can_access_peer = true;
      p.peer_enabled = true;
      const SyntheticLink l = link_of(a.index, b.index);
      p.link = l.link;
      p.theoretical_bytes_per_s = l.bytes_per_s;
      s.pairs.push_back(p);
    }
  }
}

}  // namespace gx::test
