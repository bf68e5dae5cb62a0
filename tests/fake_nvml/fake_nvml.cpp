// A scripted stand-in for libnvidia-ml.so.1, built with the tests. gpuxfer loads it through
// GPUXFER_NVML_LIBRARY; the JSON file named by GPUXFER_FAKE_NVML_SCRIPT says which GPUs exist,
// what each entry point answers and how the answers change over time (README.md here).
//
// Every exported name is a GNU indirect function: its resolver runs when gpuxfer calls dlsym,
// so an entry point the script omits resolves to null, exactly as on a driver that lacks it.
#include <nvml.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Device {
  std::string bus_id;  // as scripted
  unsigned domain = 0, bus = 0, dev = 0, fn = 0;
  std::string uuid;
  std::string name;
  json values = json::object();
  json steps = json::array();
  json xid_events = json::array();
};

struct Registration {
  std::size_t device = 0;
  double since_ms = 0;
};

struct EventSet {
  std::vector<Registration> registered;
  std::set<std::pair<std::size_t, std::size_t>> delivered;  // (device, event index)
};

struct State {
  bool loaded = false;
  std::string error;  // why the script could not be read ("" when it was)
  json script = json::object();
  std::vector<std::unique_ptr<Device>> devices;
  std::set<std::string> omitted;
  bool initialized = false;
  Clock::time_point init_time{};
  long long init_epoch_us = 0;
  std::map<std::string, long long> calls;  // answered queries by identity
  std::vector<std::unique_ptr<EventSet>> event_sets;
};

std::mutex g_mutex;

State& state() {
  static State s;
  return s;
}

bool parse_bus_id(const std::string& text, unsigned* domain, unsigned* bus, unsigned* dev, unsigned* fn) {
  unsigned d = 0, b = 0, v = 0, f = 0;
  if (std::sscanf(text.c_str(), "%x:%x:%x.%x", &d, &b, &v, &f) == 4) {
    *domain = d, *bus = b, *dev = v, *fn = f;
    return true;
  }
  if (std::sscanf(text.c_str(), "%x:%x.%x", &b, &v, &f) == 3) {
    *domain = 0, *bus = b, *dev = v, *fn = f;
    return true;
  }
  return false;
}

// Loads the script once, at the first dlsym. Errors are kept: nvmlInit_v2 then fails.
void load(State& s) {
  if (s.loaded) return;
  s.loaded = true;
  const char* path = std::getenv("GPUXFER_FAKE_NVML_SCRIPT");
  if (path == nullptr || *path == '\0') {
    s.error = "GPUXFER_FAKE_NVML_SCRIPT is not set";
  } else {
    std::ifstream in(path);
    if (!in) {
      s.error = std::string("cannot open ") + path;
    } else {
      try {
        s.script = json::parse(in);
        if (!s.script.is_object()) throw std::runtime_error("the script is not a JSON object");
        for (const auto& name : s.script.value("omit", json::array())) s.omitted.insert(name.get<std::string>());
        for (const auto& d : s.script.value("devices", json::array())) {
          auto device = std::make_unique<Device>();
          device->bus_id = d.at("pci_bus_id").get<std::string>();
          if (!parse_bus_id(device->bus_id, &device->domain, &device->bus, &device->dev, &device->fn)) {
            throw std::runtime_error("bad pci_bus_id " + device->bus_id);
          }
          device->uuid = d.value("uuid", "GPU-00000000-0000-0000-0000-000000000000");
          device->name = d.value("name", "Fake GPU");
          device->values = d.value("values", json::object());
          device->steps = d.value("steps", json::array());
          device->xid_events = d.value("xid_events", json::array());
          s.devices.push_back(std::move(device));
        }
      } catch (const std::exception& e) {
        s.error = std::string(path) + ": " + e.what();
        s.devices.clear();
      }
    }
  }
  if (!s.error.empty()) std::fprintf(stderr, "fake NVML: %s\n", s.error.c_str());
}

double elapsed_ms(const State& s) {
  return std::chrono::duration<double, std::milli>(Clock::now() - s.init_time).count();
}

long long epoch_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nvmlReturn_t parse_return(const json& v) {
  if (v.is_number_integer()) return static_cast<nvmlReturn_t>(v.get<int>());
  static const std::map<std::string, nvmlReturn_t> kNames = {
      {"SUCCESS", NVML_SUCCESS},
      {"UNINITIALIZED", NVML_ERROR_UNINITIALIZED},
      {"INVALID_ARGUMENT", NVML_ERROR_INVALID_ARGUMENT},
      {"NOT_SUPPORTED", NVML_ERROR_NOT_SUPPORTED},
      {"NO_PERMISSION", NVML_ERROR_NO_PERMISSION},
      {"NOT_FOUND", NVML_ERROR_NOT_FOUND},
      {"INSUFFICIENT_SIZE", NVML_ERROR_INSUFFICIENT_SIZE},
      {"DRIVER_NOT_LOADED", NVML_ERROR_DRIVER_NOT_LOADED},
      {"TIMEOUT", NVML_ERROR_TIMEOUT},
      {"FUNCTION_NOT_FOUND", NVML_ERROR_FUNCTION_NOT_FOUND},
      {"CORRUPTED_INFOROM", NVML_ERROR_CORRUPTED_INFOROM},
      {"GPU_IS_LOST", NVML_ERROR_GPU_IS_LOST},
      {"RESET_REQUIRED", NVML_ERROR_RESET_REQUIRED},
      {"NO_DATA", NVML_ERROR_NO_DATA},
      {"UNKNOWN", NVML_ERROR_UNKNOWN},
  };
  std::string name = v.is_string() ? v.get<std::string>() : "UNKNOWN";
  if (name.rfind("NVML_ERROR_", 0) == 0) name = name.substr(11);
  const auto it = kNames.find(name);
  return it != kNames.end() ? it->second : NVML_ERROR_UNKNOWN;
}

// One answer in the making: the device's values as they stand for this query, or an error.
struct Query {
  nvmlReturn_t rc = NVML_SUCCESS;
  Device* device = nullptr;
  json values = json::object();

  // The value at a path of keys, or nullptr where the script leaves it out (NOT_SUPPORTED).
  [[nodiscard]] const json* at(std::initializer_list<std::string> path) const {
    const json* v = &values;
    for (const auto& key : path) {
      if (!v->is_object()) return nullptr;
      const auto it = v->find(key);
      if (it == v->end() || it->is_null()) return nullptr;
      v = &*it;
    }
    return v;
  }
};

nvmlReturn_t failure_of(const json& fail, const char* function) {
  if (!fail.is_object()) return NVML_SUCCESS;
  const auto it = fail.find(function);
  return it == fail.end() ? NVML_SUCCESS : parse_return(*it);
}

