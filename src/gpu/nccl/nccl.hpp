#pragma once
// NCCL point-to-point between the ranks of a multi-process run: ncclSend / ncclRecv
// on one world communicator, across hosts and, for comparison with CUDA IPC, on one host.
// Device layer: the only code that includes nccl.h. Built into gpuxfer_nccl only when
// GPUXFER_WITH_NCCL found nccl.h (GPUXFER_HAVE_NCCL). Nothing links libnccl: it is loaded at run
// time (gpu/library_loader) on first use, and a machine without it skips the NCCL cases.
//
// NVLink SHARP / multicast (NVLS) is switched off before the communicator exists
// (NCCL_NVLS_ENABLE=0): it is not needed for send/recv and can take a shared host's GPUs down.
#include <cstddef>
#include <string>

#include "core/error.hpp"
#include "gpu/library_loader.hpp"
#include "gpu/raii.hpp"

namespace gx {

// An NCCL call failed: which call, ncclGetErrorString, ncclGetLastError's detail, where. Exit
// code 4 like a CUDA error.
class NcclError : public DeviceError {
 public:
  NcclError(int code, const char* expression, const char* file, int line);
  [[nodiscard]] int code() const noexcept { return code_; }

 private:
  int code_;
};

void nccl_check(int code, const char* expression, const char* file, int line);

// libnccl.so.<NCCL_MAJOR of the header> and the wheel folders that ship it.
[[nodiscard]] LibrarySpec nccl_spec();
// A loaded copy's check: NCCL_MAJOR of the header, every entry point (as gpu/library_loader wants).
[[nodiscard]] std::string check_nccl(void* handle, std::string& version);
// The process's NCCL, searched once on first use; every call below throws DeviceError naming
// the reason when it is not usable.
[[nodiscard]] const LibraryStatus& nccl_library_status();
[[nodiscard]] bool nccl_available();

// "2.28.3" (ncclGetVersion of the library loaded).
[[nodiscard]] std::string nccl_version();

// Sets NCCL_NVLS_ENABLE=0 in this process's environment (before any communicator is made) and
// returns the value it had, or "" when unset, so the caller can say that it was overridden.
std::string disable_nvls();

// ncclGetUniqueId on one rank, as bytes to broadcast to the others (NCCL_UNIQUE_ID_BYTES).
[[nodiscard]] std::string nccl_unique_id();

// One rank's member of an NCCL communicator of `ranks` ranks, on `device`
// (ncclCommInitRank: collective, every rank must construct it with the same id).
// Destruction: ncclCommDestroy, or ncclCommAbort after abort_on_destroy() (a transfer hung or
// failed: Destroy would wait for it forever). Move-only.
class NcclComm {
 public:
  NcclComm(int device, int ranks, int rank, const std::string& unique_id);
  ~NcclComm();
  NcclComm(NcclComm&& other) noexcept;
  NcclComm& operator=(NcclComm&& other) noexcept;
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  [[nodiscard]] int device() const noexcept { return device_; }
  void abort_on_destroy() noexcept { abort_ = true; }

  // Enqueue on `stream` (of this communicator's device); bytes move as ncclUint8.
  void send(const void* buffer, std::size_t bytes, int peer, const Stream& stream) const;
  void recv(void* buffer, std::size_t bytes, int peer, const Stream& stream) const;
  // Both at once (one NCCL group): send `send_buffer` to `peer` while receiving from it.
  void send_recv(const void* send_buffer, void* recv_buffer, std::size_t bytes, int peer, const Stream& stream) const;

 private:
  void reset() noexcept;
  int device_ = 0;
  void* comm_ = nullptr;  // ncclComm_t, kept opaque so nccl.h stays inside this module
  bool abort_ = false;
};

}  // namespace gx

#define GX_NCCL(expr) ::gx::nccl_check(static_cast<int>(expr), #expr, __FILE__, __LINE__)
