#include "gpu/devices.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdlib>

#include "core/host.hpp"
#include "core/topology.hpp"
#include "gpu/check.hpp"
#include "gpu/nvml.hpp"
#include "gpu/raii.hpp"

namespace gx {
namespace {

// Turns the runtime's first-call failures into what a user can act on.
[[noreturn]] void throw_cannot_run(cudaError_t rc) {
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  switch (rc) {
    case cudaErrorInsufficientDriver: {
      void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
      if (driver == nullptr) {
        throw CannotRunError(
            "no NVIDIA driver found (libcuda.so.1 cannot be loaded): "
            "install the NVIDIA driver or run on a GPU machine");
      }
      dlclose(driver);
      int driver_version = 0;
      (void)cudaDriverGetVersion(&driver_version);
      throw CannotRunError(
          fmt::format("the NVIDIA driver supports CUDA {} but gpuxfer was built with CUDA {}: update the driver",
                      format_cuda_version(driver_version), CUDART_VERSION / 1000));
    }
    case cudaErrorNoDevice:
      if (visible != nullptr) {
        throw CannotRunError(
            fmt::format("no CUDA GPU visible (CUDA_VISIBLE_DEVICES='{}' hides or names no usable GPU)", visible));
      }
      throw CannotRunError("no CUDA GPU found: the driver is loaded but reports no device");
    case cudaErrorStubLibrary:
      throw CannotRunError("no NVIDIA driver: libcuda.so.1 is the CUDA toolkit's stub library");
    case cudaErrorSystemDriverMismatch:
      throw CannotRunError("the NVIDIA kernel module and user-space driver versions do not match");
    default: throw CannotRunError(fmt::format("cannot use the GPUs: {}", cuda_error_text(rc)));
  }
}

int checked_device_count() {
  int count = 0;
  const cudaError_t rc = cudaGetDeviceCount(&count);
  if (rc != cudaSuccess) {
    (void)cudaGetLastError();
    throw_cannot_run(rc);
  }
  if (count == 0) throw_cannot_run(cudaErrorNoDevice);
  return count;
}

std::string bus_id_of(int device) {
  char buffer[32] = {};
  GX_CUDA(cudaDeviceGetPCIBusId(buffer, sizeof(buffer), device));
  return normalize_pci_bus_id(buffer);
}

int attribute(cudaDeviceAttr attr, int device) {
  int value = 0;
  GX_CUDA(cudaDeviceGetAttribute(&value, attr, device));
  return value;
}

DeviceInfo describe(int device, const Nvml& nvml) {
  cudaDeviceProp prop{};
  GX_CUDA(cudaGetDeviceProperties(&prop, device));
  DeviceInfo d;
  d.index = device;
  d.name = prop.name;
  unsigned char uuid[16];
  static_assert(sizeof(prop.uuid.bytes) == 16);
  for (int i = 0; i < 16; ++i) uuid[i] = static_cast<unsigned char>(prop.uuid.bytes[i]);
  d.uuid = format_gpu_uuid(uuid);
  d.pci_bus_id = bus_id_of(device);
  d.cc_major = prop.major;
  d.cc_minor = prop.minor;
  d.sm_count = prop.multiProcessorCount;
  d.memory_total_bytes = prop.totalGlobalMem;
  d.l2_bytes = static_cast<std::uint64_t>(prop.l2CacheSize);
  d.memory_bus_width_bits = prop.memoryBusWidth;
  {
    // cudaMemGetInfo needs the device's context; creating it here is what every later
    // operation needs anyway.
    DeviceGuard guard(device);
    std::size_t free_bytes = 0;
    std::size_t total_bytes = 0;
    GX_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
    d.memory_free_bytes = free_bytes;
  }

  const NvmlDeviceFacts facts = nvml.device_facts(d.pci_bus_id);
  // Clocks: NVML's max clocks where available, else the CUDA attributes (also maxima, in kHz).
  d.max_sm_clock_hz = facts.max_sm_clock_hz.has_value() ? facts.max_sm_clock_hz
                                                        : Known<double>(attribute(cudaDevAttrClockRate, device) * 1e3);
  d.max_memory_clock_hz = facts.max_memory_clock_hz.has_value()
                              ? facts.max_memory_clock_hz
                              : Known<double>(attribute(cudaDevAttrMemoryClockRate, device) * 1e3);
  d.memory_bandwidth_bytes_per_s = memory_bytes_per_s(*d.max_memory_clock_hz, d.memory_bus_width_bits);
  d.ecc_enabled = facts.ecc_enabled.has_value() ? facts.ecc_enabled : Known<bool>(prop.ECCEnabled != 0);
  d.numa_node = facts.numa_node;
  d.cpu_affinity = facts.cpu_affinity;
  d.pcie = facts.pcie;
  auto rate = [](const Known<int>& gen, const Known<int>& width) -> Known<double> {
    if (!gen.has_value()) return Known<double>::unknown(gen.reason);
    if (!width.has_value()) return Known<double>::unknown(width.reason);
    const auto r = pcie_bytes_per_s(*gen, *width);
    if (!r) return Known<double>::unknown(fmt::format("PCIe gen {} x{} not in the rate table", *gen, *width));
    return *r;
  };
  d.pcie.max_bytes_per_s = rate(d.pcie.max_gen, d.pcie.max_width);
  d.pcie.current_bytes_per_s = rate(d.pcie.current_gen, d.pcie.current_width);
  d.nvlink = facts.nvlink;
  return d;
}

PairInfo describe_pair(const DeviceInfo& a, const DeviceInfo& b, const Nvml& nvml) {
  PairInfo p;
  p.src = a.index;
  p.dst = b.index;
  int can = 0;
  GX_CUDA(cudaDeviceCanAccessPeer(&can, a.index, b.index));
  p.can_access_peer = can != 0;
  auto p2p_attr = [&](cudaDeviceP2PAttr attr) {
    int value = 0;
    GX_CUDA(cudaDeviceGetP2PAttribute(&value, attr, a.index, b.index));
    return value;
  };
  if (p.can_access_peer) {
    p.performance_rank = p2p_attr(cudaDevP2PAttrPerformanceRank);
    p.native_atomics = p2p_attr(cudaDevP2PAttrNativeAtomicSupported) != 0;
  } else {
    p.performance_rank = Known<int>::unknown("no peer access");
    p.native_atomics = Known<bool>::unknown("no peer access");
    const std::string why = nvml.p2p_status(a.pci_bus_id, b.pci_bus_id);
    p.peer_error = "cudaDeviceCanAccessPeer reports no access" + (why.empty() ? "" : ": " + why);
  }
  const int nvlinks = count_nvlinks(a, b);
  std::string reason;
  const auto path = nvlinks > 0 ? std::nullopt : nvml.common_ancestor(a.pci_bus_id, b.pci_bus_id, &reason);
  p.link = classify_link(nvlinks, path);
  if (p.link.name == "unknown") p.link_reason = reason;
  p.theoretical_bytes_per_s = pair_theoretical_bytes_per_s(a, b, p.link);
  return p;
}

}  // namespace

std::vector<DeviceIdentity> visible_devices() {
  const int count = checked_device_count();
  std::vector<DeviceIdentity> ids;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    GX_CUDA(cudaGetDeviceProperties(&prop, i));
    unsigned char uuid[16];
    for (int b = 0; b < 16; ++b) uuid[b] = static_cast<unsigned char>(prop.uuid.bytes[b]);
    ids.push_back(DeviceIdentity{i, format_gpu_uuid(uuid), bus_id_of(i)});
  }
  return ids;
}