Device* device_of(State& s, nvmlDevice_t handle) {
  for (auto& d : s.devices) {
    if (reinterpret_cast<nvmlDevice_t>(d.get()) == handle) return d.get();
  }
  return nullptr;
}

// The device's base values with every step whose condition holds merged over them (RFC 7386:
// objects merge, a null removes a key). `identity` names the query: "after_calls": N holds
// once N earlier queries with the same identity were answered.
json values_now(State& s, Device& d, const std::string& identity) {
  const long long previous = s.calls[identity]++;
  const double ms = elapsed_ms(s);
  json v = d.values;
  for (const auto& step : d.steps) {
    bool on = true;
    if (step.contains("after_calls")) on = previous >= step["after_calls"].get<long long>();
    if (step.contains("after_ms")) on = on && ms >= step["after_ms"].get<double>();
    if (!on) continue;
    json patch = step;
    patch.erase("after_calls");
    patch.erase("after_ms");
    v.merge_patch(patch);
  }
  return v;
}

// The common start of every device entry point: initialized, a known handle, scripted failures.
Query begin(const char* function, nvmlDevice_t handle, const std::string& selector = "") {
  State& s = state();
  Query q;
  if (!s.initialized) {
    q.rc = NVML_ERROR_UNINITIALIZED;
    return q;
  }
  q.device = device_of(s, handle);
  if (q.device == nullptr) {
    q.rc = NVML_ERROR_INVALID_ARGUMENT;
    return q;
  }
  q.values = values_now(s, *q.device, std::string(function) + "/" + q.device->bus_id + "/" + selector);
  q.rc = failure_of(s.script.value("fail", json::object()), function);
  if (q.rc == NVML_SUCCESS) q.rc = failure_of(q.values.value("fail", json::object()), function);
  return q;
}

// System-level entry points: initialized and scripted failures only.
nvmlReturn_t begin_system(const char* function) {
  State& s = state();
  if (!s.initialized) return NVML_ERROR_UNINITIALIZED;
  return failure_of(s.script.value("fail", json::object()), function);
}

