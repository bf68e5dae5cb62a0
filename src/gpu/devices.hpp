#pragma once
// GPU inventory and P2P enablement. The public surface has no CUDA types, so src/cli can use
// it without CUDA headers.
#include <string>
#include <vector>

#include "core/device_select.hpp"
#include "core/model.hpp"

namespace gx {

// Identities of every GPU CUDA can see (after CUDA_VISIBLE_DEVICES). Throws CannotRunError with
// a plain cause when there is no driver or no GPU.
[[nodiscard]] std::vector<DeviceIdentity> visible_devices();

// Everything `gpuxfer list` shows for the selected CUDA ordinals, and the pair matrix between
// them. Does not change P2P state.
[[nodiscard]] SystemInfo inventory(const std::vector<int>& selected);

// Enables peer access for every pair of `system` that can (each direction is its own ordered
// pair); "already enabled" counts as success. Records per pair whether it worked and why not.
void enable_peer_access(SystemInfo& system);

// Versions for --version; never throws (no driver -> unknown with the reason).
struct DriverVersions {
  Known<int> cuda_driver_version;
  Known<int> cuda_runtime_version;
  Known<std::string> driver_release;
};
[[nodiscard]] DriverVersions driver_versions();

}  // namespace gx
