#include "gpu/nvml.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <nvml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "core/host.hpp"

namespace gx {

// The NVML functions gpuxfer uses. Optional ones may be missing from an older driver: the
// fields they fill are then unknown with that reason.
#define GX_NVML_FUNCTIONS(X)                  \
  X(nvmlInit_v2)                              \
  X(nvmlShutdown)                             \
  X(nvmlErrorString)                          \
  X(nvmlSystemGetDriverVersion)               \
  X(nvmlSystemGetNVMLVersion)                 \
  X(nvmlDeviceGetHandleByPciBusId_v2)         \
  X(nvmlDeviceGetMaxClockInfo)                \
  X(nvmlDeviceGetEccMode)                     \
  X(nvmlDeviceGetNumaNodeId)                  \
  X(nvmlDeviceGetCpuAffinity)                 \
  X(nvmlDeviceGetMemoryAffinity)              \
  X(nvmlDeviceGetCurrPcieLinkGeneration)      \
  X(nvmlDeviceGetCurrPcieLinkWidth)           \
  X(nvmlDeviceGetMaxPcieLinkGeneration)       \
  X(nvmlDeviceGetMaxPcieLinkWidth)            \
  X(nvmlDeviceGetNvLinkState)                 \
  X(nvmlDeviceGetNvLinkVersion)               \
  X(nvmlDeviceGetNvLinkRemotePciInfo_v2)      \
  X(nvmlDeviceGetNvLinkRemoteDeviceType)      \
  X(nvmlDeviceGetFieldValues)                 \
  X(nvmlDeviceGetTopologyCommonAncestor)      \
  X(nvmlDeviceGetP2PStatus)                   \
  X(nvmlDeviceGetCount_v2)                    \
  X(nvmlDeviceGetHandleByIndex_v2)            \
  X(nvmlDeviceGetPciInfo_v3)                  \
  X(nvmlDeviceGetName)                        \
  X(nvmlDeviceGetUUID)                        \
  X(nvmlDeviceGetTotalEccErrors)              \
  X(nvmlDeviceGetMemoryErrorCounter)          \
  X(nvmlDeviceGetRemappedRows)                \
  X(nvmlDeviceGetRowRemapperHistogram)        \
  X(nvmlDeviceGetRetiredPages)                \
  X(nvmlDeviceGetRetiredPagesPendingStatus)   \
  X(nvmlDeviceGetNvLinkErrorCounter)          \
  X(nvmlDeviceGetPcieReplayCounter)           \
  X(nvmlDeviceGetPersistenceMode)             \
  X(nvmlDeviceGetEnforcedPowerLimit)          \
  X(nvmlDeviceGetPowerManagementDefaultLimit) \
  X(nvmlDeviceGetClock)                       \
  X(nvmlDeviceGetApplicationsClock)           \
  X(nvmlDeviceGetMigMode)                     \
  X(nvmlDeviceGetVbiosVersion)                \
  X(nvmlDeviceGetInforomImageVersion)         \
  X(nvmlEventSetCreate)                       \
  X(nvmlDeviceRegisterEvents)                 \
  X(nvmlEventSetWait_v2)                      \
  X(nvmlEventSetFree)

// nvmlDeviceGetApplicationsClock is deprecated in NVML 13 but is what older drivers have.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
struct Nvml::Impl {
  void* library = nullptr;
  bool initialized = false;
  std::string reason;
#define GX_NVML_POINTER(name) decltype(&::name) name = nullptr;
  GX_NVML_FUNCTIONS(GX_NVML_POINTER)
#undef GX_NVML_POINTER

