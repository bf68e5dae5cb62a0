#pragma once
// Pipelined staging GPU -> pinned host -> GPU: the copy is cut into chunks that flow through a
// ring of pinned buffers on two streams, so the D2H of chunk k+1 overlaps the H2D of chunk k.
// Shared by the staged suite and bench/.
#include <vector>

#include "suites/context.hpp"

namespace gx {

class StagingPipeline {
 public:
  // `staging` holds ring_depth chunks; `down` belongs to the source GPU, `up` to the destination.
  StagingPipeline(const Region& staging, std::size_t chunk_bytes, int ring_depth, const Stream& down, const Stream& up);
  // Enqueues one whole copy src -> dst (no waiting). Safe to call repeatedly: a buffer is reused
  // only after the H2D that read it, across calls too.
  void enqueue(unsigned char* dst, const unsigned char* src, std::size_t bytes);

 private:
  Region staging_;
  std::size_t chunk_;
  int ring_;
  const Stream& down_;
  const Stream& up_;
  std::vector<Event> copied_down_;  // buffer k holds its chunk
  std::vector<Event> copied_up_;    // buffer k may be overwritten
  std::size_t uses_ = 0;            // chunks sent through the ring so far
};

}  // namespace gx