nvmlReturn_t copy_string(const std::string& text, char* out, unsigned length) {
  if (out == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if (text.size() + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
  std::memcpy(out, text.c_str(), text.size() + 1);
  return NVML_SUCCESS;
}

template <class T>
nvmlReturn_t number(const Query& q, std::initializer_list<std::string> path, T* out) {
  if (q.rc != NVML_SUCCESS) return q.rc;
  if (out == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  const json* v = q.at(path);
  if (v == nullptr) return NVML_ERROR_NOT_SUPPORTED;
  if (v->is_boolean()) {
    *out = static_cast<T>(v->get<bool>() ? 1 : 0);
  } else if (v->is_number()) {
    *out = v->get<T>();
  } else {
    return parse_return(*v);  // a scripted per-value error, e.g. "NO_PERMISSION"
  }
  return NVML_SUCCESS;
}

nvmlReturn_t enable_state(const Query& q, std::initializer_list<std::string> path, nvmlEnableState_t* out) {
  unsigned v = 0;
  const nvmlReturn_t rc = number(q, path, &v);
  if (rc == NVML_SUCCESS) *out = v != 0 ? NVML_FEATURE_ENABLED : NVML_FEATURE_DISABLED;
  return rc;
}

nvmlReturn_t text(const Query& q, std::initializer_list<std::string> path, char* out, unsigned length) {
  if (q.rc != NVML_SUCCESS) return q.rc;
  const json* v = q.at(path);
  if (v == nullptr) return NVML_ERROR_NOT_SUPPORTED;
  if (!v->is_string()) return NVML_ERROR_UNKNOWN;
  return copy_string(v->get<std::string>(), out, length);
}

const char* clock_name(nvmlClockType_t type) {
  switch (type) {
    case NVML_CLOCK_GRAPHICS: return "graphics";
    case NVML_CLOCK_SM: return "sm";
    case NVML_CLOCK_MEM: return "mem";
    case NVML_CLOCK_VIDEO: return "video";
    default: return "none";
  }
}

const char* location_name(nvmlMemoryLocation_t location) {
  switch (location) {
    case NVML_MEMORY_LOCATION_L1_CACHE: return "l1_cache";
    case NVML_MEMORY_LOCATION_L2_CACHE: return "l2_cache";
    case NVML_MEMORY_LOCATION_DRAM: return "dram";
    case NVML_MEMORY_LOCATION_REGISTER_FILE: return "register_file";
    case NVML_MEMORY_LOCATION_TEXTURE_MEMORY: return "texture_memory";
    case NVML_MEMORY_LOCATION_TEXTURE_SHM: return "texture_shm";
    case NVML_MEMORY_LOCATION_CBU: return "cbu";
    case NVML_MEMORY_LOCATION_SRAM: return "sram";
    default: return "none";
  }
}

const char* ecc_error_name(nvmlMemoryErrorType_t type) {
  return type == NVML_MEMORY_ERROR_TYPE_CORRECTED ? "corrected" : "uncorrected";
}
const char* ecc_counter_name(nvmlEccCounterType_t type) {
  return type == NVML_VOLATILE_ECC ? "volatile" : "aggregate";
}

std::string link_key(unsigned link) {
  return std::to_string(link);
}

// Where a field id is not scripted under "field_values", the value it stands for elsewhere in the
// script: {path, value type}. Empty path: not known to the fake (NOT_SUPPORTED).
struct FieldSource {
  std::vector<std::string> path;
  nvmlValueType_t type = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
};

FieldSource field_source(unsigned id, unsigned scope) {
  using V = std::vector<std::string>;
  switch (id) {
    case NVML_FI_DEV_ECC_SBE_VOL_TOTAL: return {V{"ecc_errors", "volatile", "corrected"}};
    case NVML_FI_DEV_ECC_DBE_VOL_TOTAL: return {V{"ecc_errors", "volatile", "uncorrected"}};
    case NVML_FI_DEV_ECC_SBE_AGG_TOTAL: return {V{"ecc_errors", "aggregate", "corrected"}};
    case NVML_FI_DEV_ECC_DBE_AGG_TOTAL: return {V{"ecc_errors", "aggregate", "uncorrected"}};
    case NVML_FI_DEV_RETIRED_SBE: return {V{"retired_pages", "multiple_single_bit"}};
    case NVML_FI_DEV_RETIRED_DBE: return {V{"retired_pages", "double_bit"}};
    case NVML_FI_DEV_RETIRED_PENDING: return {V{"retired_pages", "pending"}};
    case NVML_FI_DEV_MEMORY_TEMP: return {V{"temperature_c", "memory"}, NVML_VALUE_TYPE_UNSIGNED_INT};
    case NVML_FI_DEV_PCIE_REPLAY_COUNTER: return {V{"pcie", "replay_counter"}};
    case NVML_FI_DEV_NVLINK_SPEED_MBPS_COMMON: return {V{"nvlink_common_speed_mbps"}, NVML_VALUE_TYPE_UNSIGNED_INT};
    case NVML_FI_DEV_NVLINK_GET_SPEED:
      return {V{"nvlink", link_key(scope), "speed_mbps"}, NVML_VALUE_TYPE_UNSIGNED_INT};
    case NVML_FI_DEV_REMAPPED_COR: return {V{"remapped_rows", "corrected"}, NVML_VALUE_TYPE_UNSIGNED_INT};
    case NVML_FI_DEV_REMAPPED_UNC: return {V{"remapped_rows", "uncorrected"}, NVML_VALUE_TYPE_UNSIGNED_INT};
    case NVML_FI_DEV_REMAPPED_PENDING: return {V{"remapped_rows", "pending"}, NVML_VALUE_TYPE_UNSIGNED_INT};
    case NVML_FI_DEV_REMAPPED_FAILURE: return {V{"remapped_rows", "failure"}, NVML_VALUE_TYPE_UNSIGNED_INT};
    case NVML_FI_DEV_GET_GPU_RECOVERY_ACTION: return {V{"recovery_action"}, NVML_VALUE_TYPE_UNSIGNED_INT};
    case NVML_FI_DEV_CLOCKS_EVENT_REASON_SW_POWER_CAP: return {V{"clocks_event_reason_ns", "sw_power_cap"}};
    case NVML_FI_DEV_CLOCKS_EVENT_REASON_SYNC_BOOST: return {V{"clocks_event_reason_ns", "sync_boost"}};
    case NVML_FI_DEV_CLOCKS_EVENT_REASON_SW_THERM_SLOWDOWN: return {V{"clocks_event_reason_ns", "sw_thermal_slowdown"}};
    case NVML_FI_DEV_CLOCKS_EVENT_REASON_HW_THERM_SLOWDOWN: return {V{"clocks_event_reason_ns", "hw_thermal_slowdown"}};
    case NVML_FI_DEV_CLOCKS_EVENT_REASON_HW_POWER_BRAKE_SLOWDOWN:
      return {V{"clocks_event_reason_ns", "hw_power_brake_slowdown"}};
    default: return {};
  }
}

void fill_field(const json& v, nvmlValueType_t type, nvmlFieldValue_t* f) {
  f->valueType = type;
  f->nvmlReturn = NVML_SUCCESS;
  if (v.is_string()) {
    f->nvmlReturn = parse_return(v);
    return;
  }
  if (v.is_number_float() || type == NVML_VALUE_TYPE_DOUBLE) {
    f->valueType = NVML_VALUE_TYPE_DOUBLE;
    f->value.dVal = v.get<double>();
    return;
  }
  const unsigned long long n = v.is_boolean() ? (v.get<bool>() ? 1ull : 0ull) : v.get<unsigned long long>();
  if (type == NVML_VALUE_TYPE_UNSIGNED_INT) {
    f->value.uiVal = static_cast<unsigned>(n);
  } else {
    f->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG;
    f->value.ullVal = n;
  }
}

}  // namespace

// ---- the entry points -------------------------------------------------------------------------
// FAKE(name) defines impl_name and exports `name` as an indirect function whose resolver answers
// null when the script omits it.
extern "C" __attribute__((visibility("hidden"))) void* gx_fake_nvml_resolve(const char* name, void* impl) {
  std::lock_guard<std::mutex> lock(g_mutex);
  State& s = state();
  load(s);
  return s.omitted.count(name) != 0 ? nullptr : impl;
}

#define FAKE(name)                                                                                                  \
  static decltype(::name) impl_##name;                                                                              \
  extern "C" __attribute__((visibility("hidden"))) decltype(&::name) resolve_##name() {                             \
    return reinterpret_cast<decltype(&::name)>(gx_fake_nvml_resolve(#name, reinterpret_cast<void*>(&impl_##name))); \
  }                                                                                                                 \
  extern "C" decltype(::name) name __attribute__((ifunc("resolve_" #name), visibility("default")));

#define LOCK std::lock_guard<std::mutex> lock(g_mutex)

FAKE(nvmlInit_v2)
static nvmlReturn_t impl_nvmlInit_v2() {
  LOCK;
  State& s = state();
  load(s);
  if (!s.error.empty()) return NVML_ERROR_UNKNOWN;
  const nvmlReturn_t rc = parse_return(s.script.value("init", json("SUCCESS")));
  if (rc != NVML_SUCCESS) return rc;
  if (!s.initialized) {
    s.initialized = true;
    s.init_time = Clock::now();
    s.init_epoch_us = epoch_us();
  }
  return NVML_SUCCESS;
}

FAKE(nvmlShutdown)
static nvmlReturn_t impl_nvmlShutdown() {
  LOCK;
  State& s = state();
  if (!s.initialized) return NVML_ERROR_UNINITIALIZED;
  s.initialized = false;
  return NVML_SUCCESS;
}

FAKE(nvmlErrorString)
static const char* impl_nvmlErrorString(nvmlReturn_t rc) {
  // NVML's own wording, so reasons read as they would on a real driver.
  switch (rc) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_TIMEOUT: return "Timeout";
    case NVML_ERROR_FUNCTION_NOT_FOUND: return "Function Not Found";
    case NVML_ERROR_CORRUPTED_INFOROM: return "Corrupted infoROM";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_RESET_REQUIRED: return "GPU requires restart";
    case NVML_ERROR_NO_DATA: return "No Data";
    default: return "Unknown Error";
  }
}

FAKE(nvmlSystemGetDriverVersion)
static nvmlReturn_t impl_nvmlSystemGetDriverVersion(char* version, unsigned length) {
  LOCK;
  const nvmlReturn_t rc = begin_system("nvmlSystemGetDriverVersion");
  if (rc != NVML_SUCCESS) return rc;
  return copy_string(state().script.value("driver_version", "580.00.00"), version, length);
}

FAKE(nvmlSystemGetNVMLVersion)
static nvmlReturn_t impl_nvmlSystemGetNVMLVersion(char* version, unsigned length) {
  LOCK;
  const nvmlReturn_t rc = begin_system("nvmlSystemGetNVMLVersion");
  if (rc != NVML_SUCCESS) return rc;
  return copy_string(state().script.value("nvml_version", "13.580.00"), version, length);
}

FAKE(nvmlDeviceGetCount_v2)
static nvmlReturn_t impl_nvmlDeviceGetCount_v2(unsigned* count) {
  LOCK;
  const nvmlReturn_t rc = begin_system("nvmlDeviceGetCount_v2");
  if (rc != NVML_SUCCESS) return rc;
  if (count == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *count = static_cast<unsigned>(state().devices.size());
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceGetHandleByIndex_v2)
static nvmlReturn_t impl_nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_t* device) {
  LOCK;
  const nvmlReturn_t rc = begin_system("nvmlDeviceGetHandleByIndex_v2");
  if (rc != NVML_SUCCESS) return rc;
  State& s = state();
  if (device == nullptr || index >= s.devices.size()) return NVML_ERROR_INVALID_ARGUMENT;
  *device = reinterpret_cast<nvmlDevice_t>(s.devices[index].get());
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceGetHandleByPciBusId_v2)
static nvmlReturn_t impl_nvmlDeviceGetHandleByPciBusId_v2(const char* bus_id, nvmlDevice_t* device) {
  LOCK;
  const nvmlReturn_t rc = begin_system("nvmlDeviceGetHandleByPciBusId_v2");
  if (rc != NVML_SUCCESS) return rc;
  unsigned domain = 0, bus = 0, dev = 0, fn = 0;
  if (bus_id == nullptr || device == nullptr || !parse_bus_id(bus_id, &domain, &bus, &dev, &fn)) {
    return NVML_ERROR_INVALID_ARGUMENT;
  }
  for (auto& d : state().devices) {
    if (d->domain == domain && d->bus == bus && d->dev == dev && d->fn == fn) {
      const nvmlReturn_t fail = failure_of(d->values.value("fail", json::object()), "nvmlDeviceGetHandleByPciBusId_v2");
      if (fail != NVML_SUCCESS) return fail;
      *device = reinterpret_cast<nvmlDevice_t>(d.get());
      return NVML_SUCCESS;
    }
  }
  return NVML_ERROR_NOT_FOUND;
}

FAKE(nvmlDeviceGetPciInfo_v3)
static nvmlReturn_t impl_nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t* pci) {
  LOCK;
  const Query q = begin("nvmlDeviceGetPciInfo_v3", device);
  if (q.rc != NVML_SUCCESS) return q.rc;
  if (pci == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *pci = nvmlPciInfo_t{};
  const Device& d = *q.device;
  std::snprintf(pci->busId, sizeof(pci->busId), "%08X:%02X:%02X.%X", d.domain, d.bus, d.dev, d.fn);
  std::snprintf(pci->busIdLegacy, sizeof(pci->busIdLegacy), "%04X:%02X:%02X.%X", d.domain, d.bus, d.dev, d.fn);
  pci->domain = d.domain;
  pci->bus = d.bus;
  pci->device = d.dev;
  pci->pciDeviceId = q.at({"pci_device_id"}) != nullptr ? q.at({"pci_device_id"})->get<unsigned>() : 0x233510DEu;
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceGetName)
static nvmlReturn_t impl_nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned length) {
  LOCK;
  const Query q = begin("nvmlDeviceGetName", device);
  return q.rc != NVML_SUCCESS ? q.rc : copy_string(q.device->name, name, length);
}

FAKE(nvmlDeviceGetUUID)
static nvmlReturn_t impl_nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned length) {
  LOCK;
  const Query q = begin("nvmlDeviceGetUUID", device);
  return q.rc != NVML_SUCCESS ? q.rc : copy_string(q.device->uuid, uuid, length);
}

// ---- clocks -------------------------------------------------------------------------------------
FAKE(nvmlDeviceGetMaxClockInfo)
static nvmlReturn_t impl_nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned* clock) {
  LOCK;
  return number(begin("nvmlDeviceGetMaxClockInfo", device, clock_name(type)), {"clocks_mhz", clock_name(type), "max"},
                clock);
}

FAKE(nvmlDeviceGetClockInfo)
static nvmlReturn_t impl_nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned* clock) {
  LOCK;
  return number(begin("nvmlDeviceGetClockInfo", device, clock_name(type)), {"clocks_mhz", clock_name(type), "current"},
                clock);
}

FAKE(nvmlDeviceGetApplicationsClock)
static nvmlReturn_t impl_nvmlDeviceGetApplicationsClock(nvmlDevice_t device, nvmlClockType_t type, unsigned* clock) {
  LOCK;
  return number(begin("nvmlDeviceGetApplicationsClock", device, clock_name(type)),
                {"clocks_mhz", clock_name(type), "app"}, clock);
}

FAKE(nvmlDeviceGetDefaultApplicationsClock)
static nvmlReturn_t impl_nvmlDeviceGetDefaultApplicationsClock(nvmlDevice_t device, nvmlClockType_t type,
                                                               unsigned* clock) {
  LOCK;
  return number(begin("nvmlDeviceGetDefaultApplicationsClock", device, clock_name(type)),
                {"clocks_mhz", clock_name(type), "default_app"}, clock);
}

FAKE(nvmlDeviceGetClock)
static nvmlReturn_t impl_nvmlDeviceGetClock(nvmlDevice_t device, nvmlClockType_t type, nvmlClockId_t id,
                                            unsigned* clock) {
  LOCK;
  const char* which = id == NVML_CLOCK_ID_CURRENT              ? "current"
                      : id == NVML_CLOCK_ID_APP_CLOCK_TARGET   ? "app"
                      : id == NVML_CLOCK_ID_APP_CLOCK_DEFAULT  ? "default_app"
                      : id == NVML_CLOCK_ID_CUSTOMER_BOOST_MAX ? "boost_max"
                                                               : "none";
  return number(begin("nvmlDeviceGetClock", device, std::string(clock_name(type)) + "/" + which),
                {"clocks_mhz", clock_name(type), which}, clock);
}

FAKE(nvmlDeviceGetCurrentClocksEventReasons)
static nvmlReturn_t impl_nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long* reasons) {
  LOCK;
  return number(begin("nvmlDeviceGetCurrentClocksEventReasons", device), {"clocks_event_reasons"}, reasons);
}

