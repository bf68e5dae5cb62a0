#include "gpu/nccl/nccl.hpp"

#include <fmt/format.h>
#include <nccl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace gx {
namespace {

ncclComm_t as_comm(void* comm) { return static_cast<ncclComm_t>(comm); }

std::string error_text(int code) {
  std::string text = ncclGetErrorString(static_cast<ncclResult_t>(code));
  // The detail of the last failure (which transport, which peer), when NCCL has one.
  if (const char* last = ncclGetLastError(nullptr); last != nullptr && *last != '\0') {
    text += fmt::format(" ({})", last);
  }
  return text;
}

}  // namespace

NcclError::NcclError(int code, const char* expression, const char* file, int line)
    : DeviceError(fmt::format("NCCL error: {} failed: {} at {}:{}", expression, error_text(code), file, line)),
      code_(code) {}

void nccl_check(int code, const char* expression, const char* file, int line) {
  if (code != static_cast<int>(ncclSuccess)) throw NcclError(code, expression, file, line);
}

std::string nccl_version() {
  int version = 0;
  GX_NCCL(ncclGetVersion(&version));
  // NCCL >= 2.9 encodes major * 10000 + minor * 100 + patch.
  return fmt::format("{}.{}.{}", version / 10000, version / 100 % 100, version % 100);
}

std::string disable_nvls() {
  const char* before = std::getenv("NCCL_NVLS_ENABLE");
  std::string previous = before != nullptr ? before : "";
  ::setenv("NCCL_NVLS_ENABLE", "0", 1);
  return previous;
}

std::string nccl_unique_id() {
  ncclUniqueId id{};
  GX_NCCL(ncclGetUniqueId(&id));
  return std::string(id.internal, sizeof id.internal);
}

NcclComm::NcclComm(int device, int ranks, int rank, const std::string& unique_id) : device_(device) {
  ncclUniqueId id{};
  if (unique_id.size() != sizeof id.internal) {
    throw InputError(fmt::format("NCCL unique id of {} bytes received; an id has {}", unique_id.size(),
                                 sizeof id.internal));
  }
  std::memcpy(id.internal, unique_id.data(), sizeof id.internal);
  DeviceGuard guard(device);
  ncclComm_t comm = nullptr;
  GX_NCCL(ncclCommInitRank(&comm, ranks, id, rank));
  comm_ = comm;
}

NcclComm::~NcclComm() { reset(); }

NcclComm::NcclComm(NcclComm&& other) noexcept
    : device_(other.device_), comm_(std::exchange(other.comm_, nullptr)), abort_(other.abort_) {}

NcclComm& NcclComm::operator=(NcclComm&& other) noexcept {
  if (this != &other) {
    reset();
    device_ = other.device_;
    comm_ = std::exchange(other.comm_, nullptr);
    abort_ = other.abort_;
  }
  return *this;
}

void NcclComm::reset() noexcept {
  if (comm_ == nullptr) return;
  const ncclResult_t rc = abort_ ? ncclCommAbort(as_comm(comm_)) : ncclCommDestroy(as_comm(comm_));
  if (rc != ncclSuccess) {
    // Destructors never throw; nobody is left to report to but stderr.
    std::fprintf(stderr, "gpuxfer: warning: %s failed: %s\n", abort_ ? "ncclCommAbort" : "ncclCommDestroy",
                 ncclGetErrorString(rc));
  }
  comm_ = nullptr;
}

void NcclComm::send(const void* buffer, std::size_t bytes, int peer, const Stream& stream) const {
  GX_NCCL(ncclSend(buffer, bytes, ncclUint8, peer, as_comm(comm_), stream.get()));
}

void NcclComm::recv(void* buffer, std::size_t bytes, int peer, const Stream& stream) const {
  GX_NCCL(ncclRecv(buffer, bytes, ncclUint8, peer, as_comm(comm_), stream.get()));
}

void NcclComm::send_recv(const void* send_buffer, void* recv_buffer, std::size_t bytes, int peer,
                         const Stream& stream) const {
  GX_NCCL(ncclGroupStart());
  try {
    GX_NCCL(ncclSend(send_buffer, bytes, ncclUint8, peer, as_comm(comm_), stream.get()));
    GX_NCCL(ncclRecv(recv_buffer, bytes, ncclUint8, peer, as_comm(comm_), stream.get()));
  } catch (...) {
    (void)ncclGroupEnd();  // never leave the group open; the first error is what counts
    throw;
  }
  GX_NCCL(ncclGroupEnd());
}

}  // namespace gx
