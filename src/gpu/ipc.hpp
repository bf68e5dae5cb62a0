#pragma once
// CUDA IPC: device memory of one process used by another on the same host (transfers
// between ranks on one node use the same copies and verification as one process). The exporter
// turns the start of a cudaMalloc allocation into an opaque handle (bytes that travel over MPI);
// the importer maps it into its own address space with peer access from its current GPU.
// Allocations from a stream-ordered pool cannot be exported; DeviceBuffer uses cudaMalloc.
#include <cstddef>
#include <string>

namespace gx {

// cudaIpcGetMemHandle of the allocation that starts at `allocation_base` (a DeviceBuffer's
// data()): the handle's bytes (CUDA_IPC_HANDLE_SIZE, 64).
[[nodiscard]] std::string export_ipc_handle(int device, const void* allocation_base);

// The handle's size in bytes, for checking what arrived.
[[nodiscard]] std::size_t ipc_handle_size() noexcept;

// Another process's allocation mapped into this one (cudaIpcOpenMemHandle with lazy peer
// access from `device`), unmapped on destruction (cudaIpcCloseMemHandle). The exporter must
// keep the allocation alive until every importer has destroyed its mapping. Move-only.
class IpcMapping {
 public:
  // Throws InputError when `handle` is not a handle's size, CudaError when CUDA refuses it
  // (another host's handle, a freed allocation, no peer access between the GPUs).
  IpcMapping(int device, const std::string& handle);
  ~IpcMapping();
  IpcMapping(IpcMapping&& other) noexcept;
  IpcMapping& operator=(IpcMapping&& other) noexcept;
  IpcMapping(const IpcMapping&) = delete;
  IpcMapping& operator=(const IpcMapping&) = delete;

  [[nodiscard]] void* data() const noexcept { return data_; }
  [[nodiscard]] int device() const noexcept { return device_; }

 private:
  void reset() noexcept;
  int device_ = 0;
  void* data_ = nullptr;
};

}  // namespace gx