FAKE(nvmlDeviceGetCurrentClocksThrottleReasons)
static nvmlReturn_t impl_nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long* reasons) {
  LOCK;
  return number(begin("nvmlDeviceGetCurrentClocksThrottleReasons", device), {"clocks_event_reasons"}, reasons);
}

// ---- power and temperature ------------------------------------------------------------------
FAKE(nvmlDeviceGetPowerUsage)
static nvmlReturn_t impl_nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned* mw) {
  LOCK;
  return number(begin("nvmlDeviceGetPowerUsage", device), {"power_mw", "usage"}, mw);
}

FAKE(nvmlDeviceGetPowerManagementLimit)
static nvmlReturn_t impl_nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned* mw) {
  LOCK;
  return number(begin("nvmlDeviceGetPowerManagementLimit", device), {"power_mw", "limit"}, mw);
}

FAKE(nvmlDeviceGetEnforcedPowerLimit)
static nvmlReturn_t impl_nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned* mw) {
  LOCK;
  return number(begin("nvmlDeviceGetEnforcedPowerLimit", device), {"power_mw", "enforced_limit"}, mw);
}

FAKE(nvmlDeviceGetPowerManagementDefaultLimit)
static nvmlReturn_t impl_nvmlDeviceGetPowerManagementDefaultLimit(nvmlDevice_t device, unsigned* mw) {
  LOCK;
  return number(begin("nvmlDeviceGetPowerManagementDefaultLimit", device), {"power_mw", "default_limit"}, mw);
}

