#pragma once
// Owners of CUDA state. Move-only; the only place that creates handles or sets the device.
#include <cuda_runtime_api.h>

#include "gpu/check.hpp"

namespace gx {

// Makes `device` current for its scope and restores the previous device after.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    GX_CUDA(cudaGetDevice(&previous_));
    if (device != previous_) GX_CUDA(cudaSetDevice(device));
  }
  ~DeviceGuard() { GX_CUDA_NOEXCEPT(cudaSetDevice(previous_)); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace gx
