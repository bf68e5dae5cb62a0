#include "core/health.hpp"

#include <fmt/format.h>

namespace gx {

std::string recovery_action_name(int action) {
  switch (action) {
    case 0: return "none";
    case 1: return "GPU reset";
    case 2: return "node reboot";
    case 3: return "drain P2P";
    case 4: return "drain P2P and reset";
    case 5: return "recover IMEX domain";
    case 6: return "PCIe bus reset";
    case 7: return "system reboot";
    default: return fmt::format("action {}", action);
  }
}

// NVIDIA's XID catalogue (docs.nvidia.com/deploy/xid-errors): the events that mean the GPU or
// its memory or links are not to be trusted with work until acted on.
std::string critical_xid_meaning(std::uint64_t xid) {
  switch (xid) {
    case 48: return "double-bit ECC error (DBE)";
    case 63: return "row remapping event (ECC page retirement or row remap recorded)";
    case 64: return "row remapping failure (ECC page retirement or row remap failed)";
    case 74: return "NVLink error";
    case 79: return "GPU has fallen off the bus";
    case 92: return "high single-bit ECC error rate";
    case 94: return "contained ECC error";
    case 95: return "uncontained ECC error";
    case 119: return "GSP RPC timeout";
    case 120: return "GSP error";
    default: return "";
  }
}

Count counter_growth(const Count& before, const Count& after) {
  if (!before.has_value()) return Count::unknown(before.reason);
  if (!after.has_value()) return Count::unknown(after.reason);
  if (*after < *before) {
    return Count::unknown(fmt::format("the counter went back from {} to {} (driver reloaded?)", *before, *after));
  }
  return *after - *before;
}

Count nvlink_total(const Known<std::vector<NvlinkErrorCounters>>& links, Count NvlinkErrorCounters::*counter) {
  if (!links.has_value()) return Count::unknown(links.reason);
  std::uint64_t sum = 0;
  for (const auto& l : *links) {
    const Count& c = l.*counter;
    if (!c.has_value()) return Count::unknown(fmt::format("link {}: {}", l.link, c.reason));
    sum += *c;
  }
  return sum;
}

}  // namespace gx