FAKE(nvmlDeviceGetTotalEnergyConsumption)
static nvmlReturn_t impl_nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long* mj) {
  LOCK;
  return number(begin("nvmlDeviceGetTotalEnergyConsumption", device), {"energy_mj"}, mj);
}

FAKE(nvmlDeviceGetTemperature)
static nvmlReturn_t impl_nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensor, unsigned* c) {
  LOCK;
  if (sensor != NVML_TEMPERATURE_GPU) return NVML_ERROR_INVALID_ARGUMENT;
  return number(begin("nvmlDeviceGetTemperature", device, "gpu"), {"temperature_c", "gpu"}, c);
}

// Samples scripted as {"t_ms": since nvmlInit, "mw": value} (power) or {"t_ms", "mhz"} (SM
// clock); a sample exists once its time has come.
FAKE(nvmlDeviceGetSamples)
static nvmlReturn_t impl_nvmlDeviceGetSamples(nvmlDevice_t device, nvmlSamplingType_t type,
                                              unsigned long long last_seen, nvmlValueType_t* value_type,
                                              unsigned* count, nvmlSample_t* samples) {
  LOCK;
  const Query q = begin("nvmlDeviceGetSamples", device, std::to_string(type));
  if (q.rc != NVML_SUCCESS) return q.rc;
  if (count == nullptr || value_type == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if (type != NVML_TOTAL_POWER_SAMPLES && type != NVML_PROCESSOR_CLK_SAMPLES) return NVML_ERROR_NOT_SUPPORTED;
  const bool power = type == NVML_TOTAL_POWER_SAMPLES;
  const json* list = q.at({power ? "power_samples" : "clock_samples"});
  if (list == nullptr || !list->is_array()) return NVML_ERROR_NOT_SUPPORTED;
  const State& s = state();
  const double now_ms = elapsed_ms(s);
  std::vector<nvmlSample_t> ready;
  for (const auto& entry : *list) {
    const double t_ms = entry.value("t_ms", 0.0);
    const auto stamp = static_cast<unsigned long long>(s.init_epoch_us + static_cast<long long>(t_ms * 1000));
    if (t_ms > now_ms || stamp <= last_seen) continue;
    nvmlSample_t sample{};
    sample.timeStamp = stamp;
    sample.sampleValue.uiVal = entry.value(power ? "mw" : "mhz", 0u);
    ready.push_back(sample);
  }
  *value_type = NVML_VALUE_TYPE_UNSIGNED_INT;
  if (samples == nullptr) {
    *count = static_cast<unsigned>(ready.size());
    return NVML_SUCCESS;
  }
  if (ready.empty()) return NVML_ERROR_NOT_FOUND;
  const std::size_t n = std::min<std::size_t>(*count, ready.size());
  std::copy(ready.begin(), ready.begin() + static_cast<std::ptrdiff_t>(n), samples);
  *count = static_cast<unsigned>(n);
  return NVML_SUCCESS;
}

// ---- memory errors ------------------------------------------------------------------------------
FAKE(nvmlDeviceGetEccMode)
static nvmlReturn_t impl_nvmlDeviceGetEccMode(nvmlDevice_t device, nvmlEnableState_t* current,
                                              nvmlEnableState_t* pending) {
  LOCK;
  const Query q = begin("nvmlDeviceGetEccMode", device);
  if (current == nullptr || pending == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  const nvmlReturn_t rc = enable_state(q, {"ecc_mode"}, current);
  if (rc == NVML_SUCCESS)
    *pending = q.at({"ecc_mode_pending"}) != nullptr
                   ? (q.at({"ecc_mode_pending"})->get<bool>() ? NVML_FEATURE_ENABLED : NVML_FEATURE_DISABLED)
                   : *current;
  return rc;
}

FAKE(nvmlDeviceGetTotalEccErrors)
static nvmlReturn_t impl_nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, nvmlMemoryErrorType_t error,
                                                     nvmlEccCounterType_t counter, unsigned long long* count) {
  LOCK;
  const std::string sel = std::string(ecc_counter_name(counter)) + "/" + ecc_error_name(error);
  return number(begin("nvmlDeviceGetTotalEccErrors", device, sel),
                {"ecc_errors", ecc_counter_name(counter), ecc_error_name(error)}, count);
}

FAKE(nvmlDeviceGetMemoryErrorCounter)
static nvmlReturn_t impl_nvmlDeviceGetMemoryErrorCounter(nvmlDevice_t device, nvmlMemoryErrorType_t error,
                                                         nvmlEccCounterType_t counter, nvmlMemoryLocation_t location,
                                                         unsigned long long* count) {
  LOCK;
  const std::string sel =
      std::string(location_name(location)) + "/" + ecc_counter_name(counter) + "/" + ecc_error_name(error);
  return number(begin("nvmlDeviceGetMemoryErrorCounter", device, sel),
                {"memory_errors", location_name(location), ecc_counter_name(counter), ecc_error_name(error)}, count);
}

FAKE(nvmlDeviceGetRemappedRows)
static nvmlReturn_t impl_nvmlDeviceGetRemappedRows(nvmlDevice_t device, unsigned* corrected, unsigned* uncorrected,
                                                   unsigned* pending, unsigned* failure) {
  LOCK;
  const Query q = begin("nvmlDeviceGetRemappedRows", device);
  nvmlReturn_t rc = number(q, {"remapped_rows", "corrected"}, corrected);
  if (rc == NVML_SUCCESS) rc = number(q, {"remapped_rows", "uncorrected"}, uncorrected);
  if (rc == NVML_SUCCESS) rc = number(q, {"remapped_rows", "pending"}, pending);
  if (rc == NVML_SUCCESS) rc = number(q, {"remapped_rows", "failure"}, failure);
  return rc;
}

FAKE(nvmlDeviceGetRowRemapperHistogram)
static nvmlReturn_t impl_nvmlDeviceGetRowRemapperHistogram(nvmlDevice_t device, nvmlRowRemapperHistogramValues_t* h) {
  LOCK;
  const Query q = begin("nvmlDeviceGetRowRemapperHistogram", device);
  if (h == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  nvmlReturn_t rc = number(q, {"row_remapper_histogram", "max"}, &h->max);
  if (rc == NVML_SUCCESS) rc = number(q, {"row_remapper_histogram", "high"}, &h->high);
  if (rc == NVML_SUCCESS) rc = number(q, {"row_remapper_histogram", "partial"}, &h->partial);
  if (rc == NVML_SUCCESS) rc = number(q, {"row_remapper_histogram", "low"}, &h->low);
  if (rc == NVML_SUCCESS) rc = number(q, {"row_remapper_histogram", "none"}, &h->none);
  return rc;
}

static nvmlReturn_t retired_pages(const char* function, nvmlDevice_t device, nvmlPageRetirementCause_t cause,
                                  unsigned* count, unsigned long long* addresses, unsigned long long* stamps) {
  const char* key = cause == NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR ? "double_bit" : "multiple_single_bit";
  const Query q = begin(function, device, key);
  if (count == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  unsigned pages = 0;
  const nvmlReturn_t rc = number(q, {"retired_pages", key}, &pages);
  if (rc != NVML_SUCCESS) return rc;
  if (*count == 0 || addresses == nullptr) {
    *count = pages;
    return pages == 0 ? NVML_SUCCESS : NVML_ERROR_INSUFFICIENT_SIZE;
  }
  if (*count < pages) {
    *count = pages;
    return NVML_ERROR_INSUFFICIENT_SIZE;
  }
  for (unsigned i = 0; i < pages; ++i) {
    addresses[i] = 0x1000ull * (i + 1);
    if (stamps != nullptr) stamps[i] = static_cast<unsigned long long>(state().init_epoch_us);
  }
  *count = pages;
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceGetRetiredPages)
static nvmlReturn_t impl_nvmlDeviceGetRetiredPages(nvmlDevice_t device, nvmlPageRetirementCause_t cause,
                                                   unsigned* count, unsigned long long* addresses) {
  LOCK;
  return retired_pages("nvmlDeviceGetRetiredPages", device, cause, count, addresses, nullptr);
}

FAKE(nvmlDeviceGetRetiredPages_v2)
static nvmlReturn_t impl_nvmlDeviceGetRetiredPages_v2(nvmlDevice_t device, nvmlPageRetirementCause_t cause,
                                                      unsigned* count, unsigned long long* addresses,
                                                      unsigned long long* stamps) {
  LOCK;
  return retired_pages("nvmlDeviceGetRetiredPages_v2", device, cause, count, addresses, stamps);
}

FAKE(nvmlDeviceGetRetiredPagesPendingStatus)
static nvmlReturn_t impl_nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t device, nvmlEnableState_t* pending) {
  LOCK;
  return enable_state(begin("nvmlDeviceGetRetiredPagesPendingStatus", device), {"retired_pages", "pending"}, pending);
}

// ---- state and identity -----------------------------------------------------------------------
FAKE(nvmlDeviceGetPersistenceMode)
static nvmlReturn_t impl_nvmlDeviceGetPersistenceMode(nvmlDevice_t device, nvmlEnableState_t* mode) {
  LOCK;
  return enable_state(begin("nvmlDeviceGetPersistenceMode", device), {"persistence_mode"}, mode);
}

FAKE(nvmlDeviceGetMigMode)
static nvmlReturn_t impl_nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned* current, unsigned* pending) {
  LOCK;
  const Query q = begin("nvmlDeviceGetMigMode", device);
  nvmlReturn_t rc = number(q, {"mig_mode", "current"}, current);
  if (rc == NVML_SUCCESS) rc = number(q, {"mig_mode", "pending"}, pending);
  return rc;
}

FAKE(nvmlDeviceGetVbiosVersion)
static nvmlReturn_t impl_nvmlDeviceGetVbiosVersion(nvmlDevice_t device, char* version, unsigned length) {
  LOCK;
  return text(begin("nvmlDeviceGetVbiosVersion", device), {"vbios_version"}, version, length);
}

FAKE(nvmlDeviceGetInforomImageVersion)
static nvmlReturn_t impl_nvmlDeviceGetInforomImageVersion(nvmlDevice_t device, char* version, unsigned length) {
  LOCK;
  return text(begin("nvmlDeviceGetInforomImageVersion", device), {"inforom_image_version"}, version, length);
}

FAKE(nvmlDeviceGetInforomVersion)
static nvmlReturn_t impl_nvmlDeviceGetInforomVersion(nvmlDevice_t device, nvmlInforomObject_t object, char* version,
                                                     unsigned length) {
  LOCK;
  const char* name = object == NVML_INFOROM_OEM     ? "oem"
                     : object == NVML_INFOROM_ECC   ? "ecc"
                     : object == NVML_INFOROM_POWER ? "power"
                                                    : "none";
  return text(begin("nvmlDeviceGetInforomVersion", device, name), {"inforom_versions", name}, version, length);
}

FAKE(nvmlDeviceGetNumaNodeId)
static nvmlReturn_t impl_nvmlDeviceGetNumaNodeId(nvmlDevice_t device, unsigned* node) {
  LOCK;
  return number(begin("nvmlDeviceGetNumaNodeId", device), {"numa_node"}, node);
}

static nvmlReturn_t bitset(const Query& q, std::initializer_list<std::string> path, unsigned words,
                           unsigned long* set) {
  if (q.rc != NVML_SUCCESS) return q.rc;
  if (set == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  const json* list = q.at(path);
  if (list == nullptr) return NVML_ERROR_NOT_SUPPORTED;
  std::fill(set, set + words, 0ul);
  const json one = json::array({*list});
  for (const auto& bit : list->is_array() ? *list : one) {
    const auto b = bit.get<unsigned>();
    const unsigned per_word = 8 * sizeof(unsigned long);
    if (b / per_word < words) set[b / per_word] |= 1ul << (b % per_word);
  }
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceGetMemoryAffinity)
static nvmlReturn_t impl_nvmlDeviceGetMemoryAffinity(nvmlDevice_t device, unsigned words, unsigned long* set,
                                                     nvmlAffinityScope_t) {
  LOCK;
  return bitset(begin("nvmlDeviceGetMemoryAffinity", device), {"numa_node"}, words, set);
}

FAKE(nvmlDeviceGetCpuAffinity)
static nvmlReturn_t impl_nvmlDeviceGetCpuAffinity(nvmlDevice_t device, unsigned words, unsigned long* set) {
  LOCK;
  return bitset(begin("nvmlDeviceGetCpuAffinity", device), {"cpu_affinity"}, words, set);
}

// ---- PCIe ---------------------------------------------------------------------------------------
FAKE(nvmlDeviceGetCurrPcieLinkGeneration)
static nvmlReturn_t impl_nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned* v) {
  LOCK;
  return number(begin("nvmlDeviceGetCurrPcieLinkGeneration", device), {"pcie", "current_gen"}, v);
}
FAKE(nvmlDeviceGetCurrPcieLinkWidth)
static nvmlReturn_t impl_nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned* v) {
  LOCK;
  return number(begin("nvmlDeviceGetCurrPcieLinkWidth", device), {"pcie", "current_width"}, v);
}
FAKE(nvmlDeviceGetMaxPcieLinkGeneration)
static nvmlReturn_t impl_nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t device, unsigned* v) {
  LOCK;
  return number(begin("nvmlDeviceGetMaxPcieLinkGeneration", device), {"pcie", "max_gen"}, v);
}
FAKE(nvmlDeviceGetMaxPcieLinkWidth)
static nvmlReturn_t impl_nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t device, unsigned* v) {
  LOCK;
  return number(begin("nvmlDeviceGetMaxPcieLinkWidth", device), {"pcie", "max_width"}, v);
}
FAKE(nvmlDeviceGetPcieReplayCounter)
static nvmlReturn_t impl_nvmlDeviceGetPcieReplayCounter(nvmlDevice_t device, unsigned* v) {
  LOCK;
  return number(begin("nvmlDeviceGetPcieReplayCounter", device), {"pcie", "replay_counter"}, v);
}

