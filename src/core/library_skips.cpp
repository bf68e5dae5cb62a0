#include "core/library_skips.hpp"

namespace gx {

bool needs_blas(const Case& c) {
  return c.suite == Suite::gemm || c.suite == Suite::overlap;
}

std::size_t skip_cases_needing_blas(std::vector<Case>& cases, const std::string& reason) {
  if (reason.empty()) return 0;
  std::size_t marked = 0;
  for (Case& c : cases) {
    // A case skipped for its own reason (too few GPUs, no P2P, does not fit) keeps it: that
    // reason holds whatever libraries are installed.
    if (!needs_blas(c) || !c.skip_reason.empty()) continue;
    c.skip_reason = reason;
    ++marked;
  }
  return marked;
}

}  // namespace gx
