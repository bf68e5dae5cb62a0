#include "gpu/nccl/nccl.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <nccl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace gx {
namespace {

// Every NCCL function gpuxfer calls, taken from the library loaded at run time (nothing links
// libnccl). A copy lacking one is not usable.
#define GX_NCCL_FUNCTIONS(X) \
  X(ncclGetVersion)          \
  X(ncclGetErrorString)      \
  X(ncclGetLastError)        \
  X(ncclGetUniqueId)         \
  X(ncclCommInitRank)        \
  X(ncclCommDestroy)         \
  X(ncclCommAbort)           \
  X(ncclGroupStart)          \
  X(ncclGroupEnd)            \
  X(ncclSend)                \
  X(ncclRecv)

struct NcclApi {
#define GX_NCCL_POINTER(name) decltype(&::name) name = nullptr;
  GX_NCCL_FUNCTIONS(GX_NCCL_POINTER)
#undef GX_NCCL_POINTER
};

std::string resolve_nccl(void* handle, NcclApi& api) {
#define GX_NCCL_RESOLVE(name)                                            \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(handle, #name)); \
  if (api.name == nullptr) return missing_symbol_reason(#name);
  GX_NCCL_FUNCTIONS(GX_NCCL_RESOLVE)
#undef GX_NCCL_RESOLVE
  return {};
}

struct LoadedNccl {
  LoadedLibrary library;
  NcclApi api;
};

const LoadedNccl& loaded() {
  static const LoadedNccl instance = [] {
    LoadedNccl l;
    const LibrarySpec spec = nccl_spec();
    l.library = load_library(spec, search_places(spec, process_search_context()), check_nccl);
    if (l.library.handle != nullptr) (void)resolve_nccl(l.library.handle, l.api);
    return l;
  }();
  return instance;
}

// The table; throws DeviceError (exit 4) naming why NCCL is not usable.
const NcclApi& api() {
  const LoadedNccl& l = loaded();
  if (l.library.handle == nullptr) {
    throw DeviceError(fmt::format("NCCL not usable: {}", l.library.status.reason));
  }
  return l.api;
}

ncclComm_t as_comm(void* comm) {
  return static_cast<ncclComm_t>(comm);
}

std::string error_text(int code) {
  if (loaded().library.handle == nullptr) return fmt::format("NCCL result {}", code);
  std::string text = api().ncclGetErrorString(static_cast<ncclResult_t>(code));
  // The detail of the last failure (which transport, which peer), when NCCL has one.
  if (const char* last = api().ncclGetLastError(nullptr); last != nullptr && *last != '\0') {
    text += fmt::format(" ({})", last);
  }
  return text;
}

}  // namespace

LibrarySpec nccl_spec() {
  return {"NCCL",
          fmt::format("libnccl.so.{}", NCCL_MAJOR),
          CUDART_VERSION / 1000,
          {"nvidia/nccl/lib", fmt::format("nvidia/cu{}/lib", CUDART_VERSION / 1000)}};
}

std::string check_nccl(void* handle, std::string& version) {
  const auto get_version = reinterpret_cast<decltype(&::ncclGetVersion)>(dlsym(handle, "ncclGetVersion"));
  if (get_version == nullptr) return missing_symbol_reason("ncclGetVersion");
  int code = 0;
  if (get_version(&code) != ncclSuccess) return "ncclGetVersion failed: no version";
  // NCCL >= 2.9 encodes major * 10000 + minor * 100 + patch; older ones come out as major 0.
  version = version_from_code(code);
  if (code / 10000 != NCCL_MAJOR) {
    return fmt::format("version {}, gpuxfer needs major {} (2.9 or newer)", version, NCCL_MAJOR);
  }
  NcclApi table;
  return resolve_nccl(handle, table);
}

const LibraryStatus& nccl_library_status() {
  return loaded().library.status;
}
bool nccl_available() {
  return loaded().library.handle != nullptr;
}

NcclError::NcclError(int code, const char* expression, const char* file, int line)
    : DeviceError(fmt::format("NCCL error: {} failed: {} at {}:{}", expression, error_text(code), file, line)),
      code_(code) {}

void nccl_check(int code, const char* expression, const char* file, int line) {
  if (code != static_cast<int>(ncclSuccess)) throw NcclError(code, expression, file, line);
}

std::string nccl_version() {
  int version = 0;
  GX_NCCL(api().ncclGetVersion(&version));
  return version_from_code(version);
}

std::string disable_nvls() {
  const char* before = std::getenv("NCCL_NVLS_ENABLE");
  std::string previous = before != nullptr ? before : "";
  ::setenv("NCCL_NVLS_ENABLE", "0", 1);
  return previous;
}

std::string nccl_unique_id() {
  ncclUniqueId id{};
  GX_NCCL(api().ncclGetUniqueId(&id));
  return std::string(id.internal, sizeof id.internal);
}

NcclComm::NcclComm(int device, int ranks, int rank, const std::string& unique_id) : device_(device) {
  ncclUniqueId id{};
  if (unique_id.size() != sizeof id.internal) {
    throw InputError(
        fmt::format("NCCL unique id of {} bytes received; an id has {}", unique_id.size(), sizeof id.internal));
  }
  std::memcpy(id.internal, unique_id.data(), sizeof id.internal);
  DeviceGuard guard(device);
  ncclComm_t comm = nullptr;
  GX_NCCL(api().ncclCommInitRank(&comm, ranks, id, rank));
  comm_ = comm;
}

NcclComm::~NcclComm() {
  reset();
}

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
  const ncclResult_t rc = abort_ ? api().ncclCommAbort(as_comm(comm_)) : api().ncclCommDestroy(as_comm(comm_));
  if (rc != ncclSuccess) {
    // Destructors never throw; nobody is left to report to but stderr.
    std::fprintf(stderr, "gpuxfer: warning: %s failed: %s\n", abort_ ? "ncclCommAbort" : "ncclCommDestroy",
                 api().ncclGetErrorString(rc));
  }
  comm_ = nullptr;
}

void NcclComm::send(const void* buffer, std::size_t bytes, int peer, const Stream& stream) const {
  GX_NCCL(api().ncclSend(buffer, bytes, ncclUint8, peer, as_comm(comm_), stream.get()));
}

void NcclComm::recv(void* buffer, std::size_t bytes, int peer, const Stream& stream) const {
  GX_NCCL(api().ncclRecv(buffer, bytes, ncclUint8, peer, as_comm(comm_), stream.get()));
}

void NcclComm::send_recv(const void* send_buffer, void* recv_buffer, std::size_t bytes, int peer,
                         const Stream& stream) const {
  GX_NCCL(api().ncclGroupStart());
  try {
    GX_NCCL(api().ncclSend(send_buffer, bytes, ncclUint8, peer, as_comm(comm_), stream.get()));
    GX_NCCL(api().ncclRecv(recv_buffer, bytes, ncclUint8, peer, as_comm(comm_), stream.get()));
  } catch (...) {
    (void)api().ncclGroupEnd();  // never leave the group open; the first error is what counts
    throw;
  }
  GX_NCCL(api().ncclGroupEnd());
}

}  // namespace gx