// ---- NVLink: "nvlink" is an object keyed by link index; a missing link is NOT_SUPPORTED ---------
FAKE(nvmlDeviceGetNvLinkState)
static nvmlReturn_t impl_nvmlDeviceGetNvLinkState(nvmlDevice_t device, unsigned link, nvmlEnableState_t* active) {
  LOCK;
  return enable_state(begin("nvmlDeviceGetNvLinkState", device, link_key(link)), {"nvlink", link_key(link), "active"},
                      active);
}

FAKE(nvmlDeviceGetNvLinkVersion)
static nvmlReturn_t impl_nvmlDeviceGetNvLinkVersion(nvmlDevice_t device, unsigned link, unsigned* version) {
  LOCK;
  return number(begin("nvmlDeviceGetNvLinkVersion", device, link_key(link)), {"nvlink", link_key(link), "version"},
                version);
}

FAKE(nvmlDeviceGetNvLinkRemotePciInfo_v2)
static nvmlReturn_t impl_nvmlDeviceGetNvLinkRemotePciInfo_v2(nvmlDevice_t device, unsigned link, nvmlPciInfo_t* pci) {
  LOCK;
  const Query q = begin("nvmlDeviceGetNvLinkRemotePciInfo_v2", device, link_key(link));
  if (q.rc != NVML_SUCCESS) return q.rc;
  if (pci == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  const json* bus = q.at({"nvlink", link_key(link), "remote_pci_bus_id"});
  if (bus == nullptr) return NVML_ERROR_NOT_SUPPORTED;
  *pci = nvmlPciInfo_t{};
  unsigned domain = 0, b = 0, dev = 0, fn = 0;
  parse_bus_id(bus->get<std::string>(), &domain, &b, &dev, &fn);
  std::snprintf(pci->busId, sizeof(pci->busId), "%08X:%02X:%02X.%X", domain, b, dev, fn);
  pci->domain = domain;
  pci->bus = b;
  pci->device = dev;
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceGetNvLinkRemoteDeviceType)
static nvmlReturn_t impl_nvmlDeviceGetNvLinkRemoteDeviceType(nvmlDevice_t device, unsigned link,
                                                             nvmlIntNvLinkDeviceType_t* type) {
  LOCK;
  const Query q = begin("nvmlDeviceGetNvLinkRemoteDeviceType", device, link_key(link));
  if (q.rc != NVML_SUCCESS) return q.rc;
  const json* remote = q.at({"nvlink", link_key(link), "remote_type"});
  if (remote == nullptr || type == nullptr) return NVML_ERROR_NOT_SUPPORTED;
  const std::string r = remote->get<std::string>();
  *type = r == "gpu"      ? NVML_NVLINK_DEVICE_TYPE_GPU
          : r == "switch" ? NVML_NVLINK_DEVICE_TYPE_SWITCH
          : r == "ibmnpu" ? NVML_NVLINK_DEVICE_TYPE_IBMNPU
                          : NVML_NVLINK_DEVICE_TYPE_UNKNOWN;
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceGetNvLinkErrorCounter)
static nvmlReturn_t impl_nvmlDeviceGetNvLinkErrorCounter(nvmlDevice_t device, unsigned link,
                                                         nvmlNvLinkErrorCounter_t counter, unsigned long long* value) {
  LOCK;
  const char* name = counter == NVML_NVLINK_ERROR_DL_REPLAY     ? "replay"
                     : counter == NVML_NVLINK_ERROR_DL_RECOVERY ? "recovery"
                     : counter == NVML_NVLINK_ERROR_DL_CRC_FLIT ? "crc_flit"
                     : counter == NVML_NVLINK_ERROR_DL_CRC_DATA ? "crc_data"
                     : counter == NVML_NVLINK_ERROR_DL_ECC_DATA ? "ecc_data"
                                                                : "none";
  return number(begin("nvmlDeviceGetNvLinkErrorCounter", device, link_key(link) + "/" + name),
                {"nvlink", link_key(link), "errors", name}, value);
}

// ---- field values -------------------------------------------------------------------------------
// "field_values": {"<id>" or "<id>/<scope>": number | error name} wins; otherwise the field is
// derived from the named values it stands for (field_source), else NOT_SUPPORTED.
FAKE(nvmlDeviceGetFieldValues)
static nvmlReturn_t impl_nvmlDeviceGetFieldValues(nvmlDevice_t device, int count, nvmlFieldValue_t* values) {
  LOCK;
  State& s = state();
  Query whole = begin("nvmlDeviceGetFieldValues", device, "call");
  if (whole.rc != NVML_SUCCESS) return whole.rc;
  if (count < 0 || (count > 0 && values == nullptr)) return NVML_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < count; ++i) {
    nvmlFieldValue_t& f = values[i];
    const std::string scoped = std::to_string(f.fieldId) + "/" + std::to_string(f.scopeId);
    const json v = values_now(s, *whole.device, "nvmlDeviceGetFieldValues/" + whole.device->bus_id + "/" + scoped);
    Query q;
    q.values = v;
    f.timestamp = epoch_us();
    f.latencyUsec = 0;
    if (const json* e = q.at({"field_values", scoped})) {
      fill_field(*e, NVML_VALUE_TYPE_UNSIGNED_LONG_LONG, &f);
    } else if (const json* e2 = q.at({"field_values", std::to_string(f.fieldId)})) {
      fill_field(*e2, NVML_VALUE_TYPE_UNSIGNED_LONG_LONG, &f);
    } else {
      const FieldSource src = field_source(f.fieldId, f.scopeId);
      const json* found = nullptr;
      if (!src.path.empty()) {
        found = &v;
        for (const auto& key : src.path) {
          if (!found->is_object() || !found->contains(key) || (*found)[key].is_null()) {
            found = nullptr;
            break;
          }
          found = &(*found)[key];
        }
      }
      if (found != nullptr) {
        fill_field(*found, src.type, &f);
      } else {
        f.nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
      }
    }
  }
  return NVML_SUCCESS;
}