SystemInfo inventory(const std::vector<int>& selected) {
  checked_device_count();
  const Nvml& nvml = Nvml::instance();
  SystemInfo s;
  s.hostname = host_name();
  s.cpu_model = cpu_model();
  const DriverVersions versions = driver_versions();
  s.driver_release = versions.driver_release;
  s.cuda_driver_version = versions.cuda_driver_version;
  s.cuda_runtime_version = versions.cuda_runtime_version;
  s.nvml_version = nvml.version();
  for (int device : selected) s.devices.push_back(describe(device, nvml));
  for (const auto& a : s.devices) {
    for (const auto& b : s.devices) {
      if (a.index != b.index) s.pairs.push_back(describe_pair(a, b, nvml));
    }
  }
  return s;
}

void enable_peer_access(SystemInfo& system) {
  for (auto& pair : system.pairs) {
    if (!pair.can_access_peer) {
      pair.peer_enabled = false;
      continue;
    }
    DeviceGuard guard(pair.src);
    const cudaError_t rc = cudaDeviceEnablePeerAccess(pair.dst, 0);
    if (rc == cudaSuccess || rc == cudaErrorPeerAccessAlreadyEnabled) {
      // "Already enabled" leaves a (non-sticky) error behind; clear it so it does not surface
      // at the next launch check.
      if (rc != cudaSuccess) (void)cudaGetLastError();
      pair.peer_enabled = true;
      pair.peer_error.clear();
    } else {
      (void)cudaGetLastError();
      pair.peer_enabled = false;
      pair.peer_error = "cudaDeviceEnablePeerAccess failed: " + cuda_error_text(rc);
    }
  }
}

DriverVersions driver_versions() {
  DriverVersions v;
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) {
    v.cuda_runtime_version = runtime;
  } else {
    v.cuda_runtime_version = Known<int>::unknown("cudaRuntimeGetVersion failed");
  }
  int driver = 0;
  if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0) {
    v.cuda_driver_version = driver;
  } else {
    v.cuda_driver_version = Known<int>::unknown("no NVIDIA driver");
  }
  (void)cudaGetLastError();
  v.driver_release = Nvml::instance().driver_release();
  return v;
}

}  // namespace gx
