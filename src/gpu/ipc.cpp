#include "gpu/ipc.hpp"

#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include <cstring>
#include <utility>

#include "core/error.hpp"
#include "gpu/raii.hpp"

namespace gx {

std::string export_ipc_handle(int device, const void* allocation_base) {
  DeviceGuard guard(device);
  cudaIpcMemHandle_t handle{};
  GX_CUDA(cudaIpcGetMemHandle(&handle, const_cast<void*>(allocation_base)));
  return std::string(reinterpret_cast<const char*>(&handle), sizeof handle);
}

std::size_t ipc_handle_size() noexcept {
  return sizeof(cudaIpcMemHandle_t);
}

IpcMapping::IpcMapping(int device, const std::string& handle) : device_(device) {
  if (handle.size() != sizeof(cudaIpcMemHandle_t)) {
    throw InputError(fmt::format("CUDA IPC handle of {} bytes received; a handle has {}", handle.size(),
                                 sizeof(cudaIpcMemHandle_t)));
  }
  cudaIpcMemHandle_t h{};
  std::memcpy(&h, handle.data(), sizeof h);
  DeviceGuard guard(device);
  GX_CUDA(cudaIpcOpenMemHandle(&data_, h, cudaIpcMemLazyEnablePeerAccess));
}

IpcMapping::~IpcMapping() {
  reset();
}

IpcMapping::IpcMapping(IpcMapping&& other) noexcept
    : device_(other.device_), data_(std::exchange(other.data_, nullptr)) {}

IpcMapping& IpcMapping::operator=(IpcMapping&& other) noexcept {
  if (this != &other) {
    reset();
    device_ = other.device_;
    data_ = std::exchange(other.data_, nullptr);
  }
  return *this;
}

void IpcMapping::reset() noexcept {
  if (data_ == nullptr) return;
  int previous = 0;
  if (cudaGetDevice(&previous) == cudaSuccess && previous != device_) GX_CUDA_NOEXCEPT(cudaSetDevice(device_));
  GX_CUDA_NOEXCEPT(cudaIpcCloseMemHandle(data_));
  if (previous != device_) GX_CUDA_NOEXCEPT(cudaSetDevice(previous));
  data_ = nullptr;
}

}  // namespace gx