// ---- topology between pairs: "pairs": [{"gpus": [bus, bus], "common_ancestor": 10, "p2p_read": 0}]
static const json* pair_entry(nvmlDevice_t a, nvmlDevice_t b) {
  State& s = state();
  const Device* da = device_of(s, a);
  const Device* db = device_of(s, b);
  if (da == nullptr || db == nullptr) return nullptr;
  static const json kEmpty = json::array();
  const json& pairs = s.script.contains("pairs") ? s.script["pairs"] : kEmpty;
  for (const auto& p : pairs) {
    const auto gpus = p.value("gpus", json::array());
    if (gpus.size() != 2) continue;
    const std::string x = gpus[0].get<std::string>(), y = gpus[1].get<std::string>();
    if ((x == da->bus_id && y == db->bus_id) || (x == db->bus_id && y == da->bus_id)) return &p;
  }
  return nullptr;
}

FAKE(nvmlDeviceGetTopologyCommonAncestor)
static nvmlReturn_t impl_nvmlDeviceGetTopologyCommonAncestor(nvmlDevice_t a, nvmlDevice_t b,
                                                             nvmlGpuTopologyLevel_t* level) {
  LOCK;
  const nvmlReturn_t rc = begin_system("nvmlDeviceGetTopologyCommonAncestor");
  if (rc != NVML_SUCCESS) return rc;
  const json* p = pair_entry(a, b);
  if (p == nullptr || !p->contains("common_ancestor") || level == nullptr) return NVML_ERROR_NOT_SUPPORTED;
  *level = static_cast<nvmlGpuTopologyLevel_t>((*p)["common_ancestor"].get<int>());
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceGetP2PStatus)
static nvmlReturn_t impl_nvmlDeviceGetP2PStatus(nvmlDevice_t a, nvmlDevice_t b, nvmlGpuP2PCapsIndex_t,
                                                nvmlGpuP2PStatus_t* status) {
  LOCK;
  const nvmlReturn_t rc = begin_system("nvmlDeviceGetP2PStatus");
  if (rc != NVML_SUCCESS) return rc;
  const json* p = pair_entry(a, b);
  if (p == nullptr || !p->contains("p2p_read") || status == nullptr) return NVML_ERROR_NOT_SUPPORTED;
  *status = static_cast<nvmlGpuP2PStatus_t>((*p)["p2p_read"].get<int>());
  return NVML_SUCCESS;
}