  [[nodiscard]] std::string error(nvmlReturn_t rc) const {
    if (nvmlErrorString != nullptr) return fmt::format("NVML: {}", nvmlErrorString(rc));
    return fmt::format("NVML error {}", static_cast<int>(rc));
  }
  [[nodiscard]] std::optional<nvmlDevice_t> handle(const std::string& bus_id, std::string* why) const {
    if (!initialized) {
      *why = reason;
      return std::nullopt;
    }
    nvmlDevice_t device{};
    const nvmlReturn_t rc = nvmlDeviceGetHandleByPciBusId_v2(bus_id.c_str(), &device);
    if (rc != NVML_SUCCESS) {
      *why = fmt::format("{} (bus id {})", error(rc), bus_id);
      return std::nullopt;
    }
    return device;
  }
};
#pragma GCC diagnostic pop

namespace {

// GPUXFER_NVML_LIBRARY, when it names a file, replaces the driver's library: for tests (the
// scripted fake, tests/fake_nvml) and for installs that keep libnvidia-ml outside the loader path.
std::string library_path() {
  const char* chosen = std::getenv("GPUXFER_NVML_LIBRARY");
  if (chosen != nullptr && *chosen != '\0') {
    struct stat st {};
    if (::stat(chosen, &st) == 0 && S_ISREG(st.st_mode)) return chosen;
  }
  return "libnvidia-ml.so.1";
}

}  // namespace

Nvml& Nvml::instance() {
  static Nvml nvml;
  return nvml;
}

Nvml::Nvml() : impl_(std::make_unique<Impl>()) {
  Impl& n = *impl_;
  const std::string path = library_path();
  n.library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (n.library == nullptr) {
    const char* why = dlerror();
    n.reason = fmt::format("NVML not available ({})", why != nullptr ? why : "dlopen failed");
    return;
  }
#define GX_NVML_LOAD(name) n.name = reinterpret_cast<decltype(n.name)>(dlsym(n.library, #name));
  GX_NVML_FUNCTIONS(GX_NVML_LOAD)
#undef GX_NVML_LOAD
  if (n.nvmlInit_v2 == nullptr || n.nvmlDeviceGetHandleByPciBusId_v2 == nullptr) {
    n.reason = fmt::format("NVML not available ({} lacks nvmlInit_v2)", path);
    return;
  }
  const nvmlReturn_t rc = n.nvmlInit_v2();
  if (rc != NVML_SUCCESS) {
    n.reason = fmt::format("NVML not available (init failed: {})", n.error(rc));
    return;
  }
  n.initialized = true;
}

Nvml::~Nvml() {
  if (impl_->initialized && impl_->nvmlShutdown != nullptr) impl_->nvmlShutdown();
  if (impl_->library != nullptr) dlclose(impl_->library);
}

bool Nvml::available() const {
  return impl_->initialized;
}
const std::string& Nvml::unavailable_reason() const {
  return impl_->reason;
}

namespace {

template <class T, class Call>
Known<T> read(const Nvml::Impl& n, bool function_present, const char* name, Call call) {
  if (!n.initialized) return Known<T>::unknown(n.reason);
  if (!function_present) return Known<T>::unknown(fmt::format("NVML: {} not in this driver", name));
  T value{};
  const nvmlReturn_t rc = call(&value);
  if (rc != NVML_SUCCESS) return Known<T>::unknown(n.error(rc));
  return value;
}

// The CPU NUMA node nearest the GPU ("NUMA Affinity" in nvidia-smi topo -m): NVML's memory
// affinity at node scope, else the kernel's sysfs entry for the PCI device. Not
// nvmlDeviceGetNumaNodeId, which is the GPU memory's own node on coherent (Grace) systems.
Known<int> numa_node(const Nvml::Impl& n, nvmlDevice_t d, const std::string& pci_bus_id) {
  std::string why = "NVML: nvmlDeviceGetMemoryAffinity not in this driver";
  if (n.nvmlDeviceGetMemoryAffinity != nullptr) {
    std::vector<unsigned long> nodes(4, 0);
    const nvmlReturn_t rc =
        n.nvmlDeviceGetMemoryAffinity(d, static_cast<unsigned>(nodes.size()), nodes.data(), NVML_AFFINITY_SCOPE_NODE);
    if (rc == NVML_SUCCESS) {
      for (std::size_t w = 0; w < nodes.size(); ++w) {
        for (unsigned bit = 0; bit < 8 * sizeof(unsigned long); ++bit) {
          if ((nodes[w] >> bit) & 1ul) return static_cast<int>(w * 8 * sizeof(unsigned long) + bit);
        }
      }
      why = "NVML: empty memory affinity";
    } else {
      why = n.error(rc);
    }
  }
  std::ifstream sysfs("/sys/bus/pci/devices/" + pci_bus_id + "/numa_node");
  int node = -1;
  if (sysfs >> node && node >= 0) return node;
  return Known<int>::unknown(why + "; sysfs numa_node: none");
}

// Per-direction speed of one NVLink, from NVML field values (MB/s): the per-link field with the
// link in scopeId (newer drivers), else the common-speed field. The slowest up link is reported.
Known<double> nvlink_speed(const Nvml::Impl& n, nvmlDevice_t d, const std::vector<NvlinkLane>& up) {
  if (n.nvmlDeviceGetFieldValues == nullptr) {
    return Known<double>::unknown("NVML: nvmlDeviceGetFieldValues not in this driver");
  }
  auto value_of = [](const nvmlFieldValue_t& f) -> double {
    switch (f.valueType) {
      case NVML_VALUE_TYPE_UNSIGNED_LONG: return static_cast<double>(f.value.ulVal);
      case NVML_VALUE_TYPE_UNSIGNED_LONG_LONG: return static_cast<double>(f.value.ullVal);
      case NVML_VALUE_TYPE_DOUBLE: return f.value.dVal;
      default: return static_cast<double>(f.value.uiVal);
    }
  };
  std::vector<nvmlFieldValue_t> fields(up.size());
  for (std::size_t i = 0; i < up.size(); ++i) {
    fields[i].fieldId = NVML_FI_DEV_NVLINK_GET_SPEED;
    fields[i].scopeId = static_cast<unsigned>(up[i].link);
  }
  std::string why;
  nvmlReturn_t rc = n.nvmlDeviceGetFieldValues(d, static_cast<int>(fields.size()), fields.data());
  if (rc == NVML_SUCCESS) {
    double slowest = 0;
    bool all = true;
    for (const auto& f : fields) {
      if (f.nvmlReturn != NVML_SUCCESS || value_of(f) <= 0) {
        all = false;
        why = n.error(f.nvmlReturn);
        break;
      }
      slowest = slowest == 0 ? value_of(f) : std::min(slowest, value_of(f));
    }
    if (all) return slowest * 1e6;
  } else {
    why = n.error(rc);
  }
  nvmlFieldValue_t common{};
  common.fieldId = NVML_FI_DEV_NVLINK_SPEED_MBPS_COMMON;
  rc = n.nvmlDeviceGetFieldValues(d, 1, &common);
  if (rc == NVML_SUCCESS && common.nvmlReturn == NVML_SUCCESS && value_of(common) > 0) {
    return value_of(common) * 1e6;
  }
  return Known<double>::unknown(
      fmt::format("per-link speed: {}; common speed: {}", why, n.error(rc != NVML_SUCCESS ? rc : common.nvmlReturn)));
}

}  // namespace

Known<std::string> Nvml::driver_release() const {
  const Impl& n = *impl_;
  if (!n.initialized) return Known<std::string>::unknown(n.reason);
  char buffer[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE] = {};
  const nvmlReturn_t rc = n.nvmlSystemGetDriverVersion(buffer, sizeof(buffer));
  if (rc != NVML_SUCCESS) return Known<std::string>::unknown(n.error(rc));
  return std::string(buffer);
}

Known<std::string> Nvml::version() const {
  const Impl& n = *impl_;
  if (!n.initialized) return Known<std::string>::unknown(n.reason);
  char buffer[NVML_SYSTEM_NVML_VERSION_BUFFER_SIZE] = {};
  const nvmlReturn_t rc = n.nvmlSystemGetNVMLVersion(buffer, sizeof(buffer));
  if (rc != NVML_SUCCESS) return Known<std::string>::unknown(n.error(rc));
  return std::string(buffer);
}

namespace {

// Calls visit(link, up) for every NVLink the GPU has. A link that does not exist answers
// NOT_SUPPORTED or INVALID_ARGUMENT, which is not an error for the device as a whole; returns the
// first other error NVML gave ("" when none).
template <class Visit>
std::string for_each_nvlink(const Nvml::Impl& n, nvmlDevice_t d, Visit visit) {
  std::string first_error;
  for (unsigned link = 0; link < NVML_NVLINK_MAX_LINKS; ++link) {
    nvmlEnableState_t active{};
    const nvmlReturn_t rc = n.nvmlDeviceGetNvLinkState(d, link, &active);
    if (rc == NVML_ERROR_NOT_SUPPORTED || rc == NVML_ERROR_INVALID_ARGUMENT) continue;
    if (rc != NVML_SUCCESS) {
      if (first_error.empty()) first_error = n.error(rc);
      continue;
    }
    visit(link, active == NVML_FEATURE_ENABLED);
  }
  return first_error;
}

}  // namespace

NvmlDeviceFacts Nvml::device_facts(const std::string& pci_bus_id) const {
  const Impl& n = *impl_;
  NvmlDeviceFacts f;
  std::string why;
  const auto device = n.handle(pci_bus_id, &why);
  if (!device) {
    f.max_sm_clock_hz = f.max_memory_clock_hz = Known<double>::unknown(why);
    f.ecc_enabled = Known<bool>::unknown(why);
    f.numa_node = Known<int>::unknown(why);
    f.cpu_affinity = Known<std::string>::unknown(why);
    f.pcie.current_gen = f.pcie.current_width = f.pcie.max_gen = f.pcie.max_width = Known<int>::unknown(why);
    f.nvlink.links_supported = f.nvlink.links_up = f.nvlink.version = Known<int>::unknown(why);
    f.nvlink.per_link_bytes_per_s = Known<double>::unknown(why);
    return f;
  }
  const nvmlDevice_t d = *device;

  auto clock = [&](nvmlClockType_t type) -> Known<double> {
    const auto mhz = read<unsigned>(n, n.nvmlDeviceGetMaxClockInfo != nullptr, "nvmlDeviceGetMaxClockInfo",
                                    [&](unsigned* v) { return n.nvmlDeviceGetMaxClockInfo(d, type, v); });
    if (!mhz.has_value()) return Known<double>::unknown(mhz.reason);
    return *mhz * 1e6;
  };
  f.max_sm_clock_hz = clock(NVML_CLOCK_SM);
  f.max_memory_clock_hz = clock(NVML_CLOCK_MEM);

  const auto ecc = read<nvmlEnableState_t>(n, n.nvmlDeviceGetEccMode != nullptr, "nvmlDeviceGetEccMode",
                                           [&](nvmlEnableState_t* current) {
                                             nvmlEnableState_t pending{};
                                             return n.nvmlDeviceGetEccMode(d, current, &pending);
                                           });
  f.ecc_enabled = ecc.has_value() ? Known<bool>(*ecc == NVML_FEATURE_ENABLED) : Known<bool>::unknown(ecc.reason);

  f.numa_node = numa_node(n, d, pci_bus_id);

  // 1024 CPUs is far beyond any host gpuxfer runs on; NVML truncates silently beyond the buffer.
  std::vector<unsigned long> cpuset(1024 / (8 * sizeof(unsigned long)), 0);
  const auto affinity = read<int>(n, n.nvmlDeviceGetCpuAffinity != nullptr, "nvmlDeviceGetCpuAffinity", [&](int*) {
    return n.nvmlDeviceGetCpuAffinity(d, static_cast<unsigned>(cpuset.size()), cpuset.data());
  });
  if (affinity.has_value()) {
    std::vector<std::uint64_t> words(cpuset.begin(), cpuset.end());
    f.cpu_affinity = format_cpu_list(words);
  } else {
    f.cpu_affinity = Known<std::string>::unknown(affinity.reason);
  }

  auto pcie_value = [&](auto fn, const char* name) -> Known<int> {
    const auto v = read<unsigned>(n, fn != nullptr, name, [&](unsigned* out) { return fn(d, out); });
    return v.has_value() ? Known<int>(static_cast<int>(*v)) : Known<int>::unknown(v.reason);
  };
  f.pcie.current_gen = pcie_value(n.nvmlDeviceGetCurrPcieLinkGeneration, "nvmlDeviceGetCurrPcieLinkGeneration");
  f.pcie.current_width = pcie_value(n.nvmlDeviceGetCurrPcieLinkWidth, "nvmlDeviceGetCurrPcieLinkWidth");
  f.pcie.max_gen = pcie_value(n.nvmlDeviceGetMaxPcieLinkGeneration, "nvmlDeviceGetMaxPcieLinkGeneration");
  f.pcie.max_width = pcie_value(n.nvmlDeviceGetMaxPcieLinkWidth, "nvmlDeviceGetMaxPcieLinkWidth");

  // NVLink: walk every possible link; a link that does not exist answers NOT_SUPPORTED or
  // INVALID_ARGUMENT, which is not an error for the device as a whole.
  NvlinkState& nv = f.nvlink;
  if (n.nvmlDeviceGetNvLinkState == nullptr) {
    nv.links_supported = nv.links_up = nv.version =
        Known<int>::unknown("NVML: nvmlDeviceGetNvLinkState not in this driver");
    nv.per_link_bytes_per_s = Known<double>::unknown("NVML: nvmlDeviceGetNvLinkState not in this driver");
    return f;
  }
  int supported = 0;
  std::optional<int> version;
  const std::string first_error = for_each_nvlink(n, d, [&](unsigned link, bool up) {
    ++supported;
    if (!up) return;
    NvlinkLane lane;
    lane.link = static_cast<int>(link);
    if (n.nvmlDeviceGetNvLinkRemoteDeviceType != nullptr) {
      nvmlIntNvLinkDeviceType_t type{};
      if (n.nvmlDeviceGetNvLinkRemoteDeviceType(d, link, &type) == NVML_SUCCESS) {
        lane.remote = type == NVML_NVLINK_DEVICE_TYPE_GPU      ? NvlinkRemote::gpu
                      : type == NVML_NVLINK_DEVICE_TYPE_SWITCH ? NvlinkRemote::nvswitch
                                                               : NvlinkRemote::other;
      }
    }
    if (n.nvmlDeviceGetNvLinkRemotePciInfo_v2 != nullptr) {
      nvmlPciInfo_t pci{};
      if (n.nvmlDeviceGetNvLinkRemotePciInfo_v2(d, link, &pci) == NVML_SUCCESS) {
        lane.remote_pci_bus_id = normalize_pci_bus_id(pci.busId);
      }
    }
    if (!version && n.nvmlDeviceGetNvLinkVersion != nullptr) {
      unsigned raw = 0;
      if (n.nvmlDeviceGetNvLinkVersion(d, link, &raw) == NVML_SUCCESS) {
        version = nvlink_version_from_nvml(raw);
      }
    }
    nv.up.push_back(lane);
  });
  if (supported == 0 && !first_error.empty()) {
    nv.links_supported = nv.links_up = Known<int>::unknown(first_error);
  } else {
    nv.links_supported = supported;
    nv.links_up = static_cast<int>(nv.up.size());
  }
  nv.version = version ? Known<int>(*version)
                       : Known<int>::unknown(nv.up.empty() ? "no NVLink up" : "NVML: version not reported");
  if (nv.up.empty()) {
    nv.per_link_bytes_per_s = Known<double>::unknown("no NVLink up");
  } else {
    nv.per_link_bytes_per_s = nvlink_speed(n, d, nv.up);
  }
  return f;
}

std::optional<PciPath> Nvml::common_ancestor(const std::string& bus_a, const std::string& bus_b,
                                             std::string* reason) const {
  const Impl& n = *impl_;
  const auto a = n.handle(bus_a, reason);
  if (!a) return std::nullopt;
  const auto b = n.handle(bus_b, reason);
  if (!b) return std::nullopt;
  if (n.nvmlDeviceGetTopologyCommonAncestor == nullptr) {
    *reason = "NVML: nvmlDeviceGetTopologyCommonAncestor not in this driver";
    return std::nullopt;
  }
  nvmlGpuTopologyLevel_t level{};
  const nvmlReturn_t rc = n.nvmlDeviceGetTopologyCommonAncestor(*a, *b, &level);
  if (rc != NVML_SUCCESS) {
    *reason = n.error(rc);
    return std::nullopt;
  }
  switch (level) {
    case NVML_TOPOLOGY_INTERNAL: return PciPath::same_board;
    case NVML_TOPOLOGY_SINGLE: return PciPath::single_switch;
    case NVML_TOPOLOGY_MULTIPLE: return PciPath::multiple_switches;
    case NVML_TOPOLOGY_HOSTBRIDGE: return PciPath::host_bridge;
    case NVML_TOPOLOGY_NODE: return PciPath::numa_node;
    case NVML_TOPOLOGY_SYSTEM: return PciPath::system;
  }
  *reason = fmt::format("NVML: unknown topology level {}", static_cast<int>(level));
  return std::nullopt;
}

std::string Nvml::p2p_status(const std::string& bus_a, const std::string& bus_b) const {
  const Impl& n = *impl_;
  std::string why;
  const auto a = n.handle(bus_a, &why);
  if (!a) return why;
  const auto b = n.handle(bus_b, &why);
  if (!b) return why;
  if (n.nvmlDeviceGetP2PStatus == nullptr) return "NVML: nvmlDeviceGetP2PStatus not in this driver";
  nvmlGpuP2PStatus_t status{};
  const nvmlReturn_t rc = n.nvmlDeviceGetP2PStatus(*a, *b, NVML_P2P_CAPS_INDEX_READ, &status);
  if (rc != NVML_SUCCESS) return n.error(rc);
  switch (status) {
    case NVML_P2P_STATUS_OK: return "";
    case NVML_P2P_STATUS_CHIPSET_NOT_SUPPORED: return "the chipset does not support P2P";
    case NVML_P2P_STATUS_GPU_NOT_SUPPORTED: return "the GPU does not support P2P";
    case NVML_P2P_STATUS_IOH_TOPOLOGY_NOT_SUPPORTED:
      return "P2P is not supported across this I/O hub topology (e.g. across CPU sockets)";
    case NVML_P2P_STATUS_DISABLED_BY_REGKEY: return "P2P is disabled by a driver registry key";
    case NVML_P2P_STATUS_NOT_SUPPORTED: return "P2P is not supported between these GPUs";
    default: return "NVML reports P2P status unknown";
  }
}

std::vector<NvmlGpu> Nvml::gpus() const {
  const Impl& n = *impl_;
  std::vector<NvmlGpu> out;
  if (!n.initialized || n.nvmlDeviceGetCount_v2 == nullptr || n.nvmlDeviceGetHandleByIndex_v2 == nullptr ||
      n.nvmlDeviceGetPciInfo_v3 == nullptr) {
    return out;
  }
  unsigned count = 0;
  if (n.nvmlDeviceGetCount_v2(&count) != NVML_SUCCESS) return out;
  for (unsigned i = 0; i < count; ++i) {
    nvmlDevice_t d{};
    nvmlPciInfo_t pci{};
    if (n.nvmlDeviceGetHandleByIndex_v2(i, &d) != NVML_SUCCESS || n.nvmlDeviceGetPciInfo_v3(d, &pci) != NVML_SUCCESS) {
      continue;
    }
    NvmlGpu g;
    g.pci_bus_id = normalize_pci_bus_id(pci.busId);
    char text[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = {};
    if (n.nvmlDeviceGetUUID != nullptr && n.nvmlDeviceGetUUID(d, text, sizeof(text)) == NVML_SUCCESS) g.uuid = text;
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = {};
    if (n.nvmlDeviceGetName != nullptr && n.nvmlDeviceGetName(d, name, sizeof(name)) == NVML_SUCCESS) g.name = name;
    out.push_back(std::move(g));
  }
  return out;
}

namespace {

// Every field of a snapshot unknown for one reason (no NVML, or no handle for the GPU).
HealthSnapshot unknown_snapshot(const std::string& why) {
  HealthSnapshot s;
  const Count c = Count::unknown(why);
  const Known<bool> b = Known<bool>::unknown(why);
  const Known<double> x = Known<double>::unknown(why);
  const Known<std::string> t = Known<std::string>::unknown(why);
  s.ecc_mode = b;
  for (EccCounts* e : {&s.ecc.volatile_total, &s.ecc.aggregate_total, &s.ecc.volatile_sram, &s.ecc.aggregate_sram,
                       &s.ecc.volatile_dram, &s.ecc.aggregate_dram}) {
    e->corrected = e->uncorrected = c;
  }
  auto& r = s.remapped_rows;
  r.corrected = r.uncorrected = r.histogram_max = r.histogram_high = r.histogram_partial = r.histogram_low =
      r.histogram_none = c;
  r.pending = r.failure = b;
  s.retired_pages.single_bit = s.retired_pages.double_bit = c;
  s.retired_pages.pending = b;
  s.nvlink = Known<std::vector<NvlinkErrorCounters>>::unknown(why);
  s.pcie_replay = c;
  s.persistence_mode = s.mig_mode = s.mig_mode_pending = b;
  s.power_limit_w = s.default_power_limit_w = s.app_sm_clock_hz = s.max_sm_clock_hz = s.app_memory_clock_hz =
      s.max_memory_clock_hz = x;
  s.recovery_action = Known<int>::unknown(why);
  s.vbios_version = s.inforom_image_version = t;
  return s;
}

std::string missing(const char* name) {
  return fmt::format("NVML: {} not in this driver", name);
}

}  // namespace

HealthSnapshot Nvml::read_health(const std::string& pci_bus_id) const {
  const Impl& n = *impl_;
  std::string why;
  const auto device = n.handle(pci_bus_id, &why);
  if (!device) {
    HealthSnapshot s = unknown_snapshot(why);
    s.read_utc = utc_now_iso8601();
    return s;
  }
  const nvmlDevice_t d = *device;
  HealthSnapshot s;
  s.read_utc = utc_now_iso8601();

  const auto ecc = read<nvmlEnableState_t>(n, n.nvmlDeviceGetEccMode != nullptr, "nvmlDeviceGetEccMode",
                                           [&](nvmlEnableState_t* current) {
                                             nvmlEnableState_t pending{};
                                             return n.nvmlDeviceGetEccMode(d, current, &pending);
                                           });
  s.ecc_mode = ecc.has_value() ? Known<bool>(*ecc == NVML_FEATURE_ENABLED) : Known<bool>::unknown(ecc.reason);

  auto total = [&](nvmlMemoryErrorType_t type, nvmlEccCounterType_t counter) {
    return read<unsigned long long>(
        n, n.nvmlDeviceGetTotalEccErrors != nullptr, "nvmlDeviceGetTotalEccErrors",
        [&](unsigned long long* v) { return n.nvmlDeviceGetTotalEccErrors(d, type, counter, v); });
  };
  auto located = [&](nvmlMemoryErrorType_t type, nvmlEccCounterType_t counter, nvmlMemoryLocation_t where) {
    return read<unsigned long long>(
        n, n.nvmlDeviceGetMemoryErrorCounter != nullptr, "nvmlDeviceGetMemoryErrorCounter",
        [&](unsigned long long* v) { return n.nvmlDeviceGetMemoryErrorCounter(d, type, counter, where, v); });
  };
  auto as_count = [](const Known<unsigned long long>& k) {
    return k.has_value() ? Count(static_cast<std::uint64_t>(*k)) : Count::unknown(k.reason);
  };
  auto counts = [&](auto get) {
    return EccCounts{as_count(get(NVML_MEMORY_ERROR_TYPE_CORRECTED)),
                     as_count(get(NVML_MEMORY_ERROR_TYPE_UNCORRECTED))};
  };
  s.ecc.volatile_total = counts([&](nvmlMemoryErrorType_t t) { return total(t, NVML_VOLATILE_ECC); });
  s.ecc.aggregate_total = counts([&](nvmlMemoryErrorType_t t) { return total(t, NVML_AGGREGATE_ECC); });
  s.ecc.volatile_sram =
      counts([&](nvmlMemoryErrorType_t t) { return located(t, NVML_VOLATILE_ECC, NVML_MEMORY_LOCATION_SRAM); });
  s.ecc.aggregate_sram =
      counts([&](nvmlMemoryErrorType_t t) { return located(t, NVML_AGGREGATE_ECC, NVML_MEMORY_LOCATION_SRAM); });
  s.ecc.volatile_dram =
      counts([&](nvmlMemoryErrorType_t t) { return located(t, NVML_VOLATILE_ECC, NVML_MEMORY_LOCATION_DRAM); });
  s.ecc.aggregate_dram =
      counts([&](nvmlMemoryErrorType_t t) { return located(t, NVML_AGGREGATE_ECC, NVML_MEMORY_LOCATION_DRAM); });

  // Row remapping: a single NVML query answers all four values, or none.
  {
    RowRemapHealth& r = s.remapped_rows;
    unsigned corrected = 0, uncorrected = 0, pending = 0, failure = 0;
    const nvmlReturn_t rc = n.nvmlDeviceGetRemappedRows == nullptr
                                ? NVML_ERROR_FUNCTION_NOT_FOUND
                                : n.nvmlDeviceGetRemappedRows(d, &corrected, &uncorrected, &pending, &failure);
    if (rc == NVML_SUCCESS) {
      r.corrected = corrected;
      r.uncorrected = uncorrected;
      r.pending = pending != 0;
      r.failure = failure != 0;
    } else {
      const std::string reason =
          n.nvmlDeviceGetRemappedRows == nullptr ? missing("nvmlDeviceGetRemappedRows") : n.error(rc);
      r.corrected = r.uncorrected = Count::unknown(reason);
      r.pending = r.failure = Known<bool>::unknown(reason);
    }
    nvmlRowRemapperHistogramValues_t h{};
    const nvmlReturn_t hrc = n.nvmlDeviceGetRowRemapperHistogram == nullptr
                                 ? NVML_ERROR_FUNCTION_NOT_FOUND
                                 : n.nvmlDeviceGetRowRemapperHistogram(d, &h);
    if (hrc == NVML_SUCCESS) {
      r.histogram_max = h.max;
      r.histogram_high = h.high;
      r.histogram_partial = h.partial;
      r.histogram_low = h.low;
      r.histogram_none = h.none;
    } else {
      const std::string reason =
          n.nvmlDeviceGetRowRemapperHistogram == nullptr ? missing("nvmlDeviceGetRowRemapperHistogram") : n.error(hrc);
      r.histogram_max = r.histogram_high = r.histogram_partial = r.histogram_low = r.histogram_none =
          Count::unknown(reason);
    }
  }

  // Retired pages: asking with no buffer answers the count (SUCCESS when 0, INSUFFICIENT_SIZE when more).
  auto retired = [&](nvmlPageRetirementCause_t cause) -> Count {
    if (n.nvmlDeviceGetRetiredPages == nullptr) return Count::unknown(missing("nvmlDeviceGetRetiredPages"));
    unsigned count = 0;
    const nvmlReturn_t rc = n.nvmlDeviceGetRetiredPages(d, cause, &count, nullptr);
    if (rc == NVML_SUCCESS || rc == NVML_ERROR_INSUFFICIENT_SIZE) return Count(count);
    return Count::unknown(n.error(rc));
  };
  s.retired_pages.single_bit = retired(NVML_PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS);
  s.retired_pages.double_bit = retired(NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR);
  const auto pages_pending = read<nvmlEnableState_t>(
      n, n.nvmlDeviceGetRetiredPagesPendingStatus != nullptr, "nvmlDeviceGetRetiredPagesPendingStatus",
      [&](nvmlEnableState_t* v) { return n.nvmlDeviceGetRetiredPagesPendingStatus(d, v); });
  s.retired_pages.pending = pages_pending.has_value() ? Known<bool>(*pages_pending == NVML_FEATURE_ENABLED)
                                                      : Known<bool>::unknown(pages_pending.reason);

  // NVLink error counters of every link that exists (up or not: a link that went down mid-run
  // is exactly the one whose counters matter).
  if (n.nvmlDeviceGetNvLinkState == nullptr || n.nvmlDeviceGetNvLinkErrorCounter == nullptr) {
    s.nvlink = Known<std::vector<NvlinkErrorCounters>>::unknown(missing(
        n.nvmlDeviceGetNvLinkState == nullptr ? "nvmlDeviceGetNvLinkState" : "nvmlDeviceGetNvLinkErrorCounter"));
  } else {
    std::vector<NvlinkErrorCounters> links;
    const std::string first_error = for_each_nvlink(n, d, [&](unsigned link, bool /*up*/) {
      NvlinkErrorCounters c;
      c.link = static_cast<int>(link);
      auto counter = [&](nvmlNvLinkErrorCounter_t which) -> Count {
        unsigned long long v = 0;
        const nvmlReturn_t crc = n.nvmlDeviceGetNvLinkErrorCounter(d, link, which, &v);
        return crc == NVML_SUCCESS ? Count(v) : Count::unknown(n.error(crc));
      };
      c.replay = counter(NVML_NVLINK_ERROR_DL_REPLAY);
      c.recovery = counter(NVML_NVLINK_ERROR_DL_RECOVERY);
      c.crc_flit = counter(NVML_NVLINK_ERROR_DL_CRC_FLIT);
      c.crc_data = counter(NVML_NVLINK_ERROR_DL_CRC_DATA);
      links.push_back(c);
    });
    if (links.empty() && !first_error.empty()) {
      s.nvlink = Known<std::vector<NvlinkErrorCounters>>::unknown(first_error);
    } else {
      s.nvlink = links;
    }
  }

  const auto replay = read<unsigned>(n, n.nvmlDeviceGetPcieReplayCounter != nullptr, "nvmlDeviceGetPcieReplayCounter",
                                     [&](unsigned* v) { return n.nvmlDeviceGetPcieReplayCounter(d, v); });
  s.pcie_replay = replay.has_value() ? Count(*replay) : Count::unknown(replay.reason);

  const auto persistence =
      read<nvmlEnableState_t>(n, n.nvmlDeviceGetPersistenceMode != nullptr, "nvmlDeviceGetPersistenceMode",
                              [&](nvmlEnableState_t* v) { return n.nvmlDeviceGetPersistenceMode(d, v); });
  s.persistence_mode = persistence.has_value() ? Known<bool>(*persistence == NVML_FEATURE_ENABLED)
                                               : Known<bool>::unknown(persistence.reason);

  auto watts = [](const Known<unsigned>& mw) {
    return mw.has_value() ? Known<double>(*mw / 1000.0) : Known<double>::unknown(mw.reason);
  };
  s.power_limit_w =
      watts(read<unsigned>(n, n.nvmlDeviceGetEnforcedPowerLimit != nullptr, "nvmlDeviceGetEnforcedPowerLimit",
                           [&](unsigned* v) { return n.nvmlDeviceGetEnforcedPowerLimit(d, v); }));
  s.default_power_limit_w = watts(read<unsigned>(
      n, n.nvmlDeviceGetPowerManagementDefaultLimit != nullptr, "nvmlDeviceGetPowerManagementDefaultLimit",
      [&](unsigned* v) { return n.nvmlDeviceGetPowerManagementDefaultLimit(d, v); }));

  auto hz = [](const Known<unsigned>& mhz) {
    return mhz.has_value() ? Known<double>(*mhz * 1e6) : Known<double>::unknown(mhz.reason);
  };
  // The application clock target: nvmlDeviceGetClock where the driver has it, else the older
  // (deprecated) nvmlDeviceGetApplicationsClock.
  auto app_clock = [&](nvmlClockType_t type) -> Known<double> {
    std::string first;
    if (n.nvmlDeviceGetClock != nullptr) {
      unsigned mhz = 0;
      const nvmlReturn_t rc = n.nvmlDeviceGetClock(d, type, NVML_CLOCK_ID_APP_CLOCK_TARGET, &mhz);
      if (rc == NVML_SUCCESS) return mhz * 1e6;
      first = n.error(rc);
    }
    if (n.nvmlDeviceGetApplicationsClock != nullptr) {
      unsigned mhz = 0;
      const nvmlReturn_t rc = n.nvmlDeviceGetApplicationsClock(d, type, &mhz);
      if (rc == NVML_SUCCESS) return mhz * 1e6;
      return Known<double>::unknown(first.empty() ? n.error(rc) : first);
    }
    return Known<double>::unknown(first.empty() ? missing("nvmlDeviceGetClock") : first);
  };
  auto max_clock = [&](nvmlClockType_t type) {
    return hz(read<unsigned>(n, n.nvmlDeviceGetMaxClockInfo != nullptr, "nvmlDeviceGetMaxClockInfo",
                             [&](unsigned* v) { return n.nvmlDeviceGetMaxClockInfo(d, type, v); }));
  };
  s.app_sm_clock_hz = app_clock(NVML_CLOCK_SM);
  s.max_sm_clock_hz = max_clock(NVML_CLOCK_SM);
  s.app_memory_clock_hz = app_clock(NVML_CLOCK_MEM);
  s.max_memory_clock_hz = max_clock(NVML_CLOCK_MEM);

  {
    unsigned current = 0, pending = 0;
    const nvmlReturn_t rc = n.nvmlDeviceGetMigMode == nullptr ? NVML_ERROR_FUNCTION_NOT_FOUND
                                                              : n.nvmlDeviceGetMigMode(d, &current, &pending);
    if (rc == NVML_SUCCESS) {
      s.mig_mode = current == NVML_DEVICE_MIG_ENABLE;
      s.mig_mode_pending = pending == NVML_DEVICE_MIG_ENABLE;
    } else {
      const std::string reason = n.nvmlDeviceGetMigMode == nullptr ? missing("nvmlDeviceGetMigMode") : n.error(rc);
      s.mig_mode = s.mig_mode_pending = Known<bool>::unknown(reason);
    }
  }

  if (n.nvmlDeviceGetFieldValues == nullptr) {
    s.recovery_action = Known<int>::unknown(missing("nvmlDeviceGetFieldValues"));
  } else {
    nvmlFieldValue_t f{};
    f.fieldId = NVML_FI_DEV_GET_GPU_RECOVERY_ACTION;
    const nvmlReturn_t rc = n.nvmlDeviceGetFieldValues(d, 1, &f);
    if (rc != NVML_SUCCESS) {
      s.recovery_action = Known<int>::unknown(n.error(rc));
    } else if (f.nvmlReturn != NVML_SUCCESS) {
      s.recovery_action = Known<int>::unknown(n.error(f.nvmlReturn));
    } else {
      s.recovery_action = static_cast<int>(f.valueType == NVML_VALUE_TYPE_UNSIGNED_LONG_LONG ? f.value.ullVal
                                           : f.valueType == NVML_VALUE_TYPE_UNSIGNED_LONG    ? f.value.ulVal
                                                                                             : f.value.uiVal);
    }
  }

  auto text = [&](auto fn, const char* name, unsigned size) -> Known<std::string> {
    if (fn == nullptr) return Known<std::string>::unknown(missing(name));
    std::vector<char> buffer(size, '\0');
    const nvmlReturn_t rc = fn(d, buffer.data(), size);
    if (rc != NVML_SUCCESS) return Known<std::string>::unknown(n.error(rc));
    return std::string(buffer.data());
  };
  s.vbios_version =
      text(n.nvmlDeviceGetVbiosVersion, "nvmlDeviceGetVbiosVersion", NVML_DEVICE_VBIOS_VERSION_BUFFER_SIZE);
  s.inforom_image_version = text(n.nvmlDeviceGetInforomImageVersion, "nvmlDeviceGetInforomImageVersion",
                                 NVML_DEVICE_INFOROM_VERSION_BUFFER_SIZE);
  return s;
}

struct XidWatch::State {
  const Nvml::Impl* nvml = nullptr;
  nvmlEventSet_t set = nullptr;
  std::vector<std::pair<std::string, nvmlDevice_t>> registered;
  std::vector<std::pair<std::string, std::string>> not_watched;  // bus id, reason
  std::vector<std::pair<std::string, XidEvent>> received;
};

XidWatch::XidWatch(const std::vector<std::string>& pci_bus_ids) : state_(std::make_unique<State>()) {
  const Nvml::Impl& n = *Nvml::instance().impl_;
  State& st = *state_;
  st.nvml = &n;
  std::string why;
  if (!n.initialized) {
    why = n.reason;
  } else if (n.nvmlEventSetCreate == nullptr || n.nvmlDeviceRegisterEvents == nullptr ||
             n.nvmlEventSetWait_v2 == nullptr || n.nvmlEventSetFree == nullptr) {
    why = missing("nvmlEventSetCreate");
  } else if (const nvmlReturn_t rc = n.nvmlEventSetCreate(&st.set); rc != NVML_SUCCESS) {
    why = n.error(rc);
    st.set = nullptr;
  }
  for (const auto& bus : pci_bus_ids) {
    if (st.set == nullptr) {
      st.not_watched.emplace_back(bus, why);
      continue;
    }
    std::string reason;
    const auto device = n.handle(bus, &reason);
    if (!device) {
      st.not_watched.emplace_back(bus, reason);
      continue;
    }
    const nvmlReturn_t rc = n.nvmlDeviceRegisterEvents(*device, nvmlEventTypeXidCriticalError, st.set);
    if (rc != NVML_SUCCESS) {
      st.not_watched.emplace_back(bus, n.error(rc));
      continue;
    }
    st.registered.emplace_back(bus, *device);
  }
}

XidWatch::~XidWatch() {
  if (state_->set != nullptr) state_->nvml->nvmlEventSetFree(state_->set);
}

Known<bool> XidWatch::watching(const std::string& pci_bus_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [bus, reason] : state_->not_watched) {
    if (bus == pci_bus_id) return Known<bool>::unknown(reason);
  }
  for (const auto& r : state_->registered) {
    if (r.first == pci_bus_id) return true;
  }
  return Known<bool>::unknown("not registered for XID events");
}

std::vector<std::pair<std::string, XidEvent>> XidWatch::drain(unsigned timeout_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::pair<std::string, XidEvent>> out;
  State& st = *state_;
  if (st.set == nullptr) return out;
  for (;;) {
    nvmlEventData_t data{};
    const nvmlReturn_t rc = st.nvml->nvmlEventSetWait_v2(st.set, &data, out.empty() ? timeout_ms : 0);
    if (rc != NVML_SUCCESS) break;  // TIMEOUT: nothing more has arrived
    if ((data.eventType & nvmlEventTypeXidCriticalError) == 0) continue;
    std::string bus;
    for (const auto& r : st.registered) {
      if (r.second == data.device) bus = r.first;
    }
    out.emplace_back(bus, XidEvent{static_cast<std::uint64_t>(data.eventData), utc_now_iso8601()});
  }
  st.received.insert(st.received.end(), out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, XidEvent>> XidWatch::received() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_->received;
}

}  // namespace gx

// ===== telemetry: the sampler's readings (begin) ====================================
// Loaded here, apart from GX_NVML_FUNCTIONS, from the library Nvml already opened. Each entry
// point is optional: a missing one makes its field unknown, never an error.
namespace gx {
namespace {

using GetClockInfo = nvmlReturn_t (*)(nvmlDevice_t, nvmlClockType_t, unsigned*);
using GetUnsigned = nvmlReturn_t (*)(nvmlDevice_t, unsigned*);
using GetTemperature = nvmlReturn_t (*)(nvmlDevice_t, nvmlTemperatureSensors_t, unsigned*);
using GetReasons = nvmlReturn_t (*)(nvmlDevice_t, unsigned long long*);
using GetSamples = nvmlReturn_t (*)(nvmlDevice_t, nvmlSamplingType_t, unsigned long long, nvmlValueType_t*, unsigned*,
                                    nvmlSample_t*);
using GetFieldValues = nvmlReturn_t (*)(nvmlDevice_t, int, nvmlFieldValue_t*);

struct TelemetrySymbols {
  GetClockInfo clock_info = nullptr;
  GetUnsigned power_usage = nullptr;
  GetUnsigned enforced_power_limit = nullptr;
  GetTemperature temperature = nullptr;  // deprecated in the 13.x header, present in drivers
  GetReasons reasons = nullptr;          // ...ClocksEventReasons, else ...ClocksThrottleReasons
  GetSamples samples = nullptr;
  GetFieldValues field_values = nullptr;
  GetUnsigned pcie_gen = nullptr;
  GetUnsigned pcie_width = nullptr;
};

// The time counters behind each reason, as nvml.h numbers them (the driver 580 header names
// 74 and 76 NVML_FI_DEV_PERF_POLICY_POWER / _SYNC_BOOST too). HW slowdown as a whole has no
// counter: its share is polled.
constexpr std::array<unsigned, kThrottleReasons.size()> kCounterField = {
    74,   // sw_power_cap: NVML_FI_DEV_CLOCKS_EVENT_REASON_SW_POWER_CAP
    0,    // hw_slowdown: none
    76,   // sync_boost: NVML_FI_DEV_CLOCKS_EVENT_REASON_SYNC_BOOST
    269,  // sw_thermal_slowdown: NVML_FI_DEV_CLOCKS_EVENT_REASON_SW_THERM_SLOWDOWN
    270,  // hw_thermal_slowdown: NVML_FI_DEV_CLOCKS_EVENT_REASON_HW_THERM_SLOWDOWN
    271,  // hw_power_brake_slowdown: NVML_FI_DEV_CLOCKS_EVENT_REASON_HW_POWER_BRAKE_SLOWDOWN
};
constexpr unsigned kMemoryTempField = 82;  // NVML_FI_DEV_MEMORY_TEMP

double field_number(const nvmlFieldValue_t& f) {
  switch (f.valueType) {
    case NVML_VALUE_TYPE_DOUBLE: return f.value.dVal;
    case NVML_VALUE_TYPE_UNSIGNED_LONG: return static_cast<double>(f.value.ulVal);
    case NVML_VALUE_TYPE_UNSIGNED_LONG_LONG: return static_cast<double>(f.value.ullVal);
    case NVML_VALUE_TYPE_SIGNED_LONG_LONG: return static_cast<double>(f.value.sllVal);
    case NVML_VALUE_TYPE_SIGNED_INT: return static_cast<double>(f.value.siVal);
    default: return static_cast<double>(f.value.uiVal);
  }
}

double sample_number(nvmlValueType_t type, const nvmlValue_t& v) {
  switch (type) {
    case NVML_VALUE_TYPE_DOUBLE: return v.dVal;
    case NVML_VALUE_TYPE_UNSIGNED_LONG: return static_cast<double>(v.ulVal);
    case NVML_VALUE_TYPE_UNSIGNED_LONG_LONG: return static_cast<double>(v.ullVal);
    case NVML_VALUE_TYPE_SIGNED_LONG_LONG: return static_cast<double>(v.sllVal);
    case NVML_VALUE_TYPE_SIGNED_INT: return static_cast<double>(v.siVal);
    default: return static_cast<double>(v.uiVal);
  }
}

const Nvml::Impl& impl_of(const NvmlTelemetryProbe& p) {
  return *static_cast<const Nvml::Impl*>(p.impl);
}
const TelemetrySymbols& symbols_of(const NvmlTelemetryProbe& p) {
  return *static_cast<const TelemetrySymbols*>(p.symbols);
}
nvmlDevice_t device_of(const NvmlTelemetryProbe& p) {
  return static_cast<nvmlDevice_t>(p.device);
}

// Keeps the first reason a field failed with (the one assignment that may allocate).
void note(std::string& slot, const Nvml::Impl& n, const char* what, nvmlReturn_t rc) {
  if (slot.empty()) slot = fmt::format("{}: {}", what, n.error(rc));
}
void note_missing(std::string& slot, const char* function) {
  if (slot.empty()) slot = fmt::format("NVML: {} not in this driver", function);
}

}  // namespace

std::optional<NvmlTelemetryProbe> Nvml::telemetry_probe(const std::string& pci_bus_id, std::string* reason) const {
  const Impl& n = *impl_;
  const auto device = n.handle(pci_bus_id, reason);
  if (!device) return std::nullopt;
  static const TelemetrySymbols symbols = [&n] {
    TelemetrySymbols s;
    auto load = [&n](const char* name) { return dlsym(n.library, name); };
    s.clock_info = reinterpret_cast<GetClockInfo>(load("nvmlDeviceGetClockInfo"));
    s.power_usage = reinterpret_cast<GetUnsigned>(load("nvmlDeviceGetPowerUsage"));
    s.enforced_power_limit = reinterpret_cast<GetUnsigned>(load("nvmlDeviceGetEnforcedPowerLimit"));
    s.temperature = reinterpret_cast<GetTemperature>(load("nvmlDeviceGetTemperature"));
    s.reasons = reinterpret_cast<GetReasons>(load("nvmlDeviceGetCurrentClocksEventReasons"));
    if (s.reasons == nullptr) {
      s.reasons = reinterpret_cast<GetReasons>(load("nvmlDeviceGetCurrentClocksThrottleReasons"));
    }
    s.samples = reinterpret_cast<GetSamples>(load("nvmlDeviceGetSamples"));
    s.field_values = reinterpret_cast<GetFieldValues>(load("nvmlDeviceGetFieldValues"));
    s.pcie_gen = reinterpret_cast<GetUnsigned>(load("nvmlDeviceGetCurrPcieLinkGeneration"));
    s.pcie_width = reinterpret_cast<GetUnsigned>(load("nvmlDeviceGetCurrPcieLinkWidth"));
    return s;
  }();
  NvmlTelemetryProbe probe;
  probe.impl = &n;
  probe.device = *device;
  probe.symbols = &symbols;
  return probe;
}

void NvmlTelemetryProbe::poll(TelemetryPoll& p, TelemetryFieldReasons& why) const {
  const Nvml::Impl& n = impl_of(*this);
  const TelemetrySymbols& s = symbols_of(*this);
  const nvmlDevice_t d = device_of(*this);
  unsigned v = 0;
  if (s.clock_info == nullptr) {
    note_missing(why.sm_clock, "nvmlDeviceGetClockInfo");
    note_missing(why.mem_clock, "nvmlDeviceGetClockInfo");
  } else {
    nvmlReturn_t rc = s.clock_info(d, NVML_CLOCK_SM, &v);
    if (rc == NVML_SUCCESS)
      p.sm_clock_mhz = v;
    else
      note(why.sm_clock, n, "SM clock", rc);
    rc = s.clock_info(d, NVML_CLOCK_MEM, &v);
    if (rc == NVML_SUCCESS)
      p.mem_clock_mhz = v;
    else
      note(why.mem_clock, n, "memory clock", rc);
  }
  if (s.power_usage == nullptr) {
    note_missing(why.power, "nvmlDeviceGetPowerUsage");
  } else {
    const nvmlReturn_t rc = s.power_usage(d, &v);
    if (rc == NVML_SUCCESS)
      p.power_w = v * 1e-3;
    else
      note(why.power, n, "power", rc);
  }
  if (s.temperature == nullptr) {
    note_missing(why.gpu_temp, "nvmlDeviceGetTemperature");
  } else {
    const nvmlReturn_t rc = s.temperature(d, NVML_TEMPERATURE_GPU, &v);
    if (rc == NVML_SUCCESS)
      p.gpu_temp_c = v;
    else
      note(why.gpu_temp, n, "GPU temperature", rc);
  }
  if (s.field_values == nullptr) {
    note_missing(why.mem_temp, "nvmlDeviceGetFieldValues");
  } else {
    nvmlFieldValue_t f{};
    f.fieldId = kMemoryTempField;
    nvmlReturn_t rc = s.field_values(d, 1, &f);
    if (rc == NVML_SUCCESS) rc = f.nvmlReturn;
    if (rc == NVML_SUCCESS)
      p.mem_temp_c = field_number(f);
    else
      note(why.mem_temp, n, "memory temperature", rc);
  }
  if (s.reasons == nullptr) {
    note_missing(why.reasons, "nvmlDeviceGetCurrentClocksEventReasons");
  } else {
    unsigned long long bits = 0;
    const nvmlReturn_t rc = s.reasons(d, &bits);
    if (rc == NVML_SUCCESS) {
      p.reasons = bits;
      p.reasons_known = true;
    } else {
      note(why.reasons, n, "clock event reasons", rc);
    }
  }
  if (s.pcie_gen == nullptr || s.pcie_width == nullptr) {
    note_missing(why.pcie, "nvmlDeviceGetCurrPcieLinkGeneration");
  } else {
    nvmlReturn_t rc = s.pcie_gen(d, &v);
    if (rc == NVML_SUCCESS)
      p.pcie_gen = static_cast<int>(v);
    else
      note(why.pcie, n, "PCIe generation", rc);
    rc = s.pcie_width(d, &v);
    if (rc == NVML_SUCCESS)
      p.pcie_width = static_cast<int>(v);
    else
      note(why.pcie, n, "PCIe width", rc);
  }
}

Known<double> NvmlTelemetryProbe::power_limit_w() const {
  const Nvml::Impl& n = impl_of(*this);
  const TelemetrySymbols& s = symbols_of(*this);
  if (s.enforced_power_limit == nullptr) {
    return Known<double>::unknown("NVML: nvmlDeviceGetEnforcedPowerLimit not in this driver");
  }
  unsigned mw = 0;
  const nvmlReturn_t rc = s.enforced_power_limit(device_of(*this), &mw);
  if (rc != NVML_SUCCESS) return Known<double>::unknown(n.error(rc));
  return mw * 1e-3;
}

void NvmlTelemetryProbe::counters(std::array<Known<double>, kThrottleReasons.size()>& out) const {
  const Nvml::Impl& n = impl_of(*this);
  const TelemetrySymbols& s = symbols_of(*this);
  std::array<nvmlFieldValue_t, kThrottleReasons.size()> fields{};
  int count = 0;
  for (unsigned id : kCounterField) {
    if (id != 0) fields[static_cast<std::size_t>(count++)].fieldId = id;
  }
  nvmlReturn_t rc = NVML_ERROR_FUNCTION_NOT_FOUND;
  if (s.field_values != nullptr) rc = s.field_values(device_of(*this), count, fields.data());
  int k = 0;
  for (std::size_t i = 0; i < kCounterField.size(); ++i) {
    if (kCounterField[i] == 0) {
      out[i] = Known<double>::unknown("NVML has no time counter for this reason");
      continue;
    }
    const nvmlFieldValue_t& f = fields[static_cast<std::size_t>(k++)];
    if (rc != NVML_SUCCESS) {
      out[i] = Known<double>::unknown(s.field_values == nullptr ? "NVML: nvmlDeviceGetFieldValues not in this driver"
                                                                : n.error(rc));
    } else if (f.nvmlReturn != NVML_SUCCESS) {
      out[i] = Known<double>::unknown(fmt::format("field {}: {}", kCounterField[i], n.error(f.nvmlReturn)));
    } else {
      out[i] = field_number(f);
    }
  }
}

bool NvmlTelemetryProbe::driver_samples(DriverSamples kind, unsigned long long* last_seen_us,
                                        unsigned long long until_us, std::vector<double>& values,
                                        std::string* why) const {
  const Nvml::Impl& n = impl_of(*this);
  const TelemetrySymbols& s = symbols_of(*this);
  if (s.samples == nullptr) {
    *why = "NVML: nvmlDeviceGetSamples not in this driver";
    return false;
  }
  const bool power = kind == DriverSamples::power_w;
  const nvmlSamplingType_t type_asked = power ? NVML_TOTAL_POWER_SAMPLES : NVML_PROCESSOR_CLK_SAMPLES;
  const double scale = power ? 1e-3 : 1.0;  // power in mW, clocks in MHz
  // The driver keeps a ring of a few hundred samples per type; asking for more is harmless.
  constexpr unsigned kMax = 256;
  std::array<nvmlSample_t, kMax> buffer{};
  unsigned count = kMax;
  nvmlValueType_t type{};
  const nvmlReturn_t rc = s.samples(device_of(*this), type_asked, *last_seen_us, &type, &count, buffer.data());
  if (rc == NVML_ERROR_NOT_FOUND) return true;  // no sample newer than last_seen
  if (rc != NVML_SUCCESS) {
    *why = fmt::format("{} samples: {}", power ? "power" : "SM clock", n.error(rc));
    return false;
  }
  for (unsigned i = 0; i < std::min(count, kMax); ++i) {
    const nvmlSample_t& sample = buffer[i];
    if (sample.timeStamp <= *last_seen_us || sample.timeStamp > until_us) continue;
    values.push_back(sample_number(type, sample.sampleValue) * scale);
  }
  for (unsigned i = 0; i < std::min(count, kMax); ++i) {
    if (buffer[i].timeStamp <= until_us) *last_seen_us = std::max(*last_seen_us, buffer[i].timeStamp);
  }
  return true;
}

}  // namespace gx
// ===== telemetry (end) ===============================================================
