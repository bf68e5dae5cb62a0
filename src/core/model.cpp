#include "core/model.hpp"

#include <fmt/format.h>

namespace gx {

std::string_view to_string(NvlinkRemote remote) {
  switch (remote) {
    case NvlinkRemote::gpu: return "gpu";
    case NvlinkRemote::nvswitch: return "nvswitch";
    case NvlinkRemote::other: return "other";
  }
  return "other";
}

NvlinkRemote parse_nvlink_remote(std::string_view text) {
  if (text == "gpu") return NvlinkRemote::gpu;
  if (text == "nvswitch") return NvlinkRemote::nvswitch;
  return NvlinkRemote::other;
}

const PairInfo* find_pair(const SystemInfo& system, int src, int dst) {
  for (const auto& pair : system.pairs) {
    if (pair.src == src && pair.dst == dst) return &pair;
  }
  return nullptr;
}

std::string format_cuda_version(int version) {
  return fmt::format("{}.{}", version / 1000, (version % 1000) / 10);
}

}  // namespace gx