// ---- events: "xid_events": [{"after_ms": T, "xid": N}] per device; an event reaches a set whose
// device registered for XID events at or before T, once T has passed ------------------------------
FAKE(nvmlEventSetCreate)
static nvmlReturn_t impl_nvmlEventSetCreate(nvmlEventSet_t* set) {
  LOCK;
  const nvmlReturn_t rc = begin_system("nvmlEventSetCreate");
  if (rc != NVML_SUCCESS) return rc;
  if (set == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  State& s = state();
  s.event_sets.push_back(std::make_unique<EventSet>());
  *set = reinterpret_cast<nvmlEventSet_t>(s.event_sets.back().get());
  return NVML_SUCCESS;
}

static EventSet* set_of(nvmlEventSet_t handle) {
  for (auto& e : state().event_sets) {
    if (reinterpret_cast<nvmlEventSet_t>(e.get()) == handle) return e.get();
  }
  return nullptr;
}

FAKE(nvmlDeviceGetSupportedEventTypes)
static nvmlReturn_t impl_nvmlDeviceGetSupportedEventTypes(nvmlDevice_t device, unsigned long long* types) {
  LOCK;
  const Query q = begin("nvmlDeviceGetSupportedEventTypes", device);
  if (q.rc != NVML_SUCCESS) return q.rc;
  if (types == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *types = nvmlEventTypeXidCriticalError;
  return NVML_SUCCESS;
}

FAKE(nvmlDeviceRegisterEvents)
static nvmlReturn_t impl_nvmlDeviceRegisterEvents(nvmlDevice_t device, unsigned long long types, nvmlEventSet_t set) {
  LOCK;
  const Query q = begin("nvmlDeviceRegisterEvents", device);
  if (q.rc != NVML_SUCCESS) return q.rc;
  EventSet* e = set_of(set);
  if (e == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if ((types & ~static_cast<unsigned long long>(nvmlEventTypeXidCriticalError)) != 0) return NVML_ERROR_NOT_SUPPORTED;
  State& s = state();
  std::size_t index = 0;
  while (s.devices[index].get() != q.device) ++index;
  e->registered.push_back({index, elapsed_ms(s)});
  return NVML_SUCCESS;
}

FAKE(nvmlEventSetWait_v2)
static nvmlReturn_t impl_nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t* data, unsigned timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    {
      LOCK;
      const nvmlReturn_t rc = begin_system("nvmlEventSetWait_v2");
      if (rc != NVML_SUCCESS) return rc;
      State& s = state();
      EventSet* e = set_of(set);
      if (e == nullptr || data == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
      const double now = elapsed_ms(s);
      // The earliest due event not yet delivered to this set.
      std::pair<std::size_t, std::size_t> best{0, 0};
      double best_t = -1;
      for (const auto& r : e->registered) {
        const auto& events = s.devices[r.device]->xid_events;
        for (std::size_t i = 0; i < events.size(); ++i) {
          const double t = events[i].value("after_ms", 0.0);
          if (t < r.since_ms || t > now || e->delivered.count({r.device, i}) != 0) continue;
          if (best_t < 0 || t < best_t) best_t = t, best = {r.device, i};
        }
      }
      if (best_t >= 0) {
        e->delivered.insert(best);
        *data = nvmlEventData_t{};
        data->device = reinterpret_cast<nvmlDevice_t>(s.devices[best.first].get());
        data->eventType = nvmlEventTypeXidCriticalError;
        data->eventData = s.devices[best.first]->xid_events[best.second].value("xid", 999ull);
        data->gpuInstanceId = 0xFFFFFFFFu;
        data->computeInstanceId = 0xFFFFFFFFu;
        return NVML_SUCCESS;
      }
    }
    if (Clock::now() >= deadline) return NVML_ERROR_TIMEOUT;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FAKE(nvmlEventSetFree)
static nvmlReturn_t impl_nvmlEventSetFree(nvmlEventSet_t set) {
  LOCK;
  State& s = state();
  if (!s.initialized) return NVML_ERROR_UNINITIALIZED;
  for (auto it = s.event_sets.begin(); it != s.event_sets.end(); ++it) {
    if (reinterpret_cast<nvmlEventSet_t>(it->get()) == set) {
      s.event_sets.erase(it);
      return NVML_SUCCESS;
    }
  }
  return NVML_ERROR_INVALID_ARGUMENT;
}
