#include "suites/pipeline.hpp"

#include <algorithm>

namespace gx {

StagingPipeline::StagingPipeline(const Region& staging, std::size_t chunk_bytes, int ring_depth, const Stream& down,
                                 const Stream& up)
    : staging_(staging), chunk_(chunk_bytes), ring_(ring_depth), down_(down), up_(up) {
  for (int k = 0; k < ring_; ++k) {
    copied_down_.emplace_back(down.device(), false);
    copied_up_.emplace_back(up.device(), false);
  }
}

void StagingPipeline::enqueue(unsigned char* dst, const unsigned char* src, std::size_t bytes) {
  for (std::size_t offset = 0; offset < bytes; offset += chunk_, ++uses_) {
    const std::size_t n = std::min(chunk_, bytes - offset);
    const std::size_t k = uses_ % static_cast<std::size_t>(ring_);
    unsigned char* bounce = staging_.data + k * chunk_;
    if (uses_ >= static_cast<std::size_t>(ring_)) stream_wait(down_, copied_up_[k]);
    copy_async(bounce, src + offset, n, down_);
    copied_down_[k].record(down_);
    stream_wait(up_, copied_down_[k]);
    copy_async(dst + offset, bounce, n, up_);
    copied_up_[k].record(up_);
  }
}

}  // namespace gx
